"""The parts of the gap statistic a worker runs: the reference box and log W_k.

As R's ``cluster::clusGap`` computes them by default, split so that a job manager can run the
Monte Carlo part in parallel: `gap_reference` (the null box), `within_dispersion` (W of given
labelings), `gap_observed` (log W_k of the data), `gap_replicates` (log W_k of reference sets
``b0 .. b1-1``; replicate b always uses the same random stream, whatever the chunking).
:mod:`clustering.gap` combines them into the table and the chosen k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clustering.cut_index import tree_index
from clustering.errors import DataError
from clustering.linkage import compute_linkage, validate_matrix
from clustering.validity_checks import (
    FunCluster,
    _check_clusterer,
    _check_d_power,
    _check_k_max,
    _check_seed,
    _whole,
)
from clustering.validity_sums import _cluster_sums, _codes, _Distances

__all__ = [
    "SPACES_H0",
    "GapReference",
    "gap_observed",
    "gap_reference",
    "gap_replicates",
    "within_dispersion",
]

#: R's ``clusGap(spaceH0 = ...)`` choices, its default first.
SPACES_H0: tuple[str, ...] = ("scaledPCA", "original")


@dataclass(frozen=True, eq=False)
class GapReference:
    """The null model of the gap statistic: a box to draw reference data from uniformly.

    With ``space_h0 = "scaledPCA"`` (clusGap's default) the box is aligned with the principal
    axes of the centred data (the rotation is the SVD's V; the columns are centred, not
    scaled, despite the name); with "original" it is the bounding box of the data.

    Attributes
    ----------
    center : ndarray, shape (d,)
        Column means of X.
    rotation : ndarray, shape (d, r) or None
        Principal axes (r = min(n, d)); None for "original".
    lower, upper : ndarray, shape (r,)
        Range of the (rotated) centred data along each axis.
    n : int
        Rows per reference set (the rows of X).
    space_h0 : str
    """

    center: np.ndarray
    rotation: np.ndarray | None
    lower: np.ndarray
    upper: np.ndarray
    n: int
    space_h0: str

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One reference set, shape (n, d)."""
        z = self.lower + (self.upper - self.lower) * rng.random((self.n, self.lower.size))
        if self.rotation is not None:
            z = z @ self.rotation.T
        return z + self.center


def gap_reference(X: object, space_h0: str = "scaledPCA") -> GapReference:
    """The reference box of `gap_statistic` for data X (deterministic).

    Examples
    --------
    >>> ref = gap_reference([[0.0, 0.0], [2.0, 2.0], [4.0, 4.0]])
    >>> ref.center.tolist(), (ref.upper - ref.lower).round(4).tolist()
    ([2.0, 2.0], [5.6569, 0.0])
    """
    if space_h0 not in SPACES_H0:
        raise DataError(f"unknown space_h0 {space_h0!r}: choose one of {', '.join(SPACES_H0)}")
    Xv = validate_matrix(X)
    center = Xv.mean(axis=0)
    xs = Xv - center
    rotation = None
    if space_h0 == "scaledPCA":
        rotation = np.linalg.svd(xs, full_matrices=False)[2].T
        xs = xs @ rotation
    return GapReference(center, rotation, xs.min(axis=0), xs.max(axis=0), Xv.shape[0], space_h0)


def within_dispersion(X: object, labelings: Sequence[object], d_power: float = 1.0) -> np.ndarray:
    """W for each labeling, as clusGap: sum over clusters of (sum of within pair distances^d_power) / (2 n_r).

    The pair sum counts each unordered pair once (R's ``dist``), distances are euclidean.

    Parameters
    ----------
    X : array_like, shape (n, d)
    labelings : sequence of array_like, each shape (n,)
    d_power : float

    Returns
    -------
    ndarray, shape (len(labelings),)

    Examples
    --------
    >>> within_dispersion([[0.0], [1.0], [5.0], [7.0]], [[1, 1, 1, 1], [1, 1, 2, 2]]).tolist()
    [3.125, 0.75]
    """
    Xv = validate_matrix(X)
    d_power = _check_d_power(d_power)
    labs = [np.asarray(lab).ravel() for lab in labelings]
    if any(lab.size != Xv.shape[0] for lab in labs):
        raise DataError(f"every labeling needs one label per row ({Xv.shape[0]})")
    return _within(Xv, labs, d_power)


def _within(X: np.ndarray, labelings: Sequence[np.ndarray], d_power: float) -> np.ndarray:
    codes, sizes, offsets = _codes(labelings)
    sums = _cluster_sums(_Distances(X, None, "euclidean", 2.0, d_power), codes, offsets)
    out = np.empty(len(codes))
    rows = np.arange(X.shape[0])
    for j, code in enumerate(codes):
        own = sums[rows, offsets[j] + code]  # each within pair counted from both ends
        counts = np.bincount(code, minlength=sizes[j])
        out[j] = 0.25 * float((np.bincount(code, weights=own, minlength=sizes[j]) / counts).sum())
    return out



def _labelings(x: np.ndarray, method: str | FunCluster, metric: str, p: float, k_max: int,
               Z: np.ndarray | None = None) -> list[np.ndarray]:
    """Labels for k = 1..k_max: one tree cut at every k (maxclust), or R-style FUNcluster(x, k)."""
    n = x.shape[0]
    out = [np.zeros(n, dtype=np.int64)]
    if callable(method) and Z is None:
        for k in range(2, k_max + 1):
            lab = np.asarray(method(x, k))
            if lab.shape != (n,):
                raise DataError(f"the clustering function returned labels of shape {lab.shape} "
                                f"for k = {k}; it must return one label per row ({n})")
            out.append(lab)
        return out
    if Z is None:
        Z = compute_linkage(x, method, metric, p=p).Z  # type: ignore[arg-type]
    index = tree_index(Z)
    if index.n != n:
        raise DataError(f"the tree has {index.n} leaves but the data has {n} rows")
    out.extend(index.labels_for_k(k) for k in range(2, k_max + 1))
    return out


def gap_observed(
    X: object,
    method: str | FunCluster = "ward",
    metric: str = "euclidean",
    k_max: int = 12,
    *,
    Z: np.ndarray | None = None,
    p: float = 2.0,
    d_power: float = 1.0,
) -> np.ndarray:
    """log W_k of the data for k = 1..k_max (clusGap's ``logW`` column).

    The partition at k is the tree of X (``Z`` when given, else built with method/metric)
    cut as ``fcluster(Z, k, 'maxclust')``, or ``method(X, k)`` when method is a function.

    Returns
    -------
    ndarray, shape (k_max,)

    Examples
    --------
    >>> gap_observed([[0.0], [1.0], [5.0], [7.0]], "single", k_max=2).round(4).tolist()
    [1.1394, -0.2877]
    """
    Xv = validate_matrix(X)
    k_max = _check_k_max(k_max, Xv.shape[0])
    _check_clusterer(method, metric)
    d_power = _check_d_power(d_power)
    w = _within(Xv, _labelings(Xv, method, metric, p, k_max, Z), d_power)
    if (w == 0).any():
        k0 = int(np.flatnonzero(w == 0)[0]) + 1
        raise DataError(
            f"at k = {k0} every cluster holds identical rows, so W is 0 and log W is -inf: "
            f"choose K below {k0}, or drop duplicate rows"
        )
    return np.log(w)


def _replicate_rng(seed: int, b: int) -> np.random.Generator:
    # The b-th child of SeedSequence(seed).spawn(...), built directly: chunking cannot matter.
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))


def gap_replicates(
    reference: GapReference,
    method: str | FunCluster = "ward",
    metric: str = "euclidean",
    k_max: int = 12,
    b0: int = 0,
    b1: int = 1,
    *,
    seed: int = 0,
    p: float = 2.0,
    d_power: float = 1.0,
) -> np.ndarray:
    """log W_k of reference sets ``b0 .. b1 - 1`` (one chunk of the Monte Carlo part).

    A pure function of its arguments: replicate b draws from
    ``SeedSequence(seed, spawn_key=(b,))`` (the b-th child of ``SeedSequence(seed).spawn``),
    so any split of ``0 .. B-1`` into chunks gives the same numbers. Each reference set is
    clustered as the data (same method and metric, a tree cut at each k).

    Returns
    -------
    ndarray, shape (b1 - b0, k_max)

    Examples
    --------
    >>> ref = gap_reference([[0.0, 1.0], [1.0, 0.0], [5.0, 5.0], [6.0, 5.0], [9.0, 1.0]])
    >>> whole = gap_replicates(ref, "average", "euclidean", 3, 0, 4, seed=7)
    >>> parts = [gap_replicates(ref, "average", "euclidean", 3, b, b + 2, seed=7) for b in (0, 2)]
    >>> bool((np.vstack(parts) == whole).all()), whole.shape
    (True, (4, 3))
    """
    if not isinstance(reference, GapReference):
        raise DataError("reference must come from gap_reference(X)")
    k_max = _check_k_max(k_max, reference.n)
    _check_clusterer(method, metric)
    d_power = _check_d_power(d_power)
    seed = _check_seed(seed)
    b0, b1 = _whole(b0, "b0"), _whole(b1, "b1")
    if not 0 <= b0 < b1:
        raise DataError(f"a chunk of replicates needs 0 <= b0 < b1, got b0 = {b0}, b1 = {b1}")
    out = np.empty((b1 - b0, k_max))
    for row, b in enumerate(range(b0, b1)):
        z = reference.draw(_replicate_rng(seed, b))
        out[row] = np.log(_within(z, _labelings(z, method, metric, p, k_max), d_power))
    return out
