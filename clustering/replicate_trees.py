"""Trees of replicated rows, shared by cluster stability (:mod:`clustering.stability`, as
``fpc::clusterboot``) and row-subsampling support (:mod:`clustering.subsampling`): the input
checked once, the original tree, a replicate's tree of a subset of rows, and a cut into
exactly k clusters by merge order (R's ``cutree(k = )``).

Examples
--------
>>> import numpy as np
>>> X, kw = checked_input([[0.0], [1.0], [5.0], [6.0]], "average", "euclidean", 2.0)
>>> cut_by_merge_order(original_tree(X, "average", "euclidean", 2.0), 2).tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import fastcluster
import numpy as np
from scipy.spatial.distance import pdist, squareform

from clustering.errors import DataError
from clustering.linkage import (
    METHODS,
    METRICS,
    VECTOR_METHODS,
    check_method_metric,
    compute_linkage,
    distance_kwargs,
    validate_matrix,
)

__all__ = ["STABILITY_METRICS", "checked_input", "cut_by_merge_order", "original_tree",
           "replicate_tree"]

#: Every metric of :data:`clustering.linkage.METRICS`, and "precomputed" for an (n, n)
#: distance matrix (the replicate then uses the rows' and columns' sub-matrix, as
#: clusterboot does with ``distances = TRUE``).
STABILITY_METRICS: tuple[str, ...] = (*METRICS, "precomputed")


def cut_by_merge_order(Z: np.ndarray, k: int) -> np.ndarray:
    """Labels 0 .. k-1 after the first n - k merges of Z (R's ``cutree(tree, k = k)``).

    Unlike ``fcluster(Z, k, "maxclust")``, which cuts at a height and may give fewer than k
    clusters when heights tie, this always gives k (for monotone trees without ties the
    partitions agree). Clusters are numbered by their first row.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    k : int
        1 <= k <= n.

    Returns
    -------
    ndarray, shape (n,) int64

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 9.0, 4]])
    >>> cut_by_merge_order(Z, 2).tolist(), cut_by_merge_order(Z, 3).tolist()
    ([0, 0, 1, 1], [0, 0, 1, 2])
    """
    n = Z.shape[0] + 1
    thr = 2 * n - k  # nodes with ids below this exist once the first n - k merges are done
    children = Z[:, :2].astype(np.int64)
    up = np.arange(thr, dtype=np.int64)
    inside = n + np.arange(n - k)  # merges done before the cut
    up[children[: n - k, 0]] = inside
    up[children[: n - k, 1]] = inside
    # pointer jumping: log2(depth) vectorised passes instead of a walk per row
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        up = nxt
    _, first, inverse = np.unique(up[:n], return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse]


def checked_input(X: object, method: str, metric: str, p: float
                  ) -> tuple[np.ndarray, dict]:
    """``X`` validated for a replicate method (features with a metric of
    :data:`STABILITY_METRICS`, or a square distance matrix with ``"precomputed"``), and the
    distance's keyword arguments. Shared by cluster stability and row-subsampling support.

    >>> checked_input([[0.0, 1.0], [1.0, 0.0]], "average", "precomputed", 2.0)[1]
    {}
    """
    if metric == "precomputed":
        if method not in METHODS:
            raise DataError(f"unknown linkage method {method!r}: choose one of "
                            f"{', '.join(METHODS)}")
        X = validate_matrix(X)
        if X.shape[0] != X.shape[1] or not np.allclose(X, X.T) or np.any(np.diag(X) != 0):
            raise DataError("a precomputed distance matrix must be square, symmetric and zero "
                            "on the diagonal; pass the features with a metric instead")
        return X, {}
    if metric not in STABILITY_METRICS:
        raise DataError(f"unknown distance metric {metric!r}: choose one of "
                        f"{', '.join(STABILITY_METRICS)}")
    check_method_metric(method, metric)
    X = validate_matrix(X)
    return X, distance_kwargs(X, metric, p)


def original_tree(X: np.ndarray, method: str, metric: str, p: float) -> np.ndarray:
    """The tree of a :func:`checked_input` (the one the replicates are compared with)."""
    if metric == "precomputed":
        return fastcluster.linkage(squareform(X, checks=False), method=method)
    return compute_linkage(X, method, metric, p=p).Z


def replicate_tree(X: np.ndarray, rows: np.ndarray, method: str, metric: str,
                   dist_kwargs: dict) -> np.ndarray:
    """The tree of the replicate that keeps ``rows`` of a :func:`checked_input`."""
    if metric == "precomputed":
        return fastcluster.linkage(squareform(X[np.ix_(rows, rows)], checks=False),
                                   method=method)
    Xr = X[rows]
    if metric == "euclidean" and method in VECTOR_METHODS:
        return fastcluster.linkage_vector(Xr, method=method, metric="euclidean")
    D = pdist(Xr, metric, **dist_kwargs)
    if not np.isfinite(D).all():
        raise DataError(f"the {metric} distance is undefined between some rows (e.g. an "
                        "all-zero or constant row); drop those rows or choose another metric")
    return fastcluster.linkage(D, method=method)
