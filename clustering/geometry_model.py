"""The laid-out dendrogram, `Geometry`, and what it answers about a cut.

`clustering.geometry.dendrogram_geometry` builds it (SciPy's layout without recursion);
this module holds only the frozen result and its per-cut questions: which cluster each
link and leaf is in, the stems and leaf marks that give every cluster a colour, the merge
heights to write, and the flat polylines one plot trace draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clustering.cut_index import TreeIndex
from clustering.errors import DataError

__all__ = ["ORIENTATIONS", "Geometry"]

ORIENTATIONS = ("top", "bottom", "left", "right")


@dataclass(frozen=True, eq=False)
class Geometry:
    """A laid-out dendrogram (one shown tree, truncated or not). Arrays are read-only.

    Coordinates are SciPy's: leaf ``j`` (in ``ivl`` order) sits at x = 5 + 10 j, the
    height axis is the merge height; orientation only matters in `segments`.

    Attributes
    ----------
    icoord, dcoord : ndarray, shape (m, 4)
        Link ``j`` is the polyline ``(icoord[j, q], dcoord[j, q])``, q = 0..3: up from
        the left child, across at the merge height, down to the right child. Same
        values and order as SciPy's ``dendrogram(...)['icoord'/'dcoord']``.
    ivl : list of str, length L
        Leaf labels left to right: the sample's label (``labels[i]`` or ``str(i)``) or
        ``'(count)'`` for a contracted subtree.
    leaves : ndarray, shape (L,)
        Node id of each shown leaf: a sample id ``< n`` or a contracted node ``>= n``.
    link_rows : ndarray, shape (m,)
        Row of Z that each link draws (its node id is ``n + row``).
    leaf_counts : ndarray, shape (L,)
        Number of samples under each shown leaf (1 for a sample).
    leaf_x : ndarray, shape (L,)
        x of each shown leaf, ``5 + 10 * arange(L)``.
    contracted : tuple of ndarray, each shape (c,)
        ``(x, y)`` of SciPy's ``show_contracted`` marks: one per merge hidden inside
        a contracted leaf, at that leaf's x and the merge height, in SciPy's order.
        Empty unless ``show_contracted=True``.
    index : TreeIndex
        The cut index of the full tree, for `link_clusters` and `leaf_clusters`.

    Examples
    --------
    >>> import numpy as np
    >>> from clustering.geometry import dendrogram_geometry
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> g = dendrogram_geometry(Z)
    >>> g.icoord.tolist()
    [[5.0, 5.0, 15.0, 15.0], [25.0, 25.0, 35.0, 35.0], [10.0, 10.0, 30.0, 30.0]]
    >>> g.dcoord.tolist()
    [[0.0, 1.0, 1.0, 0.0], [0.0, 2.0, 2.0, 0.0], [1.0, 3.0, 3.0, 2.0]]
    >>> g.ivl, g.link_clusters(2.0).tolist()
    (['0', '1', '2', '3'], [1, 2, 0])
    """

    icoord: np.ndarray
    dcoord: np.ndarray
    ivl: list[str]
    leaves: np.ndarray
    link_rows: np.ndarray
    leaf_counts: np.ndarray
    leaf_x: np.ndarray
    contracted: tuple[np.ndarray, np.ndarray]
    index: TreeIndex = field(repr=False)
    _link_start: np.ndarray = field(repr=False)
    _leaf_start: np.ndarray = field(repr=False)

    def link_clusters(self, t: float) -> np.ndarray:
        """Flat cluster of each link for a cut at height ``t``.

        Parameters
        ----------
        t : float
            Cut height, same rule as `TreeIndex.labels_at` (``<=`` joins, as
            ``fcluster``; SciPy's ``color_threshold`` uses ``<`` instead).

        Returns
        -------
        ndarray, shape (m,), int64
            For a link whose whole subtree stays together at ``t``, the label that
            ``index.labels_at(t)`` gives its samples; 0 for links above the cut.

        Examples
        --------
        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> dendrogram_geometry(Z).link_clusters(1.0).tolist()
        [1, 0, 0]
        """
        by_position = self.index.labels_by_position(t)
        together = self.index.merge_maxdist[self.link_rows] <= float(t)
        return np.where(together, by_position[self._link_start], 0)

    def leaf_clusters(self, t: float) -> np.ndarray:
        """Flat cluster of each shown leaf (``ivl`` order) for a cut at height ``t``.

        Returns
        -------
        ndarray, shape (L,), int64
            A sample's label as ``index.labels_at(t)``; for a contracted subtree its
            label when the cut keeps it whole, else 0.

        Examples
        --------
        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> g = dendrogram_geometry(Z, truncate_mode="lastp", p=2)
        >>> g.ivl, g.leaf_clusters(1.5).tolist()
        (['(2)', '(2)'], [1, 0])
        """
        n = self.index.n
        by_position = self.index.labels_by_position(t)
        labels = by_position[self._leaf_start]
        inner = self.leaves >= n
        whole = self.index.merge_maxdist[self.leaves[inner] - n] <= float(t)
        labels[inner] = np.where(whole, labels[inner], 0)
        return labels

    def node_maxdist(self, nodes: np.ndarray) -> np.ndarray:
        """Largest merge height inside each node's subtree; ``-inf`` for a sample (a
        sample is its own cluster at every cut, as in ``fcluster``).

        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> dendrogram_geometry(Z).node_maxdist(np.array([0, 4, 6])).tolist()
        [-inf, 1.0, 3.0]
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        n = self.index.n
        out = np.full(nodes.shape, -np.inf)
        inner = nodes >= n
        out[inner] = self.index.merge_maxdist[nodes[inner] - n]
        return out

    def legs(self) -> dict[str, np.ndarray]:
        """The two vertical legs of every link, in 'top' coordinates (child first, then
        the right child of link ``j`` at ``2 j + 1``).

        Returns
        -------
        dict of ndarray, each shape (2 m,)
            ``x`` leaf-axis position, ``bottom`` the child's height (0 for a shown leaf),
            ``top`` the link's height, ``child`` the node id below, ``parent`` the link's
            index ``j`` (0..m-1).
        """
        tree = self.index._tree
        rows = self.link_rows
        child = np.column_stack([tree.left[rows], tree.right[rows]]).ravel()
        return {
            "x": self.icoord[:, [0, 3]].ravel(),
            "bottom": self.dcoord[:, [0, 3]].ravel(),
            "top": self.dcoord[:, [1, 2]].ravel(),
            "child": child,
            "parent": np.repeat(np.arange(rows.size), 2),
        }

    def stems(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The stem of every cluster whose top is drawn below a link above the cut.

        A cluster's top node (a link, a sample leaf or a ``(count)`` leaf) hangs from its
        parent's leg; the part of that leg from the node up to the cut (or the parent's
        height, if lower) is the cluster's stem, so that every cluster's colour reaches
        the cut line. SciPy draws the whole leg in the above-cut colour.

        Returns
        -------
        x, bottom, top : ndarray, shape (s,)
            Leaf-axis position and the two heights of each stem ('top' coordinates).
        cluster : ndarray, shape (s,), int64
            Its cluster as ``index.labels_at(t)`` numbers it (1..k in leaf order).

        Examples
        --------
        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> x, lo, hi, c = dendrogram_geometry(Z, truncate_mode="lastp", p=2).stems(2.5)
        >>> x.tolist(), lo.tolist(), hi.tolist(), c.tolist()
        ([5.0, 15.0], [0.0, 0.0], [2.5, 2.5], [1, 2])
        """
        t = float(t)
        legs = self.legs()
        parent_above = self.index.merge_maxdist[self.link_rows][legs["parent"]] > t
        whole = self.node_maxdist(legs["child"]) <= t
        top = np.minimum(legs["top"], t)
        keep = parent_above & whole & (top > legs["bottom"])
        start = self.index._tree.start[legs["child"][keep]]
        cluster = self.index.labels_by_position(t)[start]
        return legs["x"][keep], legs["bottom"][keep], top[keep], cluster

    def leaf_marks(
        self, t: float, leaves: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Marks at the foot of the shown leaves in their clusters' colours.

        A leaf the cut keeps whole gets one mark, at its x. A ``(count)`` leaf the cut
        goes through holds clusters ``a..b`` (consecutive, since clusters are numbered in
        leaf order): it gets one mark per cluster, spread across its slot (x +- 4), so
        no cluster is without a colour in the tree.

        Parameters
        ----------
        t : float
            Cut height.
        leaves : array_like of int, optional
            Indices (into ``ivl``) of the leaves to mark; all by default.

        Returns
        -------
        x : ndarray, shape (q,)
            Leaf-axis position of each mark (its height is 0).
        cluster : ndarray, shape (q,), int64
        leaf : ndarray, shape (q,), int64
            Index of the shown leaf each mark belongs to.

        Examples
        --------
        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> g = dendrogram_geometry(Z, truncate_mode="lastp", p=2)
        >>> x, c, leaf = g.leaf_marks(1.5)
        >>> x.tolist(), c.tolist(), leaf.tolist()
        ([5.0, 13.0, 17.0], [1, 2, 3], [0, 1, 1])
        """
        t = float(t)
        tree = self.index._tree
        idx = np.arange(self.leaves.size) if leaves is None else np.asarray(leaves, np.int64)
        nodes = self.leaves[idx]
        by_position = self.index.labels_by_position(t)
        start = tree.start[nodes]
        first = by_position[start]
        last = by_position[start + tree.size[nodes] - 1]
        count = last - first + 1
        leaf = np.repeat(idx, count)
        offset = np.arange(leaf.size) - np.repeat(np.cumsum(count) - count, count)
        spread = np.repeat(count, count)
        x = self.leaf_x[leaf] + np.where(spread > 1, -4.0 + 8.0 * (offset + 0.5) / spread, 0.0)
        return x, np.repeat(first, count) + offset, leaf

    def annotations(self, above: float = -np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Merge points higher than ``above``, for writing heights on the tree.

        Returns
        -------
        x, y : ndarray, shape (a,)
            Top-centre of each such link in 'top' coordinates (x along the leaves,
            y the merge height); swap them for 'left'/'right' like `segments`.
        row : ndarray, shape (a,)
            Row of Z of each point. Order is link order.

        Examples
        --------
        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
        >>> x, y, row = dendrogram_geometry(Z).annotations(1.5)
        >>> x.tolist(), y.tolist(), row.tolist()
        ([30.0, 20.0], [2.0, 3.0], [1, 2])
        """
        y = self.dcoord[:, 1]
        keep = y > above
        x = (self.icoord[keep, 1] + self.icoord[keep, 2]) * 0.5
        return x, y[keep].copy(), self.link_rows[keep].copy()

    def segments(
        self, orientation: str = "top", links: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Flat polyline arrays for one plot trace: 4 points per link, then NaN.

        Parameters
        ----------
        orientation : {'top', 'bottom', 'left', 'right'}
            Where the root is drawn. 'top' and 'bottom' return (leaf axis, height);
            'left' and 'right' return (height, leaf axis). Values are never flipped:
            the plot reverses its height axis for 'bottom' and 'left' (root there),
            as SciPy's plot does.
        links : array_like of bool (m,) or int, optional
            Links to include (e.g. ``link_clusters(t) == c`` for one colour); all
            by default.

        Returns
        -------
        x, y : ndarray, shape (5 * m_selected,), float64
            ``NaN`` after every link, so one trace draws all of them.

        Examples
        --------
        >>> import numpy as np
        >>> from clustering.geometry import dendrogram_geometry
        >>> Z = np.array([[0, 1, 1.0, 2]])
        >>> x, y = dendrogram_geometry(Z).segments("right")
        >>> x.tolist()[:4], y.tolist()[:4], bool(np.isnan(x[4]))
        ([0.0, 1.0, 1.0, 0.0], [5.0, 5.0, 15.0, 15.0], True)
        """
        if orientation not in ORIENTATIONS:
            raise DataError(
                f"orientation must be one of {', '.join(ORIENTATIONS)}; got {orientation!r}"
            )
        ic, dc = self.icoord, self.dcoord
        if links is not None:
            ic, dc = ic[links], dc[links]
        m = ic.shape[0]
        xs = np.full((m, 5), np.nan)
        ys = np.full((m, 5), np.nan)
        xs[:, :4] = ic
        ys[:, :4] = dc
        if orientation in ("left", "right"):
            xs, ys = ys, xs
        return xs.ravel(), ys.ravel()
