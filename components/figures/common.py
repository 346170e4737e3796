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
# Without the look's ``automargin`` (and the title ``standoff`` that goes with it): plotly.js
# then measured every tick label on each draw and drew a new figure twice, once more with the
# grown margins (the 50-leaf tree of a 20,000-row upload: 180 -> 60 ms, issue 14). These
# graphs set their margins themselves (components.figures.dendrogram.tree_margins).
for _axis in ("xaxis", "yaxis"):
    _WHITE_OWN[_axis] = {**{k: v for k, v in _WHITE_OWN[_axis].items() if k != "title"},
                         "automargin": False}
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


def white_figure_unchecked(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """:func:`white_figure` with ``layout`` merged onto the look (nested keys too), without
    plotly.py's validation of either, and without a template: for figures built from
    known-good values, whose validation was most of their CPU (the 50-leaf tree: ~35 of
    ~38 ms, issue 14).

    >>> fig = white_figure_unchecked([{"type": "scatter", "x": [1], "meta": "m"}],
    ...                              {"xaxis": {"ticks": "outside"}, "margin": {"l": 5}})
    >>> lay = fig.to_plotly_json()["layout"]
    >>> lay["template"], lay["xaxis"]["ticks"], lay["xaxis"]["gridcolor"], fig.data[0].meta
    (None, 'outside', '#EBF0F8', 'm')
    """
    fig = go.Figure(data=data, layout=_merged(_WHITE_OWN, layout), _validate=False)
    fig.layout.template = None
    return fig


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``, dicts merged key by key at every depth (neither is changed).

    >>> _merged({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"c": 4}, "e": 5})
    {'a': {'b': 1, 'c': 4}, 'd': 3, 'e': 5}
    """
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        out[key] = (_merged(old, value) if isinstance(old, dict) and isinstance(value, dict)
                    else value)
    return out


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
