"""Level of detail for the full dendrogram of a big tree: what one zoom window draws.

At 100,000 leaves a full dendrogram has 100,000 links, most of them narrower than a pixel.
:func:`lod_tree` lays the whole tree out once, in SciPy's ``dendrogram`` coordinates (leaf
position i at x = 10 i + 5, a link's top at its merge height, each node midway between its
children), and :func:`lod_window` picks what a window of the x axis, ``px`` pixels wide,
draws:

* every link (a SciPy "U": ``icoord`` / ``dcoord`` row) whose subtree spans more than one
  pixel and meets the window: these are *expanded*;
* every child of an expanded link that spans one pixel or less is drawn as one *mark*, a
  vertical line from its merge height to 0 (the whole subtree, collapsed);
* leaves that are children of expanded links are individual leaves (their legs reach 0).

No traversal is needed: a subtree's leaves are a contiguous run of positions, so "wider
than a pixel and in the window" is a test on each node's own extent, done for all nodes at
once (O(n) numpy, ~1 ms at 100,000). Widening links is bounded by ``max_links``: past it the
pixel is taken coarser (doubled) until the links fit, so a chain (single linkage, one long
spine) still draws in bounded time.

Colours follow the cut exactly as the page's: a link is above the cut (grey) when the
largest merge height in its subtree is above the cut (``maxdist``, so inversions count),
else it takes the cluster of its first leaf position, clusters numbered 1..k left to right
(``clustering.cut_index.TreeIndex.labels_at``). A mark whose subtree the cut splits is above the
cut: it holds several clusters inside one pixel, and zooming in separates them.

The browser runs the same rule (``assets/lod.js``) on the arrays of :func:`lod_arrays`.

Examples
--------
>>> import numpy as np
>>> from scipy.cluster.hierarchy import linkage
>>> Z = linkage(np.array([[0.0], [1.0], [5.0], [6.0]]), "single")
>>> t = lod_tree(Z)
>>> w = lod_window(t, 0.0, 40.0, px=400)
>>> len(w.links), len(w.marks), w.leaves.tolist()
(3, 0, [0, 1, 2, 3])
>>> w = lod_window(t, 0.0, 40.0, px=2)        # 20 units a pixel: the pairs collapse
>>> len(w.links), sorted(t.first[w.marks].tolist())
(1, [0, 2])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.cut_index import tree_index
from clustering.errors import DataError

__all__ = ["LEAF_SPACING", "LodTree", "LodWindow", "lod_colours", "lod_gaps", "lod_tree", "lod_window"]

#: SciPy's dendrogram puts leaf position i at x = 10 i + 5.
LEAF_SPACING = 10.0


@dataclass(frozen=True, eq=False)
class LodTree:
    """The whole tree laid out once. Node ids as SciPy's: leaves ``0..n-1``, merge ``r`` of Z
    is node ``n + r``.

    Attributes
    ----------
    n : int
        Leaves.
    x, h : ndarray, shape (2n - 1,)
        Each node's x (leaves at 10 · position + 5) and height (0 for leaves).
    first, count : ndarray of int, shape (2n - 1,)
        First leaf position under each node and how many leaves.
    maxdist : ndarray, shape (2n - 1,)
        Largest merge height in each node's subtree (-inf for a leaf).
    children : ndarray of int, shape (n - 1, 2)
        ``Z[:, :2]``: left (drawn first) and right child of each merge.
    leaves : ndarray of int, shape (n,)
        Row at each leaf position (SciPy's ``leaves_list``).
    """

    n: int
    x: np.ndarray
    h: np.ndarray
    first: np.ndarray
    count: np.ndarray
    maxdist: np.ndarray
    children: np.ndarray
    leaves: np.ndarray


@dataclass(frozen=True, eq=False)
class LodWindow:
    """What one window draws: expanded links, collapsed marks, individual leaves.

    Attributes
    ----------
    links : ndarray of int, shape (L,)
        Merge rows of Z drawn as a U (node ``n + r``), in Z order.
    marks : ndarray of int, shape (M,)
        Nodes drawn as one vertical mark from their height to 0.
    leaves : ndarray of int, shape (V,)
        Leaf positions visible as individual leaves, ascending.
    pixel : float
        Data units per pixel actually used (coarser than asked when ``max_links`` bound).
    """

    links: np.ndarray
    marks: np.ndarray
    leaves: np.ndarray
    pixel: float

    def icoord_dcoord(self, tree: LodTree) -> tuple[np.ndarray, np.ndarray]:
        """SciPy's ``icoord``/``dcoord`` rows of the links, shape (L, 4) each."""
        a, b = tree.children[self.links].T
        node = tree.n + self.links
        xs = np.stack([tree.x[a], tree.x[a], tree.x[b], tree.x[b]], axis=1)
        ys = np.stack([tree.h[a], tree.h[node], tree.h[node], tree.h[b]], axis=1)
        return xs, ys


def lod_tree(Z: object) -> LodTree:
    """Lay out the whole tree of a linkage matrix in SciPy's dendrogram coordinates.

    Parameters
    ----------
    Z : array_like, shape (n - 1, 4)
        A valid linkage matrix (SciPy's conventions).

    Returns
    -------
    LodTree

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> t = lod_tree(linkage([[0.0], [1.0], [5.0]], "single"))
    >>> t.x.tolist(), t.first.tolist()
    ([15.0, 25.0, 5.0, 20.0, 12.5], [1, 2, 0, 1, 0])
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 4 or Z.shape[0] < 1:
        raise DataError(f"a linkage matrix has shape (n - 1, 4), got {Z.shape}")
    n = Z.shape[0] + 1
    index = tree_index(Z)
    leaves = np.asarray(index.leaves, dtype=np.int64)
    children = Z[:, :2].astype(np.int64)
    total = 2 * n - 1
    position = np.empty(n, dtype=np.int64)
    position[leaves] = np.arange(n)
    first = np.empty(total, dtype=np.int64)
    count = np.empty(total, dtype=np.int64)
    x = np.empty(total, dtype=np.float64)
    maxdist = np.empty(total, dtype=np.float64)
    first[:n], count[:n] = position, 1
    x[:n] = LEAF_SPACING * position + LEAF_SPACING / 2
    maxdist[:n] = -np.inf
    h = np.concatenate([np.zeros(n), Z[:, 2]])
    # Children come before parents in Z, so one pass in Z order fills every node. Plain
    # Python lists: ~0.1 s at 100,000 merges, once per tree (memoised by the caller).
    fl, cl, xl, ml = first.tolist(), count.tolist(), x.tolist(), maxdist.tolist()
    hl = Z[:, 2].tolist()
    for r, (a, b) in enumerate(children.tolist()):
        v = n + r
        fl[v] = min(fl[a], fl[b])
        cl[v] = cl[a] + cl[b]
        xl[v] = (xl[a] + xl[b]) / 2
        ml[v] = max(hl[r], ml[a], ml[b])
    first[:], count[:], x[:], maxdist[:] = fl, cl, xl, ml
    return LodTree(n, x, h, first, count, maxdist, children, leaves)


def lod_window(tree: LodTree, x0: float, x1: float, px: float, *,
               max_links: int = 20_000) -> LodWindow:
    """What the window ``[x0, x1]`` of the x axis, ``px`` pixels wide, draws.

    Parameters
    ----------
    tree : LodTree
    x0, x1 : float
        The visible x range (dendrogram units: 10 per leaf).
    px : float
        Its width in pixels.
    max_links : int
        Most links drawn; the pixel is taken coarser (doubled) until they fit.

    Returns
    -------
    LodWindow
    """
    if not (np.isfinite(x0) and np.isfinite(x1) and x1 > x0):
        raise DataError(f"the window needs x0 < x1, got {x0!r}, {x1!r}")
    if not px > 0:
        raise DataError(f"the window needs a positive width in pixels, got {px!r}")
    n = tree.n
    lo = LEAF_SPACING * tree.first[n:]
    hi = lo + LEAF_SPACING * tree.count[n:]
    visible = (hi > x0) & (lo < x1)
    width = hi - lo
    pixel = (x1 - x0) / float(px)
    while True:
        expanded = visible & (width > pixel)
        if np.count_nonzero(expanded) <= max_links:
            break
        pixel *= 2
    links = np.flatnonzero(expanded)
    kids = tree.children[links].ravel()
    # A child is drawn by itself when its parent is expanded and it is not: a leaf, or a
    # subtree one pixel wide or less (its mark), if it meets the window.
    k_lo = LEAF_SPACING * tree.first[kids]
    k_hi = k_lo + LEAF_SPACING * tree.count[kids]
    seen = (k_hi > x0) & (k_lo < x1)
    internal = kids >= n
    is_expanded = np.zeros(kids.size, dtype=bool)
    is_expanded[internal] = expanded[kids[internal] - n]
    marks = kids[seen & internal & ~is_expanded]
    leaves = np.sort(tree.first[kids[seen & ~internal]])
    root = 2 * n - 2
    if links.size == 0 and visible[-1]:
        marks = np.array([root])  # the whole tree narrower than a pixel
    return LodWindow(links, np.sort(marks), leaves, pixel)


def lod_colours(tree: LodTree, nodes: np.ndarray, cut: float) -> np.ndarray:
    """Cluster 1..k (left to right) of each node at height ``cut``, 0 when above the cut.

    A node is above the cut when the largest merge height in its subtree is (so a mark the
    cut splits is 0); else it is in the cluster of its first leaf position.

    >>> from scipy.cluster.hierarchy import linkage
    >>> t = lod_tree(linkage([[0.0], [1.0], [5.0], [6.0]], "single"))
    >>> lod_colours(t, np.arange(7), 2.0).tolist()
    [1, 1, 2, 2, 1, 2, 0]
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    gaps = lod_gaps(tree)
    cluster = np.r_[1, 1 + np.cumsum(~(gaps <= cut))]
    out = cluster[tree.first[nodes]]
    return np.where(tree.maxdist[nodes] <= cut, out, 0)


def lod_gaps(tree: LodTree) -> np.ndarray:
    """For leaf positions i and i + 1, the largest merge height in the subtree that joins
    them (its ``maxdist``), shape (n - 1,): the page's ``TreeIndex.gaps``; positions split
    into clusters where it is above the cut, as ``fcluster(Z, t, 'distance')`` does."""
    n = tree.n
    a = tree.children[:, 0]
    seam = tree.first[a] + tree.count[a] - 1  # last position of the left child
    gaps = np.empty(n - 1, dtype=np.float64)
    gaps[seam] = tree.maxdist[n:]
    return gaps
