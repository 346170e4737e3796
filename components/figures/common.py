"""Figures every panel uses."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from components.figures.text import plot_text

#: plotly's "plotly_white" look, cut to the trace types the app draws. Built once: naming a
#: template in a figure makes plotly deep-copy it (all 24 trace types, ~7 KB of JSON) in
#: every figure, 24 ms of CPU each, and sends it to the browser with every figure.
WHITE = go.layout.Template(
    layout=pio.templates["plotly_white"].layout,
    data={kind: pio.templates["plotly_white"].data[kind]
          for kind in ("scatter", "scattergl", "heatmap", "bar")},
)


#: WHITE's look for a 2-D graph, as layout keys of the figure itself (see :func:`white_figure`).
_WHITE_OWN = {key: WHITE.layout[key].to_plotly_json() if hasattr(WHITE.layout[key],
                                                                   "to_plotly_json")
              else WHITE.layout[key]
              for key in ("autotypenumbers", "font", "hoverlabel", "hovermode", "paper_bgcolor",
                          "plot_bgcolor", "xaxis", "yaxis", "title")}
# Validated once: a figure started from it copies it without validating it again.
_WHITE_LAYOUT = go.Layout(_WHITE_OWN)


def white_figure(data: Any = None, **kwargs: Any) -> go.Figure:
    """A figure drawn as with :data:`WHITE`, its look written into its own layout: build on
    it with ``update_layout`` (nested keys merge onto the look), then :func:`untemplated`.

    For the graphs every cut updates (the tree and the scatter). plotly.js compares a layout's
    template (an object) by identity, and dcc.Graph hands plotly.js a deep copy of the layout
    on every update, so with a template every update replotted the whole graph, even a move
    of the cut line alone (the 50-leaf tree at 20,000 rows: ~110 ms instead of ~20; issue 14).
    WHITE's trace defaults (fill patterns, colour bars) are for marks these graphs do not draw.
    Starting from the look costs a copy; writing it over a finished figure cost plotly.py a
    validation of every key (CPU per figure: the 50-leaf tree 114 -> 60 ms, the 20,000-point
    scatter 64 -> 49 ms, measured on a busy machine).

    >>> fig = untemplated(white_figure().update_layout(xaxis={"ticks": "outside"}))
    >>> lay = fig.to_plotly_json()["layout"]
    >>> "template" in lay, lay["xaxis"]["ticks"], lay["xaxis"]["gridcolor"], lay["plot_bgcolor"]
    (False, 'outside', '#EBF0F8', 'white')
    """
    return go.Figure(data=data, layout=_WHITE_LAYOUT, **kwargs)


def untemplated(fig: go.Figure) -> go.Figure:
    """``fig`` without a template: plotly.py gives every new figure its default one."""
    fig.layout.template = None
    return fig


def hover_points(gl: bool, size: int) -> dict:
    """How a trace whose points are only there to be hovered and clicked is drawn.

    In SVG, nothing: mode ``"none"`` (plotly.js still finds its points on hover and click,
    within ``hoverdistance``, and draws no element per point: at 50 leaves and 49 merges that
    was about 20 ms of a ~140 ms dendrogram redraw on every re-cut, issue 14). In WebGL, transparent
    markers of ``size`` px: scattergl hovers markers only.

    >>> hover_points(False, 8)
    {'mode': 'none'}
    >>> hover_points(True, 8)
    {'mode': 'markers', 'marker': {'color': 'rgba(0,0,0,0)', 'size': 8}}
    """
    if not gl:
        return {"mode": "none"}
    return {"mode": "markers", "marker": {"color": "rgba(0,0,0,0)", "size": size}}


def empty_figure(message: str = "") -> go.Figure:
    """A blank plot with a centred message (before data, or after an error)."""
    fig = go.Figure()
    fig.update_layout(
        template=WHITE,
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
