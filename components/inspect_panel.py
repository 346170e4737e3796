"""Click a merge or a leaf in the dendrogram: its rows light up in the scatter, a sentence says
what the merge did, and the linkage matrix table shows its row.

Flow: ``assets/inspect.js`` turns the dendrogram's ``clickData`` into the ``inspect`` store
(``{"kind": "merge", "row": r}`` for the hover marker of row r of Z, ``{"kind": "leaf",
"node": id}`` for a leaf or a truncated leaf, with the tree's key) -> :func:`explain` writes the
sentence and the member list and puts the member rows in the ``highlight`` store ->
``inspect.js`` fades the other scatter points with ``selectedpoints`` (opacity, not colour, so
the clientside cut's recolouring and this never fight; it re-applies after every recolour).

The pure helpers (:func:`node_members`, :func:`describe_node`, :func:`explain_merge`) use Z
only; tests compare them with SciPy.
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
from clustering.prepare import PrepareOptions
from components import ids
from components.figures import format_height, subtree_first_position
from components.service import load_tree

log = logging.getLogger(__name__)

#: Samples written out inside the sentence; bigger clusters are given by their size.
SENTENCE_LIST_MAX = 6
#: Member labels listed in the panel (the highlight covers all of them).
MEMBERS_SHOWN = 200
PAGE_SIZE = 15
IDS_NOTE = "ids of n and above refer to earlier merges"


# ---------------------------------------------------------------- pure helpers
def node_members(Z: np.ndarray, leaves: np.ndarray, node: int, first: np.ndarray | None = None
                 ) -> np.ndarray:
    """Sample ids under ``node`` (a sample id < n, or n + row of Z), in leaf order.

    Every subtree is a contiguous run of the dendrogram's leaf order, so this is a slice.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray, shape (n,)
        ``leaves_list(Z)``.
    node : int
    first : ndarray, shape (n - 1,), optional
        ``subtree_first_position(Z, leaves)`` when already at hand.

    Returns
    -------
    ndarray of int64, shape (size,)

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> node_members(Z, leaves_list(Z), 3).tolist(), node_members(Z, leaves_list(Z), 2).tolist()
    ([0, 1], [2])
    """
    Z = np.asarray(Z, dtype=float)
    leaves = np.asarray(leaves, dtype=np.int64)
    n = leaves.size
    node = int(node)
    if not 0 <= node < 2 * n - 1:
        raise DataError(f"node {node} is not in a tree of {n} samples")
    if node < n:
        return np.array([node], dtype=np.int64)
    if first is None:
        first = subtree_first_position(Z, leaves)
    start = int(first[node - n])
    return leaves[start: start + int(Z[node - n, 3])].copy()


def describe_node(Z: np.ndarray, leaves: np.ndarray, node: int, *,
                  list_max: int = SENTENCE_LIST_MAX, first: np.ndarray | None = None) -> str:
    """``sample 62``, ``cluster 152 (samples 33, 68)`` or ``cluster 290 (48 samples)``.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> describe_node(Z, leaves_list(Z), 3), describe_node(Z, leaves_list(Z), 2)
    ('cluster 3 (samples 0, 1)', 'sample 2')
    """
    n = len(leaves)
    if int(node) < n:
        return f"sample {int(node)}"
    members = node_members(Z, leaves, node, first)
    if members.size <= list_max:
        return f"cluster {int(node)} (samples {', '.join(str(int(s)) for s in np.sort(members))})"
    return f"cluster {int(node)} ({members.size:,} samples)"


def explain_merge(Z: np.ndarray, leaves: np.ndarray, row: int, *,
                  list_max: int = SENTENCE_LIST_MAX, first: np.ndarray | None = None) -> str:
    """The merge in words, numbered 1..n-1 as a person counts (row r of Z is merge r + 1).

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray, shape (n,)
    row : int
        0-based row of Z.

    Returns
    -------
    str
        e.g. ``merge 14 of 149 joined sample 62 and cluster 152 (samples 33, 68) at height
        0.1726; ids of n and above refer to earlier merges``.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> explain_merge(Z, leaves_list(Z), 1)
    'merge 2 of 2 joined sample 2 and cluster 3 (samples 0, 1) at height 4; ids of n and above refer to earlier merges'
    """
    Z = np.asarray(Z, dtype=float)
    row = int(row)
    if not 0 <= row < Z.shape[0]:
        raise DataError(f"merge row {row} is not in a linkage of {Z.shape[0]} rows")
    a, b = int(Z[row, 0]), int(Z[row, 1])
    left = describe_node(Z, leaves, a, list_max=list_max, first=first)
    right = describe_node(Z, leaves, b, list_max=list_max, first=first)
    return (f"merge {row + 1} of {Z.shape[0]} joined {left} and {right} at height "
            f"{format_height(float(Z[row, 2]))}; {IDS_NOTE}")


def explain_node(Z: np.ndarray, leaves: np.ndarray, node: int, *,
                 first: np.ndarray | None = None) -> str:
    """A clicked leaf: a sample, or a truncated leaf standing for a whole merge.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> explain_node(Z, leaves_list(Z), 0)
    'leaf: sample 0'
    >>> explain_node(Z, leaves_list(Z), 3)[:43]
    'truncated leaf (2 samples) = merge 1 of 2 j'
    """
    n = len(leaves)
    node = int(node)
    if node < n:
        return f"leaf: sample {node}"
    size = int(np.asarray(Z)[node - n, 3])
    return f"truncated leaf ({size:,} samples) = " + explain_merge(Z, leaves, node - n, first=first)


def linkage_rows(Z: np.ndarray, sort_by: list[dict[str, Any]] | None, page: int,
                 page_size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], np.ndarray]:
    """One page of Z as table records, sorted as the table asks, and the full row order.

    Examples
    --------
    >>> Z = np.array([[0, 1, 0.5, 2], [2, 3, 0.25, 3]])
    >>> recs, order = linkage_rows(Z, [{"column_id": "height", "direction": "asc"}], 0)
    >>> [r["row"] for r in recs], order.tolist()
    ([1, 0], [1, 0])
    """
    Z = np.asarray(Z, dtype=float)
    m = Z.shape[0]
    n = m + 1
    order = np.arange(m)
    column = {"row": order, "merge": order, "id": order, "idx1": Z[:, 0], "idx2": Z[:, 1],
              "height": Z[:, 2], "size": Z[:, 3]}
    if sort_by:
        s = sort_by[0]
        key = column.get(s.get("column_id"), order)
        order = np.argsort(key, kind="stable")
        if s.get("direction") == "desc":
            order = order[::-1]
    sel = order[page * page_size: (page + 1) * page_size]
    recs = [
        {"row": int(r), "merge": int(r) + 1, "idx1": int(Z[r, 0]), "idx2": int(Z[r, 1]),
         "height": float(Z[r, 2]), "size": int(Z[r, 3]), "id": n + int(r)}
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
    """The memoised tree that ``render`` drew (``tree-data['params']``), or None."""
    p = (tree_data or {}).get("params")
    if not p:
        return None
    if (tree_data or {}).get("approx_note"):
        # An approximate tree (components.big): load_tree would run the exact linkage of every
        # row, and these panels count leaves as rows; they stay empty until they map the two.
        return None
    try:
        return load_tree(p["dataset"], PrepareOptions.from_dict(p["options"]), p["method"],
                         p["metric"])
    except DataError as err:
        log.info("no tree for the analysis tabs: %s", err)
        return None


_tree = tree_of


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
    tree = _tree(tree_data)
    if tree is None:
        return "", "", None, no_update
    Z = tree.hierarchy.Z
    leaves = tree.index.leaves
    first = subtree_first_position(Z, leaves)
    try:
        if picked.get("kind") == "merge":
            row = int(picked["row"])
            sentence = explain_merge(Z, leaves, row, first=first)
            node = len(leaves) + row
        else:
            node = int(picked["node"])
            sentence = explain_node(Z, leaves, node, first=first)
        members = node_members(Z, leaves, node, first)
    except (DataError, KeyError, TypeError, ValueError) as err:
        log.info("inspect: %s", err)
        return "", "", None, no_update
    rows = _member_rows(tree, members)
    labels = [str(s) for s in tree.prepared.labels]
    shown = members[:MEMBERS_SHOWN]
    items = [html.Li([html.Code(str(int(s))), " ", labels[int(s)]]) for s in shown]
    more = (html.Div(f"… and {members.size - MEMBERS_SHOWN:,} more", className="text-muted")
            if members.size > MEMBERS_SHOWN else None)
    listing = [html.Div(f"{members.size:,} member(s): sample id and label", className="fw-semibold"),
               html.Ul(items, className="list-unstyled mb-0 members-list"), more]
    tab = no_update if active == "tab-linkage" or not ctx.triggered_id == ids.INSPECT else "tab-inspect"
    return sentence, listing, {"rows": rows, "tree_key": key}, tab


def _member_rows(tree: Any, members: np.ndarray) -> list[int]:
    """Scatter rows of the members: the samples themselves, or (approximate trees, whose
    leaves are micro-clusters) every row assigned to one of them."""
    micro = getattr(tree.hierarchy, "micro", None)
    if micro is None:
        return [int(s) for s in members]
    return np.flatnonzero(np.isin(micro.assignment, members)).tolist()


@callback(
    Output(ids.LINKAGE_TABLE, "data"),
    Output(ids.LINKAGE_TABLE, "page_count"),
    Output(ids.LINKAGE_TABLE, "page_current"),
    Output(ids.LINKAGE_TABLE, "style_data_conditional"),
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
        return no_update, no_update, no_update, no_update
    tree = _tree(tree_data)
    if tree is None:
        return [], 0, 0, []
    Z = tree.hierarchy.Z
    n = Z.shape[0] + 1
    row = None
    if picked and picked.get("tree_key") == (tree_data or {}).get("tree_key"):
        if picked.get("kind") == "merge":
            row = int(picked["row"])
        elif int(picked.get("node", -1)) >= n:
            row = int(picked["node"]) - n
    page = int(page or 0)
    _, order = linkage_rows(Z, sort_by, 0, page_size=1)
    if row is not None and ctx.triggered_id in (ids.INSPECT, ids.ANALYSIS_TABS):
        page = int(np.flatnonzero(order == row)[0]) // PAGE_SIZE
    if ctx.triggered_id == ids.TREE_DATA:
        page = 0
    page_count = max(1, math.ceil(Z.shape[0] / PAGE_SIZE))
    page = min(max(page, 0), page_count - 1)
    records, _ = linkage_rows(Z, sort_by, page)
    style = ([{"if": {"filter_query": f"{{row}} = {row}"}, "backgroundColor": "#fff3cd",
               "fontWeight": "bold"}] if row is not None else [])
    return records, page_count, page, style
