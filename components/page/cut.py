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

#: One line on the page that says how things are numbered (issue 12, section 2).
NUMBERING_HELP = ("Numbered as SciPy: observations 0…n−1 (as fcluster and ivl), merge i is row "
                  "i of Z and forms cluster n + i; clusters at the cut are 1…k, left to right.")


def cut_fields() -> list[Any]:
    """The cut bar above the tree: max_d, k and the cluster count on one line (so they stay in
    view next to the tree and the scatter), and the numbering help."""
    return [
        dbc.Row(
            [
                # No min/max on the inputs: the browser would turn a refused number into an
                # empty value, and the message could not say what was typed.
                dbc.Col([number("Cut height (max_d)", ids.CUT_HEIGHT, step="any"),
                         html.Div(id=ids.CUT_HEIGHT_MESSAGE, className="small text-danger")],
                        xs=6, md=3),
                dbc.Col([number("Clusters (k)", ids.CLUSTER_K, step=1),
                         html.Div(id=ids.CLUSTER_K_MESSAGE, className="small text-danger")],
                        xs=6, md=2),
                # A live region: a screen reader says the new count whenever the cut moves.
                dbc.Col(html.Div(id=ids.CLUSTER_COUNT, className="fw-semibold cluster-count",
                                 role="status", **{"aria-live": "polite"}),
                        xs=12, md="auto", className="d-flex align-items-center"),
                dbc.Col(html.Div(NUMBERING_HELP, id=ids.NUMBERING_HELP,
                                 className="form-text numbering-help"),
                        className="d-flex align-items-center"),
            ],
            className="g-2 cut-bar align-items-center",
        ),
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
