"""The Evidence tab's support on merges and cluster stability (issue 15 items 3-5).

* Support on every merge: a feature bootstrap as ``pvclust(t(X))`` (AU and BP) or row
  subsampling (the page says which suits the table), with B, a seed and the smallest merge that
  gets a badge; a background job (progress, Cancel), memoised by the tree, the seed and the
  numbers (``components.jobs.replicates``). The tree then shows badges on the merges and
  outlines the clades with AU (or support) >= 0.95 as ``pvrect`` does: the page's draw step
  reads ``ids.SUPPORT_SHOW`` and adds ``components.figures.support`` traces.
* Cluster stability at the cut: per cluster the mean Jaccard over row bootstraps, dissolved and
  recovered counts as ``fpc::clusterboot``, in a table (the scatter legend is drawn in the
  browser, ``assets/dendro.js``, and does not show them).
* With ``REDIS_URL`` the job sends the chunks to Celery and returns; ``ids.REPLICATE_POLL``
  then polls the store until the reduce task has stored the result (Stop revokes the tasks):
  ``components.analysis.support_poll``.

Nothing runs by itself: both wait for their Run button.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from clustering.errors import DataError
from components import ids
from components.analysis.controls import number_field
from components.analysis.evidence import current_k
from components.figures.palette import cluster_color
from components.jobs import replicates as rep
from components.jobs.managers import make_celery
from components.jobs.tree import job_error_reason
from components.state.store import get_settings
from components.state.trees import Tree, try_load_tree

log = logging.getLogger(__name__)

SHOWN = {"display": "inline-block"}
HIDDEN = {"display": "none"}
AU_NOTE = (
    "Feature bootstrap as R's pvclust(t(X)): each replicate draws the columns with replacement "
    "at scales r = 0.5 … 1.4 and re-clusters the rows; BP is the share of replicates holding "
    "the merge's clade, AU the approximately unbiased p-value from the multiscale fit. Row "
    "subsampling re-clusters 80% of the rows: the share of subsamples in which the clade, "
    "restricted to the subsample, is a clade of its tree. Red outlines: the largest clades with "
    "AU (or support) ≥ 0.95, as pvrect draws them."
)


def _buttons(run: str, cancel: str, stop: str, label: str) -> Any:
    return dbc.Col([
        dbc.Button(label, id=run, size="sm", color="secondary", outline=True, className="me-2"),
        dbc.Button("Cancel", id=cancel, size="sm", color="secondary", outline=True,
                   style=HIDDEN),
        dbc.Button("Stop", id=stop, size="sm", color="secondary", outline=True, style=HIDDEN),
    ], width="auto")


def support_panel() -> list[Any]:
    """Controls, progress and notes of support on merges and of cluster stability."""
    return [
        dcc.Store(id=ids.SUPPORT_DONE),
        dcc.Store(id=ids.SUPPORT_SHOW),
        dcc.Store(id=ids.STABILITY_DONE),
        dcc.Interval(id=ids.REPLICATE_POLL, interval=1000, disabled=True),
        html.H2("Support on every merge", className="h6 mt-3"),
        html.Div(id=ids.SUPPORT_NOTE, className="small mb-1"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(
                id=ids.SUPPORT_KIND, inline=True, value="features", className="small",
                options=[{"label": rep.KIND_NAMES[k], "value": k} for k in rep.SUPPORT_KINDS],
            ), width="auto"),
        ], className="g-2 mb-1"),
        dbc.Row([
            number_field(ids.SUPPORT_NBOOT, "B (replicates)", rep.NBOOT_DEFAULT, rep.NBOOT_MIN,
                   rep.NBOOT_MAX),
            number_field(ids.SUPPORT_SEED, "seed (support)", rep.SEED_DEFAULT, 0, 2**31 - 1),
            number_field(ids.SUPPORT_MIN_SIZE, "badges from size", rep.MIN_SIZE_DEFAULT, 2, 10**9),
            _buttons(ids.SUPPORT_RUN, ids.SUPPORT_CANCEL, ids.SUPPORT_STOP, "Compute support"),
        ], className="g-2 mb-1 align-items-center"),
        html.Div(id=ids.SUPPORT_PROGRESS, className="small text-muted mb-1", role="status",
                 **{"aria-live": "polite"}),
        html.Div(AU_NOTE, className="form-text mb-1"),
        html.Div(id=ids.SUPPORT_SUMMARY, className="small mb-2"),
        html.H2("Cluster stability at the current cut", className="h6 mt-3"),
        dbc.Row([
            number_field(ids.STABILITY_NBOOT, "B (bootstraps)", rep.NBOOT_DEFAULT, rep.NBOOT_MIN,
                   rep.NBOOT_MAX),
            number_field(ids.STABILITY_SEED, "seed (stability)", rep.SEED_DEFAULT, 0, 2**31 - 1),
            _buttons(ids.STABILITY_RUN, ids.STABILITY_CANCEL, ids.STABILITY_STOP,
                     "Compute stability"),
        ], className="g-2 mb-1 align-items-center"),
        html.Div(id=ids.STABILITY_PROGRESS, className="small text-muted mb-1", role="status",
                 **{"aria-live": "polite"}),
        html.Div(id=ids.STABILITY_NOTE, className="small mb-1"),
        html.Div(id=ids.STABILITY_TABLE),
        html.Div("As R's fpc::clusterboot (bootmethod \"boot\"): each bootstrap re-clusters "
                 "the distinct rows drawn and cuts into as many clusters; a cluster's score is "
                 "its best Jaccard similarity to a bootstrap cluster. Dissolved: Jaccard ≤ "
                 "0.5; recovered: > 0.75. Mean Jaccard below 0.6 means the cluster is not "
                 "stable; above 0.85, highly stable (Hennig 2007).", className="form-text"),
    ]


# ---------------------------------------------------------------- pure helpers
def support_work(tree: Tree, kind: Any, nboot: Any, seed: Any) -> rep.Work:
    kind = kind if kind in rep.SUPPORT_KINDS else "features"
    return rep.Work("support", tree.spec, kind,
                    rep.clamp(nboot, rep.NBOOT_MIN, rep.NBOOT_MAX, rep.NBOOT_DEFAULT),
                    rep.clamp(seed, 0, 2**31 - 1, rep.SEED_DEFAULT))


def stability_work(tree: Tree, k: int, nboot: Any, seed: Any) -> rep.Work:
    return rep.Work("stability", tree.spec, "",
                    rep.clamp(nboot, rep.NBOOT_MIN, rep.NBOOT_MAX, rep.NBOOT_DEFAULT),
                    rep.clamp(seed, 0, 2**31 - 1, rep.SEED_DEFAULT), int(k))


def run_work(work: rep.Work, tree: Tree, say: Any) -> dict[str, Any]:
    """The job body shared by both buttons: compute here (local processes), or send the chunks
    to Celery and return at once with their task ids (``pending``)."""
    out: dict[str, Any] = {"work": work.to_json(), "error": None, "pending": None}
    why = rep.problem(tree, work.what, work.kind)
    if why:
        out["error"] = why
        return out
    try:
        if rep.uses_celery() and not rep.is_done(work):
            rep.make_plan(work, tree)  # refuse bad input here, not in a worker
            out["pending"] = rep.dispatch(work, make_celery(get_settings().redis_url))
            return out
        rep.compute(work, tree, say)
    except (DataError, MemoryError) as err:
        out["error"] = f"Not available: {err}"
    return out


def stability_table(st: Any, k: int) -> Any:
    """One row per cluster: colour, size, mean Jaccard ± SE, dissolved, recovered (of B)."""
    t = st.table
    head = html.Thead(html.Tr([html.Th(h) for h in (
        "cluster", "rows", "mean Jaccard", "dissolved", "recovered")]))
    body = []
    for c, row in t.iterrows():
        swatch = html.Span("■ ", style={"color": cluster_color(int(c))})
        body.append(html.Tr([
            html.Td([swatch, str(c)]), html.Td(f"{int(row['size']):,}"),
            html.Td(f"{row['mean_jaccard']:.3f} ± {row['se_jaccard']:.3f}"),
            html.Td(f"{int(row['dissolved'])} of {int(row['n_boot'])}"),
            html.Td(f"{int(row['recovered'])} of {int(row['n_boot'])}"),
        ], className="stability-row", **{"data-cluster": str(c)}))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=False, striped=True,
                     className="stability-table small mb-1")


def _tree(tree_ref: dict[str, Any] | None) -> Tree | None:
    return try_load_tree((tree_ref or {}).get("params"))


def _done_for(done: dict[str, Any] | None, tree: Tree) -> rep.Work | None:
    if not done or not done.get("work"):
        return None
    try:
        work = rep.Work.from_json(done["work"])
    except (DataError, KeyError, TypeError, ValueError):
        return None
    return work if work.spec.key == tree.spec.key else None


# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.SUPPORT_NOTE, "children"),
    Output(ids.SUPPORT_KIND, "value"),
    Output(ids.SUPPORT_SUMMARY, "children", allow_duplicate=True),
    Input(ids.SUPPORT_REF, "data"),  # tree-ref while the Evidence tab is open (analysis/lazy.py)
    State(ids.SUPPORT_SHOW, "data"),
    prevent_initial_call=True,
)
def suggest(tree_ref: dict[str, Any] | None, show: dict[str, Any] | None) -> tuple[Any, ...]:
    """Which support suits this table (and set the choice to it), or why nothing can run; a
    new tree clears the summary of another tree's support."""
    tree = _tree(tree_ref)
    if tree is None:
        return "", no_update, no_update
    stale = "" if show and show.get("tree_key") != tree.spec.key else no_update
    why = rep.no_rows_reason(tree) or rep.problem(tree, "stability")
    if why:
        return dbc.Alert(why, color="warning", className="py-1 px-2 mb-0"), no_update, stale
    kind, text = rep.suggestion(tree)
    return text, kind, stale


def _job(what: str) -> Any:
    run, cancel, progress, done = (
        (ids.SUPPORT_RUN, ids.SUPPORT_CANCEL, ids.SUPPORT_PROGRESS, ids.SUPPORT_DONE)
        if what == "support" else
        (ids.STABILITY_RUN, ids.STABILITY_CANCEL, ids.STABILITY_PROGRESS, ids.STABILITY_DONE))
    fields = ((ids.SUPPORT_KIND, ids.SUPPORT_NBOOT, ids.SUPPORT_SEED) if what == "support" else
              (ids.EVIDENCE_CUT, ids.STABILITY_NBOOT, ids.STABILITY_SEED))
    return dict(
        output=Output(done, "data"),
        inputs=[Input(run, "n_clicks"), State(ids.TREE_REF, "data"),
                *[State(f, "data" if f == ids.EVIDENCE_CUT else "value") for f in fields]],
        background=True,
        progress=[Output(progress, "children")],
        progress_default=[""],
        running=[(Output(run, "disabled"), True, False),
                 (Output(cancel, "style"), SHOWN, HIDDEN)],
        # A new tree stops it (JOBS_STALE: written only while a job runs, analysis/lazy.py).
        cancel=[Input(cancel, "n_clicks"), Input(ids.JOBS_STALE, "data")],
        interval=500,
        on_error=lambda err: {"work": None, "pending": None,
                              "error": f"The job stopped: {job_error_reason(err)}; try again."},
        prevent_initial_call=True,
    )


@callback(**_job("support"))
def support_job(set_progress: Any, clicks: int | None, tree_ref: dict[str, Any] | None,
                kind: Any, nboot: Any, seed: Any) -> Any:
    """Support on every merge of the tree on screen (memoised; Celery: sent, not waited on)."""
    if not clicks:
        return no_update
    tree = _tree(tree_ref)
    if tree is None:
        return {"work": None, "error": None, "pending": None}
    work = support_work(tree, kind, nboot, seed)
    return run_work(work, tree, lambda f, t: set_progress((f"{t} ({f:.0%})",)))


@callback(**_job("stability"))
def stability_job(set_progress: Any, clicks: int | None, tree_ref: dict[str, Any] | None,
                  cut: Any, nboot: Any, seed: Any) -> Any:
    """Stability of the clusters at the cut's k (memoised; Celery: sent, not waited on)."""
    if not clicks:
        return no_update
    tree = _tree(tree_ref)
    if tree is None:
        return {"work": None, "error": None, "pending": None}
    k = current_k(tree, cut)
    n = tree.prepared.matrix.shape[0]
    if k is None or not 2 <= k <= n - 1:
        return {"work": None, "pending": None,
                "error": f"The cut gives k = {k}: stability needs 2 to {n - 1} clusters."}
    work = stability_work(tree, k, nboot, seed)
    return run_work(work, tree, lambda f, t: set_progress((f"{t} ({f:.0%})",)))


def support_summary(work: rep.Work, res: Any, min_size: int) -> list[Any]:
    """What the tree now shows, in words."""
    t = res.table
    score = t["au"] if work.kind == "features" else t["support"]
    strong = int((score.iloc[:-1] >= 0.95).sum())
    badges = int((t["size"] >= min_size).sum())
    what = ("AU ≥ 0.95" if work.kind == "features" else "support ≥ 0.95")
    reps = (f"{work.n_boot:,} replicates × {len(res.scales)} scales" if work.kind == "features"
            else f"{work.n_boot:,} row subsamples of {res.m:,} rows")
    return [html.Div(f"{rep.KIND_NAMES[work.kind]}: {reps}, seed {work.seed}.",
                     className="support-done"),
            html.Div(f"{what} on {strong} of {len(t) - 1} merges below the root; the largest "
                     "of them are outlined on the tree. Badges on the "
                     f"{badges} merges of at least {min_size} rows (hover for both numbers)."),
            html.Div("Hints, not verdicts: a clade with AU ≥ 0.95 is one the data support "
                     "against resampling noise, not a proof that it is a real group.",
                     className="text-muted")]


@callback(
    Output(ids.SUPPORT_SHOW, "data"),
    Output(ids.SUPPORT_SUMMARY, "children"),
    Input(ids.SUPPORT_DONE, "data"),
    Input(ids.SUPPORT_MIN_SIZE, "value"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # nothing computed at load (issue 14)
)
def show_support(done: dict[str, Any] | None, min_size: Any,
                 tree_ref: dict[str, Any] | None) -> tuple[Any, Any]:
    """Tell the tree what to overlay (``ids.SUPPORT_SHOW``) and say what it shows."""
    tree = _tree(tree_ref)
    if tree is None or not done:
        return no_update, ""
    if done.get("error"):
        return no_update, html.Div(done["error"], className="text-danger")
    work = _done_for(done, tree)
    if work is None:
        return no_update, ""
    if done.get("pending"):
        n_chunks = len(rep.bounds(work))
        return no_update, (f"Sent to the workers in {n_chunks} chunks: "
                           f"{done.get('parts', 0)} done…")
    res = rep.result(work)
    if res is None:
        return no_update, ""
    m = rep.clamp(min_size, 2, 10**9, rep.MIN_SIZE_DEFAULT)
    return ({"work": work.to_json(), "min_size": m, "tree_key": tree.spec.key},
            support_summary(work, res, m))


@callback(
    Output(ids.STABILITY_NOTE, "children"),
    Output(ids.STABILITY_TABLE, "children"),
    Input(ids.STABILITY_DONE, "data"),
    Input(ids.EVIDENCE_CUT, "data"),
    State(ids.TREE_REF, "data"),
    State(ids.STABILITY_NBOOT, "value"),
    State(ids.STABILITY_SEED, "value"),
    prevent_initial_call=True,  # nothing computed at load (issue 14)
)
def show_stability(done: dict[str, Any] | None, cut: Any, tree_ref: dict[str, Any] | None,
                   nboot: Any, seed: Any) -> tuple[Any, Any]:
    """The table of the cut's k when it is memoised for these B and seed, else what to do."""
    tree = _tree(tree_ref)
    if tree is None:
        return "", None
    k = current_k(tree, cut)
    if k is None:
        return "", None
    why = rep.problem(tree, "stability")
    if why:
        return why, None
    work = stability_work(tree, k, nboot, seed)
    ran = _done_for(done, tree)
    if done and done.get("error") and (ran is None or ran.k == k):
        return html.Div(done["error"], className="text-danger"), None
    if done and done.get("pending") and ran == work:
        return (f"k = {k}: sent to the workers in {len(rep.bounds(work))} chunks: "
                f"{done.get('parts', 0)} done…"), None
    res = rep.result(work)
    if res is None:
        return (f"k = {k}: press \"Compute stability\" ({work.n_boot} bootstraps, seed "
                f"{work.seed})."), None
    low = [str(c) for c, v in res.table["mean_jaccard"].items() if v < 0.6]
    note = (f"k = {k}, {work.n_boot} bootstraps, seed {work.seed}. "
            + (f"Not stable (mean Jaccard < 0.6): cluster {', '.join(low)}." if low else
               "Every cluster has mean Jaccard ≥ 0.6."))
    return html.Span(note, className="stability-done"), stability_table(res, k)
