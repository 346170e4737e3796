"""The dendrogram figure: a composition of per-trace builders, numpy in, ``go.Figure`` out.

Nothing here touches Dash, the request or the store, so tests call these directly.

The browser recolours the tree and the scatter at a new cut without the server
(``assets/dendro.js``). It works from ``components.figures.tree_data.make_tree_data``, and it
must reproduce exactly what :func:`make_dendrogram_figure` draws (and
``components.figures.scatter.make_scatter_figure``); so the figure structure is part of the
contract with the JS:

* dendrogram traces are tagged with ``meta``: ``"links"`` (one trace per colour, NaN between
  links), ``"leafmarks"`` (a mark in its cluster's colour
  at the foot of each shown leaf, :func:`marked_leaves`), then ``"annot"``
  (merge heights, marker colour per point) and ``"hover"`` (one invisible marker per merge
  that carries the hover text);
* the cut is ``layout.shapes[0]``, a line across the plot with a label (``assets/cutdrag.js``
  drags it there, so it must stay the first shape); the contracted marks, if any, are
  ``layout.shapes[1]``, one path (:func:`contracted_shape`), which the browser keeps; then
  the clusters' stems (:meth:`clustering.geometry.Geometry.stems`), one path per colour named
  ``"stems"`` (:func:`stem_shapes`), which the browser redraws with the line;
* the scatter's structure is described in ``components.figures.scatter``.

A reader who must change how the tree is drawn opens this file and nothing else: one helper
per trace (:func:`link_traces`, :func:`annotation_trace`, :func:`hover_trace`), one for the
axes (:func:`dendrogram_axes`), one per shape (:func:`cut_shape`, :func:`contracted_shape`,
:func:`stem_shapes`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from components.figures.common import hover_points, white_figure_unchecked
from components.figures.palette import ABOVE_CUT_COLOR, CUT_LINE_COLOR, PALETTE, cluster_color
from components.figures.text import cut_label, format_height, plot_text

ORIENTATIONS = ("top", "bottom", "left", "right")
# WebGL beyond these sizes: SVG is crisper for small plots, WebGL stays smooth for big ones.
GL_LINKS = 2_000
# Marker traces (the tree's invisible leaf and merge markers): every cut move redraws them,
# and an SVG redraw costs several times a WebGL one (headless Chromium, 2 cores). At 5,000
# leaves the SVG leaf markers made each tree redraw 280-350 ms.
GL_POINTS = 2_000
# Leaf tick labels are unreadable beyond this many leaves, and cost layout time.
MAX_TICK_LABELS = 200
# Label widths are estimated (tree_margins), not measured: a character's width in ems, on the
# generous side (plotly.js's "Open Sans": digits 0.57, most letters below 0.65); a wide one
# (CJK, full-width forms) takes a whole em.
CHAR_EM = 0.65
# The leaf labels are laid level only when they fit side by side in a plot this narrow
# (assets/leaf_angle.js applies the same rule, and lays upright ones level in a zoom).
NARROW_PLOT_PX = 600
# The leaf side's margin stops here: longer labels run past the figure's edge.
LEAF_MARGIN_MAX = 220
# The leaf title's line (11 px text) at the edge of that margin.
LEAF_TITLE_PX = 20
# Past this many shown leaves only the (count) leaves get a mark: a sample leaf's cluster
# already shows in its stem, and thousands of marks would slow every recolour.
LEAF_MARKS_MAX = 2_000
LEAF_MARK_SIZE = 7
MARK_STEPS = 400
_TEXT_POSITION = {"top": "bottom center", "bottom": "top center", "left": "middle right",
                  "right": "middle left"}
# Leaf labels sit next to the leaves, as in SciPy: opposite the root.
_LEAF_SIDE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}


def oriented(icoord: np.ndarray, dcoord: np.ndarray, orientation: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) for plotting: the height runs along y for top/bottom, along x for left/right."""
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    if orientation in ("top", "bottom"):
        return icoord, dcoord
    return dcoord, icoord


def flat_segments(coords: np.ndarray) -> np.ndarray:
    """(m, 4) link corners -> (5 m,) float32 with NaN after each link, for one trace.

    >>> flat_segments(np.array([[1.0, 1.0, 2.0, 2.0]])).tolist()[:4]
    [1.0, 1.0, 2.0, 2.0]
    """
    out = np.full((coords.shape[0], 5), np.nan, dtype=np.float32)
    out[:, :4] = coords
    return out.ravel()


def _thin_marks(x: np.ndarray, y: np.ndarray, top: float, steps: int = MARK_STEPS
                ) -> tuple[np.ndarray, np.ndarray]:
    """Contracted marks less those drawn on top of another (same leaf, same height to
    ``top / steps``): a truncated 20k tree has ~20k marks on ~50 leaves.

    400 steps is about one pixel row of the unzoomed plot (~390 px tall), where the 4 px marks
    overlap anyway: blobs-20k keeps ~280 marks, ~7 KB of path in :func:`contracted_shape`.
    Zoomed far in, the thinning shows as gaps between marks.

    >>> _thin_marks(np.array([5.0, 5.0, 15.0]), np.array([1.0, 1.0001, 1.0]), 10.0)
    (array([ 5., 15.]), array([1., 1.]))
    """
    if x.size == 0 or not top > 0:
        return x, y
    key = np.column_stack([x, np.round(y * (steps / top))])
    _, first = np.unique(key, axis=0, return_index=True)
    first.sort()
    return x[first], y[first]


def cut_shape(t: float, k: int, orientation: str = "top") -> dict[str, Any]:
    """The cut line (``layout.shapes[0]``, dragged by ``assets/cutdrag.js``) at height ``t``,
    labelled with ``t`` and ``k``.

    >>> cut_shape(2.0, 3)["y0"]
    2.0
    """
    shape: dict[str, Any] = {
        "type": "line",
        "line": {"color": CUT_LINE_COLOR, "width": 2, "dash": "dash"},
        "label": {
            "text": cut_label(t, k),
            "textposition": "end",
            "font": {"color": CUT_LINE_COLOR, "size": 12},
            "yanchor": "bottom",
        },
    }
    if orientation in ("top", "bottom"):
        shape.update(xref="paper", x0=0, x1=1, yref="y", y0=float(t), y1=float(t))
    else:
        shape.update(yref="paper", y0=0, y1=1, xref="x", x0=float(t), x1=float(t))
    return shape


#: ``name`` of the stems' shapes (:func:`stem_shapes`); ``assets/dendro.js`` replaces them.
STEMS = "stems"


def _num(v: float) -> str:
    """A path coordinate: the shortest text that reads back as the same float64."""
    return repr(float(v))


def stem_shapes(x: np.ndarray, bottom: np.ndarray, top: np.ndarray, colors: np.ndarray,
                orientation: str) -> list[dict[str, Any]]:
    """The clusters' stems (:meth:`clustering.geometry.Geometry.stems`) as layout shapes: one
    SVG path per colour, in palette order, after the cut line and the contracted marks.

    Shapes, not points of the ``"links"`` traces: a cut moved within its partition moves
    only the line and the stems' tops, which plotly.js redraws as a relayout of the shapes,
    where new trace arrays would make it recalculate the whole tree (``assets/dendro.js``
    patches them both). Numbers are full float64, so a stem ends exactly at the line.

    >>> [s["path"] for s in stem_shapes(np.array([5.0, 15.0]), np.zeros(2), np.full(2, 2.5),
    ...                                 np.array([PALETTE[1], PALETTE[0]]), "top")]
    ['M15.0,0.0V2.5', 'M5.0,0.0V2.5']
    >>> stem_shapes(np.array([5.0]), np.zeros(1), np.ones(1), np.array([PALETTE[0]]),
    ...             "left")[0]["path"]
    'M0.0,5.0H1.0'
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    across = orientation in ("top", "bottom")
    out = []
    for color in PALETTE:
        sel = np.flatnonzero(np.asarray(colors) == color)
        if not sel.size:
            continue
        if across:
            path = "".join(f"M{_num(x[i])},{_num(bottom[i])}V{_num(top[i])}" for i in sel)
        else:
            path = "".join(f"M{_num(bottom[i])},{_num(x[i])}H{_num(top[i])}" for i in sel)
        out.append({"type": "path", "path": path, "xref": "x", "yref": "y", "name": STEMS,
                    "line": {"color": color, "width": 1.5}, "layer": "above"})
    return out


def stem_lines(shapes: list[dict[str, Any]], orientation: str = "top"
               ) -> list[tuple[str, float, float, float]]:
    """(colour, leaf-axis position, bottom, top) of each stem the :func:`stem_shapes` among
    ``shapes`` draw (other shapes are skipped).

    >>> stem_lines(stem_shapes(np.array([5.0]), np.zeros(1), np.ones(1),
    ...                        np.array([PALETTE[0]]), "right"), "right")[0][1:]
    (5.0, 0.0, 1.0)
    """
    out = []
    for shape in shapes:
        if shape.get("name") != STEMS:
            continue
        for a, b, c in _segments(shape["path"]).tolist():
            x, lo = (a, b) if orientation in ("top", "bottom") else (b, a)
            out.append((shape["line"]["color"], x, lo, c))
    return out


def _trace_type(gl: bool) -> str:
    return "scattergl" if gl else "scatter"


def link_traces(xs: np.ndarray, ys: np.ndarray, colors: np.ndarray, *, gl: bool
                ) -> list[dict[str, Any]]:
    """One ``"links"`` trace per colour (NaN between links), grey first so that coloured links
    are drawn over shared vertical lines. One trace per link makes plotly.js crawl past a few
    hundred leaves. The clusters' stems are shapes (:func:`stem_shapes`)."""
    out = []
    for color in [ABOVE_CUT_COLOR, *PALETTE]:
        sel = colors == color
        if not sel.any():
            continue
        out.append(dict(type=_trace_type(gl), x=flat_segments(xs[sel]),
                        y=flat_segments(ys[sel]), mode="lines",
                        line={"color": color, "width": 1.5}, hoverinfo="skip",
                        showlegend=False, meta="links"))
    return out


def marked_leaves(geometry: Any) -> np.ndarray:
    """Indices (into ``ivl``) of the leaves that get a mark: all of them up to
    :data:`LEAF_MARKS_MAX` shown leaves, else the ``(count)`` leaves only."""
    leaves = np.asarray(geometry.leaves)
    if leaves.size <= LEAF_MARKS_MAX:
        return np.arange(leaves.size)
    return np.flatnonzero(leaves >= geometry.index.n)


def leaf_mark_trace(x: np.ndarray, clusters: np.ndarray, orientation: str, *, gl: bool
                    ) -> dict[str, Any]:
    """The ``"leafmarks"`` trace: a dot at height 0 per mark, in its cluster's colour, so a
    cluster that is one leaf (a sample or a ``(count)`` leaf) shows its colour in the tree."""
    webgl = gl or x.size > GL_POINTS
    px, py = oriented(np.asarray(x, dtype=float), np.zeros(x.size), orientation)
    # Marks sit on the axis line: unclipped, so a whole dot shows (SVG only has the option).
    extra = {} if webgl else {"cliponaxis": False}
    return dict(
        type=_trace_type(webgl), x=px.astype(np.float32), y=py.astype(np.float32),
        mode="markers",
        marker={"color": [cluster_color(int(c)) for c in clusters], "size": LEAF_MARK_SIZE},
        # Not hoverable: a click near the leaves must reach the merge markers ("hover") and
        # the clickable leaves (meta "leaves") under them, as with the contracted marks.
        customdata=np.asarray(clusters, dtype=np.int32), hoverinfo="skip",
        showlegend=False, meta="leafmarks", **extra)


def contracted_shape(contracted: tuple[np.ndarray, np.ndarray], top: float, orientation: str,
                     *, show: bool) -> dict[str, Any] | None:
    """The contracted marks (heights of merges hidden inside truncated leaves) as one path
    shape, ``layout.shapes[1]``; None when there are none to show.

    Each mark is a bar along the height axis, ``top / 100`` long (SciPy's ellipse is
    ``dvw / 100`` tall), drawn 4 px wide. plotly.js draws a trace's markers as one styled SVG
    node each, and a line trace's NaN-separated pieces as one path each, on every redraw of
    the tree: blobs-20k's 281 marks were half of a re-cut's ``Plotly.react`` of the tree
    (~60 of ~110-140 ms, captured figures replayed). A shape is one node; a line-only move
    or a recolour keeps it (``assets/dendro.js`` and ``partition.js`` rewrite the line and
    the stems around it), though a recolour's full replot still draws it again.

    >>> contracted_shape((np.array([5.0]), np.array([2.0])), 4.0, "top", show=True)["path"]
    'M5,1.98V2.02'
    """
    cx, cy = (np.asarray(a, dtype=float) for a in contracted)
    if not show or cx.size == 0:
        return None
    # A truncated 20k tree has ~20k marks on ~50 leaves, most drawn on top of another.
    if cx.size > GL_POINTS:
        cx, cy = _thin_marks(cx, cy, top)
    half = top / 200.0 if top > 0 else 0.5
    lo, hi = cy - half, cy + half
    if orientation in ("top", "bottom"):
        path = "".join(f"M{x:.7g},{a:.7g}V{b:.7g}" for x, a, b in zip(cx, lo, hi, strict=True))
    else:
        path = "".join(f"M{a:.7g},{x:.7g}H{b:.7g}" for x, a, b in zip(cx, lo, hi, strict=True))
    return {"type": "path", "path": path, "xref": "x", "yref": "y", "name": "contracted",
            "line": {"color": "#444", "width": 4}, "layer": "above"}


_SEGMENT = re.compile(r"M([^,]+),([^VH]+)[VH]([^M]+)")


def _segments(path: str) -> np.ndarray:
    """(k, 3) numbers of a path of ``M a,b V c`` / ``M a,b H c`` segments, as the contracted
    marks and the stems are drawn (the two readers below)."""
    return np.array(_SEGMENT.findall(path), dtype=float).reshape(-1, 3)


def contracted_marks(shape: dict[str, Any] | None, orientation: str = "top"
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(leaf-axis position, height) of each mark a :func:`contracted_shape` draws.

    >>> s = contracted_shape((np.array([5.0]), np.array([2.0])), 4.0, "left", show=True)
    >>> [a.tolist() for a in contracted_marks(s, "left")]
    [[5.0], [2.0]]
    """
    if not shape:
        return np.zeros(0), np.zeros(0)
    parts = _segments(shape["path"])
    if orientation in ("top", "bottom"):
        return parts[:, 0], (parts[:, 1] + parts[:, 2]) / 2.0
    return parts[:, 1], (parts[:, 0] + parts[:, 2]) / 2.0


def annotation_trace(mid: np.ndarray, height: np.ndarray, colors: np.ndarray,
                     above: float | None, orientation: str, *, gl: bool
                     ) -> dict[str, Any]:
    """The ``"annot"`` trace: the height of every merge above ``above``, a dot in the link's
    colour and the number (``customdata`` = which links, for the browser's recolour)."""
    sel = np.zeros(mid.size, dtype=bool) if above is None else height > float(above)
    ax, ay = oriented(mid[sel], height[sel], orientation)
    return dict(type=_trace_type(gl), x=ax.astype(np.float32), y=ay.astype(np.float32),
                mode="markers+text", marker={"color": list(colors[sel]), "size": 7},
                text=[format_height(h) for h in height[sel]],
                textposition=_TEXT_POSITION[orientation], textfont={"size": 10},
                hoverinfo="skip", showlegend=False, meta="annot",
                customdata=np.flatnonzero(sel))


#: What a merge's hover says of where it sits at the cut (assets/dendro.js and
#: assets/partition.js write the same words when they repaint): the flat cluster by name, so
#: colour is never the only carrier (issue 19).
ABOVE_THE_CUT = "above the cut (joins clusters)"


def cluster_names(link_clusters: np.ndarray) -> list[str]:
    """The hover's words for each link: its flat cluster at the cut, or above the cut.

    >>> cluster_names(np.array([1, 0, 12]))
    ['in cluster 1', 'above the cut (joins clusters)', 'in cluster 12']
    """
    return [f"in cluster {c}" if c > 0 else ABOVE_THE_CUT for c in link_clusters.tolist()]


def hover_trace(mid: np.ndarray, height: np.ndarray, rows: np.ndarray, sizes: np.ndarray,
                orientation: str, *, gl: bool, n: int,
                names: list[str] | None = None) -> dict[str, Any]:
    """The ``"hover"`` trace: one invisible marker per merge carrying its row of Z, its size
    and the id of the cluster it forms (SciPy's numbering: row ``i`` forms ``n + i``), and
    as text the flat cluster it is in at the cut (:func:`cluster_names`).

    Numbers travel as typed arrays and their sentence is made in the browser: at 20k merges
    a whole text per point would be ~1 MB of JSON (the cluster names are ~340 KB).

    Drawn as :func:`~components.figures.common.hover_points` (nothing, in SVG).
    """
    hx, hy = oriented(mid, height, orientation)
    h_axis = "y" if orientation in ("top", "bottom") else "x"
    return dict(
        type=_trace_type(gl), x=hx.astype(np.float32), y=hy.astype(np.float32),
        **hover_points(gl, 8),
        customdata=np.column_stack([rows, sizes, rows + n]).astype(np.int32),
        text=names,
        hovertemplate=("merge %{customdata[0]} (row %{customdata[0]} of Z, forms cluster "
                       "%{customdata[2]})<br>"
                       f"height %{{{h_axis}:.6g}}<br>size %{{customdata[1]}}<br>%{{text}}"
                       "<extra></extra>"),
        showlegend=False, meta="hover",
    )


def leaf_label_font(n_leaves: int) -> int:
    """The leaf labels' font size: smaller when many."""
    return 11 if n_leaves <= 60 else 8


def widest_label_px(labels: list[str], size: float) -> float:
    """The estimated width in px of the widest of ``labels`` at font ``size``.

    >>> widest_label_px(["(12)", "7"], 10), widest_label_px(["标本"], 10)
    (26.0, 20.0)
    """
    def ems(label: str) -> float:
        return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else CHAR_EM
                   for ch in label)
    return max((ems(s) for s in labels), default=0.0) * size


def leaf_label_angle(ivl: list[str], orientation: str) -> int | None:
    """The leaf labels' angle on a horizontal leaf axis: level when they fit side by side in
    :data:`NARROW_PLOT_PX`, else upright (90); None on a vertical leaf axis (always level).

    Chosen here, not by plotly.js (``tickangle: "auto"`` measures every label on each draw).

    >>> leaf_label_angle(["0", "1", "(12)"], "top"), leaf_label_angle(["(120)"] * 50, "top")
    (0, 90)
    >>> leaf_label_angle(["(120)"] * 50, "left") is None
    True
    """
    if orientation not in ("top", "bottom"):
        return None
    return 0 if _level_fits(len(ivl), widest_label_px(ivl, leaf_label_font(len(ivl)))) else 90


def _level_fits(n_labels: int, widest: float) -> bool:
    return n_labels * (widest + 6) <= NARROW_PLOT_PX


def height_tick_chars(top: float) -> int:
    """About how many characters plotly.js's auto ticks of the height axis (0 to ``top``) take.

    >>> [height_tick_chars(t) for t in (3.7, 0.00045, 123.4, 56000.0, 0.0)]
    [3, 6, 3, 3, 1]
    """
    if not np.isfinite(top) or top <= 0:
        return 1
    step = 10.0 ** np.floor(np.log10(top / 6.0))
    step *= next((m for m in (1, 2, 5) if top / (m * step) <= 7.5), 10)
    if top >= 10_000:  # plotly writes 12k, 1.5M, ...
        return 3 + int(step < 10.0 ** np.floor(np.log10(top)))
    decimals = max(0, int(-np.floor(np.log10(step))))
    return len(str(int(top))) + (decimals + 1 if decimals else 0)


def tree_margins(ivl: list[str], top: float, orientation: str,
                 leaf_title: bool = False) -> dict[str, int]:
    """The tree figure's margins, from its labels' text: room for the leaf labels (and the
    leaf title under them) and for the height axis's ticks and title.

    Set here instead of plotly.js's ``automargin``, which measured every leaf label two or
    three times on each draw and drew a new tree a second time with the grown margins: ~110
    of the ~180 ms the 50-leaf tree of a 20,000-row upload took to draw (issue 14). The
    widths are estimates (:data:`CHAR_EM`); the leaf side stops at :data:`LEAF_MARGIN_MAX`.

    >>> tree_margins(["(120)"] * 50, 3.7, "top")
    {'l': 60, 'r': 20, 't': 30, 'b': 66}
    >>> tree_margins(["(120)"] * 50, 3.7, "left", leaf_title=True)["r"]
    86
    """
    out = {"l": 20, "r": 20, "t": 30, "b": 20}
    if len(ivl) <= MAX_TICK_LABELS:
        size = leaf_label_font(len(ivl))
        widest = widest_label_px(ivl, size)
        level = orientation in ("top", "bottom") and _level_fits(len(ivl), widest)
        deep = 1.3 * size if level else widest
        depth = min(LEAF_MARGIN_MAX, int(np.ceil(deep)) + 10)
    else:
        depth = 0
    side = _LEAF_SIDE[orientation][0]
    out[side] += depth + (LEAF_TITLE_PX if leaf_title else 0)
    if orientation in ("top", "bottom"):  # the height axis, its ticks and title, on the left
        out["l"] = max(60, int(np.ceil(height_tick_chars(top) * CHAR_EM * 12)) + 26)
    else:  # the height axis at the bottom
        out["b"] = max(out["b"], 50)
    return out


def geometry_margins(geometry: Any, orientation: str, leaf_title: bool = False
                     ) -> dict[str, int]:
    """:func:`tree_margins` of a drawn tree (``clustering.geometry.Geometry``: its ``ivl``
    and its highest merge); the known columns' strip takes its left and right."""
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    return tree_margins([str(s) for s in geometry.ivl],
                        float(dcoord.max()) if dcoord.size else 0.0, orientation, leaf_title)


def leaf_title_annotation(text: str, orientation: str, margin: dict[str, int]
                          ) -> dict[str, Any]:
    """The leaf axis's title (issue 12: exported images say what the leaves are) at the outer
    edge of the leaf side's margin: an annotation, which plotly.js places without measuring
    the labels (an axis title is moved clear of them, one measure per label and draw).

    >>> a = leaf_title_annotation("leaves: x", "top", {"l": 60, "r": 20, "t": 30, "b": 69})
    >>> a["y"], a["yanchor"], a["yshift"]
    (0, 'bottom', -67)
    """
    side = _LEAF_SIDE[orientation]
    out: dict[str, Any] = {"text": plot_text(text), "showarrow": False, "xref": "paper",
                           "yref": "paper", "font": {"size": 11}, "name": "leaf title"}
    pad = margin[side[0]] - 2
    if side == "bottom":
        out.update(x=0.5, y=0, xanchor="center", yanchor="bottom", yshift=-pad)
    elif side == "top":
        out.update(x=0.5, y=1, xanchor="center", yanchor="top", yshift=pad)
    elif side == "right":
        out.update(x=1, y=0.5, xanchor="right", yanchor="middle", xshift=pad, textangle=-90)
    else:
        out.update(x=0, y=0.5, xanchor="left", yanchor="middle", xshift=-pad, textangle=-90)
    return out


def dendrogram_axes(ivl: list[str], leaf_x: np.ndarray, orientation: str
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(xaxis, yaxis) layout: leaf labels opposite the root, heights reversed for bottom/left.

    Nothing here is measured by plotly.js: no ``automargin`` (:func:`tree_margins`), the
    labels' angle given (:func:`leaf_label_angle`), labels drawn past the plot's ends.
    """
    # "allow": plotly's default ("hide past div") measures every tick label once per label
    # on each redraw, ~50 ms of a recolour with 50 leaf labels (bench/recolour_timeline.py).
    leaf_axis: dict[str, Any] = {"ticklabeloverflow": "allow", "range": [0.0, 10.0 * len(ivl)],
                                 "showgrid": False, "zeroline": False, "ticks": "",
                                 "automargin": False}
    if len(ivl) <= MAX_TICK_LABELS:
        leaf_axis.update(tickmode="array", tickvals=np.asarray(leaf_x, dtype=float).tolist(),
                         ticktext=[plot_text(s) for s in ivl], showticklabels=True,
                         tickfont={"size": leaf_label_font(len(ivl))})
        angle = leaf_label_angle(ivl, orientation)
        if angle is not None:
            leaf_axis["tickangle"] = angle
    else:
        leaf_axis.update(showticklabels=False)
    leaf_axis["side"] = _LEAF_SIDE[orientation]
    height_axis: dict[str, Any] = {"title": {"text": "height"}, "zeroline": False,
                                   "ticklabeloverflow": "allow", "automargin": False}
    if orientation in ("bottom", "left"):
        height_axis["autorange"] = "reversed"
    if orientation in ("top", "bottom"):
        return leaf_axis, height_axis
    return height_axis, leaf_axis


def make_dendrogram_figure(
    geometry: Any,
    cut: float,
    *,
    Z: np.ndarray,
    k: int | None = None,
    orientation: str = "top",
    annotate_above: float | None = None,
    show_contracted: bool = True,
    uirevision: str | None = None,
    gl: bool | None = None,
    sizes: np.ndarray | None = None,
    title: str | None = None,
    leaf_title: str | None = None,
) -> go.Figure:
    """The dendrogram: one trace per colour, the cut line, merge annotations and hover.

    Parameters
    ----------
    geometry : clustering.geometry.Geometry
        ``icoord``/``dcoord`` (m, 4), ``ivl`` (leaves,), ``leaf_x``, ``link_rows`` (m,),
        ``contracted`` (x, y), ``link_clusters(t)`` (m,).
    cut : float
        Height of the cut line; links whose subtree stays together at ``cut`` take their
        cluster's colour, the others are grey; every cluster's stem (up to the line) and
        leaf marks take its colour too, so each cluster of ``fcluster`` shows in one colour.
    Z : ndarray, shape (n - 1, 4)
        The linkage matrix (for merge sizes in the hover text).
    k : int, optional
        Number of clusters at ``cut`` (for the line's label); counted from the links otherwise.
    orientation : {'top', 'bottom', 'left', 'right'}
        Where the root is, as in SciPy.
    annotate_above : float, optional
        Write the height of every merge above this (a dot in the link's colour and the number).
    show_contracted : bool
        Mark the heights of merges hidden inside truncated leaves.
    gl : bool, optional
        Force WebGL on/off; default: on above :data:`GL_LINKS` links.
    sizes : ndarray, shape (n - 1,), optional
        Rows under each merge (row of Z) for the hover; default ``Z[:, 3]``. An approximate
        tree's leaves are micro-clusters, so its ``Z[:, 3]`` counts those, not rows.
    leaf_title : str, optional
        The leaf axis's title: what the leaves are labelled by (exported images say it).
    title : str, optional
        What the tree is (dataset · method · metric), top left: an exported PNG/SVG says
        it; the cut line's own label carries max_d and k as they move.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> from clustering.geometry import dendrogram_geometry
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> fig = make_dendrogram_figure(dendrogram_geometry(Z), 2.0, Z=Z)
    >>> [t.meta for t in fig.data]
    ['links', 'links', 'leafmarks', 'annot', 'hover']
    >>> [(s.type, s.name) for s in fig.layout.shapes]
    [('line', None), ('path', 'stems'), ('path', 'stems')]
    """
    Z = np.asarray(Z, dtype=float)
    links = _link_arrays(geometry, cut, orientation, Z, sizes)
    gl = links.mid.size > GL_LINKS if gl is None else gl
    if k is None:
        k = _cluster_count(geometry, cut)
    mark_x, mark_c, _ = geometry.leaf_marks(cut, marked_leaves(geometry))

    traces = [
        *link_traces(links.xs, links.ys, links.colors, gl=gl),
        leaf_mark_trace(mark_x, mark_c, orientation, gl=gl),
        annotation_trace(links.mid, links.height, links.colors, annotate_above, orientation,
                         gl=gl),
        hover_trace(links.mid, links.height, links.rows, links.sizes, orientation, gl=gl,
                    n=Z.shape[0] + 1, names=cluster_names(links.clusters)),
    ]
    marks = contracted_shape(geometry.contracted, links.top, orientation, show=show_contracted)
    shapes = [cut_shape(cut, k, orientation), *([marks] if marks is not None else []),
              *_stems(geometry, cut, orientation)]
    # Plain values this module made: not validated again (white_figure_unchecked).
    return white_figure_unchecked(traces, _dendrogram_layout(
        geometry, shapes, orientation, uirevision, title, leaf_title))


class _Links(NamedTuple):
    """The drawn tree's links at a cut, one entry a link (in ``icoord`` order)."""

    xs: np.ndarray  # (m, 4) plotted corners, as :func:`oriented`
    ys: np.ndarray
    clusters: np.ndarray  # (m,) flat cluster at the cut, 0 above it
    colors: np.ndarray  # (m,) the cluster's colour, grey above the cut
    mid: np.ndarray  # (m,) where the merge's bar is centred along the leaf axis
    height: np.ndarray  # (m,) the merge's height
    rows: np.ndarray  # (m,) the link's row of Z
    sizes: np.ndarray  # (m,) rows under the merge, for the hover
    top: float  # the highest merge (0 for an empty tree)


def _link_arrays(geometry: Any, cut: float, orientation: str, Z: np.ndarray,
                 sizes: np.ndarray | None) -> _Links:
    """Every per-link array the traces need, from the geometry at ``cut`` (``sizes`` as
    :func:`make_dendrogram_figure`'s, default ``Z[:, 3]``)."""
    icoord = np.asarray(geometry.icoord, dtype=float)
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    xs, ys = oriented(icoord, dcoord, orientation)
    clusters = np.asarray(geometry.link_clusters(cut), dtype=int)
    rows = np.asarray(geometry.link_rows, dtype=int)
    return _Links(
        xs=xs, ys=ys, clusters=clusters,
        colors=np.array([cluster_color(int(c)) for c in clusters], dtype=object),
        mid=(icoord[:, 1] + icoord[:, 2]) / 2.0, height=dcoord[:, 1], rows=rows,
        sizes=(Z[:, 3] if sizes is None else np.asarray(sizes))[rows].astype(np.int64),
        top=float(dcoord.max()) if dcoord.size else 0.0,
    )


def _cluster_count(geometry: Any, cut: float) -> int:
    """How many flat clusters the leaves fall in at ``cut`` (the cut line's k by default)."""
    leaf_clusters = np.asarray(geometry.leaf_clusters(cut), dtype=int)
    return int(leaf_clusters.max()) if leaf_clusters.size else 0


def _stems(geometry: Any, cut: float, orientation: str) -> list[dict[str, Any]]:
    """Every cluster's stem up to the cut line, as shapes in its colour."""
    sx, sb, st, sc = geometry.stems(cut)
    return stem_shapes(sx, sb, st, np.array([cluster_color(int(c)) for c in sc], dtype=object),
                       orientation)


def _dendrogram_layout(geometry: Any, shapes: list[dict[str, Any]], orientation: str,
                       uirevision: str | None, title: str | None,
                       leaf_title: str | None = None) -> dict[str, Any]:
    """Axes (leaf labels on the leaf axis, titled), the shapes (the cut line first), the
    margins and the title."""
    ivl = [str(s) for s in geometry.ivl]
    xaxis, yaxis = dendrogram_axes(ivl, geometry.leaf_x, orientation)
    margin = geometry_margins(geometry, orientation, leaf_title=bool(leaf_title))
    layout: dict[str, Any] = {"xaxis": xaxis, "yaxis": yaxis, "shapes": shapes,
                              "hovermode": "closest", "dragmode": "zoom", "margin": margin,
                              "uirevision": uirevision}
    if leaf_title:  # issue 12: exported images name what the leaves are
        layout["annotations"] = [leaf_title_annotation(leaf_title, orientation, margin)]
    if title:
        layout["title"] = {"text": plot_text(title), "x": 0.01, "xanchor": "left", "y": 0.99,
                           "yanchor": "top", "font": {"size": 13}}
    return layout
