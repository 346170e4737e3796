"""What the browser needs to recolour the tree and the scatter at any cut: ``tree-data``.

Arrays travel as little-endian base64 (``{"dtype", "n", "b64"}``), a quarter of the JSON of a
float list. ``assets/dendro.js`` reads them; the figure structure it patches is described in
``components.figures.dendrogram`` and ``components.figures.scatter``.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from clustering.merges import subtree_first_position
from clustering.suggest import heights_for_k
from components.figures.dendrogram import (
    GL_LINKS,
    GL_POINTS,
    LEAF_MARK_SIZE,
    flat_segments,
    marked_leaves,
    oriented,
)
from components.figures.palette import ABOVE_CUT_COLOR, PALETTE

#: The k field looks up its height in a table of this many k (the whole tree when smaller):
#: k -> height follows SciPy's fcluster rule, computed once on the server (clustering.suggest).
K_TABLE_MAX = 2_000


def _b64(a: np.ndarray, dtype: str) -> dict[str, Any]:
    """Little-endian bytes of ``a`` as base64: a quarter of the JSON of a float list."""
    arr = np.ascontiguousarray(np.asarray(a), dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": np.dtype(dtype).name, "n": int(arr.size), "b64": base64.b64encode(arr.tobytes()).decode()}


def decode_b64(d: dict[str, Any]) -> np.ndarray:
    """Inverse of the encoding :func:`make_tree_data` uses (for tests and tools).

    >>> decode_b64(_b64(np.arange(3), "int32")).tolist()
    [0, 1, 2]
    """
    return np.frombuffer(base64.b64decode(d["b64"]), dtype=np.dtype(d["dtype"]).newbyteorder("<"))


def _spans(Z: np.ndarray, n: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leaves under each drawn link (row of Z) and under its left child (``Z[r, 0]``, which
    the dendrogram draws first).

    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    >>> [a.tolist() for a in _spans(Z, 4, np.array([2, 0]))]
    [[4, 2], [2, 1]]
    """
    sizes = np.concatenate([np.ones(n), Z[:, 3]]).astype(np.int64)
    if rows.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return sizes[n + rows], sizes[Z[rows, 0].astype(np.int64)]


def make_tree_data(
    geometry: Any,
    index: Any,
    Z: np.ndarray,
    *,
    orientation: str = "top",
    annotate_above: float | None = None,
    row_positions: np.ndarray | None = None,
    gl: bool | None = None,
) -> dict[str, Any]:
    """What the browser needs to recolour tree and scatter at any cut, JSON-ready.

    Parameters
    ----------
    geometry : clustering.geometry.Geometry
    index : clustering.cut_index.TreeIndex
        ``leaves`` (n,), ``gaps`` (n - 1,) and ``merge_maxdist`` (n - 1,).
    Z : ndarray, shape (n - 1, 4)
    orientation, annotate_above, gl
        As given to :func:`make_dendrogram_figure`.
    row_positions : ndarray, shape (n,), optional
        Leaf position of each scatter point; default: rows in matrix order.

    Returns
    -------
    dict
        ``x``/``y`` (5 m,) float32 link segments as plotted; ``maxdist`` (m,) float64 largest
        merge height inside each link's subtree; ``first`` (m,) int32 its first leaf position;
        ``count``/``left`` (m,) int32 leaves under each link and under its left child;
        ``gaps`` (n - 1,) float64; ``row_pos`` (n,) int32; ``annot`` indices of annotated links;
        ``k_height`` / ``k_of`` (K,) float64 / int32, for each wanted k = 1..K the cut height
        and the k it gives (the nearest possible, ``clustering.suggest.heights_for_k``; K =
        min(n, :data:`K_TABLE_MAX`)); ``palette``, ``above``, ``orientation``, ``gl`` settings.
        For the stems (``Geometry.stems``), per leg ``2 j`` / ``2 j + 1`` of link ``j``:
        ``leg_x`` float32 leaf axis, ``leg_bottom``/``leg_top`` float64 heights,
        ``leg_first`` int32 first leaf position of the child, ``leg_maxdist`` float64 its
        largest merge height (``-inf`` for a sample). For the leaf marks
        (``Geometry.leaf_marks`` of ``marked_leaves``): ``mark_x`` float64, ``mark_first`` /
        ``mark_last`` int32 first and last leaf position under each marked leaf;
        ``mark_size``, ``gl_points``.
        Arrays are ``{"dtype", "n", "b64"}`` little-endian.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> from clustering.geometry import dendrogram_geometry
    >>> from clustering.cut_index import tree_index
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> td = make_tree_data(dendrogram_geometry(Z), tree_index(Z), Z)
    >>> decode_b64(td["gaps"]).tolist()
    [4.0, 1.0]
    """
    Z = np.asarray(Z, dtype=float)
    leaves = np.asarray(index.leaves, dtype=np.int64)
    n = leaves.size
    if row_positions is None:
        row_positions = np.empty(n, dtype=np.int64)
        row_positions[leaves] = np.arange(n)
    links = _link_arrays(geometry, index, Z, orientation, annotate_above)
    m = int(links.pop("m"))
    return {
        "n": int(n),
        "m": m,
        **links,
        "gaps": _b64(np.asarray(index.gaps, dtype=np.float64), "float64"),
        "row_pos": _b64(row_positions, "int32"),
        **_k_table(index),
        **_stem_arrays(geometry, index),
        **_mark_arrays(geometry, index),
        "palette": list(PALETTE),
        "above": ABOVE_CUT_COLOR,
        "orientation": orientation,
        "gl": bool(m > GL_LINKS if gl is None else gl),
    }


def _link_arrays(geometry: Any, index: Any, Z: np.ndarray, orientation: str,
                 annotate_above: float | None) -> dict[str, Any]:
    """The links as plotted, and what recolours them: ``x``/``y``, ``maxdist``, ``first``,
    ``count``/``left`` (the partition arrays), ``annot``; and ``m``, their number."""
    icoord = np.asarray(geometry.icoord, dtype=float)
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    rows = np.asarray(geometry.link_rows, dtype=np.int64)
    leaves = np.asarray(index.leaves, dtype=np.int64)
    xs, ys = oriented(icoord, dcoord, orientation)
    # Leaves under each link and under its left child: a partition that is not a height
    # (assets/partition.js) colours a link by the labels of the leaf positions it spans.
    count, left = _spans(Z, leaves.size, rows)
    if annotate_above is None:
        annot = np.zeros(0, dtype=np.int64)
    else:
        annot = np.flatnonzero(dcoord[:, 1] > float(annotate_above))
    return {
        "m": icoord.shape[0],
        "x": _b64(flat_segments(xs), "float32"),
        "y": _b64(flat_segments(ys), "float32"),
        "maxdist": _b64(np.asarray(index.merge_maxdist, dtype=np.float64)[rows], "float64"),
        "first": _b64(subtree_first_position(Z, leaves)[rows], "int32"),
        "count": _b64(count, "int32"),
        "left": _b64(left, "int32"),
        "annot": annot.tolist(),
    }


def _k_table(index: Any) -> dict[str, Any]:
    """``k_height`` / ``k_of``: the k field's table (``clustering.suggest.heights_for_k``)."""
    k_height, k_of = heights_for_k(index, K_TABLE_MAX)
    return {"k_height": _b64(k_height, "float64"), "k_of": _b64(k_of, "int32")}


def _stem_arrays(geometry: Any, index: Any) -> dict[str, Any]:
    """The stems' legs (``Geometry.stems``): ``leg_x``, ``leg_bottom``/``leg_top``,
    ``leg_first``, ``leg_maxdist``."""
    legs = geometry.legs()
    return {
        "leg_x": _b64(legs["x"], "float32"),
        "leg_bottom": _b64(legs["bottom"], "float64"),
        "leg_top": _b64(legs["top"], "float64"),
        "leg_first": _b64(index._tree.start[legs["child"]], "int32"),
        "leg_maxdist": _b64(geometry.node_maxdist(legs["child"]), "float64"),
    }


def _mark_arrays(geometry: Any, index: Any) -> dict[str, Any]:
    """The leaf marks (``marked_leaves``): ``mark_x``, ``mark_first``/``mark_last`` leaf
    positions under each, ``mark_size``, ``gl_points``."""
    tree = index._tree
    marked = marked_leaves(geometry)
    mark_nodes = np.asarray(geometry.leaves, dtype=np.int64)[marked]
    mark_first = tree.start[mark_nodes]
    return {
        "mark_x": _b64(np.asarray(geometry.leaf_x, dtype=np.float64)[marked], "float64"),
        "mark_first": _b64(mark_first, "int32"),
        "mark_last": _b64(mark_first + tree.size[mark_nodes] - 1, "int32"),
        "mark_size": LEAF_MARK_SIZE,
        "gl_points": GL_POINTS,
    }
