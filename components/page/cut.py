"""The cut: the max_d and k fields, and the clientside recolouring that follows them.

The cut is applied in the browser (``assets/dendro.js``, ``applyCut``): typing max_d, typing
k, dragging the line (``assets/cutdrag.js``, which writes max_d on release) or a held line
(``cut-preview``) recolours the tree and the scatter with no server round trip. k is looked up
in the table the server sent with the tree (``tree-data``'s ``k_height``/``k_of``).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, clientside_callback, html

from components import ids
from components.figures.tree_data import K_TABLE_MAX
from components.page.forms import number


def cut_fields() -> list[Any]:
    """The max_d and k fields and the cluster count (placed in the clustering card)."""
    return [
        dbc.Row(
            [
                dbc.Col(number("Cut height (max_d)", ids.CUT_HEIGHT, min=0, step="any")),
                dbc.Col(number("Clusters (k)", ids.CLUSTER_K, min=1, max=K_TABLE_MAX, step=1)),
            ],
            className="g-2",
        ),
        # A live region: a screen reader says the new count whenever the cut moves.
        html.Div(id=ids.CLUSTER_COUNT, className="fw-semibold small", role="status",
                 **{"aria-live": "polite"}),
    ]


def cut_slider() -> html.Div:
    """The cut line's keyboard twin and the graphs' descriptions (placed above the tree).

    A focusable ARIA slider whose value is max_d (``assets/keyboard_cut.js`` moves the cut a
    k band per arrow key, Home/End to the extremes); the visually hidden texts that the
    dendrogram and the scatter point to with ``aria-describedby``. All written by the
    clientside ``describe`` below whenever the cut or the tree changes.
    """
    return html.Div(
        [
            html.Div(
                "Cut line",
                id=ids.CUT_SLIDER,
                role="slider",
                tabIndex=0,
                className="cut-slider small",
                title="Focus and press the arrow keys to move the cut one cluster at a time; "
                      "Home and End for the extremes",
                **{"aria-label": "Cut line (max_d)", "aria-orientation": "vertical",
                   "aria-valuenow": 0, "aria-valuemin": 0, "aria-valuemax": 0,
                   "aria-valuetext": "no tree yet", "aria-keyshortcuts":
                   "ArrowUp ArrowDown Home End PageUp PageDown"},
            ),
            html.Div(id=ids.DENDROGRAM_DESC, className="visually-hidden"),
            html.Div(id=ids.SCATTER_DESC, className="visually-hidden"),
        ],
        className="cut-slider-row",
    )


clientside_callback(
    ClientsideFunction(namespace="dendro", function_name="applyCut"),
    Output(ids.DENDROGRAM, "figure", allow_duplicate=True),
    Output(ids.SCATTER, "figure", allow_duplicate=True),
    Output(ids.CUT_HEIGHT, "value"),
    Output(ids.CLUSTER_K, "value"),
    Output(ids.CLUSTER_COUNT, "children"),
    Input(ids.TREE_DATA, "data"),
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.CLUSTER_K, "value"),
    Input(ids.CUT_PREVIEW, "data"),
    State(ids.DENDROGRAM, "figure"),
    State(ids.SCATTER, "figure"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="dendroA11y", function_name="describe"),
    Output(ids.CUT_SLIDER, "aria-valuenow"),
    Output(ids.CUT_SLIDER, "aria-valuetext"),
    Output(ids.CUT_SLIDER, "aria-valuemin"),
    Output(ids.CUT_SLIDER, "aria-valuemax"),
    Output(ids.CUT_SLIDER, "children"),
    Output(ids.DENDROGRAM_DESC, "children"),
    Output(ids.SCATTER_DESC, "children"),
    Input(ids.TREE_DATA, "data"),
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.CLUSTER_COUNT, "children"),
    Input(ids.CUT_PREVIEW, "data"),
)
