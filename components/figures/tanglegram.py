"""The tanglegram: two trees over the same rows facing each other, a line between the two
leaves of each row. Pure builder, numpy in, ``go.Figure`` out.

Layout (one x axis, no units shown): the left tree's root at x = 0 and its leaves at x = 1,
the lines from x = 1 to x = 1 + GAP, the right tree's leaves at 1 + GAP and its root at
2 + GAP. Heights are scaled to each tree's own tallest merge (the two methods' heights are
not comparable). Leaf j of either tree sits at y = 5 + 10 j, as in ``dendrogram_geometry``.

Traces carry ``meta``: ``"left"`` / ``"right"`` (links, one trace per colour) and ``"lines"``
(one per colour, the rows' lines).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from components.figures.common import WHITE
from components.figures.dendrogram import flat_segments
from components.figures.text import plot_text

GAP = 0.6
GL_ROWS = 500


def _links(icoord: np.ndarray, dcoord: np.ndarray, colors: np.ndarray, *, side: str,
           top: float, gl: bool) -> list[Any]:
    Trace = go.Scattergl if gl else go.Scatter
    scale = dcoord / top if top > 0 else dcoord
    x = 1.0 - scale if side == "left" else 1.0 + GAP + scale
    out = []
    for color in dict.fromkeys(colors.tolist()):
        sel = colors == color
        out.append(Trace(x=flat_segments(x[sel]), y=flat_segments(icoord[sel]), mode="lines",
                         line={"color": color, "width": 1.2}, hoverinfo="skip",
                         showlegend=False, meta=side))
    return out


def make_tanglegram_figure(left: Any, right: Any, left_colors: Any, right_colors: Any,
                           row_colors: Any, *, left_title: str, right_title: str,
                           labels: Any = None) -> go.Figure:
    """Two untruncated dendrogram geometries facing each other with a line per row.

    Parameters
    ----------
    left, right : clustering.geometry.Geometry
        Untruncated layouts of the two trees (``leaves`` are row numbers, left to right).
    left_colors, right_colors : array_like of str, shape (m,)
        Colour of each link of each tree.
    row_colors : array_like of str, shape (n,)
        Colour of each row's line (by row number).
    left_title, right_title : str
    labels : array_like of str, shape (n,), optional
        Row labels for the hover on the lines.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> from clustering.geometry import dendrogram_geometry
    >>> X = [[0.0], [1.0], [5.0]]
    >>> g1, g2 = dendrogram_geometry(linkage(X, "single")), dendrogram_geometry(linkage(X, "complete"))
    >>> fig = make_tanglegram_figure(g1, g2, ["#000"] * 2, ["#000"] * 2, ["#111"] * 3,
    ...                              left_title="single", right_title="complete")
    >>> [t.meta for t in fig.data]
    ['left', 'right', 'lines']
    """
    n = len(left.leaves)
    gl = n > GL_ROWS
    y_left = np.empty(n)
    y_left[np.asarray(left.leaves, dtype=np.int64)] = 5.0 + 10.0 * np.arange(n)
    y_right = np.empty(n)
    y_right[np.asarray(right.leaves, dtype=np.int64)] = 5.0 + 10.0 * np.arange(n)
    fig = go.Figure()
    for geometry, colors, side in ((left, left_colors, "left"), (right, right_colors, "right")):
        dcoord = np.asarray(geometry.dcoord, dtype=float)
        top = float(dcoord.max()) if dcoord.size else 1.0
        fig.add_traces(_links(np.asarray(geometry.icoord, dtype=float), dcoord,
                              np.asarray(colors, dtype=object), side=side, top=top, gl=gl))
    row_colors = np.asarray(row_colors, dtype=object)
    names = None if labels is None else np.asarray([plot_text(s) for s in labels], dtype=object)
    Trace = go.Scattergl if gl else go.Scatter
    for color in dict.fromkeys(row_colors.tolist()):
        rows = np.flatnonzero(row_colors == color)
        x = np.tile(np.array([1.0, 1.0 + GAP, np.nan]), rows.size)
        y = np.column_stack([y_left[rows], y_right[rows], np.full(rows.size, np.nan)]).ravel()
        text = None if names is None else np.repeat(names[rows], 3)
        fig.add_trace(Trace(x=x, y=y, mode="lines", line={"color": color, "width": 0.8},
                            opacity=0.7, text=text,
                            hoverinfo="text" if text is not None else "skip",
                            showlegend=False, meta="lines"))
    fig.update_layout(
        template=WHITE, hovermode="closest",
        xaxis={"visible": False, "range": [-0.02, 2.02 + GAP]},
        yaxis={"visible": False, "range": [0.0, 10.0 * n]},
        annotations=[
            {"text": plot_text(left_title), "x": 0.5, "y": 1.0, "xref": "x", "yref": "paper",
             "showarrow": False, "yanchor": "bottom"},
            {"text": plot_text(right_title), "x": 1.5 + GAP, "y": 1.0, "xref": "x",
             "yref": "paper", "showarrow": False, "yanchor": "bottom"},
        ],
        margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=560,
    )
    return fig
