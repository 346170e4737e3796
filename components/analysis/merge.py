"""The Merge tab: click a merge or a leaf in the dendrogram, its rows light up in the scatter and a
sentence says what the merge did.

Flow: ``assets/inspect.js`` turns the dendrogram's ``clickData`` into the ``inspect`` store
(``{"kind": "merge", "row": r}`` for the hover marker of row r of Z, ``{"kind": "leaf",
"node": id}`` for a leaf or a truncated leaf, with the tree's key) -> :func:`explain` writes the
sentence and the member list and puts the member rows in the ``highlight`` store ->
``inspect.js`` fades the other scatter points with ``selectedpoints`` (opacity, not colour, so
the clientside cut's recolouring and this never fight; it re-applies after every recolour).

The tree logic (``node_members``, ``describe_node``, ``explain_merge``, ``explain_node``) lives
in :mod:`clustering.merges` (numpy only; tests compare it with SciPy). Approximate trees have
micro-clusters for leaves: the sentences then count micro-clusters and rows, and a member's
rows are every row of its micro-clusters.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from clustering.errors import DataError
from clustering.merges import explain_merge, explain_node, node_members, subtree_first_position
from components import ids
from components.state import approximate as approx_mode
from components.state.trees import Tree, try_load_tree

log = logging.getLogger(__name__)

#: Member labels listed in the panel (the highlight covers all of them).
MEMBERS_SHOWN = 200


def inspect_tab() -> html.Div:
    """The 'Merge' tab: the sentence, the member labels, a clear button."""
    return html.Div(
        [
            html.Div(
                "Click a merge (the top of a ⊓) or a leaf in the dendrogram to see what it joined.",
                className="form-text mb-2",
            ),
            # The same pick by keyboard: a merge by its number (the Linkage matrix's "merge").
            html.Div(
                [
                    dbc.Label("or pick merge number", html_for=ids.MERGE_PICK,
                              className="small mb-0 me-2"),
                    dcc.Input(id=ids.MERGE_PICK, type="number", min=1, step=1, debounce=True,
                              className="form-control form-control-sm merge-pick",
                              placeholder="1 = first merge"),
                ],
                className="d-flex align-items-center mb-2",
            ),
            html.Div(id=ids.INSPECT_TEXT, className="inspect-text mb-2", role="status",
                     **{"aria-live": "polite"}),
            html.Div(id=ids.INSPECT_MEMBERS, className="small inspect-members mb-2"),
            dbc.Button("Clear", id=ids.INSPECT_CLEAR, size="sm", color="secondary",
                       outline=True),
            dcc.Store(id=ids.INSPECT_TREE),
        ],
        className="p-2",
    )


clientside_callback(
    ClientsideFunction(namespace="inspect", function_name="onClick"),
    Output(ids.INSPECT, "data"),
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Input(ids.DENDROGRAM, "clickData"),
    Input(ids.INSPECT_CLEAR, "n_clicks"),
    State(ids.DENDROGRAM, "figure"),
    State(ids.TREE_DATA, "data"),
    prevent_initial_call=True,
)

# A click on a merge or a leaf brings its tab (Merge, or Linkage when that is open) into view:
# the tabs sit below the tree and the scatter. Waits a moment for the tab switch to render.
clientside_callback(
    f"""function (picked) {{
        if (!picked) {{
            return window.dash_clientside.no_update;
        }}
        window.setTimeout(function () {{
            var tabs = document.getElementById("{ids.ANALYSIS_TABS}");
            if (tabs) {{
                tabs.scrollIntoView({{block: "start", behavior: "auto"}});
            }}
        }}, 250);
        return picked.row !== undefined ? picked.row : picked.node;
    }}""",
    Output(ids.TAB_SCROLL, "data"),
    Input(ids.INSPECT, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="inspect", function_name="highlight"),
    Output(ids.SCATTER, "figure", allow_duplicate=True),
    Input(ids.HIGHLIGHT, "data"),
    Input(ids.CLUSTER_COUNT, "children"),
    Input(ids.TREE_DATA, "data"),
    State(ids.SCATTER, "figure"),
    prevent_initial_call=True,
)


def picked_merge(value: Any, tree: Tree | None) -> dict[str, Any] | str:
    """What the merge-number field asks for: the ``inspect`` store's pick, or why not.

    >>> from types import SimpleNamespace
    >>> tree = SimpleNamespace(Z=np.zeros((4, 4)), spec=SimpleNamespace(key="k"))
    >>> picked_merge(2, tree)
    {'kind': 'merge', 'row': 1, 'tree_key': 'k'}
    >>> picked_merge(9, tree)
    'Merge numbers run from 1 to 4 (the "merge" column of the Linkage matrix).'
    """
    if tree is None:
        return "No tree is drawn yet."
    count = int(tree.Z.shape[0])
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= count or number != value:
        return (f'Merge numbers run from 1 to {count:,} '
                '(the "merge" column of the Linkage matrix).')
    return {"kind": "merge", "row": number - 1, "tree_key": tree.spec.key}


@callback(
    Output(ids.INSPECT, "data", allow_duplicate=True),
    Output(ids.INSPECT_TEXT, "children", allow_duplicate=True),
    Input(ids.MERGE_PICK, "value"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def pick_merge(value: Any, tree_ref: dict[str, Any] | None) -> tuple[Any, Any]:
    """A merge picked by number (keyboard users, no click): as if it were clicked."""
    if value is None:
        return no_update, no_update
    picked = picked_merge(value, try_load_tree((tree_ref or {}).get("params")))
    return (no_update, picked) if isinstance(picked, str) else (picked, no_update)


def micro_weights(tree: Tree) -> np.ndarray | None:
    """Rows per leaf when the tree's leaves are micro-clusters (approximate), else None."""
    approx = tree.approximate
    return None if approx is None else np.asarray(approx.micro.weights, dtype=np.int64)



# A new tree: a pick of this tree (a redraw) is explained again by the server; a pick of
# another tree, or a highlight, is cleared here, and a page with neither sends nothing.
clientside_callback(
    """function (td, picked, highlight) {
        var nu = window.dash_clientside.no_update;
        if (picked && td && picked.tree_key === td.tree_key) {
            return [nu, nu, nu, {params: td.params, tree_key: td.tree_key}];
        }
        if (picked || highlight) {
            return ["", "", null, nu];
        }
        return [nu, nu, nu, nu];
    }""",
    Output(ids.INSPECT_TEXT, "children", allow_duplicate=True),
    Output(ids.INSPECT_MEMBERS, "children", allow_duplicate=True),
    Output(ids.HIGHLIGHT, "data", allow_duplicate=True),
    Output(ids.INSPECT_TREE, "data"),
    Input(ids.TREE_DATA, "data"),
    State(ids.INSPECT, "data"),
    State(ids.HIGHLIGHT, "data"),
    prevent_initial_call=True,
)

@callback(
    Output(ids.INSPECT_TEXT, "children"),
    Output(ids.INSPECT_MEMBERS, "children"),
    Output(ids.HIGHLIGHT, "data"),
    Output(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.INSPECT, "data"),
    State(ids.TREE_REF, "data"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.INSPECT_TREE, "data"),  # the picked merge's tree drawn again (below)
    prevent_initial_call=True,
)
def explain(picked: dict[str, Any] | None, tree_data: dict[str, Any] | None,
            active: str | None, _redrawn: Any = None) -> tuple[Any, ...]:
    """The clicked merge or leaf in words, its members, and the rows to light up."""
    key = (tree_data or {}).get("tree_key")
    if not picked or not key or picked.get("tree_key") != key:
        return "", "", None, no_update
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None:
        return "", "", None, no_update
    Z = tree.hierarchy.Z
    leaves = tree.index.leaves
    first = subtree_first_position(Z, leaves)
    weights = micro_weights(tree)
    try:
        if picked.get("kind") == "merge":
            row = int(picked["row"])
            sentence = explain_merge(Z, leaves, row, first=first, weights=weights)
            node = len(leaves) + row
        else:
            node = int(picked["node"])
            sentence = explain_node(Z, leaves, node, first=first, weights=weights)
        members = node_members(Z, leaves, node, first)
    except (DataError, KeyError, TypeError, ValueError) as err:
        log.info("inspect: %s", err)
        return "", "", None, no_update
    rows = member_rows(tree, members)
    shown = members[:MEMBERS_SHOWN]
    if weights is None:
        labels = [str(s) for s in tree.prepared.labels]
        items = [html.Li([html.Code(str(int(s))), " ", labels[int(s)]]) for s in shown]
        head = f"{members.size:,} member(s): sample id and label"
    else:
        items = [html.Li([html.Code(str(int(s))), f" {int(weights[int(s)]):,} rows"])
                 for s in shown]
        head = (f"{members.size:,} micro-cluster(s), {int(weights[members].sum()):,} rows: "
                "micro-cluster id and its rows")
    more = (html.Div(f"… and {members.size - MEMBERS_SHOWN:,} more", className="text-muted")
            if members.size > MEMBERS_SHOWN else None)
    listing = [html.Div(head, className="fw-semibold"),
               html.Ul(items, className="list-unstyled mb-0 members-list"), more]
    tab = (no_update if active == ids.TAB_LINKAGE or ctx.triggered_id != ids.INSPECT
           else ids.TAB_INSPECT)
    return sentence, listing, {"rows": rows, "tree_key": key}, tab


def member_rows(tree: Tree, members: np.ndarray) -> list[int]:
    """Scatter points of the members: the samples themselves, or (approximate trees, whose
    leaves are micro-clusters) every row of those micro-clusters -- numbered as the scatter
    numbers its points, i.e. positions in its sample when the scatter is sampled."""
    approx = tree.approximate
    if approx is None:
        return [int(s) for s in members]
    # The approximate scatter's sample is per micro-cluster and does not depend on the cut.
    shown, _ = approx_mode.scatter_rows(tree, 0.0)
    assignment = np.asarray(approx.micro.assignment)
    if shown is not None:
        assignment = assignment[shown]
    return np.flatnonzero(np.isin(assignment, members)).tolist()
