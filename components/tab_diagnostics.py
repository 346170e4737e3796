"""The diagnostics tab: where should I cut? Layout and callbacks, tied to the cut.

Scree of the last merges with their second differences and the k the elbow suggests, the
largest height gaps, the inconsistency coefficient of the top merges at a chosen depth, and
(``components.tab_cophenetic``) cophenetic correlation of every method valid for the metric.
Candidate cuts are drawn as faint dotted lines on the dendrogram (trace ``meta='candidates'``)
and offered as "snap" buttons; clicking either sets ``cut-height``, and the clientside cut
(``assets/dendro.js``) does the rest. Nothing moves the cut by itself. On an approximate tree
the diagnostics describe the micro-cluster tree and say so (:func:`micro_tree_note`).
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

from clustering.diagnostics import elbow, inconsistency_table, largest_gaps
from clustering.geometry import dendrogram_geometry
from components import big, ids
from components.figures import GL_POINTS, empty_figure, format_height
from components.figures_diagnostics import (
    candidate_trace,
    leaves_trace,
    make_scree_figure,
    scree_shapes,
)
from components.inspect_panel import tree_of
from components.lazy import gated_cut
from components.tab_common import number_or_none, sortable_table
from components.tab_cophenetic import cophenetic_section

HINT_NOTE = (
    "These are hints, not answers: the elbow and the gaps favour well-separated clusters of "
    "similar spread and can point at the wrong cut when clusters differ in spread or size, or "
    "when the tree has inversions. Look at the tree before trusting them."
)
TOP_MERGES = 10
N_GAPS = 3


def tidy_height(lo: float, hi: float) -> float:
    """The shortest decimal in ``(lo, hi)`` near the middle: what a person would type.

    Examples
    --------
    >>> tidy_height(23.12198935528676, 180.27043021047615)
    100.0
    >>> tidy_height(1.0, float("inf"))
    1.1
    """
    if not np.isfinite(hi):
        t = lo * 1.1 if lo > 0 else 1.0
        hi = np.inf
    else:
        t = (lo + hi) / 2.0
    for digits in range(1, 16):
        r = float(f"{t:.{digits}g}")
        # Strictly above lo: a line drawn exactly on a merge looks like it cuts through it.
        if lo < r < hi:
            return r
    return float(t)


def candidate_cuts(Z: np.ndarray, index: Any, *, gaps: int = N_GAPS) -> list[dict[str, Any]]:
    """Candidate cut heights: the largest gaps and the elbow's k, one per k, sorted by k.

    Each is ``{"height", "k", "why"}``; a cut at ``height`` gives exactly ``k`` clusters.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> from clustering.cut import tree_index
    >>> Z = linkage([[0.0], [1.0], [10.0], [11.0], [40.0]], "single")
    >>> [(c["k"], c["why"]) for c in candidate_cuts(Z, tree_index(Z))]
    [(2, 'largest gap, elbow'), (3, 'largest gap')]
    """
    out: dict[int, dict[str, Any]] = {}
    for g in largest_gaps(Z, top=gaps):
        if g.size <= 0:
            continue
        out[g.k] = {"height": tidy_height(g.lower, g.upper), "k": g.k, "why": "largest gap"}
    e = elbow(Z)
    if e.suggested_k is not None:
        k = int(e.suggested_k)
        if k in out:
            out[k]["why"] += ", elbow"
        else:
            band = index.band_for_k(k)
            if band is not None and np.isfinite(band[0]):
                out[k] = {"height": tidy_height(band[0], band[1]), "k": k, "why": "elbow"}
    return [out[k] for k in sorted(out)]


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
                            html.Div(id=ids.DIAG_SUMMARY, className="small mb-2"),
                            dbc.Row(
                                [
                                    dbc.Col(dbc.InputGroup([
                                        dbc.InputGroupText("last merges"),
                                        dcc.Input(id=ids.DIAG_LAST, type="number", min=3, max=50,
                                                  step=1, value=10, debounce=True,
                                                  className="form-control form-control-sm"),
                                    ], size="sm")),
                                    dbc.Col(dbc.InputGroup([
                                        dbc.InputGroupText("inconsistency depth"),
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
                            html.H6("Top merges: inconsistency coefficient", className="mt-1"),
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
    Input(ids.TREE_DATA, "data"),
    State(ids.TRUNCATE_MODE, "value"),
    State(ids.TRUNCATE_P, "value"),
    prevent_initial_call=True,
)
def decorate_dendrogram(tree_data: dict[str, Any] | None, truncate_mode: str | None,
                        truncate_p: Any) -> tuple[Any, Any]:
    """Candidate cut lines and clickable leaves, appended to the figure ``render`` drew."""
    tree = tree_of(tree_data)
    if tree is None:
        return None, no_update
    Z = tree.hierarchy.Z
    cands = candidate_cuts(Z, tree.index)
    mode = truncate_mode if truncate_mode in ("lastp", "level") else None
    p = number_or_none(truncate_p)
    p = int(p) if p is not None and p >= 1 else 30
    # Approximate trees: leaves are micro-clusters, labelled and counted in rows.
    geometry = big.relabel_geometry(
        dendrogram_geometry(Z, truncate_mode=mode, p=p, index=tree.index,
                            labels=big.leaf_labels(tree)),
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
    Input(ids.CANDIDATES, "data"),
    Input(ids.DIAG_CUT, "data"),  # the cut, only while this tab is open (components/lazy.py)
    Input(ids.DIAG_LAST, "value"),
    Input(ids.DIAG_DEPTH, "value"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.TREE_REF, "data"),
    State(ids.DIAG_SCREE, "figure"),
)
def fill_diagnostics(candidates: dict[str, Any] | None, cut_value: Any, last: Any, depth: Any,
                     active: str | None, tree_data: dict[str, Any] | None,
                     scree: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """Elbow, gaps and snap buttons, scree, inconsistency of the top merges, at the cut.

    When the scree on the page is already this tree's (same last merges and depth), a cut
    move patches its k line and leaves the inconsistency table: building the plotly figure
    was 80% of this callback's time, paid on every move.
    """
    if active not in (None, "tab-diagnostics"):
        return no_update, no_update, no_update
    cut_value = gated_cut(cut_value)
    tree = tree_of(tree_data)
    if tree is None or not candidates or candidates.get("tree_key") != tree_data.get("tree_key"):
        return "", empty_figure(""), ""
    Z = tree.hierarchy.Z
    cut = number_or_none(cut_value)
    k_now = int(tree.index.k_at(cut)) if cut is not None else None
    last_n = number_or_none(last)
    last_n = int(min(max(last_n, 3), 50)) if last_n is not None else 10
    e = elbow(Z, last=last_n)
    d = number_or_none(depth)
    d = int(min(max(d, 1), 20)) if d is not None else 2
    drawn_for = f"scree|{tree_data.get('tree_key')}|{last_n}|{d}"
    traces = (scree or {}).get("data") or [{}]
    if traces[0].get("meta") == drawn_for:
        fig = Patch()
        fig["layout"]["shapes"] = scree_shapes(e.ks, e.suggested_k, k_now)
    else:
        fig = make_scree_figure(e.ks, e.heights, e.acceleration, e.suggested_k, k_now)
        fig.data[0].meta = drawn_for
    buttons = []
    for i, c in enumerate(candidates.get("cuts") or []):
        current = k_now == c["k"]
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
    now = f"Now: k = {k_now} at max_d = {format_height(cut)}." if cut is not None else ""
    summary = [
        micro_tree_note(tree),
        html.Div([elbow_text, " ", now]),
        html.Div("Candidate cuts (largest height gaps and the elbow); click to snap the cut:",
                 className="mt-1"),
        html.Div(buttons, className="snap-buttons"),
    ]
    if isinstance(fig, Patch):
        return summary, fig, no_update
    R = inconsistency_table(Z, d)
    top = np.arange(Z.shape[0])[::-1][:TOP_MERGES]
    n = Z.shape[0] + 1
    inc = pd.DataFrame({
        "merge": top + 1, "forms id": top + n, "height": Z[top, 2], "mean": R[top, 0],
        "std": R[top, 1], "links": R[top, 2].astype(int), "coefficient": R[top, 3],
    })
    return summary, fig, sortable_table(inc)


def micro_tree_note(tree: Any) -> Any:
    """For an approximate tree: the diagnostics below describe the micro-cluster tree."""
    approx = big.approx_of(tree)
    if approx is None:
        return None
    return html.Div(
        f"Approximate tree: these diagnostics describe the tree of {approx.m:,} micro-clusters "
        f"({approx.n:,} rows), not a tree of every row. Merge numbers and ids count "
        "micro-clusters; a cut gives the same k for the rows, each row taking its "
        "micro-cluster's cluster.",
        className="alert alert-warning py-1 px-2 mb-2 micro-tree-note",
    )
