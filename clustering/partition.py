"""A partition of the rows into clades of the tree, edited by hand: split, merge, undo, redo.

A `Partition` is a set of *cluster roots*: nodes of Z (SciPy ids: leaves ``0..n-1``, row ``r``
of Z makes node ``n + r``) whose leaf sets cover every row exactly once. It starts from a
horizontal cut (a height or a k, equal to ``fcluster``), and every edit returns a new
partition: `split` replaces a root by its two children, `merge` replaces two sibling roots
by their parent. ``min_size`` shows clades with fewer rows as unassigned (label 0) without
changing the roots, so raising and lowering it loses nothing. A `History` keeps the
partitions for undo and redo. Everything is frozen; nothing mutates (as Orange's
hierarchical model). The roots are what a link stores: `partition_from_roots` rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from clustering.cut_index import TreeIndex, tree_index
from clustering.errors import DataError

__all__ = ["History", "Partition", "cluster_of", "horizontal_partition", "merge_clusters",
           "partition_from_roots", "split_cluster", "with_min_size"]


def _index(tree: Any) -> TreeIndex:
    return tree if isinstance(tree, TreeIndex) else tree_index(tree)


def _check_min_size(min_size: Any) -> int:
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 1:
        raise DataError(
            f"the minimum cluster size must be a whole number of rows, 1 or more (1 keeps every "
            f"clade), got {min_size!r}"
        )
    return int(min_size)


@dataclass(frozen=True)
class Partition:
    """Clades of one tree that cover every row once; build with `horizontal_partition` or
    `partition_from_roots`.

    Attributes
    ----------
    index : TreeIndex
        The tree (compared by identity).
    roots : tuple of int
        Cluster root node ids (SciPy numbering), in dendrogram order (leftmost first).
    min_size : int
        Clades with fewer rows are unassigned (label 0).
    """

    index: TreeIndex = field(repr=False)
    roots: tuple[int, ...]
    min_size: int = 1

    @property
    def n(self) -> int:
        return self.index.n

    def size(self, node: int) -> int:
        """Number of rows under ``node``."""
        return int(self.index._tree.size[node])

    def rows(self, node: int) -> np.ndarray:
        """Rows (0-based) under ``node``, in dendrogram order."""
        t = self.index._tree
        return self.index.leaves[t.start[node]:t.start[node] + t.size[node]]

    def labels(self) -> np.ndarray:
        """One label per row, shape (n,): clusters 1..K in dendrogram order, 0 = unassigned.

        With ``min_size=1`` a horizontal partition's labels equal `TreeIndex.labels_at`.

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> horizontal_partition(Z, k=2).labels().tolist()
        [1, 1, 2, 2]
        """
        t = self.index._tree
        labels = np.zeros(self.n, dtype=np.int64)
        label = 0
        for node in self.roots:
            if t.size[node] >= self.min_size:
                label += 1
                labels[self.rows(node)] = label
        return labels

    @property
    def k(self) -> int:
        """Number of clusters shown (clades of at least ``min_size`` rows)."""
        return int(sum(self.index._tree.size[r] >= self.min_size for r in self.roots))


def _sorted_roots(index: TreeIndex, roots: Any) -> tuple[int, ...]:
    t = index._tree
    return tuple(sorted((int(r) for r in roots), key=lambda r: int(t.start[r])))


def partition_from_roots(tree: Any, roots: Any, *, min_size: int = 1) -> Partition:
    """The partition whose clusters are the clades under ``roots`` (e.g. read from a link).

    Parameters
    ----------
    tree : array_like, shape (n-1, 4), or TreeIndex
        The linkage matrix Z (or its `tree_index`).
    roots : sequence of int
        Node ids (leaves ``0..n-1``, row ``r`` of Z is ``n + r``) whose leaves cover every row once.
    min_size : int, default 1

    Returns
    -------
    Partition

    Raises
    ------
    DataError
        An id out of range, a root inside another, or rows left uncovered.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> partition_from_roots(Z, [4, 2, 3]).labels().tolist()
    [1, 1, 2, 3]
    """
    index = _index(tree)
    min_size = _check_min_size(min_size)
    try:
        ids = np.asarray(list(roots), dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("cluster roots must be node ids (whole numbers)") from None
    n = index.n
    if ids.size == 0 or (ids != np.floor(ids)).any() or (ids < 0).any() or (ids > 2 * n - 2).any():
        raise DataError(
            f"cluster roots must be node ids from 0 to {2 * n - 2} (leaves 0..{n - 1}, row r of "
            f"the linkage matrix is {n} + r); got {list(roots)!r}"
        )
    ids = ids.astype(np.int64)
    t = index._tree
    cover = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cover, t.start[ids], 1)
    np.add.at(cover, t.start[ids] + t.size[ids], -1)
    depth = np.cumsum(cover)[:n]
    if (depth > 1).any() or len(set(ids.tolist())) != ids.size:
        raise DataError("cluster roots overlap: one root lies inside another; keep only one")
    if (depth == 0).any():
        missing = index.leaves[np.flatnonzero(depth == 0)]
        raise DataError(
            f"cluster roots leave {missing.size} rows in no cluster (e.g. row {int(missing[0]) + 1}): "
            "the roots must cover every row"
        )
    return Partition(index, _sorted_roots(index, ids), min_size)


def horizontal_partition(tree: Any, *, height: float | None = None, k: int | None = None,
                         min_size: int = 1) -> Partition:
    """The partition of a horizontal cut: ``fcluster(Z, height, 'distance')`` or
    ``fcluster(Z, k, 'maxclust')`` (inversions and ties as SciPy treats them).

    Parameters
    ----------
    tree : array_like, shape (n-1, 4), or TreeIndex
    height : float, optional
    k : int, optional
        Exactly one of ``height`` and ``k``.
    min_size : int, default 1

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> horizontal_partition(Z, height=1.5).roots
    (4, 2, 3)
    """
    index = _index(tree)
    if (height is None) == (k is None):
        raise DataError("give exactly one of height (a cut height) and k (a number of clusters)")
    if k is not None:
        height = index.height_for_k(k)
    if isinstance(height, bool) or not isinstance(height, (int, float, np.integer, np.floating)):
        raise DataError(f"the cut height must be a number, got {height!r}")
    t = index._tree
    n = index.n
    # A node stays whole when the tallest merge inside it is <= height (fcluster's rule).
    maxdist = np.concatenate([np.full(n, -np.inf), index.merge_maxdist])
    whole = maxdist <= height
    parent_whole = whole[t.parent]
    root = 2 * n - 2
    parent_whole[root] = False
    roots = np.flatnonzero(whole & ~parent_whole)
    # Leaves are always whole: a leaf whose parent splits is a cluster of its own.
    return Partition(index, _sorted_roots(index, roots), _check_min_size(min_size))


def _check_root(p: Partition, node: Any) -> int:
    if isinstance(node, bool) or not isinstance(node, (int, np.integer)):
        raise DataError(f"a cluster is named by its root node id (a whole number), got {node!r}")
    node = int(node)
    if node not in p.roots:
        raise DataError(
            f"node {node} is not one of the current clusters' roots {list(p.roots)}: pick a "
            "cluster of the current partition"
        )
    return node


def split_cluster(p: Partition, node: int) -> Partition:
    """Replace cluster root ``node`` by its two children (one more cluster).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> split_cluster(horizontal_partition(Z, k=2), 5).roots
    (4, 2, 3)
    """
    node = _check_root(p, node)
    n = p.n
    if node < n:
        raise DataError(f"cluster {node} is a single row and cannot be split further")
    t = p.index._tree
    kids = (int(t.left[node - n]), int(t.right[node - n]))
    roots = [r for r in p.roots if r != node] + list(kids)
    return replace(p, roots=_sorted_roots(p.index, roots))


def merge_clusters(p: Partition, a: int, b: int) -> Partition:
    """Replace two sibling cluster roots by their parent (one fewer cluster).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> merge_clusters(horizontal_partition(Z, k=3), 2, 3).roots
    (4, 5)
    """
    a, b = _check_root(p, a), _check_root(p, b)
    t = p.index._tree
    if a == b or t.parent[a] != t.parent[b]:
        raise DataError(
            f"clusters {a} and {b} are not siblings (children of one node), so merging them would "
            "not give a clade; merge siblings, or split their common ancestor's other branches first"
        )
    roots = [r for r in p.roots if r not in (a, b)] + [int(t.parent[a])]
    return replace(p, roots=_sorted_roots(p.index, roots))


def cluster_of(p: Partition, node: int) -> int | None:
    """The cluster root whose clade holds ``node`` (``node`` itself or an ancestor), or None
    when ``node`` lies above the clusters (its clade holds more than one).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> p = horizontal_partition(Z, k=2)
    >>> cluster_of(p, 0), cluster_of(p, 5), cluster_of(p, 6)
    (4, 5, None)
    """
    if isinstance(node, bool) or not isinstance(node, (int, np.integer)) \
            or not 0 <= int(node) <= 2 * p.n - 2:
        raise DataError(f"node ids run from 0 to {2 * p.n - 2}, got {node!r}")
    t = p.index._tree
    lo, size = int(t.start[node]), int(t.size[node])
    roots = np.asarray(p.roots, dtype=np.int64)
    starts = t.start[roots]
    # Roots are sorted by their first leaf: the one starting at or before ``lo`` is the candidate.
    i = int(np.searchsorted(starts, lo, side="right")) - 1
    if i < 0:
        return None
    r = int(roots[i])
    return r if lo + size <= int(t.start[r]) + int(t.size[r]) else None


def with_min_size(p: Partition, min_size: int) -> Partition:
    """The same clades, showing those with fewer than ``min_size`` rows as unassigned (0)."""
    return replace(p, min_size=_check_min_size(min_size))


@dataclass(frozen=True)
class History:
    """Undo/redo over partitions: an immutable list of states and a position in it.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> h = History.start(horizontal_partition(Z, k=2))
    >>> h = h.push(split_cluster(h.current, 5))
    >>> h.current.k, h.undo().current.k, h.undo().redo().current.k
    (3, 2, 3)
    """

    states: tuple[Partition, ...]
    position: int = 0

    @classmethod
    def start(cls, p: Partition) -> History:
        return cls((p,), 0)

    @property
    def current(self) -> Partition:
        return self.states[self.position]

    @property
    def can_undo(self) -> bool:
        return self.position > 0

    @property
    def can_redo(self) -> bool:
        return self.position < len(self.states) - 1

    def push(self, p: Partition) -> History:
        """A new state after the current one; whatever could be redone is dropped."""
        return History(self.states[:self.position + 1] + (p,), self.position + 1)

    def undo(self) -> History:
        if not self.can_undo:
            raise DataError("nothing to undo")
        return replace(self, position=self.position - 1)

    def redo(self) -> History:
        if not self.can_redo:
            raise DataError("nothing to redo")
        return replace(self, position=self.position + 1)
