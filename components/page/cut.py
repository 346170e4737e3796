"""The cut: the max_d and k fields, and the clientside recolouring that follows them.

Under them, the partition sources that are not a height (``components.page.partition``).

The cut is applied in the browser (``assets/dendro.js``, ``applyCut``): typing max_d, typing
k, dragging the line (``assets/cutdrag.js``, which writes max_d on release) or a held line
(``cut-preview``) recolours the tree and the scatter with no server round trip. k is looked up
in the table the server sent with the tree (``tree-data``'s ``k_height``/``k_of``).

A refused value (k not a whole number from 1 to n, max_d negative or not a number) leaves the
cut where it was (``applyCut`` ignores it) and a message under the field says what is allowed
(:data:`FIELD_MESSAGES_JS`, in the browser: the tree data never travels to the server for it).
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
                # No min/max on the inputs: the browser would turn a refused number into an
                # empty value, and the message could not say what was typed.
                dbc.Col([number("Cut height (max_d)", ids.CUT_HEIGHT, step="any"),
                         html.Div(id=ids.CUT_HEIGHT_MESSAGE, className="small text-danger")]),
                dbc.Col([number("Clusters (k)", ids.CLUSTER_K, step=1),
                         html.Div(id=ids.CLUSTER_K_MESSAGE, className="small text-danger")]),
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


#: k and max_d checked in the browser against the shown tree's n (``tree-data``): the message
#: under each field, and the field marked ``is-invalid``. Same rules as ``applyCut``.
FIELD_MESSAGES_JS = """
function (cutValue, kValue, td) {
    var n = td && td.n ? td.n : null;
    // k runs over the tree data's k table: 1 .. min(n, K_TABLE_MAX).
    var kMax = td && td.k_height && td.k_height.n ? td.k_height.n :
        (n === null ? __KMAX__ : Math.min(n, __KMAX__));
    var num = function (v) { return typeof v === "number" && isFinite(v); };
    var kMsg = "", cutMsg = "";
    if (kValue !== null && kValue !== undefined && kValue !== "" &&
            !(num(kValue) && kValue >= 1 && kValue <= kMax && Math.floor(kValue) === kValue)) {
        kMsg = "k must be a whole number from 1 to " + kMax.toLocaleString("en") +
            (n !== null && kMax === n ? " (the number of leaves)" : "") +
            "; the cut stays where it was.";
    } else if (kValue === null && window.dash_clientside.callback_context.triggered.some(
            function (t) { return t.prop_id === "__K__.value"; })) {
        kMsg = "Type a whole number from 1 to " + kMax.toLocaleString("en") +
            "; the cut stays where it was.";
    }
    if (cutValue !== null && cutValue !== undefined && cutValue !== "" &&
            !(num(cutValue) && cutValue >= 0)) {
        cutMsg = "max_d must be a number of 0 or more; the cut stays where it was.";
    } else if (cutValue === null && window.dash_clientside.callback_context.triggered.some(
            function (t) { return t.prop_id === "__CUT__.value"; })) {
        cutMsg = "Type a height of 0 or more; the cut stays where it was.";
    }
    var cls = "form-control form-control-sm";
    return [cutMsg, cutMsg ? cls + " is-invalid" : cls, kMsg, kMsg ? cls + " is-invalid" : cls];
}
""".replace("__KMAX__", str(K_TABLE_MAX)).replace("__K__", ids.CLUSTER_K).replace(
    "__CUT__", ids.CUT_HEIGHT)

clientside_callback(
    FIELD_MESSAGES_JS,
    Output(ids.CUT_HEIGHT_MESSAGE, "children"),
    Output(ids.CUT_HEIGHT, "className"),
    Output(ids.CLUSTER_K_MESSAGE, "children"),
    Output(ids.CLUSTER_K, "className"),
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.CLUSTER_K, "value"),
    Input(ids.TREE_DATA, "data"),
)
