"""Pure figure builders for the Evidence tab: validity curves per k and silhouettes at a cut.

Nothing here touches Dash, the request or the store (tests call these directly).

* :func:`make_validity_figure`: four small curves over k (mean silhouette, Calinski–Harabasz,
  Davies–Bouldin, gap statistic with its standard errors), each marking the k it favours (a
  star and a dashed line), the page's k as a solid red line.
* :func:`make_silhouette_figure`: one bar per row, grouped by cluster in the cluster colours,
  sorted as R's ``sortSilhouette``, each cluster's mean as a marker and a dashed segment, the
  overall mean as a dotted line. Past :data:`SIL_BARS_MAX` rows each cluster is one filled
  area (a step line) instead of bars. Bars carry their row (``customdata >= 0``); the cluster
  markers and areas carry ``-cluster`` (``customdata < 0``): a click on either is a click on
  those rows (``components.analysis.evidence.silhouette_highlight``). ``customdata`` is sent as
  a plain list: dcc.Graph's clickData reads ``data[curve].customdata[point]``, which a
  base64-typed numpy array does not answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures.common import WHITE
from components.figures.palette import CUT_LINE_COLOR, PALETTE, cluster_color
from components.figures.text import plot_text

#: Rows drawn as one bar each up to this many; above, one filled area per cluster.
SIL_BARS_MAX = 2_000
#: Empty positions between two clusters' bars.
CLUSTER_GAP = 2
FAVOURED_COLOR = "#2ca02c"

#: The four curves: key, title (with the direction that is better), colour.
CURVES = (
    ("silhouette", "mean silhouette (higher is better)", PALETTE[0]),
    ("calinski_harabasz", "Calinski–Harabasz (higher)", PALETTE[1]),
    ("davies_bouldin", "Davies–Bouldin (lower)", PALETTE[4]),
    ("gap", "gap statistic ± 1 SE", PALETTE[5]),
)


def _vline(k: float, axis: int, color: str, dash: str = "solid") -> dict[str, Any]:
    suffix = "" if axis == 1 else str(axis)
    return {"type": "line", "xref": f"x{suffix}", "yref": f"y{suffix} domain", "x0": k,
            "x1": k, "y0": 0, "y1": 1, "line": {"color": color, "width": 1, "dash": dash}}


def _clean(values: Sequence[Any]) -> list[float | None]:
    arr = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return [float(v) if np.isfinite(v) else None for v in arr]


def make_validity_figure(
    ks: Sequence[int],
    values: Mapping[str, Sequence[float | None]],
    favoured: Mapping[str, int | None],
    current_k: int | None = None,
    *,
    gap_ks: Sequence[int] | None = None,
    gap: Sequence[float] | None = None,
    gap_se: Sequence[float] | None = None,
    gap_note: str = "",
) -> go.Figure:
    """Validity per k as four small curves (2 x 2), each marking the k it favours.

    Parameters
    ----------
    ks : sequence of int, length m
        The ks of the three indices (2..K).
    values : mapping
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``: m values each (None/NaN
        where undefined).
    favoured : mapping
        The k each curve favours (keys as ``values`` plus ``gap``); None: nothing marked.
    current_k : int, optional
        The page's k, a solid red line on every curve.
    gap_ks, gap, gap_se : sequences, optional
        The gap statistic for k = 1..K and its SE (``clusGap``'s ``gap`` and ``SE.sim``);
        without them the gap panel shows ``gap_note``.

    Returns
    -------
    go.Figure
        Traces ``meta``: ``"curve:<key>"`` and ``"favoured:<key>"`` (the star).

    Examples
    --------
    >>> fig = make_validity_figure([2, 3, 4], {"silhouette": [0.5, 0.7, 0.6],
    ...     "calinski_harabasz": [10, 30, 20], "davies_bouldin": [1.0, 0.4, 0.5]},
    ...     {"silhouette": 3, "calinski_harabasz": 3, "davies_bouldin": 3, "gap": None}, 2,
    ...     gap_note="press the button")
    >>> [t.meta for t in fig.data]
    ['curve:silhouette', 'favoured:silhouette', 'curve:calinski_harabasz', \
'favoured:calinski_harabasz', 'curve:davies_bouldin', 'favoured:davies_bouldin']
    >>> fig.data[1].x, fig.data[1].y
    ((3,), (0.7,))
    """
    fig = make_subplots(rows=2, cols=2, subplot_titles=[c[1] for c in CURVES],
                        horizontal_spacing=0.12, vertical_spacing=0.2)
    shapes: list[dict[str, Any]] = []
    ks_list = [int(k) for k in ks]
    for i, (key, title, color) in enumerate(CURVES):
        row, col = i // 2 + 1, i % 2 + 1
        if key == "gap":
            if gap is None or gap_ks is None:
                _empty_gap_panel(fig, gap_note, row, col)
                continue
            x, y = [int(k) for k in gap_ks], _clean(gap)
            err = _clean(gap_se) if gap_se is not None else None
        else:
            x, y, err = ks_list, _clean(values.get(key, [None] * len(ks_list))), None
        shapes += _validity_panel(fig, key, title, color, x, y, err, favoured.get(key),
                                  current_k, row, col)
    fig.update_layout(template=WHITE, height=460, shapes=shapes,
                      margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_annotations(font_size=12)
    return fig


def _empty_gap_panel(fig: go.Figure, note: str, row: int, col: int) -> None:
    """The gap panel before the gap statistic ran: ``note`` in its middle."""
    # In paper coordinates (the middle of the empty panel's domain): plotly.js
    # placed an "x4 domain" annotation on the first panel when x4 has no trace.
    xd, yd = fig.layout.xaxis4.domain, fig.layout.yaxis4.domain
    fig.add_annotation(text=note, xref="paper", yref="paper",
                       x=(xd[0] + xd[1]) / 2, y=(yd[0] + yd[1]) / 2,
                       showarrow=False, font={"size": 11, "color": "#666"})
    fig.update_xaxes(visible=False, row=row, col=col)
    fig.update_yaxes(visible=False, row=row, col=col)


def _validity_panel(fig: go.Figure, key: str, title: str, color: str, x: list[int],
                    y: list[float | None], err: list[float | None] | None, best: int | None,
                    current_k: int | None, row: int, col: int) -> list[dict[str, Any]]:
    """One curve (with its error bars), its favoured k as a star; returns the panel's lines."""
    axis = (row - 1) * 2 + col
    shapes: list[dict[str, Any]] = []
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="lines+markers", name=title, line={"color": color},
        error_y=({"type": "data", "array": [e or 0.0 for e in err], "visible": True,
                  "thickness": 1, "width": 3} if err is not None else None),
        hovertemplate=f"k = %{{x}}: {title.split(' (')[0]} %{{y:.4g}}<extra></extra>",
        showlegend=False, meta=f"curve:{key}"), row=row, col=col)
    if best is not None and best in x:
        fig.add_trace(go.Scatter(
            x=[best], y=[y[x.index(best)]], mode="markers+text",
            marker={"symbol": "star", "size": 14, "color": FAVOURED_COLOR},
            text=[f"k = {best}"], textposition="middle right", cliponaxis=False,
            hovertemplate=f"favours k = {best}<extra></extra>", showlegend=False,
            meta=f"favoured:{key}"), row=row, col=col)
        shapes.append(_vline(best, axis, FAVOURED_COLOR, "dash"))
    if current_k is not None and x and min(x) <= current_k <= max(x):
        shapes.append(_vline(current_k, axis, CUT_LINE_COLOR))
    fig.update_xaxes(dtick=1, title={"text": "k", "standoff": 2}, row=row, col=col)
    return shapes


def silhouette_positions(clusters_sorted: np.ndarray, gap: int = CLUSTER_GAP) -> np.ndarray:
    """x position of each sorted row: consecutive within a cluster, ``gap`` empty between.

    >>> silhouette_positions(np.array([1, 1, 2, 3]), gap=2).tolist()
    [0, 1, 4, 7]
    """
    c = np.asarray(clusters_sorted)
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    breaks = np.concatenate([[0], np.cumsum(c[1:] != c[:-1])])
    return np.arange(c.size, dtype=np.int64) + gap * breaks


def make_silhouette_figure(
    widths: np.ndarray,
    clusters: np.ndarray,
    order: np.ndarray,
    means: Mapping[int, float],
    overall: float,
    *,
    max_bars: int = SIL_BARS_MAX,
    row_labels: Sequence[str] | None = None,
) -> go.Figure:
    """Silhouette widths of every row, grouped by cluster in the cluster colours.

    Parameters
    ----------
    widths, clusters : ndarray, shape (n,)
        s(i) and the cluster (1..k, the page's numbering) of each row, in row order.
    order : ndarray, shape (n,)
        Rows sorted by cluster then decreasing s(i) (``Silhouette.order``).
    means : mapping
        Mean s(i) per cluster.
    overall : float
        Mean s(i) of all rows.
    max_bars : int
        Up to this many rows, one bar each; above, one filled area per cluster.
    row_labels : sequence of str, optional
        Per row, for the hover.

    Returns
    -------
    go.Figure
        ``meta`` of the traces: ``"sil:<c>"`` per cluster, ``"sil-means"`` for the markers.
        ``layout.meta`` is ``"bars"`` or ``"areas"``.

    Examples
    --------
    >>> fig = make_silhouette_figure(np.array([0.5, 0.8, -0.1, 0.6]), np.array([1, 1, 2, 2]),
    ...                              np.array([1, 0, 3, 2]), {1: 0.65, 2: 0.25}, 0.45)
    >>> [t.meta for t in fig.data], fig.layout.meta
    (['sil:1', 'sil:2', 'sil-means'], 'bars')
    >>> fig.data[1].y.tolist(), list(fig.data[1].customdata), list(fig.data[2].customdata)
    ([0.6, -0.1], [3, 2], [-1, -2])
    """
    w = np.asarray(widths, dtype=float)
    cl = np.asarray(clusters, dtype=np.int64)
    o = np.asarray(order, dtype=np.int64)
    cs = cl[o]
    x = silhouette_positions(cs)
    bars = o.size <= max_bars
    fig = go.Figure()
    mean_x, mean_y, mean_c, mean_text = [], [], [], []
    shapes: list[dict[str, Any]] = []
    for c in np.unique(cs):
        sel = cs == c
        rows, xs, ys = o[sel], x[sel], w[o[sel]]
        fig.add_trace(_silhouette_trace(int(c), rows, xs, ys, bars, row_labels))
        m = float(means[int(c)])
        mean_x.append(float(xs.mean()))
        mean_y.append(m)
        mean_c.append(-int(c))
        mean_text.append(f"cluster {int(c)}: mean {m:.3f} ({rows.size:,} rows, "
                         f"{int((ys < 0).sum()):,} below 0)")
        shapes.append({"type": "line", "xref": "x", "yref": "y", "x0": float(xs.min()) - 0.5,
                       "x1": float(xs.max()) + 0.5, "y0": m, "y1": m,
                       "line": {"color": "#333", "width": 1, "dash": "dash"}})
    fig.add_trace(go.Scatter(
        x=mean_x, y=mean_y, mode="markers", customdata=mean_c, text=mean_text,
        marker={"symbol": "diamond", "size": 10, "color": [cluster_color(-c) for c in mean_c],
                "line": {"color": "#333", "width": 1}},
        hovertemplate="%{text}<br>click: light up this cluster<extra></extra>",
        name="cluster mean", showlegend=False, meta="sil-means"))
    shapes.append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                   "y0": float(overall), "y1": float(overall),
                   "line": {"color": CUT_LINE_COLOR, "width": 1, "dash": "dot"}})
    _silhouette_layout(fig, w, int(o.size), float(overall), bars, shapes)
    return fig


def _silhouette_trace(c: int, rows: np.ndarray, xs: np.ndarray, ys: np.ndarray, bars: bool,
                      row_labels: Sequence[str] | None) -> go.Bar | go.Scatter:
    """Cluster ``c``'s rows: one bar each, or one filled step area."""
    color = cluster_color(c)
    name = f"cluster {c} ({rows.size:,})"
    if bars:
        text = ([plot_text(row_labels[r]) for r in rows] if row_labels is not None
                else [str(int(r)) for r in rows])
        return go.Bar(
            x=xs, y=ys, width=1.0, marker={"color": color, "line": {"width": 0}},
            customdata=rows.tolist(), text=text, textposition="none", name=name,
            hovertemplate=f"row %{{text}} · cluster {c}<br>s = %{{y:.3f}}"
                          "<br>click: light up this row<extra></extra>",
            meta=f"sil:{c}")
    # A step line through every row's width, filled to zero: n bars' look in 1 path.
    return go.Scatter(
        x=xs, y=ys, mode="lines", line={"color": color, "width": 0.5, "shape": "hvh"},
        fill="tozeroy", fillcolor=color, customdata=[-c] * int(rows.size),
        name=name, hovertemplate=f"cluster {c}<br>s = %{{y:.3f}}"
                                 "<br>click: light up this cluster<extra></extra>",
        meta=f"sil:{c}")


def _silhouette_layout(fig: go.Figure, w: np.ndarray, n: int, overall: float, bars: bool,
                       shapes: list[dict[str, Any]]) -> None:
    lo = float(min(0.0, np.nanmin(w) if w.size else 0.0))
    fig.update_layout(
        template=WHITE, bargap=0, height=300, shapes=shapes,
        meta="bars" if bars else "areas",
        xaxis={"showticklabels": False, "title": {"text": (
            f"{n:,} rows, one bar each, by cluster then s(i)" if bars else
            f"{n:,} rows drawn as one filled area per cluster, by cluster then s(i)")}},
        yaxis={"title": {"text": "silhouette s(i)"}, "range": [lo - 0.05, 1.02],
               "zeroline": True, "zerolinecolor": "#888"},
        legend={"orientation": "h", "y": 1.15},
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        annotations=[{"xref": "paper", "yref": "y", "x": 1, "y": overall,
                      "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                      "text": f"mean of all rows {overall:.3f}",
                      "font": {"size": 11, "color": CUT_LINE_COLOR}}],
    )
