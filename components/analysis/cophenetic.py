"""Cophenetic correlation of every method valid for the metric (in the Diagnostics tab).

At once up to :data:`COPHENETIC_AUTO_MAX` rows, else on demand as a background job with
progress per method and Cancel ("average: 0.91 · 3 of 6 methods done"); each method's value
is kept in the store (``components.jobs.cophenetic``). A method is left out only when its
distance matrix would not fit the memory budget (``DENDRO_MEMORY_BUDGET_MB``), and the table
says so.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, html, no_update

from clustering.diagnostics import cophenetic_sample_rows
from clustering.errors import DataError
from clustering.linkage import METHODS
from components import ids
from components.jobs.cophenetic import all_memoised, cophenetic_plan, cophenetic_values
from components.jobs.tree import job_error_reason
from components.state.inputs import rows_reason
from components.state.trees import try_load_tree
from components.view import TreeSpec
from components.web.grids import data_grid

log = logging.getLogger(__name__)

#: Cophenetic correlation of every method runs at once up to this many rows; above, on demand
#: as a background job (seven linkages: ~8 s at 5k rows, minutes at 20k).
COPHENETIC_AUTO_MAX = 2_000
SHOWN = {"display": "inline-block"}
HIDDEN = {"display": "none"}


def cophenetic_section() -> list[Any]:
    """The diagnostics tab's cophenetic part: heading, run/cancel buttons, progress, table."""
    return [
        html.H2("Cophenetic correlation by method", className="h6 mt-3"),
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


def cophenetic_table(spec: TreeSpec, values: dict[str, float | None],
                     skipped: dict[str, str], n: int = 0) -> Any:
    """Method, value and a note per method valid for the metric; the page's method in bold
    (past 20,000 rows each value is estimated on a random sample of rows, and says so)."""
    sample = cophenetic_sample_rows(n)
    sampled = "" if sample is None else f"estimated on {sample:,} random rows of {n:,}"
    rows = []
    for method in METHODS:
        if method in values:
            v = values[method]
            rows.append({"method": method, "cophenetic correlation": v,
                         "note": sampled if v is not None else "undefined (no variance)"})
        elif method in skipped:
            rows.append({"method": method, "cophenetic correlation": None,
                         "note": f"not computed: {skipped[method]}"})
    table = pd.DataFrame(rows, columns=["method", "cophenetic correlation", "note"])
    return data_grid(table, grid_id=ids.COPHENETIC_METHODS + "-table", highlight=(
        "method", spec.method), wrap=("note",), page_size=None,
        # Five decimals, as SciPy's tutorial prints it and as the status line shows it.
        formats={"cophenetic correlation": ".5f"})


def _cophenetic_inputs(tree_data: dict[str, Any] | None) -> tuple[Any, ...] | None:
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None:
        return None
    n, d = tree.prepared.matrix.shape
    methods, skipped = cophenetic_plan(tree.spec, n, d, tree.approximate is not None)
    return tree.spec, n, methods, skipped


@callback(
    Output(ids.COPHENETIC_METHODS, "children"),
    Input(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def cophenetic_methods(tree_data: dict[str, Any] | None) -> Any:
    """What a new tree shows at once: the table when small or already memoised, else how to
    get it (the button runs :func:`cophenetic_job`)."""
    got = _cophenetic_inputs(tree_data)
    if got is None:
        return ""
    spec, n, methods, skipped = got
    reason = rows_reason(spec, "Comparing methods (each clusters the rows again)")
    if reason:
        return html.Div(reason, className="form-text")
    if not methods:
        return cophenetic_table(spec, {}, skipped)
    if n <= COPHENETIC_AUTO_MAX or all_memoised(spec, methods):
        try:
            return cophenetic_table(spec, cophenetic_values(spec, methods), skipped, n)
        except (DataError, MemoryError) as err:
            return html.Div(f"Not available: {err}", className="text-danger small")
    return html.Div(
        f"{n:,} rows: press the button to cluster the data once per method "
        f"({len(methods)} methods) in the background; each result is kept for next time.",
        className="form-text")


@callback(
    Output(ids.COPHENETIC_METHODS, "children", allow_duplicate=True),
    Input(ids.COPHENETIC_RUN, "n_clicks"),
    State(ids.TREE_REF, "data"),
    background=True,
    progress=[Output(ids.COPHENETIC_PROGRESS, "children")],
    progress_default=[""],
    running=[
        (Output(ids.COPHENETIC_RUN, "disabled"), True, False),
        (Output(ids.COPHENETIC_CANCEL, "style"), SHOWN, HIDDEN),
    ],
    # A new tree makes a running comparison stale: it stops, as with the Cancel button
    # (JOBS_STALE: written only while a job runs, analysis/lazy.py).
    cancel=[Input(ids.COPHENETIC_CANCEL, "n_clicks"), Input(ids.JOBS_STALE, "data")],
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
    spec, n, methods, skipped = got
    reason = rows_reason(spec, "Comparing methods (each clusters the rows again)")
    if reason:
        return html.Div(reason, className="form-text")
    try:
        values = cophenetic_values(spec, methods, lambda text: set_progress((text,)))
    except (DataError, MemoryError) as err:
        return html.Div(f"Not available: {err}", className="text-danger small")
    except Exception:
        log.exception("cophenetic correlation by method failed")
        return html.Div("Something went wrong comparing the methods; try again or report it.",
                        className="text-danger small")
    return cophenetic_table(spec, values, skipped, n)

