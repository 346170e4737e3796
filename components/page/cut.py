"""The cut: the max_d and k fields, and the clientside recolouring that follows them.

Under them, the partition sources that are not a height (``components.page.partition``).

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
from components.page.partition import partition_fields


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
        html.Div(id=ids.CLUSTER_COUNT, className="fw-semibold small mb-2"),
        *partition_fields(),
    ]


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
    State(ids.CUT_SOURCE, "value"),  # another partition source holds the colours
    prevent_initial_call=True,
)
