"""Dynamic tree cut: R's ``dynamicTreeCut::cutreeDynamic`` (Langfelder, Zhang and Horvath 2008).

Two methods, as version 1.63-1 of the R package (Debian's ``r-cran-dynamictreecut``)
implements them, quirks included, so the labels equal R's on the same tree:

- ``"tree"`` (``cutreeDynamicTree``): a static cut at ``cut_height``, then each branch is cut
  again where the sequence of leaf heights (the height at which each leaf first joins,
  read in dendrogram order) dips below its mean; ``deep_split=True`` repeats until stable.
- ``"hybrid"`` (``cutreeHybrid``): walks the merges bottom-up and keeps two branches apart
  when both are big enough, tight (core scatter) and well separated (gap); then, unless
  ``pam_stage=False``, assigns the leftover rows to the nearest cluster (by mean distance)
  as a PAM-like step. Needs the n x n distance matrix.

Label 0 means "unassigned"; clusters are numbered by size, largest = 1, as R numbers them.

This module is the entry point, :func:`dynamic_cut`; the parts live by their job in

- ``clustering.dynamic_rtree``: R's tree from a SciPy Z (:class:`RTree`, :func:`r_tree`,
  re-exported here) and R's numbering of clusters by size;
- ``clustering.dynamic_checks``: the argument checks, the distances or rows included;
- ``clustering.dynamic_tree_method``: the "tree" method;
- ``clustering.dynamic_hybrid``: the "hybrid" method and its branches;
- ``clustering.dynamic_pam``: the hybrid method's PAM stage.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from clustering.dynamic_checks import (
    _check_flags,
    _check_float,
    _check_hybrid_deep_split,
    _check_int,
    _check_tree_args,
    _checked_r_tree,
    _hybrid_distances,
    _square_distances,
)
from clustering.dynamic_hybrid import _cut_hybrid
from clustering.dynamic_rtree import RTree, r_tree
from clustering.dynamic_tree_method import _cut_tree_method
from clustering.errors import DataError

__all__ = ["DYNAMIC_METHODS", "RTree", "dynamic_cut", "r_tree"]

logger = logging.getLogger(__name__)

DYNAMIC_METHODS = ("hybrid", "tree")


def dynamic_cut(
    Z: Any,
    D: Any = None,
    *,
    X: Any = None,
    metric: str = "euclidean",
    p: float = 2.0,
    method: str = "hybrid",
    min_cluster_size: int = 20,
    deep_split: int | bool | None = None,
    cut_height: float | None = None,
    pam_stage: bool = True,
    pam_respects_dendro: bool = True,
    max_core_scatter: float | None = None,
    min_gap: float | None = None,
    max_abs_core_scatter: float | None = None,
    min_abs_gap: float | None = None,
    min_split_height: float | None = None,
    min_abs_split_height: float | None = None,
    max_pam_dist: float | None = None,
    respect_small_clusters: bool = True,
) -> np.ndarray:
    """Labels from R's ``cutreeDynamic(hclust, distM = D, ...)`` for a SciPy linkage matrix.

    Defaults are R's: ``min_cluster_size=20``; ``deep_split`` 1 for "hybrid", False for
    "tree"; ``cut_height`` for "hybrid" 99% of the range between the height of merge
    ``round(0.05 (n-1))`` and the top merge, for "tree" 99% of the top merge height.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        SciPy linkage matrix with non-decreasing heights (no inversions).
    D : array_like, shape (n, n) or (n(n-1)/2,), or (n, d), optional
        The distances the tree was built from (square or ``pdist`` form), or the rows
        themselves (the issue's ``D_or_X``): an (n, d) array with d != n is read as rows, as
        ``X``. Needed by "hybrid", which holds the distances as an n x n float64 matrix
        (8 n^2 bytes: 200 MB at n = 5,000). An (n, n) array is always read as distances:
        pass data with as many columns as rows as ``X=``.
    X : array_like, shape (n, d), optional
        Instead of D: the rows the tree was built from, with ``metric`` (one of
        `clustering.linkage.METRICS`) and ``p`` (minkowski), as `compute_linkage` takes them.
    method : {"hybrid", "tree"}
    min_cluster_size : int >= 1
    deep_split : int 0..4 for "hybrid" (a bool is read as R reads it: True = 3), bool for "tree".
    cut_height : float, optional
        Merges above it are never inside a cluster (R's ``cutHeight``).
    pam_stage, pam_respects_dendro, respect_small_clusters : bool
        "hybrid" only: assign leftover rows to the nearest cluster, only within their branch,
        and keep small branches together when doing so.
    max_core_scatter, min_gap, max_abs_core_scatter, min_abs_gap, min_split_height, \
min_abs_split_height, max_pam_dist : float, optional
        "hybrid" only: R's thresholds; None derives them from ``deep_split`` and ``cut_height``.

    Returns
    -------
    ndarray, shape (n,), int64
        0 = unassigned, clusters 1..K by decreasing size (ties as R breaks them).

    Raises
    ------
    DataError
        Bad arguments, an invalid Z, a Z with inversions, or a distance matrix of the wrong shape.

    Notes
    -----
    Not ported: R's ``useMedoids = TRUE`` and external split functions. R falls back to "tree"
    when "hybrid" gets no ``distM``; this raises instead.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> from scipy.spatial.distance import pdist
    >>> X = np.r_[np.arange(6.0), np.arange(6.0) + 20][:, None]
    >>> Z = linkage(X, "average")
    >>> dynamic_cut(Z, pdist(X), min_cluster_size=3).tolist()
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    >>> dynamic_cut(Z, X, min_cluster_size=3).tolist()  # the rows (n, d) instead of distances
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    """
    if method not in DYNAMIC_METHODS:
        raise DataError(f"method must be one of {', '.join(DYNAMIC_METHODS)}; got {method!r}")
    rt = _checked_r_tree(Z)
    n = rt.n
    min_cluster_size = _check_int("min_cluster_size", min_cluster_size, 1,
                                  "the smallest number of rows a cluster may have")
    cut_height = _check_float("cut_height", cut_height)
    _check_flags(pam_stage=pam_stage, pam_respects_dendro=pam_respects_dendro,
                 respect_small_clusters=respect_small_clusters)
    thresholds = {
        "max_core_scatter": max_core_scatter, "min_gap": min_gap,
        "max_abs_core_scatter": max_abs_core_scatter, "min_abs_gap": min_abs_gap,
        "min_split_height": min_split_height, "min_abs_split_height": min_abs_split_height,
        "max_pam_dist": max_pam_dist,
    }
    thresholds = {k: _check_float(k, v) for k, v in thresholds.items()}

    if method == "tree":
        if D is not None:
            logger.debug("dynamic cut: the tree method does not use the distances")
        deep = _check_tree_args(deep_split, min_cluster_size)
        return _cut_tree_method(np.asarray(Z, dtype=np.float64), rt, cut_height,
                                deep, min_cluster_size)

    D = _hybrid_distances(D, X, metric, p, n)
    deep_split = _check_hybrid_deep_split(deep_split)
    D = _square_distances(D, n)
    return _cut_hybrid(rt, D, cut_height=cut_height, min_cluster_size=min_cluster_size,
                       deep_split=deep_split, pam_stage=bool(pam_stage),
                       pam_respects_dendro=bool(pam_respects_dendro),
                       respect_small_clusters=bool(respect_small_clusters), **thresholds)
