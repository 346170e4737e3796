"""Dendrogram layout without recursion, equal to ``scipy.cluster.hierarchy.dendrogram``.

SciPy's ``dendrogram()`` recurses once per tree level and dies on deep trees (a
single-linkage chain of 1,000 leaves). Here every subtree is a contiguous range of
leaf positions (see `clustering.tree_shape`), so the layout is a few numpy passes plus one
plain loop over the shown links for the x midpoints; links come out in SciPy's order
(post-order: a link after both of its children).

The result, `Geometry` (the frozen arrays and the questions a cut asks of them), lives in
`clustering.geometry_model`; import both from here. This module is the construction: which
rows are shown (``truncate_mode``), the leaves, the links' coordinates, the leaf labels and
the contraction marks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from clustering.cut_index import TreeIndex, tree_index
from clustering.errors import DataError
from clustering.geometry_model import ORIENTATIONS, Geometry
from clustering.tree_shape import _pointer_jump_sum, _Tree

__all__ = ["ORIENTATIONS", "TRUNCATE_MODES", "Geometry", "dendrogram_geometry"]

logger = logging.getLogger(__name__)

TRUNCATE_MODES = (None, "none", "lastp", "level", "mtica")


def _check_mode(truncate_mode: str | None, p: int) -> tuple[str | None, int | float]:
    if truncate_mode not in TRUNCATE_MODES:
        raise DataError(
            f"truncate_mode must be one of None, 'lastp', 'level'; got {truncate_mode!r}"
        )
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise DataError(f"p must be a number, got {p!r}")
    p = int(p)  # SciPy truncates p the same way
    if truncate_mode == "mtica":
        truncate_mode = "level"
    if truncate_mode == "none":
        truncate_mode = None
    return truncate_mode, p


def _depth(index: TreeIndex) -> np.ndarray:
    """Depth of every node (root 0), vectorised by pointer jumping."""
    tree = index._tree
    root = 2 * tree.n - 2
    ones = np.ones(2 * tree.n - 1, dtype=np.int64)
    ones[root] = 0
    return _pointer_jump_sum(tree.parent, ones, root)


def _shown_rows(index: TreeIndex, truncate_mode: str | None, p: int) -> np.ndarray:
    """Boolean (n-1,) mask of the rows of Z drawn as links, following SciPy's rules."""
    n = index.n
    m = n - 1
    if truncate_mode is None:
        return np.ones(m, dtype=bool)
    if truncate_mode == "lastp":
        if p > n or p == 0:
            p = n
        # SciPy contracts node i when 2n - p > i >= n, i.e. row < n - p.
        return np.arange(m) >= n - p
    # 'level': SciPy contracts node i when ``i > n and level > p`` (so the first merge,
    # node n, is never contracted) and p <= 0 means no limit.
    if p <= 0:
        return np.ones(m, dtype=bool)
    depth = _depth(index)[n:]
    shown = depth <= p
    if depth[0] == p + 1:
        shown[0] = True
    return shown


def dendrogram_geometry(
    Z: np.ndarray,
    *,
    truncate_mode: str | None = None,
    p: int = 30,
    show_contracted: bool = False,
    labels: Sequence | np.ndarray | None = None,
    index: TreeIndex | None = None,
) -> Geometry:
    """Lay out a dendrogram as ``scipy.cluster.hierarchy.dendrogram(..., no_plot=True)``.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        Linkage matrix (any shape of tree, any depth; inversions allowed).
    truncate_mode : {None, 'lastp', 'level'}
        None shows the whole tree. 'lastp' shows the last ``p`` merges (the leaves are
        the clusters the other merges made). 'level' shows at most ``p`` levels below
        the root. ``p`` is clipped exactly as SciPy clips it ('lastp': ``p > n`` or
        ``p == 0`` means n; 'level': ``p <= 0`` means no limit).
    p : int, default 30
        Truncation parameter (ignored when ``truncate_mode`` is None).
    show_contracted : bool, default False
        Fill `Geometry.contracted` with SciPy's contraction marks.
    labels : sequence of str, length n, optional
        Sample labels for ``ivl``; default the sample number.
    index : TreeIndex, optional
        ``tree_index(Z)`` if already computed (saves its O(n) cost); Z is then only
        checked for its number of rows.

    Returns
    -------
    Geometry
        ``icoord``, ``dcoord``, ``ivl``, ``leaves`` equal to SciPy's, plus the extras
        described in `Geometry`.

    Raises
    ------
    DataError
        For an invalid Z, truncate mode, ``p`` or labels length.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> g = dendrogram_geometry(Z, truncate_mode="lastp", p=2, labels=list("abcd"))
    >>> g.ivl, g.leaves.tolist(), g.icoord.tolist()
    (['(2)', '(2)'], [4, 5], [[5.0, 5.0, 15.0, 15.0]])
    """
    truncate_mode, p = _check_mode(truncate_mode, p)
    index = _checked_index(Z, index, labels)
    tree = index._tree
    rows = np.flatnonzero(_shown_rows(index, truncate_mode, p))
    node_shown = np.zeros(2 * tree.n - 1, dtype=bool)
    node_shown[tree.n + rows] = True
    leaf_nodes = _shown_leaves(tree, rows, node_shown)
    leaf_x = 5.0 + 10.0 * np.arange(leaf_nodes.shape[0])
    link_rows = _post_order(tree, rows)
    x_node = _node_x(tree, rows, leaf_nodes, leaf_x)
    icoord, dcoord = _link_polylines(tree, rows, link_rows, x_node)
    names = _leaf_names(tree, leaf_nodes, labels)
    if show_contracted and (leaf_nodes >= tree.n).any():
        contracted = _contraction_marks(index, node_shown, leaf_nodes, leaf_x)
    else:
        contracted = (np.empty(0), np.empty(0))
    return _frozen_geometry(index, icoord, dcoord, names, leaf_nodes, link_rows, leaf_x, contracted)


def _checked_index(
    Z: np.ndarray, index: TreeIndex | None, labels: Sequence | np.ndarray | None
) -> TreeIndex:
    """The tree's `TreeIndex`: ``tree_index(Z)`` unless one is given, then checked to have
    as many samples as Z, and the labels (if any) as many as the tree."""
    if index is None:
        index = tree_index(Z)
    elif np.shape(Z)[0] + 1 != index.n:
        raise DataError(f"the index is for {index.n} samples but Z has {np.shape(Z)[0]} rows")
    n = index._tree.n
    if labels is not None and len(labels) != n:
        raise DataError(f"there are {len(labels)} labels for {n} samples in the tree")
    return index


def _shown_leaves(tree: _Tree, rows: np.ndarray, node_shown: np.ndarray) -> np.ndarray:
    """Node ids of the shown leaves, left to right (SciPy's ``leaves``).

    A shown leaf is a child of a shown link that is not itself shown: a sample, or a
    contracted subtree. With no link shown the root is the one leaf.
    """
    n = tree.n
    if rows.size:
        kids = np.concatenate([tree.left[rows], tree.right[rows]])
        leaf_nodes = kids[~node_shown[kids]]
    else:
        leaf_nodes = np.array([2 * n - 2], dtype=np.int64)
    return leaf_nodes[np.argsort(tree.start[leaf_nodes], kind="stable")]


def _node_x(
    tree: _Tree, rows: np.ndarray, leaf_nodes: np.ndarray, leaf_x: np.ndarray
) -> np.ndarray:
    """x of every node, shape (2n-1,): the shown leaves at ``leaf_x``, each shown link at
    the midpoint of its children's x; 0 for nodes that are not drawn."""
    n = tree.n
    # x of a link is the midpoint of its children's x (not of its leaf range), so it
    # needs children first: one forward pass over the shown rows in id order.
    x_np = np.zeros(2 * n - 1)
    x_np[leaf_nodes] = leaf_x
    xs = x_np.tolist()
    for r, a, b in zip(
        (n + rows).tolist(), tree.left[rows].tolist(), tree.right[rows].tolist(), strict=True
    ):
        xs[r] = (xs[a] + xs[b]) / 2
    return np.array(xs) if rows.size else x_np


def _post_order(tree: _Tree, rows: np.ndarray) -> np.ndarray:
    """The shown rows in SciPy's link order (``Geometry.link_rows``)."""
    n = tree.n
    # SciPy appends a link after both children: post-order, i.e. by the last leaf
    # position of the subtree, inner (smaller id) first along a right spine.
    last = tree.start[n + rows] + tree.size[n + rows]
    return rows[np.argsort(last, kind="stable")]


def _link_polylines(
    tree: _Tree, rows: np.ndarray, link_rows: np.ndarray, x_node: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``icoord`` and ``dcoord``, shape (m, 4), of the links in ``link_rows`` order: up
    from the left child, across at the merge height, down to the right child (a shown
    leaf's height is 0)."""
    n = tree.n
    a = tree.left[link_rows]
    b = tree.right[link_rows]
    h = tree.height[link_rows]
    y_node = np.zeros(2 * n - 1)
    y_node[n + rows] = tree.height[rows]
    icoord = np.stack([x_node[a], x_node[a], x_node[b], x_node[b]], axis=1)
    dcoord = np.stack([y_node[a], h, h, y_node[b]], axis=1)
    return icoord, dcoord


def _leaf_names(
    tree: _Tree, leaf_nodes: np.ndarray, labels: Sequence | np.ndarray | None
) -> list[str]:
    """``ivl``: a shown sample's label (``labels[i]``, else ``str(i)``), ``'(count)'`` for
    a contracted subtree."""
    n = tree.n
    inner = leaf_nodes >= n
    if labels is None:
        names = [str(i) for i in leaf_nodes.tolist()]
    else:
        names = [str(labels[i]) if i < n else "" for i in leaf_nodes.tolist()]
    for j, c in zip(
        np.flatnonzero(inner).tolist(), tree.count[leaf_nodes[inner] - n].tolist(), strict=True
    ):
        names[j] = f"({c})"
    return names


def _frozen_geometry(
    index: TreeIndex,
    icoord: np.ndarray,
    dcoord: np.ndarray,
    names: list[str],
    leaf_nodes: np.ndarray,
    link_rows: np.ndarray,
    leaf_x: np.ndarray,
    contracted: tuple[np.ndarray, np.ndarray],
) -> Geometry:
    """The `Geometry`, its arrays read-only. It also keeps the first leaf position of each
    link and shown leaf: the per-cut questions read a cut's labels there."""
    tree = index._tree
    n = tree.n
    leaf_counts = tree.size[leaf_nodes]
    link_start = tree.start[n + link_rows]
    leaf_start = tree.start[leaf_nodes]
    for arr in (
        icoord,
        dcoord,
        leaf_nodes,
        link_rows,
        leaf_counts,
        leaf_x,
        *contracted,
        link_start,
        leaf_start,
    ):
        arr.setflags(write=False)
    return Geometry(
        icoord=icoord,
        dcoord=dcoord,
        ivl=names,
        leaves=leaf_nodes,
        link_rows=link_rows,
        leaf_counts=leaf_counts,
        leaf_x=leaf_x,
        contracted=contracted,
        index=index,
        _link_start=link_start,
        _leaf_start=leaf_start,
    )


def _contraction_marks(
    index: TreeIndex, node_shown: np.ndarray, leaf_nodes: np.ndarray, leaf_x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """SciPy's contraction marks: every merge hidden in a contracted leaf, pre-order."""
    tree = index._tree
    n = tree.n
    hidden = ~node_shown[n:]
    hidden[leaf_nodes[leaf_nodes >= n] - n] = False
    nodes = n + np.flatnonzero(hidden)
    start = tree.start[nodes]
    # Pre-order: by first leaf position, ancestors (larger ids) before descendants.
    order = np.lexsort((-nodes, start))
    nodes, start = nodes[order], start[order]
    owner = np.searchsorted(tree.start[leaf_nodes], start, side="right") - 1
    return leaf_x[owner], tree.height[nodes - n]
