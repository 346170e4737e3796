"""'Where should I cut, and what are these clusters?': the analysis tabs under the graphs.

* Diagnostics (tied to the cut): scree of the last merges with their second differences and
  the k the elbow suggests, the largest height gaps, the inconsistency coefficient of the top
  merges at a chosen depth, cophenetic correlation of every method valid for the metric.
  Candidate cuts are drawn as faint dotted lines on the dendrogram (trace ``meta='candidates'``)
  and offered as "snap" buttons; clicking either sets ``cut-height``, and the clientside cut
  (``assets/dendro.js``) does the rest. Nothing moves the cut by itself.
* Heatmap (clustermap) and cluster profiles, following the cut.

The tree comes from the memoised service keyed by ``tree-data``'s ``params`` (what the draw
step drew), exact or approximate (``inspect_panel.tree_of``); the cut from the ``cut-height``
field. Work is done only for the visible tab. On an approximate tree (big tables) the
diagnostics describe the micro-cluster tree and say so; the heatmap and the profiles are per
row (every row in its micro-cluster's cluster; the heatmap samples rows past
:data:`HEATMAP_SAMPLE_MAX` and says so).

Cophenetic correlation by method clusters the data once per method, so past
:data:`COPHENETIC_AUTO_MAX` rows it runs as a background job (:func:`cophenetic_job`: progress
per method, cancel, the button disabled while it runs), each method's value memoised in the
store under the same key as the page's own cophenetic correlation (dataset, preparation,
method, metric). A method is left out only when its distance matrix would not fit the memory
budget (``DENDRO_MEMORY_BUDGET_MB``), and the table says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import (
    ALL,
    Input,
    Output,
    Patch,
    State,
    callback,
    ctx,
    dash_table,
    dcc,
    html,
    no_update,
)

from clustering.approximate import exact_feasible
from clustering.diagnostics import (
    cluster_profiles,
    elbow,
    inconsistency_table,
    largest_gaps,
)
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.linkage import METHODS, method_metric_problem
from clustering.prepare import PrepareOptions
from components import big, ids
from components.exports import export_tab
from components.figures import GL_POINTS, empty_figure, format_height
from components.figures_diagnostics import (
    candidate_trace,
    leaves_trace,
    make_clustermap_figure,
    make_profile_figure,
    make_scree_figure,
    scree_shapes,
)
from components.inspect_panel import inspect_tab, linkage_tab, tree_of
from components.lazy import gated_cut
from components.service import cophenetic, get_settings, is_memoised, tree_key_parts

log = logging.getLogger(__name__)

HINT_NOTE = (
    "These are hints, not answers: the elbow and the gaps favour well-separated clusters of "
    "similar spread and can point at the wrong cut when clusters differ in spread or size, or "
    "when the tree has inversions. Look at the tree before trusting them."
)
#: Cophenetic correlation of every method runs at once up to this many rows; above, on demand
#: as a background job (seven linkages: ~8 s at 5k rows, minutes at 20k).
COPHENETIC_AUTO_MAX = 2_000
#: The heatmap of an approximate tree draws a sample of this many rows at most (per
#: micro-cluster); they are averaged into runs along the leaf order anyway.
HEATMAP_SAMPLE_MAX = 20_000
TOP_MERGES = 10
N_GAPS = 3
SHOWN = {"display": "inline-block"}
HIDDEN = {"display": "none"}


# ---------------------------------------------------------------- helpers
def _number(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


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


def _table(df: pd.DataFrame, table_id: str | None = None, **kw: Any) -> dash_table.DataTable:
    """A small sortable DataTable; values are data, never HTML."""
    cols = []
    for c in df.columns:
        col = {"name": str(c), "id": str(c)}
        if pd.api.types.is_float_dtype(df[c]):
            col.update(type="numeric", format={"specifier": ".4g"})
        elif pd.api.types.is_numeric_dtype(df[c]):
            col.update(type="numeric")
        cols.append(col)
    data = df.rename(columns=str).to_dict("records")
    extra = {"id": table_id} if table_id else {}
    return dash_table.DataTable(
        columns=cols, data=data, sort_action="native", page_action="native", page_size=15,
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.8rem", "padding": "2px 6px", "maxWidth": "16rem",
                    "overflow": "hidden", "textOverflow": "ellipsis"},
        **extra, **kw,
    )


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
                            html.H6("Cophenetic correlation by method", className="mt-3"),
                            html.Div(
                                "How faithfully each method's tree keeps the pairwise distances "
                                "(1 = perfectly); for choosing a method, not a cut.",
                                className="form-text",
                            ),
                            html.Div(
                                [
                                    dbc.Button("Compute for every method",
                                               id=ids.COPHENETIC_RUN, size="sm",
                                               color="secondary", outline=True,
                                               className="my-1 me-2"),
                                    dbc.Button("Cancel", id=ids.COPHENETIC_CANCEL, size="sm",
                                               color="secondary", outline=True,
                                               className="my-1", style=HIDDEN),
                                ]
                            ),
                            html.Div(id=ids.COPHENETIC_PROGRESS, className="small text-muted",
                                     role="status", **{"aria-live": "polite"}),
                            html.Div(id=ids.COPHENETIC_METHODS),
                        ],
                        lg=6,
                    ),
                ]
            ),
        ],
        className="p-2",
    )


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
    p = _number(truncate_p)
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


@callback(
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Input({"type": ids.SNAP, "index": ALL}, "n_clicks"),
    State(ids.CANDIDATES, "data"),
    prevent_initial_call=True,
)
def snap(clicks: list[int | None], candidates: dict[str, Any] | None) -> Any:
    """A snap button moves the cut to its candidate height (the only way besides the user)."""
    trig = ctx.triggered_id
    if not isinstance(trig, dict) or not candidates or not any(clicks or []):
        return no_update
    # Buttons are re-created with every summary; a fresh button has n_clicks None.
    fired = [t for t in ctx.triggered if t.get("value")]
    if not fired:
        return no_update
    i = int(trig["index"])
    cuts = candidates.get("cuts") or []
    return cuts[i]["height"] if 0 <= i < len(cuts) else no_update


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
    cut = _number(cut_value)
    k_now = int(tree.index.k_at(cut)) if cut is not None else None
    last_n = _number(last)
    last_n = int(min(max(last_n, 3), 50)) if last_n is not None else 10
    e = elbow(Z, last=last_n)
    d = _number(depth)
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
    return summary, fig, _table(inc)


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


Progress = Callable[[str], None]


def cophenetic_plan(params: dict[str, Any], n: int, d: int, approximate: bool
                    ) -> tuple[list[str], dict[str, str]]:
    """Methods valid for the metric that will run, and why the others cannot (method -> text).

    Only memory stops a method: those whose condensed distance matrix (held twice at peak)
    would not fit the server's budget. An approximate tree stops all (the table is past the
    server's exact limit, and each method would cluster every row exactly).

    Examples
    --------
    >>> p = {"metric": "euclidean"}
    >>> run, why = cophenetic_plan(p, 100, 2, False)
    >>> run, why
    (['single', 'complete', 'average', 'weighted', 'centroid', 'median', 'ward'], {})
    """
    metric = params["metric"]
    valid = [m for m in METHODS if method_metric_problem(m, metric) is None]
    if approximate:
        why = (f"this table ({n:,} rows) is clustered approximately; comparing methods would "
               "run the exact linkage of every row once per method")
        return [], {m: why for m in valid}
    budget = int(get_settings().memory_budget_mb) * 1024 * 1024
    run, skipped = [], {}
    for method in valid:
        ok, reason = exact_feasible(n, d, method, metric, memory_budget_bytes=budget,
                                    max_rows=max(n, 1))
        if ok:
            run.append(method)
        else:
            # exact_feasible ends with the approximate fallback, which does not apply here.
            skipped[method] = re.split(r", so ", reason, maxsplit=1)[0]
    return run, skipped


def _cophenetic_key(params: dict[str, Any], method: str) -> tuple[Any, ...]:
    # The key of service.cophenetic: the page's own value and this table share it.
    options = PrepareOptions.from_dict(params["options"])
    return ("cophenetic", *tree_key_parts(params["dataset"], options, method, params["metric"]))


def cophenetic_values(params: dict[str, Any], methods: list[str],
                      progress: Progress | None = None) -> dict[str, float | None]:
    """Cophenetic correlation of each method's tree (memoised per method), in order.

    ``progress(text)`` hears after each method, e.g. ``average: 0.91 · 3 of 6 methods done``.
    """
    options = PrepareOptions.from_dict(params["options"])
    out: dict[str, float | None] = {}
    for i, method in enumerate(methods, start=1):
        if progress is not None and not is_memoised(_cophenetic_key(params, method)):
            done = f"{len(out)} of {len(methods)} methods done"
            progress(f"computing {method} ({i} of {len(methods)}; {done})…")
        value = cophenetic(params["dataset"], options, method, params["metric"])
        out[method] = value
        if progress is not None:
            shown = "n/a" if value is None else f"{value:.2f}"
            progress(f"{method}: {shown} · {i} of {len(methods)} methods done")
    return out


def cophenetic_table(params: dict[str, Any], values: dict[str, float | None],
                     skipped: dict[str, str]) -> Any:
    """Method, value and a note per method valid for the metric; the page's method in bold."""
    rows = []
    for method in METHODS:
        if method in values:
            v = values[method]
            rows.append({"method": method, "cophenetic correlation": v,
                         "note": "" if v is not None else "undefined (no variance)"})
        elif method in skipped:
            rows.append({"method": method, "cophenetic correlation": None,
                         "note": f"not computed: {skipped[method]}"})
    current = params["method"]
    style = [{"if": {"filter_query": f'{{method}} = "{current}"'}, "fontWeight": "bold",
              "backgroundColor": "#e7f1ff"}]
    return dash_table.DataTable(
        id=ids.COPHENETIC_METHODS + "-table",
        columns=[{"name": "method", "id": "method"},
                 {"name": "cophenetic correlation", "id": "cophenetic correlation",
                  "type": "numeric", "format": {"specifier": ".4g"}},
                 {"name": "note", "id": "note"}],
        data=rows, sort_action="native", style_data_conditional=style,
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.8rem", "padding": "2px 6px", "maxWidth": "28rem",
                    "whiteSpace": "normal", "textAlign": "left"},
    )


def _cophenetic_inputs(tree_data: dict[str, Any] | None) -> tuple[Any, ...] | None:
    tree = tree_of(tree_data)
    if tree is None:
        return None
    params = tree_data["params"]
    n, d = tree.prepared.matrix.shape
    methods, skipped = cophenetic_plan(params, n, d, big.approx_of(tree) is not None)
    return params, n, methods, skipped


@callback(
    Output(ids.COPHENETIC_METHODS, "children"),
    Input(ids.TREE_DATA, "data"),
    prevent_initial_call=True,
)
def cophenetic_methods(tree_data: dict[str, Any] | None) -> Any:
    """What a new tree shows at once: the table when small or already memoised, else how to
    get it (the button runs :func:`cophenetic_job`)."""
    got = _cophenetic_inputs(tree_data)
    if got is None:
        return ""
    params, n, methods, skipped = got
    if not methods:
        return cophenetic_table(params, {}, skipped)
    ready = all(is_memoised(_cophenetic_key(params, m)) for m in methods)
    if ready or n <= COPHENETIC_AUTO_MAX:
        try:
            return cophenetic_table(params, cophenetic_values(params, methods), skipped)
        except (DataError, MemoryError) as err:
            return html.Div(f"Not available: {err}", className="text-danger small")
    return html.Div(
        f"{n:,} rows: press the button to cluster the data once per method "
        f"({len(methods)} methods) in the background; each result is kept for next time.",
        className="form-text")


@callback(
    Output(ids.COPHENETIC_METHODS, "children", allow_duplicate=True),
    Input(ids.COPHENETIC_RUN, "n_clicks"),
    State(ids.TREE_DATA, "data"),
    background=True,
    progress=[Output(ids.COPHENETIC_PROGRESS, "children")],
    progress_default=[""],
    running=[
        (Output(ids.COPHENETIC_RUN, "disabled"), True, False),
        (Output(ids.COPHENETIC_CANCEL, "style"), SHOWN, HIDDEN),
    ],
    # A new tree makes a running comparison stale: it stops, as with the Cancel button.
    cancel=[Input(ids.COPHENETIC_CANCEL, "n_clicks"), Input(ids.TREE_DATA, "data")],
    interval=500,
    prevent_initial_call=True,
)
def cophenetic_job(set_progress: Any, clicks: int | None, tree_data: dict[str, Any] | None
                   ) -> Any:
    """Cophenetic correlation of every method, in a job process or a Celery worker."""
    if not clicks:
        return no_update
    got = _cophenetic_inputs(tree_data)
    if got is None:
        return ""
    params, _, methods, skipped = got
    try:
        values = cophenetic_values(params, methods, lambda text: set_progress((text,)))
    except (DataError, MemoryError) as err:
        return html.Div(f"Not available: {err}", className="text-danger small")
    except Exception:
        log.exception("cophenetic correlation by method failed")
        return html.Div("Something went wrong comparing the methods; try again or report it.",
                        className="text-danger small")
    return cophenetic_table(params, values, skipped)


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
    cut = _number(gated_cut(cut_value))
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
    cut = _number(gated_cut(cut_value))
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
    return fig, _table(table, table_id=None)
