"""The cut index of a linkage tree: `tree_index` (Z -> `TreeIndex`), what every cut reads.

Every flat cluster that a threshold on a monotone criterion makes (``fcluster``'s
``distance``, ``maxclust`` and ``inconsistent``) is a contiguous run of leaves in
dendrogram order. Leaf positions ``i`` and ``i + 1`` are separated exactly when the
criterion at their lowest common ancestor exceeds the threshold, so one O(n) index
(the split value of each of the ``n - 1`` gaps between neighbouring leaves) answers
every cut with a cumulative sum, and k(t) with a binary search.

Split by job from :mod:`clustering.tree_shape` (checking Z and laying out its leaves) and
:mod:`clustering.cut` (the one-shot cuts as SciPy's ``fcluster`` criteria, which read this
index; ``from clustering.cut import tree_index`` still works).

Nothing here recurses: trees of 100,000 leaves of any shape (chains included) work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clustering.errors import DataError
from clustering.tree_shape import _build_tree, _subtree_max, _Tree

__all__ = ["TreeIndex", "tree_index"]


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
