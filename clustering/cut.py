"""Flat clusters from a linkage matrix: cut by height, by number of clusters, by inconsistency.

Every flat cluster that a threshold on a monotone criterion makes (``fcluster``'s
``distance``, ``maxclust`` and ``inconsistent``) is a contiguous run of leaves in
dendrogram order. Leaf positions ``i`` and ``i + 1`` are separated exactly when the
criterion at their lowest common ancestor exceeds the threshold, so one O(n) index
(the split value of each of the ``n - 1`` gaps between neighbouring leaves) answers
every cut with a cumulative sum, and k(t) with a binary search.

Nothing here recurses: trees of 100,000 leaves of any shape (chains included) work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import fcluster, inconsistent, maxinconsts

from clustering.errors import DataError

__all__ = ["TreeIndex", "cut_height", "cut_inconsistent", "cut_k", "cut_maxclust_monocrit", "tree_index"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class _Tree:
    """Shape of a validated linkage tree, node ids as SciPy numbers them.

    Leaves are ``0..n-1``; row ``r`` of Z makes node ``n + r``. Arrays over nodes have
    length ``2n - 1``; ``start``/``size`` give each subtree's range of leaf positions in
    dendrogram order (``leaves_list``), which is contiguous for every subtree.
    """

    n: int
    left: np.ndarray  # (n-1,) int64, Z[:, 0]
    right: np.ndarray  # (n-1,) int64, Z[:, 1]
    height: np.ndarray  # (n-1,) float64, Z[:, 2]
    count: np.ndarray  # (n-1,) int64, Z[:, 3]
    start: np.ndarray  # (2n-1,) first leaf position of each node's subtree
    size: np.ndarray  # (2n-1,) number of leaves under each node
    parent: np.ndarray  # (2n-1,) parent node; the root is its own parent
    gap_row: np.ndarray  # (n-1,) row of Z that joins leaf positions i and i+1


def _as_linkage(Z: np.ndarray) -> np.ndarray:
    """Z as a float64 C-contiguous (n-1, 4) array, or a `DataError` saying what is wrong."""
    try:
        Z = np.ascontiguousarray(Z, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"the linkage matrix is not numeric: {err}") from None
    if Z.ndim != 2 or Z.shape[1] != 4:
        raise DataError(
            f"a linkage matrix has 4 columns and one row per merge; got shape {Z.shape}"
        )
    if Z.shape[0] < 1:
        raise DataError("the linkage matrix has no rows: a tree needs at least 2 leaves")
    if not np.isfinite(Z).all():
        raise DataError("the linkage matrix contains NaN or infinite values")
    return Z


def _pointer_jump_sum(parent: np.ndarray, value: np.ndarray, root: int) -> np.ndarray:
    """Sum of ``value`` over each node and all its ancestors, in O(n log depth) numpy.

    ``parent[root] == root`` and ``value[root]`` is added once. Pointer jumping keeps
    this vectorised even for chains, where a per-level sweep would take n steps.
    """
    acc = value.copy()
    acc_root = acc[root]
    acc[root] = 0
    anc = parent.copy()
    while True:
        pending = anc != root
        if not pending.any():
            break
        idx = np.flatnonzero(pending)
        nxt = anc[idx]
        acc[idx] += acc[nxt]
        anc[idx] = anc[nxt]
    return acc + acc_root


def _build_tree(Z: np.ndarray) -> _Tree:
    """Check Z is a proper binary tree and lay out its leaves, all vectorised."""
    Z = _as_linkage(Z)
    m = Z.shape[0]
    n = m + 1
    kids = Z[:, :2]
    if not (kids == np.floor(kids)).all():
        raise DataError("the linkage matrix has non-integer cluster ids in columns 0 and 1")
    left = kids[:, 0].astype(np.int64)
    right = kids[:, 1].astype(np.int64)
    rows = np.arange(m, dtype=np.int64)
    if (left < 0).any() or (right < 0).any():
        raise DataError("the linkage matrix has negative cluster ids")
    formed = n + rows
    if (left >= formed).any() or (right >= formed).any():
        bad = int(np.flatnonzero((left >= formed) | (right >= formed))[0])
        raise DataError(f"row {bad} of the linkage matrix uses a cluster before it is formed")
    used = np.bincount(np.concatenate([left, right]), minlength=2 * n - 2)
    if (used != 1).any():
        node = int(np.flatnonzero(used != 1)[0])
        raise DataError(
            f"cluster {node} is merged {int(used[node])} times in the linkage matrix "
            "(every cluster but the root must be merged exactly once)"
        )
    height = Z[:, 2].copy()
    if (height < 0).any():
        raise DataError("the linkage matrix has negative merge heights")
    count = Z[:, 3].astype(np.int64)
    size = np.concatenate([np.ones(n, dtype=np.int64), count])
    if not (Z[:, 3] == size[left] + size[right]).all():
        bad = int(np.flatnonzero(Z[:, 3] != size[left] + size[right])[0])
        raise DataError(
            f"row {bad} of the linkage matrix has count {Z[bad, 3]:g}, "
            f"but its two clusters hold {int(size[left[bad]] + size[right[bad]])} samples"
        )

    root = 2 * n - 2
    parent = np.empty(2 * n - 1, dtype=np.int64)
    parent[left] = formed
    parent[right] = formed
    parent[root] = root
    # A right child starts after its left sibling's leaves; a node's first position is
    # the sum of those offsets along its path to the root.
    offset = np.zeros(2 * n - 1, dtype=np.int64)
    offset[right] = size[left]
    start = _pointer_jump_sum(parent, offset, root)
    gap_row = np.empty(m, dtype=np.int64)
    gap_row[start[right] - 1] = rows
    for arr in (left, right, height, count, start, size, parent, gap_row):
        arr.setflags(write=False)
    return _Tree(n, left, right, height, count, start, size, parent, gap_row)


def _range_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``max(values[lo[j]:hi[j]])`` for every j (all ranges non-empty), by a sparse table."""
    out = np.empty(lo.shape, dtype=values.dtype)
    length = hi - lo
    level = np.zeros(lo.shape, dtype=np.int64)
    nz = length > 1
    level[nz] = np.floor(np.log2(length[nz])).astype(np.int64)
    # log2 of an exact power of two can round just below it: fix both directions.
    level[(1 << (level + 1)) <= length] += 1
    level[(1 << level) > length] -= 1
    table = values
    for k in range(int(level.max()) + 1):
        if k:
            half = 1 << (k - 1)
            table = np.maximum(table[:-half], table[half:])
        sel = np.flatnonzero(level == k)
        if sel.size:
            width = 1 << k
            out[sel] = np.maximum(table[lo[sel]], table[hi[sel] - width])
    return out


def _subtree_max(tree: _Tree, per_row: np.ndarray) -> np.ndarray:
    """For each row of Z, the maximum of ``per_row`` over that node and its descendants.

    A subtree's internal nodes are exactly the gaps inside its leaf range, so this is a
    range maximum over ``per_row[gap_row]``. When ``per_row`` already grows toward the
    root (no inversions) the answer is ``per_row`` itself, which is the common case.
    """
    n = tree.n
    kid_val_l = np.where(tree.left >= n, per_row[np.maximum(tree.left - n, 0)], -np.inf)
    kid_val_r = np.where(tree.right >= n, per_row[np.maximum(tree.right - n, 0)], -np.inf)
    if (per_row >= kid_val_l).all() and (per_row >= kid_val_r).all():
        return per_row.copy()
    nodes = n + np.arange(n - 1)
    lo = tree.start[nodes]
    hi = lo + tree.size[nodes] - 1
    return _range_max(per_row[tree.gap_row], lo, hi)


def _labels_from_splits(split: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """Leaf labels 1..k numbered left to right from the (n-1,) gap split mask."""
    n = leaves.shape[0]
    by_position = np.empty(n, dtype=np.int64)
    by_position[0] = 1
    np.cumsum(split, out=by_position[1:])
    by_position[1:] += 1
    labels = np.empty(n, dtype=np.int64)
    labels[leaves] = by_position
    return labels


@dataclass(frozen=True, eq=False)
class TreeIndex:
    """Everything needed to cut one tree at any height in O(n).

    Build it with `tree_index`. Arrays are read-only.

    Attributes
    ----------
    leaves : ndarray, shape (n,)
        Sample ids in dendrogram leaf order (``scipy.cluster.hierarchy.leaves_list``).
    gaps : ndarray, shape (n-1,)
        ``gaps[i]`` is the height above which leaf positions ``i`` and ``i + 1`` are
        in different flat clusters: the largest merge height inside their lowest
        common ancestor (SciPy's ``maxdists`` of that node, so inversions count).
    merge_maxdist : ndarray, shape (n-1,)
        Per row of Z, the largest merge height in that row's subtree
        (``scipy.cluster.hierarchy.maxdists``).
    n : int
        Number of leaves.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> Z = linkage(np.array([[0.0], [1.0], [5.0], [6.5]]), "single")
    >>> idx = tree_index(Z)
    >>> idx.labels_at(1.5).tolist(), idx.k_at(1.5), idx.band_for_k(2)
    ([1, 1, 2, 2], 2, (1.5, 4.0))
    """

    leaves: np.ndarray
    gaps: np.ndarray
    merge_maxdist: np.ndarray
    n: int
    _tree: _Tree = field(repr=False)
    _sorted_gaps: np.ndarray = field(repr=False)

    def _split_positions(self, t: float) -> np.ndarray:
        # ``not (g <= t)`` rather than ``g > t`` so a NaN threshold splits like fcluster.
        return ~(self.gaps <= t)

    def labels_by_position(self, t: float) -> np.ndarray:
        """Cluster label of each leaf position (dendrogram order) at height ``t``.

        Parameters
        ----------
        t : float
            Cut height; merges whose subtree reaches at most ``t`` join.

        Returns
        -------
        ndarray, shape (n,)
            Non-decreasing labels ``1..k``; ``labels_by_position(t)[i]`` is the label
            of sample ``leaves[i]``.

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> tree_index(Z).labels_by_position(1.5).tolist()
        [1, 1, 2, 3]
        """
        split = self._split_positions(float(t))
        out = np.empty(self.n, dtype=np.int64)
        out[0] = 1
        np.cumsum(split, out=out[1:])
        out[1:] += 1
        return out

    def labels_at(self, t: float) -> np.ndarray:
        """Flat clusters at height ``t``: the partition of ``fcluster(Z, t, 'distance')``.

        Parameters
        ----------
        t : float
            Cut height. Leaves stay together when every merge on the way to their
            common ancestor is ``<= t`` (the ``fcluster`` rule, not ``dendrogram``'s
            ``color_threshold`` rule, which uses ``<``).

        Returns
        -------
        ndarray, shape (n,), int64
            Label of each sample, ``1..k``, numbered in leaf order: the leftmost
            cluster in the dendrogram is 1, so colours stay put as the cut moves.

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> tree_index(Z).labels_at(2.0).tolist()
        [1, 1, 2, 2]
        """
        labels = np.empty(self.n, dtype=np.int64)
        labels[self.leaves] = self.labels_by_position(t)
        return labels

    def k_at(self, t: float) -> int:
        """Number of flat clusters at height ``t``, in O(log n).

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> [tree_index(Z).k_at(t) for t in (0.5, 1.0, 2.0, 3.0)]
        [4, 3, 2, 1]
        """
        t = float(t)
        if t != t:
            return self.n
        return int(self.n - np.searchsorted(self._sorted_gaps, t, side="right"))

    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        """The number of clusters as a step function of the cut height.

        Returns
        -------
        heights : ndarray, shape (u,), float64
            The distinct gap heights, ascending: the only heights where k changes.
        ks : ndarray, shape (u,), int64
            ``ks[j]`` is k for ``heights[j] <= t < heights[j + 1]`` (the last step
            is 1 and lasts forever). Below ``heights[0]`` every sample is its own
            cluster (k = n).

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.0, 2], [4, 5, 3.0, 4]])
        >>> h, k = tree_index(Z).steps()
        >>> h.tolist(), k.tolist()
        ([1.0, 3.0], [2, 1])
        """
        heights = np.unique(self._sorted_gaps)
        ks = self.n - np.searchsorted(self._sorted_gaps, heights, side="right")
        return heights, ks.astype(np.int64)

    def _check_k(self, k: int) -> int:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise DataError(f"the number of clusters must be a whole number, got {k!r}")
        k = int(k)
        if not 1 <= k <= self.n:
            raise DataError(f"the number of clusters must be between 1 and {self.n}, got {k}")
        return k

    def band_for_k(self, k: int) -> tuple[float, float] | None:
        """Heights that give exactly ``k`` clusters: the half-open interval ``[lo, hi)``.

        Parameters
        ----------
        k : int
            Wanted number of clusters, ``1 <= k <= n``.

        Returns
        -------
        (lo, hi) or None
            ``k_at(t) == k`` exactly for ``lo <= t < hi``. ``hi`` is ``inf`` for
            ``k == 1`` and ``lo`` is ``-inf`` for ``k == n``. None when tied merge
            heights jump over ``k`` (use `labels_for_k`, which then gives fewer).

        Raises
        ------
        DataError
            When ``k`` is not a whole number in ``1..n``.

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.0, 2], [4, 5, 3.0, 4]])
        >>> idx = tree_index(Z)
        >>> idx.band_for_k(2), idx.band_for_k(3)
        ((1.0, 3.0), None)
        """
        k = self._check_k(k)
        s = self._sorted_gaps
        lo = float(s[self.n - 1 - k]) if k < self.n else -np.inf
        hi = float(s[self.n - k]) if k > 1 else np.inf
        if not lo < hi:
            return None
        return lo, hi

    def height_for_k(self, k: int) -> float:
        """The cut height that ``fcluster(Z, k, 'maxclust')`` uses.

        The smallest subtree max-height at which at most ``k`` clusters form, found
        by SciPy's own binary search over the rows of Z (so inversions give SciPy's
        answer too). For ``k >= n`` SciPy skips the search and returns singletons:
        this returns ``-inf`` then.

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.0, 2], [4, 5, 3.0, 4]])
        >>> tree_index(Z).height_for_k(3)
        1.0
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise DataError(f"the number of clusters must be a whole number, got {k!r}")
        k = int(k)
        if k < 1:
            raise DataError(f"the number of clusters must be at least 1, got {k}")
        if k >= self.n:
            return -np.inf
        mc = self.merge_maxdist
        # Mirrors scipy's cluster_maxclust_monocrit: it bisects over row *indices*,
        # assuming MC grows with the row, and cuts at MC[upper].
        lower, upper = -1, self.n - 1
        while upper - lower > 1:
            mid = (lower + upper) >> 1
            if self.k_at(mc[mid]) > k:
                lower = mid
            else:
                upper = mid
        return float(mc[upper])

    def labels_for_k(self, k: int) -> np.ndarray:
        """Flat clusters as ``fcluster(Z, k, 'maxclust')``: at most ``k``, numbered in leaf order.

        With tied merge heights SciPy (and this) can return fewer than ``k`` clusters.

        Examples
        --------
        >>> import numpy as np
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.0, 2], [4, 5, 3.0, 4]])
        >>> tree_index(Z).labels_for_k(3).tolist()
        [1, 1, 2, 2]
        """
        return self.labels_at(self.height_for_k(k))


def tree_index(Z: np.ndarray) -> TreeIndex:
    """Index a linkage matrix for fast cuts.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        A SciPy linkage matrix (any method, inversions allowed).

    Returns
    -------
    TreeIndex
        Leaf order, gap heights and per-row max heights; see `TreeIndex`.

    Raises
    ------
    DataError
        When Z is not a valid linkage matrix (shape, ids, counts, negative heights).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> idx = tree_index(Z)
    >>> idx.leaves.tolist(), idx.gaps.tolist()
    ([0, 1, 2, 3], [1.0, 3.0, 2.0])
    """
    tree = _build_tree(Z)
    n = tree.n
    leaves = np.empty(n, dtype=np.int64)
    leaves[tree.start[:n]] = np.arange(n)
    maxdist = _subtree_max(tree, tree.height)
    gaps = maxdist[tree.gap_row]
    sorted_gaps = np.sort(gaps)
    for arr in (leaves, maxdist, gaps, sorted_gaps):
        arr.setflags(write=False)
    return TreeIndex(leaves, gaps, maxdist, n, tree, sorted_gaps)


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
