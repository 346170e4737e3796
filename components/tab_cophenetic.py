"""Cophenetic correlation by method, in the diagnostics tab: its layout and callbacks.

Cophenetic correlation by method clusters the data once per method, so past
:data:`COPHENETIC_AUTO_MAX` rows it runs as a background job (:func:`cophenetic_job`: progress
per method, cancel, the button disabled while it runs), each method's value memoised in the
store under the same key as the page's own cophenetic correlation (dataset, preparation,
method, metric). A method is left out only when its distance matrix would not fit the memory
budget (``DENDRO_MEMORY_BUDGET_MB``), and the table says so.

The job server (``components.background.JobManager``) finds :func:`cophenetic_job` because
``components.layout`` (in ``JOB_PRELOAD``) imports ``components.diagnostics_panel``, which
imports this module; Celery workers import it the same way through ``app``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dash_table, html, no_update

from clustering.approximate import exact_feasible
from clustering.errors import DataError
from clustering.linkage import METHODS, method_metric_problem
from clustering.prepare import PrepareOptions
from components import big, ids
from components.background import job_error_reason
from components.inspect_panel import tree_of
from components.service import cophenetic, get_settings, is_memoised, tree_key_parts

log = logging.getLogger(__name__)

#: Cophenetic correlation of every method runs at once up to this many rows; above, on demand
#: as a background job (seven linkages: ~8 s at 5k rows, minutes at 20k).
COPHENETIC_AUTO_MAX = 2_000
SHOWN = {"display": "inline-block"}
HIDDEN = {"display": "none"}


def cophenetic_section() -> list[Any]:
    """The diagnostics tab's cophenetic part: heading, run/cancel buttons, progress, table."""
    return [
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
    ]


Progress = Callable[[str], None]


def cophenetic_plan(params: dict[str, Any], n: int, d: int, approximate: bool
                    ) -> tuple[list[str], dict[str, str]]:
    """Methods valid for the metric that will run, and why the others cannot (method -> text).

    Only memory stops a method: those whose condensed distance matrix (charged twice, see clustering.approximate.exact_feasible)
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
    on_error=lambda err: html.Div(f"Not available: {job_error_reason(err)}; try again.",
                                  className="text-danger small"),
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
