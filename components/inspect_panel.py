"""Click a merge or a leaf in the dendrogram: its rows light up in the scatter, a sentence says
what the merge did, and the linkage matrix table shows its row.

Flow: ``assets/inspect.js`` turns the dendrogram's ``clickData`` into the ``inspect`` store
(``{"kind": "merge", "row": r}`` for the hover marker of row r of Z, ``{"kind": "leaf",
"node": id}`` for a leaf or a truncated leaf, with the tree's key) -> :func:`explain` writes the
sentence and the member list and puts the member rows in the ``highlight`` store ->
``inspect.js`` fades the other scatter points with ``selectedpoints`` (opacity, not colour, so
the clientside cut's recolouring and this never fight; it re-applies after every recolour).

The tree logic (``node_members``, ``describe_node``, ``explain_merge``, ``explain_node``) lives
in :mod:`clustering.merges` (numpy only; tests compare it with SciPy).
Approximate trees (``components.big``) have micro-clusters for leaves: the sentences then count
micro-clusters and rows, and a member's rows are every row of its micro-clusters.
"""

from __future__ import annotations

import logging
import math
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
    dash_table,
    html,
    no_update,
)

from clustering.errors import DataError
from clustering.merges import explain_merge, explain_node, node_members, subtree_first_position
from components import big, ids
from components.background import load_view_tree

log = logging.getLogger(__name__)

#: Member labels listed in the panel (the highlight covers all of them).
MEMBERS_SHOWN = 200
PAGE_SIZE = 15


# ---------------------------------------------------------------- table of Z
def linkage_rows(Z: np.ndarray, sort_by: list[dict[str, Any]] | None, page: int,
                 page_size: int = PAGE_SIZE, sizes: np.ndarray | None = None
                 ) -> tuple[list[dict[str, Any]], np.ndarray]:
    """One page of Z as table records, sorted as the table asks, and the full row order.

    ``sizes`` (one per row of Z) replaces ``Z[:, 3]`` in the ``size`` column: rows under each
    merge of an approximate tree, whose ``Z[:, 3]`` counts micro-clusters.

    Examples
    --------
    >>> Z = np.array([[0, 1, 0.5, 2], [2, 3, 0.25, 3]])
    >>> recs, order = linkage_rows(Z, [{"column_id": "height", "direction": "asc"}], 0)
    >>> [r["row"] for r in recs], order.tolist()
    ([1, 0], [1, 0])
    >>> linkage_rows(Z, [], 0, sizes=np.array([20, 35]))[0][1]["size"]
    35
    """
    Z = np.asarray(Z, dtype=float)
    m = Z.shape[0]
    n = m + 1
    size = Z[:, 3] if sizes is None else np.asarray(sizes)
    order = np.arange(m)
    column = {"row": order, "merge": order, "id": order, "idx1": Z[:, 0], "idx2": Z[:, 1],
              "height": Z[:, 2], "size": size}
    if sort_by:
        s = sort_by[0]
        key = column.get(s.get("column_id"), order)
        order = np.argsort(key, kind="stable")
        if s.get("direction") == "desc":
            order = order[::-1]
    sel = order[page * page_size: (page + 1) * page_size]
    recs = [
        {"row": int(r), "merge": int(r) + 1, "idx1": int(Z[r, 0]), "idx2": int(Z[r, 1]),
         "height": float(Z[r, 2]), "size": int(size[r]), "id": n + int(r)}
        for r in sel
    ]
    return recs, order


# ---------------------------------------------------------------- layout
def inspect_tab() -> html.Div:
    """The 'Merge' tab: the sentence, the member labels, a clear button."""
    return html.Div(
        [
            html.Div(
                "Click a merge (the top of a ⊓) or a leaf in the dendrogram to see what it joined.",
                className="form-text mb-2",
            ),
            html.Div(id=ids.INSPECT_TEXT, className="inspect-text mb-2", role="status",
                     **{"aria-live": "polite"}),
            html.Div(id=ids.INSPECT_MEMBERS, className="small inspect-members mb-2"),
            dbc.Button("Clear", id=ids.INSPECT_CLEAR, size="sm", color="secondary",
                       outline=True),
        ],
        className="p-2",
    )


def linkage_tab() -> html.Div:
    """The 'Linkage matrix' tab: Z as a sortable table, the clicked merge's row highlighted."""
    return html.Div(
        [
            html.Div(
                "Row r of Z (merge r + 1) joins clusters idx1 and idx2 at the given height into "
                "a cluster of size samples, which gets id n + r. Ids below n are samples; "
                "ids of n and above refer to earlier merges.",
                className="form-text mb-2",
            ),
            html.Div(id=ids.LINKAGE_NOTE, className="form-text mb-2"),
            dash_table.DataTable(
                id=ids.LINKAGE_TABLE,
                columns=[
                    {"name": "merge", "id": "merge", "type": "numeric"},
                    {"name": "row", "id": "row", "type": "numeric"},
                    {"name": "idx1", "id": "idx1", "type": "numeric"},
                    {"name": "idx2", "id": "idx2", "type": "numeric"},
                    {"name": "height", "id": "height", "type": "numeric",
                     "format": {"specifier": ".6g"}},
                    {"name": "size", "id": "size", "type": "numeric"},
                    {"name": "forms id", "id": "id", "type": "numeric"},
                ],
                data=[],
                page_action="custom",
                page_current=0,
                page_size=PAGE_SIZE,
                sort_action="custom",
                sort_mode="single",
                sort_by=[],
                style_table={"overflowX": "auto"},
                style_cell={"fontSize": "0.8rem", "padding": "2px 6px"},
            ),
        ],
        className="p-2",
    )


# ---------------------------------------------------------------- callbacks
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

clientside_callback(
    ClientsideFunction(namespace="inspect", function_name="highlight"),
    Output(ids.SCATTER, "figure", allow_duplicate=True),
    Input(ids.HIGHLIGHT, "data"),
    Input(ids.CLUSTER_COUNT, "children"),
    Input(ids.TREE_DATA, "data"),
    State(ids.SCATTER, "figure"),
    prevent_initial_call=True,
)


def tree_of(tree_data: dict[str, Any] | None) -> Any:
    """The memoised tree that the draw step drew (``tree-data['params']``), or None.

    Exact or approximate, through the same loader as the draw step
    (``background.load_view_tree`` -> ``big.load_big_tree``): a big table is never clustered
    exactly here, and its tree is read back from the store.
    """
    p = (tree_data or {}).get("params")
    if not p:
        return None
    try:
        return load_view_tree(p)
    except DataError as err:
        log.info("no tree for the analysis tabs: %s", err)
        return None


def micro_weights(tree: Any) -> np.ndarray | None:
    """Rows per leaf when the tree's leaves are micro-clusters (approximate), else None."""
    approx = big.approx_of(tree)
    return None if approx is None else np.asarray(approx.micro.weights, dtype=np.int64)


@callback(
    Output(ids.INSPECT_TEXT, "children"),
    Output(ids.INSPECT_MEMBERS, "children"),
    Output(ids.HIGHLIGHT, "data"),
    Output(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.INSPECT, "data"),
    Input(ids.TREE_DATA, "data"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    prevent_initial_call=True,
)
def explain(picked: dict[str, Any] | None, tree_data: dict[str, Any] | None,
            active: str | None) -> tuple[Any, ...]:
    """The clicked merge or leaf in words, its members, and the rows to light up."""
    key = (tree_data or {}).get("tree_key")
    if not picked or not key or picked.get("tree_key") != key:
        return "", "", None, no_update
    tree = tree_of(tree_data)
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
    tab = no_update if active == "tab-linkage" or not ctx.triggered_id == ids.INSPECT else "tab-inspect"
    return sentence, listing, {"rows": rows, "tree_key": key}, tab


def member_rows(tree: Any, members: np.ndarray) -> list[int]:
    """Scatter points of the members: the samples themselves, or (approximate trees, whose
    leaves are micro-clusters) every row of those micro-clusters -- numbered as the scatter
    numbers its points, i.e. positions in its sample when the scatter is sampled."""
    approx = big.approx_of(tree)
    if approx is None:
        return [int(s) for s in members]
    # The approximate scatter's sample is per micro-cluster and does not depend on the cut.
    shown, _ = big.scatter_rows(tree, 0.0)
    assignment = np.asarray(approx.micro.assignment)
    if shown is not None:
        assignment = assignment[shown]
    return np.flatnonzero(np.isin(assignment, members)).tolist()


@callback(
    Output(ids.LINKAGE_TABLE, "data"),
    Output(ids.LINKAGE_TABLE, "page_count"),
    Output(ids.LINKAGE_TABLE, "page_current"),
    Output(ids.LINKAGE_TABLE, "style_data_conditional"),
    Output(ids.LINKAGE_NOTE, "children"),
    Input(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.LINKAGE_TABLE, "page_current"),
    Input(ids.LINKAGE_TABLE, "sort_by"),
    Input(ids.INSPECT, "data"),
    Input(ids.TREE_DATA, "data"),
)
def linkage_table(active: str | None, page: int | None, sort_by: list[dict[str, Any]] | None,
                  picked: dict[str, Any] | None, tree_data: dict[str, Any] | None
                  ) -> tuple[Any, ...]:
    """One page of Z; a click in the tree jumps to the page of its row and highlights it."""
    if active != "tab-linkage":
        return no_update, no_update, no_update, no_update, no_update
    tree = tree_of(tree_data)
    if tree is None:
        return [], 0, 0, [], ""
    Z = tree.hierarchy.Z
    n = Z.shape[0] + 1
    sizes = big.merge_sizes(tree)
    row = None
    if picked and picked.get("tree_key") == (tree_data or {}).get("tree_key"):
        if picked.get("kind") == "merge":
            row = int(picked["row"])
        elif int(picked.get("node", -1)) >= n:
            row = int(picked["node"]) - n
    page = int(page or 0)
    _, order = linkage_rows(Z, sort_by, 0, page_size=1, sizes=sizes)
    if row is not None and ctx.triggered_id in (ids.INSPECT, ids.ANALYSIS_TABS):
        page = int(np.flatnonzero(order == row)[0]) // PAGE_SIZE
    if ctx.triggered_id == ids.TREE_DATA:
        page = 0
    page_count = max(1, math.ceil(Z.shape[0] / PAGE_SIZE))
    page = min(max(page, 0), page_count - 1)
    records, _ = linkage_rows(Z, sort_by, page, sizes=sizes)
    style = ([{"if": {"filter_query": f"{{row}} = {row}"}, "backgroundColor": "#fff3cd",
               "fontWeight": "bold"}] if row is not None else [])
    return records, page_count, page, style, linkage_note(tree)


def linkage_note(tree: Any) -> str:
    """What Z's ids and sizes count for this tree: nothing to add for an exact tree."""
    approx = big.approx_of(tree)
    if approx is None:
        return ""
    return (f"Approximate tree: its {approx.m:,} leaves are micro-clusters (ids 0 to "
            f"{approx.m - 1:,}) of the {approx.n:,} rows, so n here is m = {approx.m:,}; the "
            "size column counts rows (Z itself counts micro-clusters, as SciPy requires).")
