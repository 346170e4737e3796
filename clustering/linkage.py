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
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import optimal_leaf_ordering
from scipy.spatial.distance import pdist

from clustering.errors import DataError

# The backends, the input checks and the distances live in their own modules; their public
# names stay importable from here (``as`` marks the ones this module only re-exports).
from clustering.linkage_backends import (
    TIES_UNCHECKED,
    ProgressCallback,
    _link,
)
from clustering.linkage_backends import (
    VECTOR_METHODS as VECTOR_METHODS,
)
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
from clustering.linkage_distances import condensed_distances as condensed_distances
from clustering.linkage_distances import distance_kwargs
from clustering.ties import SCIPY_TIES_MAX_N, nearest_pairs_tie, ward_tree_is_tie_free

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

#: Above this many rows optimal leaf ordering is refused. Measured on 2 shared
#: cores, d = 10, scipy 1.17: ward 1,000 rows 3.2 s, 2,000 rows 22 s, 4,000 rows
#: 555 s (average: 0.4 s, 3.2 s); the cost grows roughly with n^3.
OPTIMAL_ORDERING_MAX_N: int = 2000


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





def ward_tree_ties(X: np.ndarray, Z: np.ndarray) -> bool:
    """The ``ties`` verdict :func:`compute_linkage` gives a fast Ward tree Z of tie-prone X
    too big for SciPy: True when the nearest pairs of X tie or some merge of Z had a tie.

    >>> X = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> ward_tree_ties(X, compute_linkage(X, "ward").Z)
    False
    """
    return nearest_pairs_tie(X) or not ward_tree_is_tie_free(X, Z)


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
