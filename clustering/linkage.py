"""Hierarchical clustering with the fastest backend that gives SciPy's numbers.

``compute_linkage`` returns the linkage matrix ``Z`` that
``scipy.cluster.hierarchy.linkage`` would return (heights to 1e-9 relative,
the same flat clusters at every cut up to renumbering), using fastcluster,
except that data whose distances may tie (:mod:`clustering.ties`) with up to
``SCIPY_TIES_MAX_N`` rows goes to SciPy's own routine, whose tie order then
gives exactly SciPy's Z (Ward keeps the fast path when its tree is checked free of ties at
every merge, :func:`clustering.ties.ward_tree_is_tie_free`: then SciPy builds the same Z):

* ``fastcluster.linkage_vector`` for ward / centroid / median / single on
  euclidean data: memory O(n·d), no distance matrix at all.
* otherwise one condensed ``pdist`` matrix, handed to fastcluster's C routine
  directly. ``fastcluster.linkage`` 1.3.0 starts with ``numpy.array(X)``,
  which under NumPy 2 always copies, so its peak is twice the condensed
  matrix whatever ``preserve_input`` says; calling ``_fastcluster.linkage_wrap``
  on our own (throw-away) matrix keeps the peak at one matrix.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
>>> h = compute_linkage(X, "average", "cityblock")
>>> h.Z.tolist()
[[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 9.5, 3.0]]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import fastcluster
import numpy as np
from scipy.cluster.hierarchy import linkage as scipy_linkage
from scipy.cluster.hierarchy import optimal_leaf_ordering
from scipy.spatial.distance import pdist

from clustering.errors import DataError

# Input checks and distances live in their own modules; their names stay importable from here.
from clustering.linkage_checks import (
    EUCLIDEAN_ONLY as EUCLIDEAN_ONLY,
)
from clustering.linkage_checks import (
    METHODS,
    METRICS,
    check_method_metric,
    method_metric_problem,
    validate_matrix,
)
from clustering.linkage_distances import condensed_distances, distance_kwargs
from clustering.ties import (
    SCIPY_TIES_MAX_N,
    may_have_ties,
    nearest_pairs_tie,
    ward_tree_is_tie_free,
)

try:  # the C entry point behind fastcluster.linkage; see the module docstring
    from _fastcluster import linkage_wrap as _linkage_wrap
except ImportError:  # pragma: no cover - a fastcluster build without it
    _linkage_wrap = None

__all__ = [
    "METHODS",
    "METRICS",
    "OPTIMAL_ORDERING_MAX_N",
    "TIES_UNCHECKED",
    "Hierarchy",
    "check_method_metric",
    "compute_linkage",
    "distance_kwargs",
    "method_metric_problem",
    "validate_matrix",
    "ward_tree_ties",
]

logger = logging.getLogger(__name__)

#: Methods fastcluster.linkage_vector runs on euclidean vectors in O(n·d) memory.
VECTOR_METHODS: tuple[str, ...] = ("single", "centroid", "median", "ward")

#: Above this many rows optimal leaf ordering is refused. Measured on 2 shared
#: cores, d = 10, scipy 1.17: ward 1,000 rows 3.2 s, 2,000 rows 22 s, 4,000 rows
#: 555 s (average: 0.4 s, 3.2 s); the cost grows roughly with n^3.
OPTIMAL_ORDERING_MAX_N: int = 2000

ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """A finished hierarchical clustering.

    Attributes
    ----------
    Z : ndarray, shape (n - 1, 4), float64, read-only
        SciPy's linkage matrix: the two merged cluster ids, the merge height,
        the size of the new cluster.
    n : int
        Number of observations (leaves).
    method, metric : str
        As given to :func:`compute_linkage`.
    backend : str
        What computed Z, e.g. ``"fastcluster.linkage_vector"``.
    seconds : float
        Wall time of :func:`compute_linkage`.
    p : float
        Minkowski exponent (only meaningful when ``metric == 'minkowski'``).
    optimal_ordering : bool
        Whether the leaves were put in optimal order.
    ties : bool
        Whether the distances may hold exact ties that can change this tree
        (:func:`clustering.ties.may_have_ties`; False for a Ward tree checked free of ties at
        every merge, :func:`clustering.ties.ward_tree_is_tie_free`);
        :func:`clustering.ties.tie_note` says what that means for this tree.

    Examples
    --------
    >>> h = compute_linkage([[0.0], [1.0], [3.0]], "single")
    >>> h.n, h.Z.shape, h.backend
    (3, (2, 4), 'fastcluster.linkage_vector')
    """

    Z: np.ndarray
    n: int
    method: str
    metric: str
    backend: str
    seconds: float
    p: float = 2.0
    optimal_ordering: bool = False
    ties: bool = False




#: Ends ``Hierarchy.backend`` when ``compute_linkage(check_ties=False)`` left a Ward tree
#: unchecked for ties (its ``ties`` is then True until :func:`ward_tree_ties` says otherwise).
TIES_UNCHECKED = ", ties not checked"


def ward_tree_ties(X: np.ndarray, Z: np.ndarray) -> bool:
    """The ``ties`` verdict :func:`compute_linkage` gives a fast Ward tree Z of tie-prone X
    too big for SciPy: True when the nearest pairs of X tie or some merge of Z had a tie.

    >>> X = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> ward_tree_ties(X, compute_linkage(X, "ward").Z)
    False
    """
    return nearest_pairs_tie(X) or not ward_tree_is_tie_free(X, Z)


def _ward_unless_tied(X: np.ndarray, scipy_allowed: bool
                      ) -> tuple[np.ndarray, str, bool] | None:
    """fastcluster's Ward tree of tie-prone X as (Z, backend, ties), or None when SciPy must
    link X instead. Tie-prone is not tied: a tree with no tie at any merge is the one every
    exact implementation builds, and checking that costs a fraction of SciPy's linkage
    (:func:`clustering.ties.ward_tree_is_tie_free`). A tied tree goes to SciPy when allowed,
    else stays, with ``ties`` set so the page says it is one of several."""
    Z = fastcluster.linkage_vector(X, method="ward", metric="euclidean")
    if ward_tree_is_tie_free(X, Z):
        return Z, "fastcluster.linkage_vector, checked tie-free", False
    return None if scipy_allowed else (Z, "fastcluster.linkage_vector", True)


def _checked_input(X: object, method: str, metric: str, p: float,
                   optimal_ordering: bool) -> tuple[np.ndarray, dict]:
    """X validated, and its ``pdist`` keywords: every :class:`DataError` that needs no
    distance, raised before any is computed."""
    check_method_metric(method, metric)
    X = validate_matrix(X)
    n = X.shape[0]
    if optimal_ordering and n > OPTIMAL_ORDERING_MAX_N:
        raise DataError(
            f"optimal leaf ordering of {n:,} rows would take many minutes; it is offered up "
            f"to {OPTIMAL_ORDERING_MAX_N:,} rows. Turn it off, or cluster a sample."
        )
    return X, distance_kwargs(X, metric, p)  # validates p, seuclidean, mahalanobis early


def _reporter(progress: ProgressCallback | None) -> ProgressCallback:
    """``progress``, or a callback that does nothing when there is none."""

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    return report


def _link(X: np.ndarray, method: str, metric: str, p: float, *, keep_distances: bool,
          report: ProgressCallback, scipy_ties_max_n: int, check_ties: bool
          ) -> tuple[np.ndarray, str, bool, np.ndarray | None]:
    """Link X with the backend that gives SciPy's tree (the module docstring says which):
    (Z, backend, ties, D), D the condensed distances when ``keep_distances`` and the backend
    computed them (for the leaf ordering), else None."""
    n = X.shape[0]
    ties = may_have_ties(X, metric)
    unchecked = (not check_ties and ties and method == "ward" and metric == "euclidean"
                 and n > scipy_ties_max_n)
    fast_ward = _fast_ward(X, method, metric, ties and not unchecked,
                           n <= scipy_ties_max_n, report)
    D: np.ndarray | None = None
    if fast_ward is not None:
        Z, backend, ties = fast_ward
    elif ties and method != "single" and n <= scipy_ties_max_n:
        backend = "scipy.cluster.hierarchy.linkage"
        Z, D = _scipy_link(X, method, metric, p, keep_distances, report)
    elif metric == "euclidean" and method in VECTOR_METHODS:
        backend = "fastcluster.linkage_vector"
        report(0.0, "linking")
        Z = fastcluster.linkage_vector(X, method=method, metric="euclidean")
    else:
        Z, backend, D = _condensed_link(X, method, metric, p, keep_distances, report)
    if unchecked:
        backend += TIES_UNCHECKED
    return Z, backend, ties, D


def _fast_ward(X: np.ndarray, method: str, metric: str, check: bool, scipy_allowed: bool,
               report: ProgressCallback) -> tuple[np.ndarray, str, bool] | None:
    """:func:`_ward_unless_tied` for Ward on tie-prone X that is to be ``check``-ed, else
    None (then the other backends decide)."""
    # Data whose nearest pairs already tie (integers, counts) would fail the Ward check at its
    # first merges: it goes straight to SciPy.
    if not (check and method == "ward" and metric == "euclidean" and not nearest_pairs_tie(X)):
        return None
    report(0.0, "linking")
    fast_ward = _ward_unless_tied(X, scipy_allowed)
    report(0.3, "checked for ties")
    return fast_ward


def _scipy_link(X: np.ndarray, method: str, metric: str, p: float, keep_distances: bool,
                report: ProgressCallback) -> tuple[np.ndarray, np.ndarray | None]:
    """``scipy.cluster.hierarchy.linkage`` on X's condensed distances, so ties break in
    SciPy's order: (Z, D when ``keep_distances`` else None)."""
    report(0.0, "computing distances")
    D = condensed_distances(X, metric, p)
    report(0.4, "linking")
    # SciPy copies D for its own work, so D survives for the optional ordering.
    Z = scipy_linkage(D, method=method)
    return Z, (D if keep_distances else None)


def _condensed_link(X: np.ndarray, method: str, metric: str, p: float, keep_distances: bool,
                    report: ProgressCallback) -> tuple[np.ndarray, str, np.ndarray | None]:
    """fastcluster's C routine on X's condensed distances, which it consumes (no copy, see
    the module docstring): (Z, backend, a copy of D made first when ``keep_distances``)."""
    n = X.shape[0]
    report(0.0, "computing distances")
    D = condensed_distances(X, metric, p)
    # The linking step overwrites D; n is small here.
    D_keep = D.copy() if keep_distances else None
    report(0.4, "linking")
    Z = np.empty((n - 1, 4), dtype=np.float64)
    if _linkage_wrap is not None:
        backend = "fastcluster.linkage"
        _linkage_wrap(n, D, Z, fastcluster.mthidx[method])
    else:  # pragma: no cover
        backend = "fastcluster.linkage (copying)"
        Z = fastcluster.linkage(D, method=method)
    return Z, backend, D_keep


def _check_heights(Z: np.ndarray) -> None:
    """Raise :class:`DataError` when a merge height overflowed to infinity."""
    if not np.all(np.isfinite(Z[:, 2])):
        raise DataError(
            "some merge heights overflowed to infinity: the values are too large; "
            "scale the columns (e.g. z-score) before clustering"
        )


def _order_leaves(X: np.ndarray, Z: np.ndarray, D: np.ndarray | None, metric: str,
                  kwargs: dict, report: ProgressCallback) -> np.ndarray:
    """Z with its leaves in optimal order, on D (computed again from X when not kept)."""
    report(0.9, "ordering leaves")
    if D is None:
        D = pdist(X, metric=metric, **kwargs)
    return optimal_leaf_ordering(Z, D)


def compute_linkage(
    X: object,
    method: str = "ward",
    metric: str = "euclidean",
    *,
    p: float = 2.0,
    optimal_ordering: bool = False,
    progress: ProgressCallback | None = None,
    scipy_ties_max_n: int = SCIPY_TIES_MAX_N,
    check_ties: bool = True,
) -> Hierarchy:
    """Cluster the rows of X hierarchically, as ``scipy.cluster.hierarchy.linkage``.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Finite real numbers, n >= 2.
    method : str
        One of :data:`METHODS`.
    metric : str
        One of :data:`METRICS`; centroid, median and ward need ``'euclidean'``.
    p : float
        Exponent of the minkowski metric.
    optimal_ordering : bool
        Reorder the leaves so adjacent leaves are as close as possible
        (``scipy.cluster.hierarchy.optimal_leaf_ordering``); refused above
        :data:`OPTIMAL_ORDERING_MAX_N` rows.
    progress : callable(fraction, text), optional
        Called at stage boundaries: "computing distances", "linking",
        "ordering leaves", "done".
    scipy_ties_max_n : int
        Data that may hold tied distances (:func:`clustering.ties.may_have_ties`) with at
        most this many rows is linked by ``scipy.cluster.hierarchy.linkage`` itself, so
        ties are broken in SciPy's order (single linkage excepted: ties change neither its
        heights nor its clusters; Ward excepted when its fast tree has no tie at any merge,
        :func:`clustering.ties.ward_tree_is_tie_free`, since then every exact routine
        builds it). Its peak memory is two condensed matrices (8 n^2 bytes);
        lower this to fit a smaller budget.
    check_ties : bool
        False skips the Ward tie check where it decides only ``ties``, not Z (tie-prone
        data past ``scipy_ties_max_n`` rows; ~5 s at 20,000 x 10, more than the linkage):
        ``backend`` then ends with :data:`TIES_UNCHECKED`, ``ties`` is True, and
        :func:`ward_tree_ties` gives the verdict later.

    Returns
    -------
    Hierarchy
        ``Z`` has shape (n - 1, 4).

    Raises
    ------
    DataError
        Invalid data, invalid method/metric pair, undefined distances (naming
        the 1-based rows), too many rows for optimal ordering.

    Examples
    --------
    >>> h = compute_linkage([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0]], "ward")
    >>> h.Z[:, 2].round(4).tolist()
    [1.0, 4.6547]
    """
    t0 = time.perf_counter()
    X, kwargs = _checked_input(X, method, metric, p, optimal_ordering)
    report = _reporter(progress)
    Z, backend, ties, D = _link(X, method, metric, p, keep_distances=optimal_ordering,
                                report=report, scipy_ties_max_n=scipy_ties_max_n,
                                check_ties=check_ties)
    _check_heights(Z)
    if optimal_ordering:
        Z = _order_leaves(X, Z, D, metric, kwargs, report)
        backend += " + scipy.optimal_leaf_ordering"
    report(1.0, "done")
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    Z.flags.writeable = False
    seconds = time.perf_counter() - t0
    n = X.shape[0]
    logger.info(
        "linkage n=%d d=%d %s/%s via %s in %.3f s", n, X.shape[1], method, metric, backend, seconds
    )
    return Hierarchy(
        Z=Z,
        n=n,
        method=method,
        metric=metric,
        backend=backend,
        seconds=seconds,
        p=float(p),
        optimal_ordering=bool(optimal_ordering),
        ties=bool(ties),
    )
