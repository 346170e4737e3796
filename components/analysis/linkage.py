"""The Linkage matrix tab: Z as a sortable grid that scrolls through every merge (AG Grid's
infinite row model: the browser asks for the rows it shows, sorted as it shows them), and the
clicked merge's row highlighted and scrolled to."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import numpy as np
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from components import ids
from components.state import approximate as approx_mode
from components.state.trees import Tree, try_load_tree

#: Rows the grid asks for at a time.
BLOCK_SIZE = 100
# SciPy's numbering: merge i is row i of Z and forms cluster n + i (records also carry "row",
# the grid's row id, equal to "merge").
COLUMNS = ("merge", "idx1", "idx2", "height", "size", "id")
_HEADERS = {"merge": "merge (row of Z)", "id": "forms id"}


def linkage_rows(Z: np.ndarray, sort_model: list[dict[str, Any]] | None, start: int, end: int,
                 sizes: np.ndarray | None = None) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Rows ``start:end`` of Z as grid records, sorted as the grid asks, and the full order.

    ``sort_model`` is AG Grid's (``[{"colId": "height", "sort": "desc"}]``); ``sizes`` (one per
    row of Z) replaces ``Z[:, 3]`` in the ``size`` column: rows under each merge of an
    approximate tree, whose ``Z[:, 3]`` counts micro-clusters.

    Examples
    --------
    >>> Z = np.array([[0, 1, 0.5, 2], [2, 3, 0.25, 3]])
    >>> recs, order = linkage_rows(Z, [{"colId": "height", "sort": "asc"}], 0, 10)
    >>> [r["row"] for r in recs], order.tolist()
    ([1, 0], [1, 0])
    >>> linkage_rows(Z, [], 0, 10, sizes=np.array([20, 35]))[0][1]["size"]
    35
    """
    Z = np.asarray(Z, dtype=float)
    m = Z.shape[0]
    n = m + 1
    size = Z[:, 3] if sizes is None else np.asarray(sizes)
    order = np.arange(m)
    column = {"row": order, "merge": order, "id": order, "idx1": Z[:, 0], "idx2": Z[:, 1],
              "height": Z[:, 2], "size": size}
    if sort_model:
        s = sort_model[0]
        order = np.argsort(column.get(s.get("colId"), order), kind="stable")
        if s.get("sort") == "desc":
            order = order[::-1]
    sel = order[max(0, int(start)): max(0, int(end))]
    recs = [
        {"row": int(r), "merge": int(r), "idx1": int(Z[r, 0]), "idx2": int(Z[r, 1]),
         "height": float(Z[r, 2]), "size": int(size[r]), "id": n + int(r)}
        for r in sel
    ]
    return recs, order


def linkage_tab() -> html.Div:
    """The 'Linkage matrix' tab: Z as a sortable grid, the clicked merge's row highlighted."""
    cols = [{"field": c, "headerName": _HEADERS.get(c, c), "type": "numericColumn"}
            for c in COLUMNS]
    cols[COLUMNS.index("height")]["valueFormatter"] = {
        "function": "params.value == null ? '' : d3.format('.6~g')(params.value)"}
    return html.Div(
        [
            html.Div(
                "Merge i is row i of Z: it joins clusters idx1 and idx2 at the given height "
                "into a cluster of size samples, which gets id n + i. Ids 0 to n - 1 are the "
                "samples (as SciPy's fcluster and ivl number them); ids of n and above refer "
                "to earlier merges.",
                className="form-text mb-2",
            ),
            html.Div(id=ids.LINKAGE_NOTE, className="form-text mb-2"),
            dcc.Store(id=ids.LINKAGE_SHOWN),
            dcc.Store(id=ids.LINKAGE_ROWS),
            dcc.Store(id=ids.LINKAGE_SCROLL),
            dag.AgGrid(
                id=ids.LINKAGE_TABLE,
                rowModelType="infinite",
                columnDefs=cols,
                defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 70},
                getRowId="params.data.row",
                dashGridOptions={"cacheBlockSize": BLOCK_SIZE, "maxBlocksInCache": 40,
                                 "rowBuffer": 10, "enableCellTextSelection": True},
                className="linkage-grid",
                style={"height": "420px", "fontSize": "0.8rem"},
            ),
        ],
        className="p-2",
    )


def _picked_row(picked: dict[str, Any] | None, tree_data: dict[str, Any] | None,
                n: int) -> int | None:
    """Row of Z that the click in the tree names (a merge, or a truncated leaf's node)."""
    if not picked or picked.get("tree_key") != (tree_data or {}).get("tree_key"):
        return None
    if picked.get("kind") == "merge":
        return int(picked["row"])
    node = int(picked.get("node", -1))
    return node - n if node >= n else None


# The grid asks for rows as soon as it is mounted, hidden or not: while its tab is closed (or
# no tree is drawn) the browser answers "no rows" itself; opening the tab refreshes the grid
# (below), and its requests then go to the server (issue 14: no request at load).
clientside_callback(
    """function (request, active, ref) {
        var nu = window.dash_clientside.no_update;
        if (!request) { return [nu, nu]; }
        if (active !== "tab-linkage" || !ref) { return [{rowData: [], rowCount: 0}, nu]; }
        return [nu, request];
    }""",  # "tab-linkage": ids.TAB_LINKAGE (tests/components/analysis check it)
    Output(ids.LINKAGE_TABLE, "getRowsResponse", allow_duplicate=True),
    Output(ids.LINKAGE_ROWS, "data"),
    Input(ids.LINKAGE_TABLE, "getRowsRequest"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.LINKAGE_TABLE, "getRowsResponse"),
    Input(ids.LINKAGE_ROWS, "data"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def linkage_block(request: dict[str, Any] | None, tree_data: dict[str, Any] | None) -> Any:
    """The block of rows the grid asks for, sorted as it shows them."""
    tree = try_load_tree((tree_data or {}).get("params"))
    if not request or tree is None:
        return {"rowData": [], "rowCount": 0}
    recs, order = linkage_rows(tree.Z, request.get("sortModel"), request.get("startRow", 0),
                               request.get("endRow", BLOCK_SIZE),
                               sizes=approx_mode.merge_sizes(tree))
    return {"rowData": recs, "rowCount": int(order.size)}


@callback(
    Output(ids.LINKAGE_TABLE, "getRowStyle"),
    Output(ids.LINKAGE_TABLE, "scrollTo"),
    Output(ids.LINKAGE_NOTE, "children"),
    Output(ids.LINKAGE_SCROLL, "data"),
    Input(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.INSPECT, "data"),
    Input(ids.LINKAGE_REF, "data"),  # tree-ref while the tab is open (analysis/lazy.py)
    State(ids.LINKAGE_TABLE, "getRowsRequest"),
    prevent_initial_call=True,
)
def linkage_highlight(active: str | None, picked: dict[str, Any] | None,
                      tree_data: dict[str, Any] | None, request: dict[str, Any] | None
                      ) -> tuple[Any, Any, Any, Any]:
    """A click in the tree highlights its row of Z and scrolls the grid to it (at once, or,
    when the grid is reloading its rows for this tree, once they are there: linkage-scroll)."""
    if active != ids.TAB_LINKAGE:
        return no_update, no_update, no_update, no_update
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None:
        return None, no_update, "", no_update
    row = _picked_row(picked, tree_data, tree.Z.shape[0] + 1)
    if row is None:
        return None, no_update, linkage_note(tree), no_update
    style = {"styleConditions": [{"condition": f"params.data && params.data.row === {row}",
                                  "style": {"backgroundColor": "#fff3cd",
                                            "fontWeight": "bold"}}]}
    scroll = no_update
    # The tab opened fires with its tree (linkage-ref) in one call: any of the two scrolls.
    fired = ctx.triggered_prop_ids
    if f"{ids.INSPECT}.data" in fired or f"{ids.ANALYSIS_TABS}.active_tab" in fired:
        _, order = linkage_rows(tree.Z, (request or {}).get("sortModel"), 0, 0)
        scroll = {"rowIndex": int(np.flatnonzero(order == row)[0]), "rowPosition": "middle"}
    # A new linkage-ref purged the grid (below): its rows are on their way, scroll after.
    later = scroll if f"{ids.LINKAGE_REF}.data" in fired else no_update
    return style, scroll, linkage_note(tree), later


# A new tree, or the tab opened on another tree than the grid was given: the grid forgets the
# rows it holds and asks again (dash-ag-grid's getApi).
clientside_callback(
    """function (ref, gridId) {
        try {
            window.dash_ag_grid.getApi(gridId).purgeInfiniteCache();
        } catch (e) {
            // Not rendered yet: it asks for the new tree's rows when it is.
        }
        return ref ? ref.tree_key : null;
    }""",
    Output(ids.LINKAGE_SHOWN, "data"),
    Input(ids.LINKAGE_REF, "data"),
    State(ids.LINKAGE_TABLE, "id"),
    prevent_initial_call=True,
)


# The rows of a reloaded grid arrived: scroll to the picked row now (a scroll sent while the
# grid had no rows is lost: dash-ag-grid clears scrollTo once applied, and getRowsResponse once
# read, so the grid itself is asked whether it has rows).
clientside_callback(
    """function (_response, pending, gridId) {
        var nu = window.dash_clientside.no_update;
        if (!pending) { return [nu, nu]; }
        var api = null;
        try { api = window.dash_ag_grid.getApi(gridId); } catch (e) { api = null; }
        if (!api || !api.getDisplayedRowCount()) { return [nu, nu]; }
        return [Object.assign({}, pending), null];
    }""",
    Output(ids.LINKAGE_TABLE, "scrollTo", allow_duplicate=True),
    Output(ids.LINKAGE_SCROLL, "data", allow_duplicate=True),
    Input(ids.LINKAGE_TABLE, "getRowsResponse"),
    State(ids.LINKAGE_SCROLL, "data"),
    State(ids.LINKAGE_TABLE, "id"),
    prevent_initial_call=True,
)

def linkage_note(tree: Tree) -> str:
    """What Z's ids and sizes count for this tree: nothing to add for an exact tree."""
    approx = tree.approximate
    if approx is None:
        return ""
    return (f"Approximate tree: its {approx.m:,} leaves are micro-clusters (ids 0 to "
            f"{approx.m - 1:,}) of the {approx.n:,} rows, so n here is m = {approx.m:,}; the "
            "size column counts rows (Z itself counts micro-clusters, as SciPy requires).")
