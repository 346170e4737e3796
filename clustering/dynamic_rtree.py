"""R's ``hclust`` conventions, as the dynamic tree cut (:mod:`clustering.dynamic_cut`) reads them.

R's tree from a SciPy Z
-----------------------
R's ``hclust`` writes each merge with a singleton before a cluster, two singletons
lower index first, two clusters earlier-formed first; in SciPy ids that is simply "smaller
id first", so each row's two children are sorted. R's ``$order`` is then the leaf order of
a depth-first walk from the root, first child first (``hcass2`` in R's ``hclust.f``), which
is ``leaves_list`` of the row-sorted Z. Both methods depend on it: "tree" reads leaf heights
in that order, "hybrid" breaks size ties between two branches by the first child. The merge
rows keep Z's order (increasing height), as hclust writes them when no heights are tied.

R's numbering of clusters
-------------------------
Both methods number their clusters by size, largest = 1, ties by label (``_rank_by_size``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from clustering.tree_shape import _build_tree

__all__ = ["RTree", "r_tree"]


@dataclass(frozen=True, eq=False)
class RTree:
    """A SciPy linkage tree in R's ``hclust`` conventions (1-based, as R prints them).

    Attributes
    ----------
    merge : ndarray, shape (n-1, 2), int64
        R's ``$merge``: ``-i`` is leaf ``i`` (1-based row), ``j > 0`` the cluster made by merge ``j``.
    height : ndarray, shape (n-1,), float64
        R's ``$height`` (= ``Z[:, 2]``).
    order : ndarray, shape (n,), int64
        R's ``$order``: 1-based rows in dendrogram order.
    """

    merge: np.ndarray
    height: np.ndarray
    order: np.ndarray

    @property
    def n(self) -> int:
        return int(self.order.shape[0])


def r_tree(Z: Any) -> RTree:
    """R's ``hclust`` ``merge``/``height``/``order`` for a SciPy linkage matrix.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        A SciPy linkage matrix.

    Returns
    -------
    RTree

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[3, 1, 1.0, 2], [0, 4, 2.0, 3], [2, 5, 4.0, 4]])
    >>> t = r_tree(Z)
    >>> t.merge.tolist(), t.order.tolist()
    ([[-2, -4], [-1, 1], [-3, 2]], [3, 1, 2, 4])
    """
    tree = _build_tree(Z)
    n = tree.n
    first = np.minimum(tree.left, tree.right)
    second = np.maximum(tree.left, tree.right)
    Zs = np.column_stack([first, second, tree.height, tree.count]).astype(np.float64)
    sorted_tree = _build_tree(Zs)
    order = np.empty(n, dtype=np.int64)
    order[sorted_tree.start[:n]] = np.arange(n)

    def to_r(ids: np.ndarray) -> np.ndarray:
        return np.where(ids < n, -(ids + 1), ids - n + 1)

    merge = np.column_stack([to_r(first), to_r(second)]).astype(np.int64)
    return RTree(merge, tree.height.copy(), order + 1)


def _rank_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel positive labels 1.. by size, largest first, ties by label (R's stable sort)."""
    out = np.zeros_like(labels)
    values, counts = np.unique(labels[labels > 0], return_counts=True)
    for rank, idx in enumerate(np.argsort(-counts, kind="stable"), start=1):
        out[labels == values[idx]] = rank
    return out
