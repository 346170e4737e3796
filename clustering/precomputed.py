"""A checked distance matrix clustered and mapped: SciPy's linkage and R's classical MDS.

    DistanceMatrix --linkage_from_distances--> Hierarchy (SciPy's ``linkage(squareform(D), method)``)
    DistanceMatrix --classical_mds--> MDS (the scatter when there are no coordinates)

:func:`precomputed_method_note` says what ward, centroid and median mean on a matrix that may
not be Euclidean. Arrays given instead of a :class:`~clustering.distance_matrix.DistanceMatrix`
are checked first (:func:`~clustering.distance_matrix.distances_from_square` /
:func:`~clustering.distance_matrix.distances_from_condensed`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.cluster.hierarchy import linkage as _scipy_linkage
from scipy.sparse.linalg import eigsh

from clustering.distance_matrix import (
    SYMMETRY_TOLERANCE,
    DistanceMatrix,
    distances_from_condensed,
    distances_from_square,
)
from clustering.errors import DataError
from clustering.linkage import METHODS, Hierarchy

__all__ = [
    "MDS",
    "MDS_FULL_SPECTRUM_MAX_N",
    "classical_mds",
    "linkage_from_distances",
    "precomputed_method_note",
]

# The logger of clustering.distances, as before the linkage had a module of its own.
logger = logging.getLogger("clustering.distances")

#: Up to this n, :func:`classical_mds` takes the full spectrum (R's ``cmdscale`` GOF exactly);
#: above it, only the top k eigenpairs (Lanczos) and the trace.
MDS_FULL_SPECTRUM_MAX_N = 1000


# ---------------------------------------------------------------- linkage
_NON_EUCLIDEAN = {
    "ward": ("Ward linkage on a precomputed matrix: SciPy applies Ward's update formula to these "
             "distances as given. Merge heights are Ward's (the square root of twice the increase "
             "in within-cluster sum of squares) only when the distances are Euclidean; on other "
             "distances (Gower, correlation, a distance from another tool) the tree is still "
             "well-defined and monotone, but the heights have no variance meaning."),
    "centroid": ("Centroid linkage on a precomputed matrix: SciPy applies the centroid update "
                 "formula to these distances as given, as if they were Euclidean. On non-Euclidean "
                 "distances the heights are not distances between centroids, and a merge can be "
                 "lower than an earlier one (an inversion), drawn as a link below its children."),
    "median": ("Median linkage on a precomputed matrix: SciPy applies the median (WPGMC) update "
               "formula to these distances as given, as if they were Euclidean. On non-Euclidean "
               "distances the heights are not distances between cluster midpoints, and a merge "
               "can be lower than an earlier one (an inversion)."),
}


def precomputed_method_note(method: str) -> str | None:
    """The sentence the page shows for ward / centroid / median on a precomputed matrix, else None.

    Examples
    --------
    >>> precomputed_method_note("average") is None
    True
    >>> precomputed_method_note("ward").startswith("Ward linkage on a precomputed matrix")
    True
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {', '.join(METHODS)}")
    return _NON_EUCLIDEAN.get(method)


def linkage_from_distances(
    D: DistanceMatrix | np.ndarray | Sequence[float],
    method: str = "average",
    *,
    optimal_ordering: bool = False,
    tolerance: float = SYMMETRY_TOLERANCE,
) -> Hierarchy:
    """Hierarchical clustering of a precomputed distance matrix: SciPy's own Z.

    Parameters
    ----------
    D : DistanceMatrix, square (n, n) array or condensed (n (n − 1) / 2,) array
        Arrays are checked (:func:`distances_from_square` / :func:`distances_from_condensed`).
        NaN (e.g. a Gower pair with no common variable) is refused, naming the pairs.
    method : str
        One of :data:`clustering.linkage.METHODS`. Ward, centroid and median are allowed
        as SciPy allows them; :func:`precomputed_method_note` says what that means.
    optimal_ordering : bool
        As in SciPy.

    Returns
    -------
    Hierarchy
        ``Z`` equal to ``scipy.cluster.hierarchy.linkage(condensed, method)``;
        ``metric = "precomputed"``, ``backend = "scipy.cluster.hierarchy.linkage"``.

    Examples
    --------
    >>> linkage_from_distances(np.array([[0, 1, 4], [1, 0, 2], [4, 2, 0]]), "single").Z.tolist()
    [[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 2.0, 3.0]]
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {', '.join(METHODS)}")
    if not isinstance(D, DistanceMatrix):
        arr = np.asarray(D, dtype=float)
        if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[0] > 1:
            D = distances_from_square(arr, tolerance=tolerance)
        else:
            D = distances_from_condensed(arr)
    start = time.perf_counter()
    # SciPy copies and checks the input itself; a writeable copy keeps DistanceMatrix frozen.
    Z = _scipy_linkage(np.array(D.condensed), method=method, optimal_ordering=optimal_ordering)
    Z.setflags(write=False)
    seconds = time.perf_counter() - start
    logger.debug("precomputed %s linkage of %d items in %.3f s", method, D.n, seconds)
    return Hierarchy(Z=Z, n=D.n, method=method, metric="precomputed",
                     backend="scipy.cluster.hierarchy.linkage", seconds=seconds,
                     optimal_ordering=optimal_ordering)


# ---------------------------------------------------------------- classical MDS
@dataclass(frozen=True)
class MDS:
    """Classical (Torgerson) scaling of a distance matrix, as R's ``cmdscale(d, k)``.

    Attributes
    ----------
    points : ndarray, shape (n, k)
        Coordinates; each axis is determined up to its sign (R may flip it).
    eigenvalues : ndarray, shape (k,)
        The k largest eigenvalues of the double-centred matrix B = −½ J D² J.
    share : ndarray, shape (k,)
        Each axis's share: eigenvalue / (sum of positive eigenvalues) when the full spectrum
        was computed (n <= MDS_FULL_SPECTRUM_MAX_N; R's ``GOF[2]`` is ``share.sum()``),
        else eigenvalue / trace(B), which is the same for a Euclidean matrix and an upper
        bound otherwise.
    euclidean : bool or None
        Whether B has no negative eigenvalue (beyond rounding); None when not computed.
    note : str
        A sentence for the scatter.
    """

    points: np.ndarray
    eigenvalues: np.ndarray
    share: np.ndarray
    euclidean: bool | None
    note: str


def classical_mds(D: DistanceMatrix | np.ndarray | Sequence[float], k: int = 2) -> MDS:
    """Classical multidimensional scaling: the scatter for a matrix without coordinates.

    Parameters
    ----------
    D : DistanceMatrix, square or condensed array
    k : int
        Number of axes, 1 <= k < n.

    Returns
    -------
    MDS
        ``points`` equal R's ``cmdscale(d, k)`` up to the sign of each axis. An axis whose
        eigenvalue is not positive is all zeros (R gives NaN) and the note says so.

    Examples
    --------
    Points at 0, 1 and 3 on a line come back centred (up to sign), all variance on axis 1:

    >>> m = classical_mds(np.array([[0, 1, 3], [1, 0, 2], [3, 2, 0]]), k=2)
    >>> np.round(np.abs(m.points[:, 0]), 4).tolist(), np.round(m.share, 6).tolist()
    ([1.3333, 0.3333, 1.6667], [1.0, 0.0])
    """
    if not isinstance(D, DistanceMatrix):
        arr = np.asarray(D, dtype=float)
        D = distances_from_square(arr) if arr.ndim == 2 and arr.shape[0] == arr.shape[1] \
            else distances_from_condensed(arr)
    n = D.n
    if not isinstance(k, int | np.integer) or not 1 <= k < n:
        raise DataError(f"k must be an integer from 1 to {n - 1} (the number of items less one), "
                        f"not {k!r}")
    B = _double_centred(D)
    ev, vec, euclidean, denom, basis = _top_eigenpairs(B, k, n)
    good = ev > 0
    points = np.where(good[None, :], vec * np.sqrt(np.where(good, ev, 0.0))[None, :], 0.0)
    share = np.where(good, ev, 0.0) / denom if denom > 0 else np.zeros(k)
    pct = " and ".join(f"{100 * s:.1f}%" for s in share)
    note = (f"Classical MDS (R's cmdscale) of the distance matrix: the axes show {pct} "
            f"({100 * share.sum():.1f}% together) {basis}.")
    if euclidean is False:
        note += (" The matrix is not Euclidean (the double-centred matrix has negative "
                 "eigenvalues), so no map reproduces it exactly.")
    if not good.all():
        note += f" Only {int(good.sum())} of the {k} axes carry variance; the others are 0."
    points = np.ascontiguousarray(points)
    return MDS(points, ev, share, euclidean, note)


def _double_centred(D: DistanceMatrix) -> np.ndarray:
    """B = −½ J D² J, the double-centred squared distances, as a new (n, n) array."""
    sq = D.square()
    sq **= 2
    # B = −½ J D² J without forming J
    row = sq.mean(axis=1)
    total = row.mean()
    sq -= row[:, None]
    sq -= row[None, :]
    sq += total
    sq *= -0.5
    return sq


def _top_eigenpairs(B: np.ndarray, k: int,
                    n: int) -> tuple[np.ndarray, np.ndarray, bool | None, float, str]:
    """The k largest eigenvalues of B and their vectors, largest first, with whether B is
    Euclidean, the denominator of each axis's share and the words naming it.

    Up to :data:`MDS_FULL_SPECTRUM_MAX_N` items the full spectrum (shares of the positive
    eigenvalues' sum, as R's GOF); above, Lanczos for k pairs (shares of the trace).
    """
    trace = float(np.trace(B))
    if n <= MDS_FULL_SPECTRUM_MAX_N:
        values, vectors = linalg.eigh(B)
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
        positive = float(values[values > 0].sum())
        tol = 1e-10 * max(abs(values[0]), 1e-300)
        euclidean = bool(values[-1] >= -tol * n)
        ev, vec = values[:k], vectors[:, :k]
        denom = positive
        basis = "of the positive eigenvalues' sum"
    else:
        ev, vec = eigsh(B, k=k, which="LA")
        order = np.argsort(ev)[::-1]
        ev, vec = ev[order], vec[:, order]
        euclidean = None
        denom = trace
        basis = ("of the trace (the total when the matrix is Euclidean, otherwise an upper "
                 "bound)")
    return ev, vec, euclidean, denom, basis
