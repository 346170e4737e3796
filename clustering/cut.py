"""Flat clusters from a linkage matrix: cut by height, by number of clusters, by inconsistency.

Each cut here is SciPy's ``fcluster`` criterion (``distance``, ``maxclust``, ``inconsistent``,
``maxclust_monocrit``) numbered in leaf order, answered from the tree's cut index: `TreeIndex`
and `tree_index` live in :mod:`clustering.cut_index` (which says why one O(n) index answers
every cut) on the tree shape of :mod:`clustering.tree_shape`. ``from clustering.cut import
tree_index`` keeps working, since the cuts here use it.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.cluster.hierarchy import fcluster, inconsistent, maxinconsts

from clustering.cut_index import _labels_from_splits, tree_index
from clustering.errors import DataError
from clustering.tree_shape import _as_linkage

__all__ = ["cut_height", "cut_inconsistent", "cut_k", "cut_maxclust_monocrit"]

logger = logging.getLogger(__name__)


def cut_height(Z: np.ndarray, t: float) -> np.ndarray:
    """One-shot `TreeIndex.labels_at`: ``fcluster(Z, t, 'distance')`` numbered in leaf order.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> cut_height(Z, 1.0).tolist()
    [1, 1, 2, 3]
    """
    return tree_index(Z).labels_at(t)


def cut_k(Z: np.ndarray, k: int) -> np.ndarray:
    """One-shot `TreeIndex.labels_for_k`: ``fcluster(Z, k, 'maxclust')`` numbered in leaf order.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> cut_k(Z, 2).tolist()
    [1, 1, 2, 2]
    """
    return tree_index(Z).labels_for_k(k)


def cut_inconsistent(Z: np.ndarray, t: float, depth: int = 2) -> np.ndarray:
    """``fcluster(Z, t, 'inconsistent', depth)`` numbered in leaf order.

    A subtree stays one cluster when every inconsistency coefficient in it (computed
    over ``depth`` levels, as ``scipy.cluster.hierarchy.inconsistent``) is ``<= t``.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        Linkage matrix.
    t : float
        Largest inconsistency coefficient allowed inside a cluster.
    depth : int, default 2
        Levels below each link used for its mean and standard deviation.

    Returns
    -------
    ndarray, shape (n,), int64
        Labels ``1..k`` numbered in leaf order.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.3]])
    >>> cut_inconsistent(linkage(X, "average"), 0.8).tolist()
    [1, 1, 1, 2, 2, 2]
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise DataError(f"the inconsistency depth must be a whole number >= 1, got {depth!r}")
    idx = tree_index(Z)
    Zf = _as_linkage(Z)
    per_row = np.asarray(maxinconsts(Zf, inconsistent(Zf, int(depth))), dtype=np.float64)
    split = ~(per_row[idx._tree.gap_row] <= float(t))
    return _labels_from_splits(split, idx.leaves)


def cut_maxclust_monocrit(Z: np.ndarray, k: int, depth: int = 2) -> np.ndarray:
    """``fcluster(Z, k, 'maxclust_monocrit', monocrit=maxinconsts(Z, inconsistent(Z, depth)))``
    numbered in leaf order: at most ``k`` clusters, found by cutting at a threshold on the
    largest inconsistency coefficient below each link (the SciPy tutorial's mode).

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
    k : int >= 1
        Largest number of clusters.
    depth : int, default 2
        Levels of the inconsistency statistic (``scipy.cluster.hierarchy.inconsistent``).

    Returns
    -------
    ndarray, shape (n,), int64
        Labels ``1..k'`` (k' <= k) numbered in leaf order.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.3]])
    >>> cut_maxclust_monocrit(linkage(X, "average"), 2).tolist()
    [1, 1, 1, 2, 2, 2]
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise DataError(f"the number of clusters k must be a whole number >= 1, got {k!r}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise DataError(f"the inconsistency depth must be a whole number >= 1, got {depth!r}")
    idx = tree_index(Z)
    Zf = _as_linkage(Z)
    mono = maxinconsts(Zf, inconsistent(Zf, int(depth)))
    raw = fcluster(Zf, int(k), "maxclust_monocrit", monocrit=mono)
    # Renumber by first appearance in leaf order, as every cut here is numbered.
    ordered = raw[idx.leaves]
    _, first = np.unique(ordered, return_index=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(1, first.size + 1)
    lookup = dict(zip(np.unique(ordered).tolist(), rank.tolist(), strict=True))
    return np.array([lookup[v] for v in raw.tolist()], dtype=np.int64)
