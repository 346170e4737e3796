"""'Where should I cut, and what are these clusters?': the analysis tabs under the graphs.

:func:`analysis_tabs` (placed by ``components.layout``) holds every tab and the stores they
share. Each tab's layout and callbacks live with it:

* Diagnostics (tied to the cut): ``components.tab_diagnostics`` (scree and elbow, gaps and
  snap buttons, inconsistency, candidate cut lines on the dendrogram) and
  ``components.tab_cophenetic`` (cophenetic correlation by method, a background job past
  ``COPHENETIC_AUTO_MAX`` rows);
* Merge and Linkage matrix: ``components.inspect_panel``; Export: ``components.exports``;
* Heatmap (clustermap) and cluster profiles, following the cut: here.

Importing this module imports the tab modules, which registers their callbacks (``app.py``
imports ``components.layout``, which imports this; the job server preloads the same). Their
public names are re-exported here.

The tree comes from the memoised service keyed by ``tree-data``'s ``params`` (what the draw
step drew), exact or approximate (``inspect_panel.tree_of``); the cut from the ``cut-height``
field. Work is done only for the visible tab. On an approximate tree (big tables) the heatmap
and the profiles are per row (every row in its micro-cluster's cluster; the heatmap samples
rows past :data:`HEATMAP_SAMPLE_MAX` and says so).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from clustering.diagnostics import cluster_profiles
from components import big, ids
from components.exports import export_tab
from components.figures import empty_figure
from components.figures_diagnostics import make_clustermap_figure, make_profile_figure
from components.inspect_panel import inspect_tab, linkage_tab, tree_of
from components.lazy import gated_cut
from components.tab_common import number_or_none, sortable_table
from components.tab_cophenetic import (
    COPHENETIC_AUTO_MAX,
    HIDDEN,
    SHOWN,
    Progress,
    cophenetic_job,
    cophenetic_methods,
    cophenetic_plan,
    cophenetic_section,
    cophenetic_table,
    cophenetic_values,
)
from components.tab_diagnostics import (
    HINT_NOTE,
    N_GAPS,
    TOP_MERGES,
    candidate_cuts,
    decorate_dendrogram,
    diagnostics_tab,
    fill_diagnostics,
    micro_tree_note,
    tidy_height,
)

__all__ = [
    # this module: the tabs' container, heatmap and profiles
    "HEATMAP_SAMPLE_MAX", "analysis_tabs", "fill_heatmap", "fill_profiles", "heatmap_rows",
    "heatmap_tab", "profile_effects", "profiles_tab",
    # components.tab_diagnostics
    "HINT_NOTE", "N_GAPS", "TOP_MERGES", "candidate_cuts", "decorate_dendrogram",
    "diagnostics_tab", "fill_diagnostics", "micro_tree_note", "tidy_height",
    # components.tab_cophenetic
    "COPHENETIC_AUTO_MAX", "HIDDEN", "SHOWN", "Progress", "cophenetic_job", "cophenetic_methods",
    "cophenetic_plan", "cophenetic_section", "cophenetic_table", "cophenetic_values",
]

#: The heatmap of an approximate tree draws a sample of this many rows at most (per
#: micro-cluster); they are averaged into runs along the leaf order anyway.
HEATMAP_SAMPLE_MAX = 20_000


# ---------------------------------------------------------------- helpers
def profile_effects(original: pd.DataFrame, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster (sorted) and feature: the mean, and (mean - overall mean) / overall SD.

    Examples
    --------
    >>> m, e = profile_effects(pd.DataFrame({"x": [0.0, 2.0, 4.0, 6.0]}), np.array([1, 1, 2, 2]))
    >>> m.ravel().tolist(), np.round(e.ravel(), 3).tolist()
    ([1.0, 5.0], [-0.894, 0.894])
    """
    X = original.to_numpy(dtype=float)
    labels = np.asarray(labels)
    clusters = np.unique(labels)
    means = np.vstack([np.nanmean(X[labels == c], axis=0) for c in clusters])
    sd = np.nanstd(X, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        effects = (means - np.nanmean(X, axis=0)) / np.where(sd > 0, sd, np.nan)
    return means, effects


# ---------------------------------------------------------------- layout
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


def profiles_tab() -> html.Div:
    return html.Div(
        [
            html.Div(
                "Per cluster at the current cut: size and each feature's mean in original units; "
                "colour = how many SDs the cluster mean sits from the overall mean.",
                className="form-text mb-1",
            ),
            dcc.Graph(id=ids.PROFILE_HEATMAP, figure=empty_figure(""),
                      config={"displaylogo": False}, className="graph-profiles"),
            html.Div(id=ids.PROFILE_TABLE),
        ],
        className="p-2",
    )


def analysis_tabs() -> html.Div:
    """Every analysis tab and the small stores they share (placed under the graphs)."""
    return html.Div(
        [
            dcc.Store(id=ids.CANDIDATES),
            dcc.Store(id=ids.INSPECT),
            dcc.Store(id=ids.HIGHLIGHT),
            dcc.Store(id=ids.PENDING_VIEW),
            dcc.Download(id=ids.DOWNLOAD),
            dbc.Tabs(
                [
                    dbc.Tab(diagnostics_tab(), label="Diagnostics", tab_id="tab-diagnostics"),
                    dbc.Tab(inspect_tab(), label="Merge", tab_id="tab-inspect"),
                    dbc.Tab(linkage_tab(), label="Linkage matrix", tab_id="tab-linkage"),
                    dbc.Tab(heatmap_tab(), label="Heatmap", tab_id="tab-heatmap"),
                    dbc.Tab(profiles_tab(), label="Profiles", tab_id="tab-profiles"),
                    dbc.Tab(export_tab(), label="Export", tab_id="tab-export"),
                ],
                id=ids.ANALYSIS_TABS,
                active_tab="tab-diagnostics",
            ),
        ],
        className="analysis mt-2",
    )

# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.HEATMAP, "figure"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.HEATMAP_CUT, "data"),  # the cut, only while this tab is open (components/lazy.py)
    Input(ids.HEATMAP_OPTIONS, "value"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # nothing to show until the tab is opened (its store is set)
)
def fill_heatmap(active: str | None, cut_value: Any, options: list[str] | None,
                 tree_data: dict[str, Any] | None) -> Any:
    """The clustermap at the current cut (only while its tab is open)."""
    if active != "tab-heatmap":
        return no_update
    tree = tree_of(tree_data)
    cut = number_or_none(gated_cut(cut_value))
    if tree is None or cut is None:
        return empty_figure("")
    options = options or []
    X = tree.prepared.matrix
    order = None
    if "columns" in options and X.shape[1] >= 2:
        order = _column_order(X)
    rows, clusters, caption = heatmap_rows(tree, cut)
    return make_clustermap_figure(
        X, rows, tree.prepared.feature_names, clusters,
        row_labels=[str(s) for s in tree.prepared.labels], column_order=order,
        standardise="standardise" in options, caption=caption,
    )


def heatmap_rows(tree: Any, cut: float, max_rows: int = HEATMAP_SAMPLE_MAX
                 ) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Rows of the heatmap in leaf order, each row's cluster at ``cut``, and a caption.

    Exact trees: every row, in ``leaves_list`` order. Approximate trees: rows in the order of
    their micro-cluster's leaf (a sample per micro-cluster past ``max_rows``), and the caption
    says so.
    """
    position = big.row_leaf_positions(tree)
    approx = big.approx_of(tree)
    caption = None
    candidates = np.arange(position.size)
    if approx is not None:
        caption = "approximate tree: rows in the order of their micro-cluster's leaf"
        if position.size > max_rows:
            shown, _ = big.scatter_rows(tree, cut, max_rows)
            candidates = shown
            caption += (f"; {shown.size:,} of {position.size:,} rows, sampled per "
                        "micro-cluster")
    rows = candidates[np.argsort(position[candidates], kind="stable")]
    return rows, big.row_clusters(tree, cut)[rows], caption


def _column_order(X: np.ndarray) -> list[int]:
    """Columns in the leaf order of an average-linkage tree over the z-scored columns."""
    from scipy.cluster.hierarchy import leaves_list

    from clustering.linkage import compute_linkage

    sd = X.std(axis=0)
    cols = ((X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)).T
    return leaves_list(compute_linkage(np.ascontiguousarray(cols), "average", "euclidean").Z
                       ).tolist()


@callback(
    Output(ids.PROFILE_HEATMAP, "figure"),
    Output(ids.PROFILE_TABLE, "children"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.PROFILES_CUT, "data"),  # the cut, only while this tab is open (components/lazy.py)
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # nothing to show until the tab is opened (its store is set)
)
def fill_profiles(active: str | None, cut_value: Any, tree_data: dict[str, Any] | None
                  ) -> tuple[Any, Any]:
    """Sizes, means in original units and the distinguishing features, at the current cut."""
    if active != "tab-profiles":
        return no_update, no_update
    tree = tree_of(tree_data)
    cut = number_or_none(gated_cut(cut_value))
    if tree is None or cut is None:
        return empty_figure(""), ""
    # Per row; in approximate mode each row takes its micro-cluster's cluster.
    labels = big.row_clusters(tree, cut)
    original = tree.prepared.original
    prof = cluster_profiles(original, labels, top=3)
    means, effects = profile_effects(original, labels)
    fig = make_profile_figure(means, effects, prof.table.index.tolist(),
                              [str(c) for c in original.columns], prof.table["size"].tolist())
    table = prof.table.reset_index()
    table["share"] = (table["share"] * 100).round(1)
    table = table.rename(columns={"share": "share %"})
    dist = prof.distinguishing.copy()
    apart = (dist.sort_values(["cluster", "rank"]).groupby("cluster")
             .apply(lambda g: ", ".join(f"{f} ({e:+.2f} SD)" for f, e in
                                        zip(g["feature"], g["effect"], strict=True)),
                    include_groups=False))
    table.insert(3, "sets it apart", table["cluster"].map(apart).fillna(""))
    return fig, sortable_table(table, table_id=None)
