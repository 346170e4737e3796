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

#: One line on the page that says how things are numbered (issue 12, section 2).
NUMBERING_HELP = ("Numbered as SciPy: observations 0…n−1 (as fcluster and ivl), merge i is row "
                  "i of Z and forms cluster n + i; clusters at the cut are 1…k, left to right.")


def cut_fields() -> list[Any]:
    """The cut bar above the tree: max_d, k and the cluster count on one line (so they stay in
    view next to the tree and the scatter), and the numbering help."""
    return [
        dbc.Row(
            [
                dbc.Col(number("Cut height (max_d)", ids.CUT_HEIGHT, min=0, step="any"),
                        xs=6, md=3),
                dbc.Col(number("Clusters (k)", ids.CLUSTER_K, min=1, max=K_TABLE_MAX, step=1),
                        xs=6, md=2),
                dbc.Col(html.Div(id=ids.CLUSTER_COUNT, className="fw-semibold cluster-count"),
                        xs=12, md="auto", className="d-flex align-items-center"),
                dbc.Col(html.Div(NUMBERING_HELP, id=ids.NUMBERING_HELP,
                                 className="form-text numbering-help"),
                        className="d-flex align-items-center"),
            ],
            className="g-2 cut-bar align-items-center",
        ),
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
    prevent_initial_call=True,
)
