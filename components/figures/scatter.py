"""The scatter of the rows, coloured by cluster in the tree's colours.

Structure (part of the contract with ``assets/dendro.js``, which rebuilds it at each cut):
one ``"points"`` trace per colour (``customdata`` = (row, cluster) per point), then
legend-only ``"legend"`` traces, one per cluster (capped at :data:`LEGEND_MAX`). A points trace
and the legend entries of its colour share ``legendgroup`` ``"g<colour index>"``, so a click
on a cluster in the legend hides its points (up to 40 clusters one colour is one cluster; past
the palette the legend says that colours repeat). ``assets/legend.js`` dims the tree to match
and makes a double-click restore every cluster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.figures.common import untemplated, white_figure
from components.figures.palette import PALETTE, cluster_color, palette_note
from components.figures.text import plot_text, plot_texts

# Marker traces redraw at every cut move; past this many points WebGL is several times faster
# than SVG (headless Chromium, 2 cores: 5,000 points 310-380 ms in SVG vs 80-130 ms in WebGL).
SCATTER_GL_POINTS = 2_000
LEGEND_MAX = 30


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
    [('points', '#0072b2'), ('points', '#d55e00'), ('legend', '1 · 2 rows'), ('legend', '2 · 1 rows')]
    """
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    clusters = np.asarray(clusters, dtype=np.int64)
    n = x.size
    gl = n > SCATTER_GL_POINTS if gl is None else gl
    traces = _points_traces(x, y, clusters, labels, gl)
    # These traces are built from known-good values and skip plotly's validation (slow for
    # 20k-element arrays); the legend and layout below are validated.
    fig = white_figure(data=traces, _validate=False)
    for trace in legend_traces(clusters):
        fig.add_trace(trace)
    fig.update_layout(
        xaxis={"title": {"text": plot_text(x_title)}, "zeroline": False,
               "ticklabeloverflow": "allow"},
        yaxis={"title": {"text": plot_text(y_title)}, "zeroline": False,
               "ticklabeloverflow": "allow"},
        hovermode="closest",
        legend={"title": {"text": "clusters"}, "itemclick": "toggle",
                "itemdoubleclick": "toggleothers"},
        margin={"l": 60, "r": 20, "t": 50 if note else 30, "b": 50},
        uirevision=uirevision,
    )
    if note:
        fig.update_layout(
            title={"text": plot_text(note), "font": {"size": 12, "color": "#555"}, "x": 0.01}
        )
    return untemplated(fig)


def _points_traces(x: np.ndarray, y: np.ndarray, clusters: np.ndarray, labels: Sequence[str],
                   gl: bool) -> list[dict]:
    """The ``"points"`` traces, one per colour, as plain dicts (see the module's contract)."""
    n = x.size
    rows = np.arange(n, dtype=np.int32)
    text = plot_texts(labels)
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
                "legendgroup": f"g{g}",
                "meta": "points",
            }
        )
    return traces


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
            legendgroup=f"g{(int(c) - 1) % len(PALETTE)}",
            hoverinfo="skip",
            meta="legend",
        )
        for c in shown
    ]
    note = palette_note(int(present.max()))
    if present.size > LEGEND_MAX or note:
        more = f"… {present.size - LEGEND_MAX} more" if present.size > LEGEND_MAX else "…"
        out.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "rgba(0,0,0,0)", "width": 8},
                name=f"{more} ({note})" if note else more,
                showlegend=True,
                hoverinfo="skip",
                meta="legend",
            )
        )
    return out
