"""The backends of :func:`clustering.linkage.compute_linkage`, and the choice between them.

:func:`_link` takes the first of these that applies (:mod:`clustering.linkage`'s docstring
says why): fastcluster's Ward tree of tie-prone data when it is checked free of ties at every
merge (or SciPy may not take the data), SciPy's own routine for other tie-prone data up to
``scipy_ties_max_n`` rows (single linkage excepted), ``fastcluster.linkage_vector`` for single /
centroid / median / ward on euclidean data, else fastcluster's C routine on one condensed
matrix. ``clustering.linkage`` re-exports :data:`VECTOR_METHODS` and :data:`TIES_UNCHECKED`.
"""

from __future__ import annotations

from collections.abc import Callable

import fastcluster
import numpy as np
from scipy.cluster.hierarchy import linkage as scipy_linkage

from clustering.linkage_distances import condensed_distances
from clustering.ties import may_have_ties, nearest_pairs_tie, ward_tree_is_tie_free

try:  # the C entry point behind fastcluster.linkage; see clustering.linkage's docstring
    from _fastcluster import linkage_wrap as _linkage_wrap
except ImportError:  # pragma: no cover - a fastcluster build without it
    _linkage_wrap = None

__all__ = ["TIES_UNCHECKED", "VECTOR_METHODS"]

#: Methods fastcluster.linkage_vector runs on euclidean vectors in O(n·d) memory.
VECTOR_METHODS: tuple[str, ...] = ("single", "centroid", "median", "ward")

#: Ends ``Hierarchy.backend`` when ``compute_linkage(check_ties=False)`` left a Ward tree
#: unchecked for ties (its ``ties`` is then True until
#: :func:`clustering.linkage.ward_tree_ties` says otherwise).
TIES_UNCHECKED = ", ties not checked"

ProgressCallback = Callable[[float, str], None]


def _link(X: np.ndarray, method: str, metric: str, p: float, *, keep_distances: bool,
          report: ProgressCallback, scipy_ties_max_n: int, check_ties: bool
          ) -> tuple[np.ndarray, str, bool, np.ndarray | None]:
    """Link X with the backend that gives SciPy's tree (:mod:`clustering.linkage` says which):
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
    :mod:`clustering.linkage`): (Z, backend, a copy of D made first when ``keep_distances``)."""
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
