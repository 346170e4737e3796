"""Known columns (issue 16, point 3): colour bars under the tree, and how the clusters at the
current cut agree with one chosen column.

* The bars: any column of the table (categorical, or numeric cut into quantiles) under the
  leaves, several at once, each with its legend (``components.figures.known_columns``); a
  truncated leaf shows its rows' majority. They follow the tree (not the cut): the strip
  graph sits under the dendrogram (``ids.KNOWN_BARS``, placed by ``page.tree_view``).
* The reference column: contingency table clusters x classes, ARI, AMI, NMI, homogeneity and
  completeness (``clustering.agreement``, scikit-learn's), whether the column is also a
  clustering feature, and the k that agrees best with it (a hint: a button moves the cut,
  nothing moves it by itself). Only while the tab is open (``analysis.lazy``).

Rows are the prepared rows (rows dropped for missing features are not in the tree); in
approximate mode each row takes its micro-cluster's leaf and cluster.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from clustering.agreement import agreement, best_agreeing_k
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.suggest import heights_for_k
from components import ids
from components.analysis.lazy import gated_partition, open_tab_cut
from components.figures.dendrogram import geometry_margins
from components.figures.known_columns import (
    DEFAULT_BINS,
    column_classes,
    contingency_table,
    leaf_majority,
    make_colour_bars_figure,
    shown_leaf_of_position,
)
from components.figures.text import format_height
from components.state import approximate as approx_mode
from components.state.partition import view_labels
from components.state.store import get_store
from components.state.tables import load_table
from components.state.trees import Tree, tree_memo_key, try_load_tree
from components.view import TreeSpec, number_or_none
from components.view_partition import PartitionSpec
from components.web.grids import data_grid

log = logging.getLogger(__name__)

#: Largest k the "agrees best" hint tries.
BEST_K_MAX = 20
_HIDDEN = {"display": "none"}


def agreement_tab() -> html.Div:
    return html.Div(
        [
            dbc.Row([
                dbc.Col(html.Div([
                    dbc.Label("Colour bars under the tree", html_for=ids.KNOWN_COLUMNS,
                              className="mb-1 small"),
                    dcc.Dropdown(id=ids.KNOWN_COLUMNS, multi=True, options=[], value=[],
                                 placeholder="columns to draw under the leaves"),
                ]), lg=6),
                dbc.Col(html.Div([
                    dbc.Label("Compare the clusters with", html_for=ids.KNOWN_REFERENCE,
                              className="mb-1 small"),
                    dcc.Dropdown(id=ids.KNOWN_REFERENCE, options=[], value=None,
                                 placeholder="a column you already know"),
                ]), lg=4),
                dbc.Col(html.Div([
                    dbc.Label("Quantile bins", html_for=ids.KNOWN_BINS, className="mb-1 small"),
                    dcc.Input(id=ids.KNOWN_BINS, type="number", min=2, max=6, step=1,
                              value=DEFAULT_BINS, debounce=True,
                              className="form-control form-control-sm"),
                ]), lg=2),
            ], className="g-2 mb-2"),
            html.Div("Numeric columns are cut into quantile bins; a truncated leaf shows the "
                     "class most of its rows have.", className="form-text mb-2"),
            html.Div(id=ids.AGREEMENT_SUMMARY, className="small mb-2"),
            dcc.Store(id=ids.AGREEMENT_SNAP_CUT),
            dbc.Button("snap the cut to that k", id=ids.AGREEMENT_SNAP, size="sm",
                       color="secondary", outline=True, className="mb-2", style=_HIDDEN),
            html.Div(id=ids.AGREEMENT_TABLE),
        ],
        className="p-2",
    )


# ---------------------------------------------------------------- pure helpers
def column_values(tree: Tree, table: pd.DataFrame, column: str) -> pd.Series:
    """``column`` for the tree's rows (the prepared rows, in their order)."""
    if column not in table.columns:
        raise DataError(f"the table has no column {column!r}; choose one of its columns")
    return table[column].iloc[np.asarray(tree.prepared.row_ids)].reset_index(drop=True)


def feature_note(tree: Tree, column: str, values: Any = None) -> str:
    """Whether ``column`` is also one of the features the tree was built from (then agreeing
    with it is partly circular).

    One-hot columns are named ``<column>_<value>`` (``pandas.get_dummies``); with the
    column's ``values`` given, only those names count, so a numeric feature ``origin_code``
    does not make ``origin`` a feature.

    >>> from types import SimpleNamespace as NS
    >>> t = NS(prepared=NS(feature_names=("origin_code", "mpg")), spec=NS(options=NS(one_hot=True)))
    >>> feature_note(t, "origin", ["usa", "japan"])[:34]
    "'origin' is not a clustering featu"
    >>> feature_note(t, "mpg")[:30]
    "'mpg' is also a clustering fea"
    """
    names = [str(f) for f in tree.prepared.feature_names]
    one_hot: list[str] = []
    if tree.spec.options.one_hot:
        if values is None:
            one_hot = [f for f in names if f.startswith(f"{column}_")]
        else:
            levels = {f"{column}_{v}" for v in pd.Series(values).dropna().unique()}
            one_hot = [f for f in names if f in levels]
    if column in names or one_hot:
        return (f"'{column}' is also a clustering feature: the tree was built from it, so some "
                "agreement is built in.")
    return f"'{column}' is not a clustering feature: the tree never saw it."


def reference_codes(values: pd.Series, bins: int) -> tuple[np.ndarray, list[str], bool]:
    """Classes of the reference column as an object array (None = missing), its class names,
    and whether it was binned."""
    classes = column_classes(values, bins=bins)
    names = np.asarray(classes.names, dtype=object)
    ref = np.full(classes.codes.size, None, dtype=object)
    known = classes.codes >= 0
    ref[known] = names[classes.codes[known]]
    return ref, classes.names, classes.binned


def _bins(value: Any) -> int:
    b = number_or_none(value)
    return DEFAULT_BINS if b is None else int(min(6, max(2, round(b))))


# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.KNOWN_COLUMNS, "options"),
    Output(ids.KNOWN_COLUMNS, "value"),
    Output(ids.KNOWN_REFERENCE, "options"),
    Output(ids.KNOWN_REFERENCE, "value"),
    # tree-ref while the tab is open or columns are chosen (analysis/lazy.py, issue 14)
    Input(ids.KNOWN_REF, "data"),
    State(ids.KNOWN_COLUMNS, "value"),
    State(ids.KNOWN_REFERENCE, "value"),
    prevent_initial_call=True,
)
def column_choices(tree_ref: dict[str, Any] | None, chosen: list[str] | None,
                   reference: str | None) -> tuple[Any, ...]:
    """Every column of the table, for the bars and the reference; choices that the new table
    lacks are dropped."""
    params = (tree_ref or {}).get("params")
    if not params:
        return no_update, no_update, no_update, no_update
    try:
        # The table only: this runs after every draw, and a big tree is megabytes to read.
        columns = [str(c) for c in load_table(TreeSpec.from_json(params).dataset).columns]
    except (DataError, KeyError, TypeError, ValueError) as err:
        log.info("no columns for the known-column lists: %s", err)
        return no_update, no_update, no_update, no_update
    options = [{"label": c, "value": c} for c in columns]
    kept = [c for c in (chosen or []) if c in columns]
    ref = reference if reference in columns else None
    return options, kept, options, ref


@callback(
    Output(ids.KNOWN_BARS, "figure"),
    Output(ids.KNOWN_BARS, "style"),
    Output(ids.KNOWN_BARS_NOTE, "children"),
    Input(ids.KNOWN_REF, "data"),
    Input(ids.KNOWN_COLUMNS, "value"),
    Input(ids.KNOWN_BINS, "value"),
    State(ids.TRUNCATE_MODE, "value"),
    State(ids.TRUNCATE_P, "value"),
    State(ids.ORIENTATION, "value"),
    prevent_initial_call=True,  # no columns chosen at load: the bars start hidden
)
def draw_bars(tree_ref: dict[str, Any] | None, columns: list[str] | None, bins: Any,
              truncate_mode: str | None, truncate_p: Any, orientation: str | None
              ) -> tuple[Any, Any, str]:
    """The colour bars of the chosen columns under the leaves of the tree as drawn."""
    if not columns:
        return no_update, _HIDDEN, ""
    tree = try_load_tree((tree_ref or {}).get("params"))
    if tree is None:
        return no_update, _HIDDEN, ""
    if orientation in ("left", "right"):
        return no_update, _HIDDEN, ("Colour bars are drawn under the leaves when the root is "
                                    "at the top or the bottom (View: Orientation).")
    try:
        fig = bars_figure(tree, columns, _bins(bins), truncate_mode, truncate_p)
    except DataError as err:
        return no_update, _HIDDEN, str(err)
    return fig, {}, ""


def bars_figure(tree: Tree, columns: list[str], bins: int, truncate_mode: str | None,
                truncate_p: Any) -> Any:
    """The strip figure for ``tree`` drawn with this truncation (same leaves as the tree)."""
    mode = truncate_mode if truncate_mode in ("lastp", "level") else None
    p = int(number_or_none(truncate_p) or 30)
    geometry = dendrogram_geometry(tree.Z, truncate_mode=mode, p=p, index=tree.index)
    Z = np.asarray(tree.Z)
    n = Z.shape[0] + 1
    shown = np.asarray(geometry.leaves, dtype=np.int64)
    sizes = np.where(shown < n, 1, Z[np.maximum(shown - n, 0), 3].astype(np.int64))
    # Row -> position in the full tree -> shown leaf (a truncated leaf covers a run of them).
    row_leaf = shown_leaf_of_position(sizes)[approx_mode.row_leaf_positions(tree)]
    table = load_table(tree.spec.dataset)
    bars = []
    for column in columns:
        classes = column_classes(column_values(tree, table, column), column, bins=bins)
        bars.append((classes, leaf_majority(classes.codes, row_leaf, shown.size)))
    # The tree's own left and right margins (the same for a root at the top or the bottom).
    margin = geometry_margins(geometry, "top")
    return make_colour_bars_figure(bars, np.asarray(geometry.leaf_x),
                                   uirevision=f"{tree.spec.key}|{mode}|{p}",
                                   margin_lr=(margin["l"], margin["r"]))


@callback(
    Output(ids.AGREEMENT_SUMMARY, "children"),
    Output(ids.AGREEMENT_TABLE, "children"),
    Output(ids.AGREEMENT_SNAP, "children"),
    Output(ids.AGREEMENT_SNAP, "style"),
    Output(ids.AGREEMENT_SNAP_CUT, "data"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.AGREEMENT_CUT, "data"),  # the cut, only while this tab is open (analysis/lazy.py)
    Input(ids.KNOWN_REFERENCE, "value"),
    Input(ids.KNOWN_BINS, "value"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def fill_agreement(active: str | None, cut_value: Any, reference: str | None, bins: Any,
                   tree_ref: dict[str, Any] | None) -> tuple[Any, ...]:
    """Scores and contingency table of the clusters at the cut against the reference column."""
    opened = open_tab_cut(active, ids.TAB_AGREEMENT, cut_value, tree_ref)
    if opened is None:
        return (no_update,) * 5
    hidden = ("", _HIDDEN, None)
    tree, cut = opened
    if tree is None or cut is None:
        return ("", "", *hidden)
    if not reference:
        return (html.Div("Choose a column to compare the clusters with (e.g. a class you "
                         "already know)."), "", *hidden)
    try:
        return agreement_view(tree, cut, reference, _bins(bins),
                              gated_partition(cut_value, tree.spec.key))
    except DataError as err:
        return (dbc.Alert(str(err), color="warning", className="py-1 small"), "", *hidden)


def agreement_view(tree: Tree, cut: float, reference: str, bins: int,
                   partition: PartitionSpec | None = None) -> tuple[Any, ...]:
    """(summary, table, snap label, snap style, snap height) for one tree, the partition in
    force (the cut, or ``partition``: hand edits, dynamic tree cut...) and a column."""
    values = column_values(tree, load_table(tree.spec.dataset), reference)
    ref, names, binned = reference_codes(values, bins)
    # Per row, 0 = unassigned (left out of the scores, as agreement() counts them).
    labels = view_labels(tree, cut, partition)
    a = agreement(labels, ref)
    k_now = int(np.unique(labels[labels > 0]).size)
    where = "at the cut" if partition is None else "in the partition"
    scores = html.Table(html.Tbody([
        html.Tr([html.Th(name), html.Td(f"{value:.3f}", id=f"agreement-{key}")])
        for key, name, value in (("ari", "ARI", a.ari), ("ami", "AMI", a.ami),
                                 ("nmi", "NMI", a.nmi), ("homogeneity", "homogeneity",
                                                         a.homogeneity),
                                 ("completeness", "completeness", a.completeness))
    ]), className="table table-sm w-auto mb-1")
    lines: list[Any] = [
        html.Div(f"k = {k_now} clusters {where} against '{reference}'"
                 + (f" in {len(names)} quantile bins" if binned else "")
                 + f" ({a.n_used:,} rows"
                 + (f"; {a.n_missing:,} without a value left out" if a.n_missing else "")
                 + ")."),
        scores,
        html.Div(feature_note(tree, reference, values), className="agreement-feature"),
    ]
    snap = ("", _HIDDEN, None)
    if tree.approximate is not None:
        lines.append(html.Div("The k that agrees best is not suggested on an approximate tree "
                              "(its leaves are micro-clusters)."))
    else:
        best, by_k = get_store().memo(
            ("best-agreeing-k", *tree_memo_key(tree.spec), reference, bins, BEST_K_MAX),
            lambda: best_agreeing_k(tree.Z, ref, ks=range(2, BEST_K_MAX + 1)))
        heights, ks = heights_for_k(tree.index, BEST_K_MAX)
        if int(ks[best - 1]) == best:
            lines.append(html.Div(
                f"The k that agrees best with '{reference}' (ARI, k = 2..{BEST_K_MAX}): "
                f"k = {best} (ARI {by_k[best]:.3f}). A hint: the cut stays where it is.",
                className="agreement-best"))
            height = float(heights[best - 1])
            snap = (f"snap the cut to k = {best} (height {format_height(height)})",
                    {} if best != k_now else _HIDDEN, height)
    table = data_grid(contingency_table(a.contingency), ids.AGREEMENT_TABLE + "-grid",
                      page_size=None)
    return (html.Div(lines), html.Div([html.H2("Clusters × classes", className="h6 mt-1"), table]),
            *snap)


@callback(
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Input(ids.AGREEMENT_SNAP, "n_clicks"),
    State(ids.AGREEMENT_SNAP_CUT, "data"),
    prevent_initial_call=True,
)
def snap_to_best(clicks: int | None, height: float | None) -> Any:
    """Move the cut to the best-agreeing k: only when the analyst asks."""
    return height if clicks and height is not None else no_update


# The bars follow the tree's zoom along the leaves, in the browser (public relayoutData only):
# a zoom of the tree sets the strip's x range; a reset ("autorange") goes back to all leaves.
clientside_callback(
    """function (relayout, fig) {
        var nu = window.dash_clientside.no_update;
        if (!relayout || !fig || !fig.layout || !fig.layout.meta) { return nu; }
        var range;
        if ("xaxis.range[0]" in relayout) {
            range = [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]];
        } else if (Array.isArray(relayout["xaxis.range"])) {
            range = relayout["xaxis.range"];
        } else if (relayout["xaxis.autorange"]) {
            range = fig.layout.meta.leaf_range;
        } else { return nu; }
        var xaxis = Object.assign({}, fig.layout.xaxis, {range: range});
        return Object.assign({}, fig, {layout: Object.assign({}, fig.layout, {xaxis: xaxis})});
    }""",
    Output(ids.KNOWN_BARS, "figure", allow_duplicate=True),
    Input(ids.DENDROGRAM, "relayoutData"),
    State(ids.KNOWN_BARS, "figure"),
    prevent_initial_call=True,
)
