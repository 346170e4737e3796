"""The Compare tab (issue 16, point 4): the current tree against the same rows under another
method or metric, as a tanglegram, with Baker's gamma and the cophenetic correlation between
the two trees (R dendextend's, ``clustering.tanglegram``) and the ARI of their partitions at
the same k.

The other tree's leaves are rotated to line up with the current tree's (dendextend's
``untangle`` "step1side": the current tree stays as the page draws it). Drawn up to
:data:`COMPARE_MAX_ROWS` rows; the other tree is memoised like any tree (same TreeSpec with
another method or metric). Only while the tab is open (``analysis.lazy``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, dcc, html, no_update

from clustering.agreement import agreement
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.linkage import METHODS, METRICS, method_metric_problem
from clustering.tanglegram import bakers_gamma, cophenetic_between, crossings, untangle
from components import ids
from components.analysis.lazy import gated_partition, open_tab_cut
from components.figures.common import empty_figure
from components.figures.palette import cluster_color
from components.figures.tanglegram import make_tanglegram_figure
from components.state.store import get_store
from components.state.trees import Tree, load_tree, tree_memo_key
from components.view_partition import SOURCE_LABELS

log = logging.getLogger(__name__)

#: Largest number of rows drawn and compared (Baker's gamma is over all n² / 2 pairs, and a
#: tanglegram of more lines is a grey block).
COMPARE_MAX_ROWS = 2_000


def compare_tab() -> html.Div:
    return html.Div(
        [
            dbc.Row([
                dbc.Col(html.Div([
                    dbc.Label("Other tree: method", html_for=ids.COMPARE_METHOD,
                              className="mb-1 small"),
                    dcc.Dropdown(id=ids.COMPARE_METHOD, options=list(METHODS), value="average",
                                 clearable=False),
                ]), lg=3),
                dbc.Col(html.Div([
                    dbc.Label("metric", html_for=ids.COMPARE_METRIC, className="mb-1 small"),
                    dcc.Dropdown(id=ids.COMPARE_METRIC, options=list(METRICS),
                                 value="euclidean", clearable=False),
                ]), lg=3),
            ], className="g-2 mb-2"),
            html.Div(id=ids.COMPARE_SUMMARY, className="small mb-2"),
            dcc.Graph(id=ids.COMPARE_FIGURE, figure=empty_figure(""),
                      config={"displaylogo": False}),
        ],
        className="p-2",
    )


def other_tree(tree: Tree, method: str, metric: str) -> Tree:
    """The same prepared rows under ``method`` / ``metric`` (memoised as any tree)."""
    problem = method_metric_problem(method, metric)
    if problem:
        raise DataError(problem)
    return load_tree(dataclasses.replace(tree.spec, method=method, metric=metric))


def compare_view(tree: Tree, cut: float, method: str, metric: str) -> tuple[Any, Any]:
    """(summary, tanglegram) of ``tree`` cut at ``cut`` against the other tree."""
    n = tree.prepared.matrix.shape[0]
    if tree.approximate is not None or n > COMPARE_MAX_ROWS:
        raise DataError(f"Two trees are compared for up to {COMPARE_MAX_ROWS:,} rows; this one "
                        f"has {n:,}. Filter the table to compare trees on it.")
    other = other_tree(tree, method, metric)
    Z1, Z2 = np.asarray(tree.Z), np.asarray(other.Z)

    def between() -> tuple[float, float, Any]:
        # O(n²) and independent of the cut: once per pair of trees, not per cut move.
        return (bakers_gamma(Z1, Z2), cophenetic_between(Z1, Z2),
                untangle(Z2, tree.index.leaves))

    gamma, coph, untangled = get_store().memo(
        ("compare", *tree_memo_key(tree.spec), *tree_memo_key(other.spec)), between)
    k = int(tree.index.k_at(cut))
    labels1 = tree.index.labels_at(cut)
    labels2 = other.index.labels_for_k(k)
    ari = agreement(labels2, labels1).ari
    before = crossings(tree.index.leaves, other.index.leaves)
    after = crossings(tree.index.leaves, untangled.order)
    left = dendrogram_geometry(Z1, index=tree.index)
    right = dendrogram_geometry(untangled.Z)
    cut2 = float(other.index.height_for_k(k)) if k < n else -np.inf
    left_colors = [cluster_color(int(c)) for c in left.link_clusters(cut)]
    # The other tree's clusters take the colour of this tree's cluster most of their rows
    # are in, so the same colour means the same rows on both sides (its own numbering would not).
    right_leaf_cluster = np.asarray(right.leaf_clusters(cut2), dtype=np.int64)
    colour_of = {0: 0}
    for c in np.unique(right_leaf_cluster):
        rows = np.asarray(right.leaves)[right_leaf_cluster == c]
        colour_of[int(c)] = int(np.bincount(labels1[rows]).argmax())
    right_colors = [cluster_color(colour_of[int(c)]) for c in right.link_clusters(cut2)]
    row_colors = [cluster_color(int(c)) for c in labels1]
    h1, h2 = tree.hierarchy, other.hierarchy
    fig = make_tanglegram_figure(
        left, right, left_colors, right_colors, row_colors,
        left_title=f"this tree: {h1.method}, {h1.metric}",
        right_title=f"other: {h2.method}, {h2.metric}", labels=tree.prepared.labels)
    k2 = int(labels2.max())
    summary = html.Div([
        html.Table(html.Tbody([
            html.Tr([html.Th("Baker's gamma"), html.Td(f"{gamma:.4f}", id="compare-gamma")]),
            html.Tr([html.Th("cophenetic correlation between the trees"),
                     html.Td(f"{coph:.4f}", id="compare-cophenetic")]),
            html.Tr([html.Th(f"ARI of their partitions at k = {k}"
                             + (f" (the other gives {k2})" if k2 != k else "")),
                     html.Td(f"{ari:.4f}", id="compare-ari")]),
        ]), className="table table-sm w-auto mb-1"),
        html.Div(f"Crossing lines: {before:,} as drawn, {after:,} after rotating the other "
                 f"tree's branches (dendextend's untangle step1side; entanglement "
                 f"{untangled.entanglement_before:.3f} → {untangled.entanglement_after:.3f})."),
        html.Div("Colours: this tree's clusters at the cut; the other tree is cut at the same "
                 "k and each of its clusters takes the colour of this tree's cluster most of "
                 "its rows are in. Heights are scaled to each tree's tallest merge.",
                 className="form-text"),
    ])
    return summary, fig


@callback(
    Output(ids.COMPARE_SUMMARY, "children"),
    Output(ids.COMPARE_FIGURE, "figure"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.COMPARE_CUT, "data"),  # the cut, only while this tab is open (analysis/lazy.py)
    Input(ids.COMPARE_METHOD, "value"),
    Input(ids.COMPARE_METRIC, "value"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def fill_compare(active: str | None, cut_value: Any, method: str | None, metric: str | None,
                 tree_ref: dict[str, Any] | None) -> tuple[Any, Any]:
    """The tanglegram and the numbers of the current tree against the other one."""
    opened = open_tab_cut(active, ids.TAB_COMPARE, cut_value, tree_ref)
    if opened is None:
        return no_update, no_update
    tree, cut = opened
    if tree is None or cut is None or not method or not metric:
        return "", empty_figure("")
    try:
        summary, fig = compare_view(tree, cut, method, metric)
    except DataError as err:
        return dbc.Alert(str(err), color="warning", className="py-1 small"), empty_figure("")
    part = gated_partition(cut_value, tree.spec.key)
    if part is not None:
        # Both trees are cut horizontally at one k; say so rather than let the colours here
        # pass for the partition the tree above shows.
        summary = html.Div([summary, html.Div(
            f"The page's clusters come from {SOURCE_LABELS[part.source]}; this tab compares "
            f"the two trees cut at the height of the cut line (k = {tree.index.k_at(cut)}), "
            "not that partition.", className="form-text compare-partition-note")])
    return summary, fig
