"""The diagnostics tab: where should I cut? Layout and callbacks, tied to the cut.

Scree of the last merges with their second differences and the k the elbow suggests, the
largest height gaps, the inconsistency coefficient of the top merges at a chosen depth, and
(``components.analysis.cophenetic``) cophenetic correlation of every method valid for the
metric.
Candidate cuts are drawn as faint dotted lines on the dendrogram (trace ``meta='candidates'``)
and offered as "snap" buttons; clicking either sets ``cut-height``, and the clientside cut
(``assets/dendro.js``) does the rest. Nothing moves the cut by itself. On an approximate tree
the diagnostics describe the micro-cluster tree and say so (:func:`micro_tree_note`).

A cut move sends no request here (issue 13: it was the one request per move under load). The
server draws the tab when it is opened, when the tree or the scree's settings change; what
follows the cut (the "Now: k = …" line, the scree's solid k line, which snap button is the
current cut) is kept in step in the browser by ``dendroDiag.follow`` (``assets/diagnostics.js``),
from the k table the tree already sent. :func:`follow_cut` is its Python twin.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    Patch,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
    no_update,
)

from clustering.diagnostics import elbow, inconsistency_table
from clustering.geometry import dendrogram_geometry
from clustering.suggest import candidate_cuts
from components import ids
from components.analysis.cophenetic import cophenetic_section
from components.analysis.lazy import gated_cut
from components.figures.analysis import (
    candidate_trace,
    leaves_trace,
    make_scree_figure,
)
from components.figures.common import empty_figure
from components.figures.dendrogram import GL_POINTS
from components.figures.text import format_height
from components.state import approximate as approx_mode
from components.state.trees import Tree, try_load_tree
from components.view import View, number_or_none
from components.web.grids import data_grid

HINT_NOTE = (
    "These are hints, not answers: the elbow and the gaps favour well-separated clusters of "
    "similar spread and can point at the wrong cut when clusters differ in spread or size, or "
    "when the tree has inversions. Look at the tree before trusting them."
)
TOP_MERGES = 10


# ---------------------------------------------------------------- layout
def diagnostics_tab() -> html.Div:
    """Scree/elbow, gaps with snap buttons, inconsistency, cophenetic by method."""
    return html.Div(
        [
            dbc.Alert(HINT_NOTE, color="light", className="small py-2 mb-2 hint-note"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(id=ids.DIAG_NOW, className="small diag-now",
                                     role="status"),
                            html.Div(id=ids.DIAG_SUMMARY, className="small mb-2"),
                            dbc.Row(
                                [
                                    dbc.Col(dbc.InputGroup([
                                        dbc.Label("last merges", html_for=ids.DIAG_LAST,
                                                  className="input-group-text mb-0"),
                                        dcc.Input(id=ids.DIAG_LAST, type="number", min=3, max=50,
                                                  step=1, value=10, debounce=True,
                                                  className="form-control form-control-sm"),
                                    ], size="sm")),
                                    dbc.Col(dbc.InputGroup([
                                        dbc.Label("inconsistency depth", html_for=ids.DIAG_DEPTH,
                                                  className="input-group-text mb-0"),
                                        dcc.Input(id=ids.DIAG_DEPTH, type="number", min=1, max=20,
                                                  step=1, value=2, debounce=True,
                                                  className="form-control form-control-sm"),
                                    ], size="sm")),
                                ],
                                className="g-2 mb-2",
                            ),
                            dcc.Graph(id=ids.DIAG_SCREE, figure=empty_figure(""),
                                      config={"displaylogo": False}, className="graph-scree"),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            html.H2("Top merges: inconsistency coefficient", className="h6 mt-1"),
                            html.Div(id=ids.DIAG_INCONSISTENCY),
                            *cophenetic_section(),
                        ],
                        lg=6,
                    ),
                ]
            ),
        ],
        className="p-2",
    )


# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.CANDIDATES, "data"),
    Output(ids.DENDROGRAM, "figure", allow_duplicate=True),
    Input(ids.TREE_REF, "data"),
    State(ids.TRUNCATE_MODE, "value"),
    State(ids.TRUNCATE_P, "value"),
    prevent_initial_call=True,
)
def decorate_dendrogram(tree_data: dict[str, Any] | None, truncate_mode: str | None,
                        truncate_p: Any) -> tuple[Any, Any]:
    """Candidate cut lines and clickable leaves, appended to the figure ``render`` drew."""
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None:
        return None, no_update
    Z = tree.Z
    cands = candidate_cuts(Z, tree.index)
    view = View.from_controls(tree.spec, truncate_mode, truncate_p, None, None, True, None, None)
    mode = view.truncate_mode if view.truncate_mode in ("lastp", "level") else None
    # Approximate trees: leaves are micro-clusters, labelled and counted in rows.
    geometry = approx_mode.relabel_geometry(
        dendrogram_geometry(Z, truncate_mode=mode, p=view.truncate_p, index=tree.index,
                            labels=approx_mode.leaf_labels(tree)),
        tree,
    )
    orientation = tree_data.get("orientation", "top")
    n_leaves = len(geometry.ivl)
    patch = Patch()
    patch["data"].extend([
        candidate_trace(cands, n_leaves, orientation),
        leaves_trace(geometry.leaf_x, geometry.leaves, geometry.ivl, geometry.leaf_counts,
                     orientation, gl=n_leaves > GL_POINTS),
    ])
    return {"cuts": cands, "tree_key": tree_data.get("tree_key")}, patch


# A snap button moves the cut to its candidate height (assets/inspect.js: in the browser, as
# re-created buttons fire on every cut move and a server round trip would answer no_update).
clientside_callback(
    ClientsideFunction(namespace="inspect", function_name="snap"),
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Input({"type": ids.SNAP, "index": ALL}, "n_clicks"),
    State(ids.CANDIDATES, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.DIAG_SUMMARY, "children"),
    Output(ids.DIAG_SCREE, "figure"),
    Output(ids.DIAG_INCONSISTENCY, "children"),
    Output(ids.DIAG_NOW, "children"),
    Input(ids.CANDIDATES, "data"),
    # The cut, only when this tab is opened or its tree changes, never on a cut move
    # (components/analysis/lazy.py); the browser follows the moves (dendroDiag.follow).
    Input(ids.DIAG_CUT, "data"),
    Input(ids.DIAG_LAST, "value"),
    Input(ids.DIAG_DEPTH, "value"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.TREE_REF, "data"),
)
def fill_diagnostics(candidates: dict[str, Any] | None, cut_value: Any, last: Any, depth: Any,
                     active: str | None, tree_data: dict[str, Any] | None) -> tuple[Any, ...]:
    """Elbow, gaps and snap buttons, scree, inconsistency of the top merges, drawn at the cut
    the tab was opened with."""
    if active not in (None, ids.TAB_DIAGNOSTICS):
        return no_update, no_update, no_update, no_update
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None or not candidates or candidates.get("tree_key") != tree_data.get("tree_key"):
        return "", empty_figure(""), "", ""
    Z = tree.Z
    cut = number_or_none(gated_cut(cut_value))
    k_now = int(tree.index.k_at(cut)) if cut is not None else None
    last_n = number_or_none(last)
    last_n = int(min(max(last_n, 3), 50)) if last_n is not None else 10
    e = elbow(Z, last=last_n)
    d = number_or_none(depth)
    d = int(min(max(d, 1), 20)) if d is not None else 2
    fig = make_scree_figure(e.ks, e.heights, e.acceleration, e.suggested_k, k_now)
    # What the browser needs to move the k line without the server (assets/diagnostics.js).
    fig.layout.meta = {"tree_key": tree_data.get("tree_key"),
                       "ks": [int(e.ks.min()), int(e.ks.max())] if e.ks.size else None,
                       "elbow": e.suggested_k}
    cuts = candidates.get("cuts") or []
    now, is_current = follow_cut(k_now, cuts, cut)
    buttons = []
    for i, (c, current) in enumerate(zip(cuts, is_current, strict=True)):
        buttons.append(
            dbc.Button(
                f"k = {c['k']} at {format_height(c['height'])}",
                id={"type": ids.SNAP, "index": i},
                size="sm",
                color="primary" if current else "secondary",
                outline=not current,
                className="me-1 mb-1 snap-button",
                title=f"{c['why']}: move the cut to {c['height']}",
            )
        )
    elbow_text = (f"The elbow of the last {e.ks.size} merges suggests k = {e.suggested_k}."
                  if e.suggested_k is not None else "Too few merges for an elbow.")
    summary = [
        micro_tree_note(tree),
        html.Div(elbow_text),
        html.Div("Candidate cuts (largest height gaps and the elbow); click to snap the cut:",
                 className="mt-1"),
        html.Div(buttons, className="snap-buttons"),
    ]
    R = inconsistency_table(Z, d)
    top = np.arange(Z.shape[0])[::-1][:TOP_MERGES]
    n = Z.shape[0] + 1
    inc = pd.DataFrame({
        "merge": top, "forms id": top + n, "height": Z[top, 2], "mean": R[top, 0],
        "std": R[top, 1], "links": R[top, 2].astype(int), "coefficient": R[top, 3],
    })
    return summary, fig, data_grid(inc), now


def follow_cut(k_now: int | None, cuts: list[dict[str, Any]], cut: float | None = None
               ) -> tuple[str, list[bool]]:
    """Python twin of ``dendroDiag.follow`` (``assets/diagnostics.js``): the "Now" line for
    the cut ``cut`` that gives ``k_now`` clusters, and which candidate cuts it is.

    >>> follow_cut(3, [{"k": 2}, {"k": 3}], 20.0)
    ('Now: k = 3 at max_d = 20.', [False, True])
    >>> follow_cut(None, [{"k": 2}])
    ('', [False])
    """
    now = (f"Now: k = {k_now} at max_d = {format_height(cut)}."
           if k_now is not None and cut is not None else "")
    return now, [k_now is not None and c.get("k") == k_now for c in cuts]


# The cut-dependent parts, in the browser on every cut move (and after the server draws).
clientside_callback(
    ClientsideFunction(namespace="dendroDiag", function_name="follow"),
    Output(ids.DIAG_NOW, "children", allow_duplicate=True),
    Output(ids.DIAG_SCREE, "figure", allow_duplicate=True),
    Output({"type": ids.SNAP, "index": ALL}, "color"),
    Output({"type": ids.SNAP, "index": ALL}, "outline"),
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.DIAG_SUMMARY, "children"),
    State(ids.TREE_DATA, "data"),
    State(ids.DIAG_SCREE, "figure"),
    State(ids.CANDIDATES, "data"),
    prevent_initial_call=True,
)


def micro_tree_note(tree: Tree) -> Any:
    """For an approximate tree: the diagnostics below describe the micro-cluster tree."""
    approx = tree.approximate
    if approx is None:
        return None
    return html.Div(
        f"Approximate tree: these diagnostics describe the tree of {approx.m:,} micro-clusters "
        f"({approx.n:,} rows), not a tree of every row. Merge numbers and ids count "
        "micro-clusters; a cut gives the same k for the rows, each row taking its "
        "micro-cluster's cluster.",
        className="alert alert-warning py-1 px-2 mb-2 micro-tree-note",
    )
