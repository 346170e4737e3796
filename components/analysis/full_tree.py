"""The full tree, every leaf, explorable at any zoom (issue 14, goal 3).

The main dendrogram truncates a big tree; this tab draws all of it with level of detail: a
subtree narrower than a pixel is one mark, expanded as the analyst zooms, colours exact at
the page's cut at every zoom, hover naming rows (leaves) and merges (link tops). The server
sends the compact tree once (``components.figures.lod.lod_payload``: ~20 bytes a leaf, and
the row labels); every zoom, pan and cut is drawn in the browser (``assets/lod.js``, the rule
of ``clustering.lod``) with no request, into a div that is plotly.js's own graph: a zoom
drawn there does not go through Dash at all.
"""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from components import ids
from components.figures.lod import lod_payload
from components.figures.palette import ABOVE_CUT_COLOR, PALETTE
from components.state.trees import try_load_tree

#: Row labels are sent for hover up to this many leaves (past it, "row i").
LABELS_MAX = 200_000


def full_tree_tab() -> html.Div:
    return html.Div([
        html.Div("Every leaf of the tree. Zoom (drag a box, scroll) to expand the subtrees "
                 "drawn as one mark; double-click to see the whole tree again. Colours follow "
                 "the cut above; a grey mark holds several clusters within one pixel.",
                 className="form-text"),
        html.Div(id=ids.FULL_TREE_NOTE, className="small text-muted"),
        dcc.Store(id=ids.FULL_TREE_DATA),
        dcc.Store(id=ids.FULL_TREE_VIEW),
        # plotly.js's own graph (assets/lod.js draws into it; zooms never go through Dash).
        html.Div(id=ids.FULL_TREE_GRAPH, style={"height": "420px"}),
    ])


@callback(
    Output(ids.FULL_TREE_DATA, "data"),
    Output(ids.FULL_TREE_NOTE, "children"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.FULL_TREE_REF, "data"),  # tree-ref while the tab is open (analysis/lazy.py)
    State(ids.FULL_TREE_DATA, "data"),
    prevent_initial_call=True,
)
def fill_full_tree(active: str | None, tree_ref: dict[str, Any] | None,
                   have: dict[str, Any] | None) -> tuple[Any, str]:
    """The compact tree for the browser, once per tree and only while the tab is open."""
    from dash import no_update

    if active != ids.TAB_FULL_TREE or not tree_ref:
        return no_update, no_update
    key = tree_ref.get("tree_key")
    if have and have.get("tree_key") == key:
        return no_update, no_update
    tree = try_load_tree(tree_ref.get("params"))
    if tree is None:
        return None, "No tree yet."
    n = int(tree.index.n)
    labels = ([str(s) for s in tree.prepared.labels] if tree.approximate is None
              and n <= LABELS_MAX else None)
    what = ("micro-clusters (approximate tree)" if tree.approximate is not None else "leaves")
    data = {"tree_key": key, "payload": lod_payload(tree.Z, tree.index.leaves),
            "labels": labels, "palette": list(PALETTE), "above": ABOVE_CUT_COLOR}
    return data, f"{n:,} {what}; merge r forms id n + r (SciPy's numbering)."


clientside_callback(
    ClientsideFunction(namespace="dendroLod", function_name="render"),
    Output(ids.FULL_TREE_VIEW, "data"),
    Input(ids.FULL_TREE_DATA, "data"),
    Input(ids.CUT_HEIGHT, "value"),
    State(ids.FULL_TREE_GRAPH, "id"),
)
