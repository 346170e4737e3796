"""Pure figure builders: numpy arrays / a ``Geometry`` in, ``go.Figure`` (or plain dicts) out.

Nothing here touches Dash, the request or the store, so tests call these directly.

The browser recolours the tree and the scatter at a new cut without the server
(``assets/dendro.js``). It works from :func:`make_tree_data`, and it must reproduce exactly what
:func:`make_dendrogram_figure` and :func:`make_scatter_figure` draw; so the figure structure is
part of the contract with the JS:

* dendrogram traces are tagged with ``meta``: ``"links"`` (one trace per colour, NaN between
  links), then ``"contracted"``, ``"annot"`` (merge heights, marker colour per point) and
  ``"hover"`` (one invisible marker per merge that carries the hover text);
* the cut is ``layout.shapes[0]``, a line across the plot with a label (``assets/cutdrag.js``
  drags it there, so it must stay the first shape);
* the scatter has one ``"points"`` trace per colour (``customdata`` = (row, cluster) per point),
  then legend-only ``"legend"`` traces, one per cluster (capped at :data:`LEGEND_MAX`).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from clustering.merges import subtree_first_position

# Matplotlib's default cycle (what SciPy's dendrogram colours with): analysts recognise it.
# Cluster c gets PALETTE[(c - 1) % len(PALETTE)] in the tree and in the scatter alike.
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#7f7f7f",
)
# Links above the cut. Darker than PALETTE's own grey (#7f7f7f) so the two never look alike.
ABOVE_CUT_COLOR = "#b0b0b0"
CUT_LINE_COLOR = "#d62728"

ORIENTATIONS = ("top", "bottom", "left", "right")
# WebGL beyond these sizes: SVG is crisper for small plots, WebGL stays smooth for big ones.
GL_LINKS = 2_000
# Marker traces (the scatter, the tree's invisible leaf and merge markers): every cut move
# redraws them, and an SVG redraw costs several times a WebGL one (headless Chromium, 2 cores:
# recolouring 5,000 points 310-380 ms in SVG vs 80-130 ms in WebGL; 2,000 points 140-260 ms vs
# 65-160 ms). At 5,000 leaves the SVG leaf markers made each tree redraw 280-350 ms.
GL_POINTS = 2_000
SCATTER_GL_POINTS = GL_POINTS
# Leaf tick labels are unreadable beyond this many leaves, and cost layout time.
MAX_TICK_LABELS = 200
LEGEND_MAX = 30
# Past this many points the scatter shows a sample drawn per stratum (see sample_per_group):
# 1M points would be ~20 MB of JSON and seconds of WebGL upload for a picture that looks the same.
SCATTER_MAX_POINTS = 50_000


def plot_text(value: object) -> str:
    """User text made safe for plotly labels and hover: tags shown as typed, never parsed.

    plotly.js decodes ``&lt; &gt; &amp;`` but shows ``&quot;`` literally, so quotes stay as they are.

    >>> plot_text('<b>"x"</b> & y')
    '&lt;b&gt;"x"&lt;/b&gt; &amp; y'
    """
    return html.escape(str(value), quote=False)


def cluster_color(c: int) -> str:
    """Colour of cluster ``c`` (1-based); 0 means "above the cut".

    >>> cluster_color(1), cluster_color(11), cluster_color(0)
    ('#1f77b4', '#1f77b4', '#b0b0b0')
    """
    return ABOVE_CUT_COLOR if c <= 0 else PALETTE[(c - 1) % len(PALETTE)]


def format_height(t: float) -> str:
    """Short text for a height, as the JS writes it (4 significant digits).

    >>> format_height(12.3456), format_height(0.5)
    ('12.35', '0.5')
    """
    return f"{t:.4g}"


def cut_label(t: float, k: int) -> str:
    """The cut line's label.

    >>> cut_label(12.3, 4)
    'max_d = 12.3 · k = 4'
    """
    return f"max_d = {format_height(t)} · k = {k}"


def _oriented(icoord: np.ndarray, dcoord: np.ndarray, orientation: str):
    """(x, y) for plotting: the height runs along y for top/bottom, along x for left/right."""
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    if orientation in ("top", "bottom"):
        return icoord, dcoord
    return dcoord, icoord


def _flat_segments(coords: np.ndarray) -> np.ndarray:
    """(m, 4) link corners -> (5 m,) float32 with NaN after each link, for one trace."""
    out = np.full((coords.shape[0], 5), np.nan, dtype=np.float32)
    out[:, :4] = coords
    return out.ravel()


MARK_STEPS = 400


def _thin_marks(x: np.ndarray, y: np.ndarray, top: float, steps: int = MARK_STEPS
                ) -> tuple[np.ndarray, np.ndarray]:
    """Contracted marks less those drawn on top of another (same leaf, same height to
    ``top / steps``): a truncated 20k tree has ~20k marks on ~50 leaves.

    400 steps is about one pixel row of the unzoomed plot (~390 px tall), where the 4 px dots
    overlap anyway: blobs-20k keeps ~270 marks, drawn as SVG in ~12 ms per recolour (877 marks
    at 2,000 steps took ~38 ms; bench/recolour_timeline.py). Zoomed far in, the thinning shows
    as gaps between dots.

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
    """The cut line (``layout.shapes[0]``, dragged by ``assets/cutdrag.js``) at height ``t``, labelled with ``t`` and ``k``.

    >>> cut_shape(2.0, 3)["y0"]
    2.0
    """
    along_y = orientation in ("top", "bottom")
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
    if along_y:
        shape.update(xref="paper", x0=0, x1=1, yref="y", y0=float(t), y1=float(t))
    else:
        shape.update(yref="paper", y0=0, y1=1, xref="x", x0=float(t), x1=float(t))
    return shape


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
) -> go.Figure:
    """The dendrogram: one trace per colour, the cut line, merge annotations and hover.

    Parameters
    ----------
    geometry : clustering.geometry.Geometry
        ``icoord``/``dcoord`` (m, 4), ``ivl`` (leaves,), ``leaf_x``, ``link_rows`` (m,),
        ``contracted`` (x, y), ``link_clusters(t)`` (m,), ``annotations(above)``.
    cut : float
        Height of the cut line; links whose subtree stays together at ``cut`` take their
        cluster's colour, the others are grey.
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
    ['links', 'links', 'contracted', 'annot', 'hover']
    """
    Z = np.asarray(Z, dtype=float)
    icoord = np.asarray(geometry.icoord, dtype=float)
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    m = icoord.shape[0]
    gl = m > GL_LINKS if gl is None else gl
    Trace = go.Scattergl if gl else go.Scatter
    xs, ys = _oriented(icoord, dcoord, orientation)
    clusters = np.asarray(geometry.link_clusters(cut), dtype=int)
    if k is None:
        leaf_clusters = np.asarray(geometry.leaf_clusters(cut), dtype=int)
        k = int(leaf_clusters.max()) if leaf_clusters.size else 0
    colors = np.array([cluster_color(int(c)) for c in clusters], dtype=object)

    fig = go.Figure()
    # Grey first, so coloured links are drawn over shared vertical lines.
    for color in [ABOVE_CUT_COLOR, *PALETTE]:
        sel = colors == color
        if not sel.any():
            continue
        fig.add_trace(
            Trace(
                x=_flat_segments(xs[sel]),
                y=_flat_segments(ys[sel]),
                mode="lines",
                line={"color": color, "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
                meta="links",
            )
        )

    cx, cy = (np.asarray(a, dtype=float) for a in geometry.contracted)
    if not show_contracted:
        cx, cy = cx[:0], cy[:0]
    # A truncated 20k tree has ~20k marks: SVG would need a DOM node for each. Thinned, they
    # are ~270 (blobs-20k, _thin_marks), few enough for SVG; a WebGL trace would add canvases
    # that a software compositor reads back on every recolour (~50 ms at 20k, bench/recolour_timeline.py).
    if cx.size > GL_POINTS:
        cx, cy = _thin_marks(cx, cy, float(dcoord.max()) if dcoord.size else 0.0)
    MarksTrace = go.Scattergl if gl or cx.size > GL_POINTS else go.Scatter
    cpx, cpy = _oriented(cx, cy, orientation)
    fig.add_trace(
        MarksTrace(
            x=cpx.astype(np.float32),
            y=cpy.astype(np.float32),
            mode="markers",
            marker={"color": "#444", "size": 4, "symbol": "circle"},
            hoverinfo="skip",
            showlegend=False,
            meta="contracted",
        )
    )

    mid = (icoord[:, 1] + icoord[:, 2]) / 2.0
    height = dcoord[:, 1]
    if annotate_above is None:
        sel_a = np.zeros(m, dtype=bool)
    else:
        sel_a = height > float(annotate_above)
    ax, ay = _oriented(mid[sel_a], height[sel_a], orientation)
    text_pos = {
        "top": "bottom center",
        "bottom": "top center",
        "left": "middle right",
        "right": "middle left",
    }[orientation]
    fig.add_trace(
        Trace(
            x=ax.astype(np.float32),
            y=ay.astype(np.float32),
            mode="markers+text",
            marker={"color": list(colors[sel_a]), "size": 7},
            text=[format_height(h) for h in height[sel_a]],
            textposition=text_pos,
            textfont={"size": 10},
            hoverinfo="skip",
            showlegend=False,
            meta="annot",
            customdata=np.flatnonzero(sel_a),
        )
    )

    rows = np.asarray(geometry.link_rows, dtype=int)
    sizes = (Z[:, 3] if sizes is None else np.asarray(sizes))[rows].astype(np.int64)
    hx, hy = _oriented(mid, height, orientation)
    h_axis = "y" if orientation in ("top", "bottom") else "x"
    # Numbers travel as typed arrays and the text is made in the browser: at 20k merges a
    # text per point would be ~1 MB of JSON.
    fig.add_trace(
        Trace(
            x=hx.astype(np.float32),
            y=hy.astype(np.float32),
            mode="markers",
            marker={"color": "rgba(0,0,0,0)", "size": 8},
            customdata=np.column_stack([rows, sizes]).astype(np.int32),
            hovertemplate=(
                "merge %{customdata[0]} (row of Z)<br>"
                f"height %{{{h_axis}:.6g}}<br>size %{{customdata[1]}}<extra></extra>"
            ),
            showlegend=False,
            meta="hover",
        )
    )

    ivl = [str(s) for s in geometry.ivl]
    leaf_x = np.asarray(geometry.leaf_x, dtype=float)
    # "allow": plotly's default ("hide past div") measures every tick label once per label
    # on each redraw, ~50 ms of a recolour with 50 leaf labels (bench/recolour_timeline.py).
    leaf_axis: dict[str, Any] = {
        "ticklabeloverflow": "allow",
        "range": [0.0, 10.0 * len(ivl)],
        "showgrid": False,
        "zeroline": False,
        "ticks": "",
    }
    if len(ivl) <= MAX_TICK_LABELS:
        leaf_axis.update(
            tickmode="array",
            tickvals=leaf_x.tolist(),
            ticktext=[plot_text(s) for s in ivl],
            showticklabels=True,
            tickfont={"size": 11 if len(ivl) <= 60 else 8},
        )
    else:
        leaf_axis.update(showticklabels=False)
    # Leaf labels sit next to the leaves, as in SciPy: opposite the root.
    leaf_axis["side"] = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}[
        orientation
    ]
    height_axis: dict[str, Any] = {"title": {"text": "height"}, "zeroline": False,
                                   "ticklabeloverflow": "allow"}
    if orientation in ("bottom", "left"):
        height_axis["autorange"] = "reversed"
    xaxis, yaxis = (
        (leaf_axis, height_axis) if orientation in ("top", "bottom") else (height_axis, leaf_axis)
    )
    fig.update_layout(
        template="plotly_white",
        xaxis=xaxis,
        yaxis=yaxis,
        shapes=[cut_shape(cut, k, orientation)],
        hovermode="closest",
        dragmode="zoom",
        margin={"l": 60, "r": 20, "t": 30, "b": 60 if len(ivl) <= MAX_TICK_LABELS else 20},
        uirevision=uirevision,
    )
    return fig


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
    index : clustering.cut.TreeIndex
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
        ``gaps`` (n - 1,) float64; ``row_pos`` (n,) int32; ``annot`` indices of annotated links;
        ``palette``, ``above``, ``orientation``, ``gl`` settings. Arrays are
        ``{"dtype", "n", "b64"}`` little-endian.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> from clustering.geometry import dendrogram_geometry
    >>> from clustering.cut import tree_index
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> td = make_tree_data(dendrogram_geometry(Z), tree_index(Z), Z)
    >>> decode_b64(td["gaps"]).tolist()
    [4.0, 1.0]
    """
    Z = np.asarray(Z, dtype=float)
    icoord = np.asarray(geometry.icoord, dtype=float)
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    m = icoord.shape[0]
    rows = np.asarray(geometry.link_rows, dtype=np.int64)
    leaves = np.asarray(index.leaves, dtype=np.int64)
    n = leaves.size
    xs, ys = _oriented(icoord, dcoord, orientation)
    first = subtree_first_position(Z, leaves)[rows]
    maxdist = np.asarray(index.merge_maxdist, dtype=np.float64)[rows]
    if row_positions is None:
        row_positions = np.empty(n, dtype=np.int64)
        row_positions[leaves] = np.arange(n)
    if annotate_above is None:
        annot = np.zeros(0, dtype=np.int64)
    else:
        annot = np.flatnonzero(dcoord[:, 1] > float(annotate_above))
    return {
        "n": int(n),
        "m": int(m),
        "x": _b64(_flat_segments(xs), "float32"),
        "y": _b64(_flat_segments(ys), "float32"),
        "maxdist": _b64(maxdist, "float64"),
        "first": _b64(first, "int32"),
        "gaps": _b64(np.asarray(index.gaps, dtype=np.float64), "float64"),
        "row_pos": _b64(row_positions, "int32"),
        "annot": annot.tolist(),
        "palette": list(PALETTE),
        "above": ABOVE_CUT_COLOR,
        "orientation": orientation,
        "gl": bool(m > GL_LINKS if gl is None else gl),
    }


def sample_per_group(groups: np.ndarray, max_points: int, *, seed: int = 0) -> np.ndarray:
    """Row indices of a sample of at most ``max_points`` rows that keeps every group visible.

    Each group gets at least one row (while there is room: with more groups than
    ``max_points``, the largest groups get one each), the rest of the budget is shared in
    proportion to group size, and the rows within a group are drawn at random with a fixed
    seed, so the same data gives the same picture.

    Parameters
    ----------
    groups : ndarray, shape (n,), int
        Stratum of each row: a cluster, or a micro-cluster (every cluster at every cut is a
        union of micro-clusters, so a sample with every micro-cluster shows every cluster).
    max_points : int
        Sample size cap (>= 1).
    seed : int

    Returns
    -------
    ndarray, shape (s,), int64
        Sorted row indices, ``s = min(n, max_points)``; ``arange(n)`` when everything fits.

    Examples
    --------
    >>> g = np.r_[np.zeros(1000, int), np.ones(3, int)]
    >>> idx = sample_per_group(g, 100)
    >>> len(idx), sorted(set(g[idx].tolist()))
    (100, [0, 1])
    """
    groups = np.asarray(groups)
    n = groups.size
    max_points = int(max_points)
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    uniq, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    g = uniq.size
    if g >= max_points:
        quota = np.zeros(g, dtype=np.int64)
        # Largest groups first; ties by group order so the result is deterministic.
        quota[np.argsort(-counts, kind="stable")[:max_points]] = 1
    else:
        spare = counts - 1
        room = max_points - g
        share = spare * (room / spare.sum())
        quota = 1 + np.floor(share).astype(np.int64)
        # Largest remainders take the few points that flooring left over.
        left = max_points - int(quota.sum())
        if left > 0:
            order = np.argsort(-(share - np.floor(share)), kind="stable")
            order = order[quota[order] < counts[order]][:left]
            quota[order] += 1
        quota = np.minimum(quota, counts)
    keys = np.random.default_rng(seed).random(n)
    order = np.lexsort((keys, inverse))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n) - np.repeat(starts, counts)
    keep = order[rank < np.repeat(quota, counts)]
    return np.sort(keep).astype(np.int64)


def sample_note(shown: int, total: int, how: str = "sampled per cluster") -> str:
    """The caption of a downsampled scatter.

    >>> sample_note(50_000, 1_000_000)
    'showing 50,000 of 1,000,000 rows, sampled per cluster (legend counts the points shown)'
    """
    return f"showing {shown:,} of {total:,} rows, {how} (legend counts the points shown)"


def make_scatter_figure(
    x: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray,
    *,
    labels: Sequence[str],
    x_title: str = "",
    y_title: str = "",
    uirevision: str | None = None,
    gl: bool | None = None,
    note: str | None = None,
) -> go.Figure:
    """Rows as points coloured by cluster (same colours as the tree); legend shows cluster sizes.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Coordinates (two feature columns or a 2-D projection).
    clusters : ndarray, shape (n,), int
        Cluster of each row, 1..k (as ``TreeIndex.labels_at``).
    labels : sequence of str, length n
        Row labels for the hover (escaped here: they may contain HTML).
    gl : bool, optional
        Force WebGL on/off; default: on above :data:`SCATTER_GL_POINTS` points.
    note : str, optional
        A caption above the plot, e.g. :func:`sample_note` when the points are a sample (pass
        the sampled rows only: ``customdata`` numbers the points given, 0..n-1, which is what
        the browser's recolour maps through ``tree-data``'s ``row_pos``).

    Returns
    -------
    plotly.graph_objects.Figure
        ``meta='points'`` traces, one per colour, with ``customdata`` (row, cluster) per
        point; then legend-only entries ``c · size rows`` (``meta='legend'``).

    Examples
    --------
    >>> fig = make_scatter_figure([0, 1, 2], [0, 1, 2], [1, 2, 1], labels=["a", "b", "c"])
    >>> [(t.meta, t.marker.color if t.meta == "points" else t.name) for t in fig.data]
    [('points', '#1f77b4'), ('points', '#ff7f0e'), ('legend', '1 · 2 rows'), ('legend', '2 · 1 rows')]
    """
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    clusters = np.asarray(clusters, dtype=np.int64)
    n = x.size
    gl = n > SCATTER_GL_POINTS if gl is None else gl
    rows = np.arange(n, dtype=np.int32)
    text = np.array([plot_text(s) for s in labels], dtype=object)
    group = (clusters - 1) % len(PALETTE)
    traces = []
    # One trace per colour: plotly.js parses a per-point colour array on every redraw
    # (0.3 s at 20k points in software WebGL); a single colour per trace costs a third.
    for g in range(len(PALETTE)):
        sel = np.flatnonzero(group == g)
        if sel.size == 0:
            continue
        traces.append(
            {
                "type": "scattergl" if gl else "scatter",
                "x": x[sel],
                "y": y[sel],
                "mode": "markers",
                "marker": {"color": PALETTE[g], "size": 6 if n < 2000 else 4},
                "text": text[sel],
                "customdata": np.column_stack([rows[sel], clusters[sel]]).astype(np.int32),
                "hovertemplate": "%{text}<br>cluster %{customdata[1]}<extra></extra>",
                "showlegend": False,
                "meta": "points",
            }
        )
    # These traces are built from known-good values and skip plotly's validation (slow for
    # 20k-element arrays); the legend and layout below are validated.
    fig = go.Figure(data=traces, _validate=False)
    for trace in legend_traces(clusters):
        fig.add_trace(trace)
    fig.update_layout(
        template="plotly_white",
        xaxis={"title": {"text": plot_text(x_title)}, "zeroline": False,
               "ticklabeloverflow": "allow"},
        yaxis={"title": {"text": plot_text(y_title)}, "zeroline": False,
               "ticklabeloverflow": "allow"},
        hovermode="closest",
        legend={"title": {"text": "clusters"}, "itemclick": False, "itemdoubleclick": False},
        margin={"l": 60, "r": 20, "t": 50 if note else 30, "b": 50},
        uirevision=uirevision,
    )
    if note:
        fig.update_layout(
            title={"text": plot_text(note), "font": {"size": 12, "color": "#555"}, "x": 0.01}
        )
    return fig


def legend_traces(clusters: np.ndarray) -> list[go.Scatter]:
    """Legend-only traces ``cluster c · size`` (the JS builds the same list)."""
    clusters = np.asarray(clusters, dtype=np.int64)
    if clusters.size == 0:
        return []
    counts = np.bincount(clusters)
    present = np.flatnonzero(counts)
    present = present[present > 0]
    shown = present[:LEGEND_MAX]
    # Legend-only entries: a line trace with no drawable point shows in the legend with the
    # cluster's colour but adds nothing to the plot (and no marker points to count).
    out = [
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line={"color": cluster_color(int(c)), "width": 8},
            name=f"{int(c)} · {int(counts[c])} rows",
            showlegend=True,
            hoverinfo="skip",
            meta="legend",
        )
        for c in shown
    ]
    if present.size > LEGEND_MAX:
        out.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "rgba(0,0,0,0)", "width": 8},
                name=f"… {present.size - LEGEND_MAX} more",
                showlegend=True,
                hoverinfo="skip",
                meta="legend",
            )
        )
    return out


def empty_figure(message: str = "") -> go.Figure:
    """A blank plot with a centred message (before data, or after an error)."""
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": plot_text(message),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14, "color": "#666"},
            }
        ]
        if message
        else [],
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
    )
    return fig
