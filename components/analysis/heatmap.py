"""The Heatmap tab: the prepared data in leaf order with a cluster side bar, following the cut.

Colour by column z-score; the columns can be clustered too (``clustering.diagnostics.
column_order``). Above 1,000 rows, runs along the leaf order are averaged (never across a
cluster boundary). On an approximate tree the rows are every row in its micro-cluster's leaf
order (a sample per micro-cluster past :data:`HEATMAP_SAMPLE_MAX`), and the caption says so.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, dcc, html, no_update

from clustering.errors import DataError
from clustering.profiles import column_order
from components import ids
from components.analysis.lazy import gated_cut, gated_partition
from components.figures.analysis import make_clustermap_figure
from components.figures.common import empty_figure
from components.state import approximate as approx_mode
from components.state.inputs import features_reason
from components.state.partition import view_labels
from components.state.trees import Tree, try_load_tree
from components.view import number_or_none
from components.view_partition import PartitionSpec

#: The heatmap of an approximate tree draws a sample of this many rows at most (per
#: micro-cluster); they are averaged into runs along the leaf order anyway.
HEATMAP_SAMPLE_MAX = 20_000


def heatmap_tab() -> html.Div:
    return html.Div(
        [
            dbc.Checklist(
                id=ids.HEATMAP_OPTIONS,
                options=[{"label": "colour by column z-score", "value": "standardise"},
                         {"label": "cluster the columns too", "value": "columns"}],
                value=["standardise"], inline=True, switch=True, className="small mb-1",
            ),
            dcc.Graph(id=ids.HEATMAP, figure=empty_figure(""), config={"displaylogo": False},
                      className="graph-heatmap"),
        ],
        className="p-2",
    )


@callback(
    Output(ids.HEATMAP, "figure"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.HEATMAP_CUT, "data"),  # the cut, only while this tab is open (components/analysis/lazy.py)
    Input(ids.HEATMAP_OPTIONS, "value"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # nothing to show until the tab is opened (its store is set)
)
def fill_heatmap(active: str | None, cut_value: Any, options: list[str] | None,
                 tree_data: dict[str, Any] | None) -> Any:
    """The clustermap at the current cut (only while its tab is open)."""
    if active != ids.TAB_HEATMAP:
        return no_update
    tree = try_load_tree((tree_data or {}).get("params"))
    cut = number_or_none(gated_cut(cut_value))
    if tree is None or cut is None:
        return empty_figure("")
    reason = features_reason(tree.spec.dataset, "The heatmap")
    if reason:
        return empty_figure(reason)
    options = options or []
    X = tree.prepared.matrix
    order = None
    if "columns" in options and X.shape[1] >= 2:
        order = column_order(X)
    try:
        rows, clusters, caption = heatmap_rows(tree, cut,
                                               gated_partition(cut_value, tree.spec.key))
    except DataError as err:
        return empty_figure(str(err))
    return make_clustermap_figure(
        X, rows, tree.prepared.feature_names, clusters,
        row_labels=[str(s) for s in tree.prepared.labels], column_order=order,
        standardise="standardise" in options, caption=caption,
    )


def heatmap_rows(tree: Tree, cut: float, partition: PartitionSpec | None = None,
                 max_rows: int = HEATMAP_SAMPLE_MAX
                 ) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Rows of the heatmap in leaf order, each row's cluster at ``cut`` (or in ``partition``,
    ``components.state.partition.view_labels``), and a caption.

    Exact trees: every row, in ``leaves_list`` order. Approximate trees: rows in the order of
    their micro-cluster's leaf (a sample per micro-cluster past ``max_rows``), and the caption
    says so.
    """
    position = approx_mode.row_leaf_positions(tree)
    approx = tree.approximate
    caption = None
    candidates = np.arange(position.size)
    if approx is not None:
        caption = "approximate tree: rows in the order of their micro-cluster's leaf"
        if position.size > max_rows:
            shown, _ = approx_mode.scatter_rows(tree, cut, max_rows)
            candidates = shown
            caption += (f"; {shown.size:,} of {position.size:,} rows, sampled per "
                        "micro-cluster")
    rows = candidates[np.argsort(position[candidates], kind="stable")]
    return rows, view_labels(tree, cut, partition)[rows], caption
