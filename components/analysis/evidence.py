"""The Evidence tab: how many clusters, and are they real? Layout and callbacks (issue 15).

* Validity per k (k = 2..K): mean silhouette with the tree's metric, Calinski–Harabasz and
  Davies–Bouldin (``clustering.validity.validity_indices``), and the gap statistic as R's
  ``cluster::clusGap`` computes it by default (``clustering.gap.gap_statistic``, a
  background job with progress and Cancel), as four small curves each marking the k it
  favours, with "snap to k" buttons. The indices run at once up to
  ``components.jobs.evidence.VALIDITY_AUTO_MAX`` rows, else with the gap in the job.
* The silhouette at the current cut: one bar per row by cluster, the mean per cluster; a click
  on a bar lights up its row in the scatter, a click on a cluster's mean (or its area, past a
  few thousand rows) lights up the cluster (the ``highlight`` store, ``assets/inspect.js``).
* :func:`support_section`: bootstrap support on merges and cluster stability (issue 15
  items 3-4), from ``components.analysis.support``.

Everything here is a hint: a snap button moves the cut only when clicked (the same clientside
snap as the Diagnostics tab, ``inspect.snap``); nothing moves the cut by itself. The tab follows
the cut only while it is open (``components.analysis.lazy``). Approximate trees are refused with
the reason (``components.jobs.evidence.refusal``).
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
    no_update,
)

from clustering.errors import DataError
from components import ids
from components.analysis.controls import number_field
from components.analysis.lazy import gated_cut
from components.figures.common import empty_figure
from components.figures.evidence import make_silhouette_figure, make_validity_figure
from components.figures.text import format_height
from components.jobs import evidence as ev
from components.jobs.tree import job_error_reason
from components.state.inputs import rows_reason
from components.state.trees import Tree, try_load_tree
from components.view import number_or_none

log = logging.getLogger(__name__)

HINT_NOTE = (
    "These are hints, never applied by themselves: each index favours a k by its own idea of a "
    "good cluster (compact and well separated, in the tree's distances or in euclidean space), "
    "and they often disagree. Weigh them with the tree; the cut moves only when you click "
    "\"snap to k\"."
)
GAP_RULE_NOTE = (
    "Gap statistic as R's cluster::clusGap by default: B reference sets drawn uniformly in the "
    "box aligned with the principal axes of the centred data (spaceH0 = \"scaledPCA\"), each "
    "clustered with this tree's method and metric, W_k from euclidean distances (d.power = 1); "
    "k chosen by the rule \"firstSEmax\" with SE.factor = 1: the smallest k whose gap is within "
    "1 SE of the gap at the first local maximum."
)
NAMES = {"silhouette": "silhouette", "calinski_harabasz": "Calinski–Harabasz",
         "davies_bouldin": "Davies–Bouldin", "gap": "gap statistic"}
SHOWN = {"display": "inline-block"}
HIDDEN = {"display": "none"}


# ---------------------------------------------------------------- layout
def evidence_tab() -> html.Div:
    """Validity curves and snap buttons, the gap job, silhouettes at the cut, and a place for
    bootstrap support and stability."""
    return html.Div(
        [
            dcc.Store(id=ids.EVIDENCE_SNAPS),
            dcc.Store(id=ids.EVIDENCE_DONE),
            dbc.Alert(HINT_NOTE, color="light", className="small py-2 mb-2 hint-note"),
            dbc.Row(
                [
                    number_field(ids.EVIDENCE_K, "K (largest k)", ev.K_DEFAULT, 2, ev.K_MAX),
                    number_field(ids.EVIDENCE_B, "B (reference sets)", ev.B_DEFAULT, ev.B_MIN,
                                  ev.B_MAX),
                    number_field(ids.EVIDENCE_SEED, "seed", ev.SEED_DEFAULT, 0, 2**31 - 1),
                    dbc.Col([
                        dbc.Button("Compute the gap statistic", id=ids.EVIDENCE_RUN, size="sm",
                                   color="secondary", outline=True, className="me-2"),
                        dbc.Button("Cancel", id=ids.EVIDENCE_CANCEL, size="sm",
                                   color="secondary", outline=True, style=HIDDEN),
                    ], width="auto"),
                ],
                className="g-2 mb-1 align-items-center",
            ),
            html.Div(id=ids.EVIDENCE_PROGRESS, className="small text-muted mb-1",
                     role="status", **{"aria-live": "polite"}),
            html.Div(GAP_RULE_NOTE, className="form-text mb-2 gap-rule"),
            html.Div(id=ids.EVIDENCE_SUMMARY, className="small mb-2"),
            dcc.Graph(id=ids.EVIDENCE_CURVES, figure=empty_figure(""),
                      config={"displaylogo": False}),
            html.H2("Silhouette at the current cut", className="h6 mt-3"),
            html.Div(id=ids.EVIDENCE_SIL_NOTE, className="small mb-1"),
            dcc.Graph(id=ids.EVIDENCE_SILHOUETTE, figure=empty_figure(""),
                      config={"displaylogo": False}),
            support_section(),
        ],
        className="p-2",
    )


def support_section() -> html.Div:
    """Bootstrap support on merges (BP/AU) and cluster stability (issue 15 items 3-4):
    ``components.analysis.support``."""
    from components.analysis.support import support_panel

    return html.Div(support_panel(), id=ids.EVIDENCE_SUPPORT)


# ---------------------------------------------------------------- pure helpers
def _tree_for(active: str | None, tree_ref: dict[str, Any] | None) -> Tree | None:
    if active not in (None, ids.TAB_EVIDENCE):
        return None
    return try_load_tree((tree_ref or {}).get("params"))


def current_k(tree: Tree, cut_value: Any) -> int | None:
    cut = number_or_none(gated_cut(cut_value))
    return None if cut is None else int(tree.index.k_at(cut))


def snap_buttons(cuts: list[dict[str, Any]], why: dict[int, list[str]], k_now: int | None
                 ) -> list[Any]:
    """One button per favoured k: "snap to k = 5 (silhouette, gap statistic)"."""
    out = []
    for i, c in enumerate(cuts):
        now = c["k"] == k_now
        out.append(dbc.Button(
            f"snap to k = {c['k']} ({', '.join(why[c['k']])})",
            id={"type": ids.EVIDENCE_SNAP, "index": i}, size="sm",
            color="primary" if now else "secondary", outline=not now,
            className="me-1 mb-1 evidence-snap",
            title=f"move the cut to {format_height(c['height'])}, which gives k = {c['k']}"))
    return out


def evidence_view(tree: Tree, k_max: int, n_refs: int, seed: int, k_now: int | None,
                  done: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
    """Summary, curves and snap cuts of one tree from what is memoised or cheap (no gap run)."""
    spec = tree.spec
    n = tree.prepared.matrix.shape[0]
    why = ev.refusal(tree, k_max)
    if why:
        return dbc.Alert(why, color="warning", className="py-1 px-2 mb-0 evidence-refused"), \
            empty_figure("not computed for this tree"), None
    # A job that died (on_error) cannot name its tree: its error shows with any tree.
    job_error = ((done or {}).get("error")
                 if (done or {}).get("tree_key") in (spec.key, None) else None)
    if n <= ev.VALIDITY_AUTO_MAX or ev.validity_memoised(spec, k_max):
        try:
            val = ev.validity(tree, k_max)
        except (DataError, MemoryError) as err:
            return html.Div(f"Not available: {err}", className="text-danger"), \
                empty_figure(""), None
    else:
        val = None
    gap_stat = ev.gap(tree, k_max, n_refs, seed) if ev.gap_memoised(spec, k_max, n_refs, seed) \
        else None
    if val is None:
        note = (f"{n:,} rows: the validity indices (one pass over {n:,}² distances) run with the "
                "gap statistic in the background: press \"Compute the gap statistic\".")
        parts = [html.Div(note, className="form-text")]
        if job_error:
            parts.append(html.Div(job_error, className="text-danger"))
        return parts, empty_figure(""), None
    table = val["table"]
    fav = ev.favoured(val["best"], gap_stat)
    gap_problem = ev.gap_problem(tree, k_max)
    if gap_stat is not None:
        gap_note = ""
    elif gap_problem:
        gap_note = "not available (see above)"
    else:
        gap_note = f"press \"Compute the gap statistic\" (B = {n_refs}, seed {seed})"
    kw: dict[str, Any] = {"gap_note": gap_note}
    if gap_stat is not None:
        g = gap_stat.table
        kw.update(gap_ks=g["k"].tolist(), gap=g["gap"].tolist(), gap_se=g["SE_sim"].tolist())
    fig = make_validity_figure(table["k"].tolist(), {
        key: table[key].tolist() for key in ("silhouette", "calinski_harabasz", "davies_bouldin")
    }, fav, k_now, **kw)
    by_k: dict[int, list[str]] = {}
    for key, k in fav.items():
        if k is not None:
            by_k.setdefault(int(k), []).append(NAMES[key])
    cuts = ev.snap_cuts(tree, list(by_k))
    lines = [html.Div(f"{NAMES[key]} favours k = {k}" + (
        f" (of k = 1..{k_max}, B = {gap_stat.n_refs}, seed {seed})" if key == "gap" else "")
        + ".", className="favoured") for key, k in fav.items() if k is not None]
    if gap_stat is None:
        lines.append(html.Div(gap_problem or f"gap statistic: not computed yet for K = {k_max}, "
                              f"B = {n_refs}, seed {seed}.", className="text-muted"))
    if job_error:
        lines.append(html.Div(job_error, className="text-danger"))
    lines += [html.Div(n_, className="text-muted") for n_ in val["notes"]]
    if k_now is not None:
        lines.append(html.Div(f"Now: k = {k_now}."))
    summary = [*lines, html.Div(snap_buttons(cuts, by_k, k_now), className="mt-1")]
    return summary, fig, {"cuts": cuts, "tree_key": spec.key}


def silhouette_view(tree: Tree, k: int | None) -> tuple[Any, Any]:
    """Note and figure of the silhouette at the cut's k."""
    if tree.approximate is not None:
        return "Not computed for an approximate tree (see above).", empty_figure("")
    n = tree.prepared.matrix.shape[0]
    if k is None:
        return "", empty_figure("")
    if not 2 <= k <= n - 1:
        return (f"The cut gives k = {k}: silhouettes need between 2 and {n - 1} clusters; move "
                "the cut."), empty_figure("")
    if n > ev.SILHOUETTE_AUTO_MAX:
        return (f"Not drawn: {n:,} rows is past the {ev.SILHOUETTE_AUTO_MAX:,} rows for which "
                "the silhouette runs at each cut (it needs every pair of rows)."), empty_figure("")
    try:
        sil = ev.silhouette_at(tree, k)
    except (DataError, MemoryError) as err:
        return html.Div(f"Not available: {err}", className="text-danger"), empty_figure("")
    means = {int(c): float(m) for c, m in sil.summary["mean_width"].items()}
    fig = make_silhouette_figure(sil.widths, sil.clusters, sil.order, means, sil.mean,
                                 row_labels=[str(s) for s in tree.prepared.labels])
    negative = int((sil.widths < 0).sum())
    how = ("one bar per row" if fig.layout.meta == "bars" else
           "one filled area per cluster (too many rows for a bar each)")
    note = (f"k = {k}: mean silhouette {sil.mean:.3f} with the {tree.spec.metric} metric; "
            f"{negative:,} of {n:,} rows below 0 (closer to another cluster). Drawn as {how}, "
            "by cluster then s(i); diamonds are the cluster means. Click a bar to light up its "
            "row in the scatter, a diamond (or a cluster's area) to light up the cluster.")
    return note, fig


def highlight_rows(tree: Tree, k: int | None, point: dict[str, Any] | None) -> list[int] | None:
    """Scatter rows a click on the silhouette plot lights up: a bar's row (``customdata >= 0``),
    or every row of cluster ``-customdata`` at the cut (the means, the areas).

    >>> highlight_rows(None, 3, {"customdata": 7})
    [7]
    """
    cd = (point or {}).get("customdata")
    if isinstance(cd, list):
        cd = cd[0] if cd else None
    if cd is None:
        return None
    cd = int(cd)
    if cd >= 0:
        return [cd]
    if tree is None or k is None:
        return None
    return np.flatnonzero(tree.index.labels_for_k(k) == -cd).tolist()


# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.EVIDENCE_SUMMARY, "children"),
    Output(ids.EVIDENCE_CURVES, "figure"),
    Output(ids.EVIDENCE_SNAPS, "data"),
    Input(ids.EVIDENCE_CUT, "data"),  # the cut, only while this tab is open (analysis/lazy.py)
    Input(ids.EVIDENCE_K, "value"),
    Input(ids.EVIDENCE_B, "value"),
    Input(ids.EVIDENCE_SEED, "value"),
    Input(ids.EVIDENCE_DONE, "data"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # filled when the tab opens (evidence-cut; issue 14)
)
def show_evidence(cut_value: Any, k_field: Any, b_field: Any, seed_field: Any,
                  done: dict[str, Any] | None, active: str | None,
                  tree_ref: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """Validity curves, what each favours, snap buttons: from the memo (or at once when small)."""
    if active not in (None, ids.TAB_EVIDENCE):
        return no_update, no_update, no_update
    tree = _tree_for(active, tree_ref)
    if tree is None:
        return "", empty_figure(""), None
    reason = rows_reason(tree.spec, "The validity indices and the gap statistic")
    if reason:
        return reason, empty_figure(""), None
    n = tree.prepared.matrix.shape[0]
    return evidence_view(tree, ev.clamp_k(k_field, n), ev.clamp_b(b_field),
                         ev.clamp_seed(seed_field), current_k(tree, cut_value), done)


# A snap button moves the cut to its k's height: the Diagnostics tab's clientside snap, reading
# this tab's {"cuts": [{"k", "height"}]} (nothing moves the cut by itself).
clientside_callback(
    ClientsideFunction(namespace="inspect", function_name="snap"),
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Input({"type": ids.EVIDENCE_SNAP, "index": ALL}, "n_clicks"),
    State(ids.EVIDENCE_SNAPS, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.EVIDENCE_DONE, "data"),
    Input(ids.EVIDENCE_RUN, "n_clicks"),
    State(ids.TREE_REF, "data"),
    State(ids.EVIDENCE_K, "value"),
    State(ids.EVIDENCE_B, "value"),
    State(ids.EVIDENCE_SEED, "value"),
    background=True,
    progress=[Output(ids.EVIDENCE_PROGRESS, "children")],
    progress_default=[""],
    running=[
        (Output(ids.EVIDENCE_RUN, "disabled"), True, False),
        (Output(ids.EVIDENCE_CANCEL, "style"), SHOWN, HIDDEN),
    ],
    # A new tree makes a running job stale: it stops, as with the Cancel button.
    cancel=[Input(ids.EVIDENCE_CANCEL, "n_clicks"), Input(ids.JOBS_STALE, "data")],
    interval=500,
    on_error=lambda err: {"tree_key": None,
                          "error": f"The gap statistic stopped: {job_error_reason(err)}; "
                                   "try again."},
    prevent_initial_call=True,
)
def evidence_job(set_progress: Any, clicks: int | None, tree_ref: dict[str, Any] | None,
                 k_field: Any, b_field: Any, seed_field: Any) -> Any:
    """The gap statistic (and, past the at-once size, the validity indices), memoised; the
    display callback then reads them from the store."""
    if not clicks:
        return no_update
    tree = try_load_tree((tree_ref or {}).get("params"))
    if tree is None:
        return {"tree_key": None, "error": None}
    reason = rows_reason(tree.spec, "The gap statistic")
    if reason:
        return {"tree_key": tree.spec.key, "error": reason}
    n = tree.prepared.matrix.shape[0]
    k_max, n_refs, seed = ev.clamp_k(k_field, n), ev.clamp_b(b_field), ev.clamp_seed(seed_field)
    try:
        return ev.run_job(tree, k_max, n_refs, seed,
                          lambda f, text: set_progress((f"{text} ({f:.0%})",)))
    except (DataError, MemoryError) as err:
        return {"tree_key": tree.spec.key, "error": f"Not available: {err}"}


@callback(
    Output(ids.EVIDENCE_SIL_NOTE, "children"),
    Output(ids.EVIDENCE_SILHOUETTE, "figure"),
    Input(ids.EVIDENCE_CUT, "data"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # filled when the tab opens (evidence-cut; issue 14)
)
def show_silhouette(cut_value: Any, active: str | None, tree_ref: dict[str, Any] | None
                    ) -> tuple[Any, Any]:
    """The silhouette widths at the cut, one bar per row by cluster."""
    if active not in (None, ids.TAB_EVIDENCE):
        return no_update, no_update
    tree = _tree_for(active, tree_ref)
    if tree is None:
        return "", empty_figure("")
    reason = rows_reason(tree.spec, "The silhouette plot")
    if reason:
        return reason, empty_figure("")
    return silhouette_view(tree, current_k(tree, cut_value))


@callback(
    Output(ids.HIGHLIGHT, "data", allow_duplicate=True),
    Input(ids.EVIDENCE_SILHOUETTE, "clickData"),
    State(ids.EVIDENCE_CUT, "data"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def silhouette_highlight(click: dict[str, Any] | None, cut_value: Any,
                         tree_ref: dict[str, Any] | None) -> Any:
    """A click on the silhouette plot lights up that row, or that cluster, in the scatter."""
    points = (click or {}).get("points") or []
    tree = try_load_tree((tree_ref or {}).get("params"))
    if not points or tree is None:
        return no_update
    rows = highlight_rows(tree, current_k(tree, cut_value), points[0])
    return no_update if rows is None else {"rows": rows, "tree_key": tree.spec.key}
