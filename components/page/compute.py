"""The tree of the chosen view: computed at once when small, else as a background job.

Two steps, so the page stays responsive while a big linkage runs and any worker (or machine)
can do the work:

1. :func:`compute` (an ordinary callback) reads the choices and either computes the tree at
   once (tables up to ``settings.background_rows`` rows, or a tree already memoised) and writes
   the small ``tree-result`` store, or writes a request to the ``tree-job`` store;
2. :func:`compute_in_background` (a background callback on that store) runs the same job body
   (``components.jobs.tree.run_tree``) with a progress bar and a cancel button.

A new upload whose tree is a background job starts it from the upload callback itself
(:func:`upload_job`, the ``upload-job`` store, :func:`compute_upload_in_background`), so the
job does not wait for the preview and compute to answer first.

Either way the tree is memoised in the store, and the draw step (``components.page.tree_view``)
reads it back: the browser only ever holds ids and parameters. ``tree-request`` holds the
latest request, so a job that finishes after the analyst moved on is ignored.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import dash_bootstrap_components as dbc
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from clustering.errors import DataError
from clustering.prepare import Prepared, PrepareOptions
from components import ids
from components.jobs import head_start
from components.jobs.tree import GENERIC_ERROR, job_error_reason, job_failed, run_tree, runs_inline
from components.state.store import get_settings
from components.view import PRECOMPUTED, TreeSpec
from components.web.clients import current_client

log = logging.getLogger(__name__)

SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
#: How often the browser asks for a running job's progress (ms). The job's result waits on
#: average half of this after it is ready (issue 14: 1 s at first, then 500, then 250 ms); each
#: poll is a small request (~0.3 KB each way) that reads the job cache, so ten a second while a
#: job runs cost the server little.
POLL_MS = 100


def job_panel() -> html.Div:
    """The stores of the compute step and the progress bar / cancel button of a job."""
    return html.Div(
        [
            dcc.Store(id=ids.RESULT),
            dcc.Store(id=ids.JOB),
            dcc.Store(id=ids.REQUEST),
            dcc.Store(id=ids.UPLOAD_JOB),
            # Shown and hidden by its inline style: Bootstrap's d-flex is !important, so it
            # sits on an inner element.
            html.Div(
                html.Div(
                    [
                        # Striped but still: Bootstrap's moving stripes repaint the bar every
                        # frame, ~0.3 s of Chromium's CPU a second (software rendering) on the
                        # cores a linkage may share; the clock beside it ticks once a second.
                        html.Div(
                            dbc.Progress(id=ids.JOB_PROGRESS, value=0, label="", striped=True,
                                         animated=False, style={"height": "1.4rem"}),
                            className="flex-grow-1 me-2",
                        ),
                        html.Span("0 s", id=ids.JOB_CLOCK, className="small text-muted me-2",
                                  style={"minWidth": "3em", "textAlign": "right"},
                                  **{"aria-hidden": "true"}),
                        dbc.Button("Cancel", id=ids.JOB_CANCEL, size="sm", color="secondary",
                                   outline=True, disabled=True),
                    ],
                    className="d-flex align-items-center",
                ),
                id=ids.JOB_PANEL,
                className="mb-2",
                style=HIDDEN,
            ),
            html.Div(
                [
                    html.Span(id=ids.JOB_NOTE),
                    dbc.Button("Run again", id=ids.JOB_RETRY, size="sm", color="link",
                               className="p-0 ms-2 align-baseline", style=HIDDEN),
                ],
                className="small text-muted mb-1",
            ),
        ]
    )


def upload_job(dataset: dict[str, Any], missing: Any, one_hot: Any, scaling: Any,
               method: str | None, metric: str | None,
               prepared: tuple[PrepareOptions, Prepared] | None = None) -> dict[str, Any] | None:
    """The job request :func:`compute` will make for a new upload once its preview has set the
    pickers (every numeric column, no label column, the metric back from "precomputed"), when
    that tree is a background job; else None (compute decides, as for any other change).

    The upload callback starts it at once (issue 14: upload -> preview -> compute -> job start
    were three round trips before the job began); compute then finds the same choices in
    ``tree-request`` and leaves it running. ``prepared`` is the upload's table prepared under
    some options, which the head start takes as it is when they are the tree's.
    """
    try:
        spec = TreeSpec.from_controls(dataset, [], None, missing, one_hot, scaling, method,
                                      "euclidean" if metric == PRECOMPUTED else metric)
        if spec is None or not spec.dataset.has_rows or runs_inline(spec, get_settings()):
            return None
    except Exception:  # noqa: BLE001 - compute says what is wrong, as for any other choice
        return None
    _head_start(spec, prepared[1] if prepared and prepared[0] == spec.options else None)
    return {"id": uuid.uuid4().hex, "params": spec.to_json()}


def _head_start(spec: TreeSpec, prepared: Prepared | None) -> None:
    """Start the upload's linkage now, in this request (``components.jobs.head_start``): the
    job adopts it when it starts. Never stops the upload: without it the job links."""
    import flask

    from components.jobs.managers import MANAGER_KEY

    try:
        manager = flask.current_app.config.get(MANAGER_KEY)
        if manager is not None:
            head_start.begin(get_settings(), manager, spec, current_client() or "unknown",
                             prepared=prepared)
    except Exception:  # noqa: BLE001
        log.warning("no head start for the upload's tree", exc_info=True)


@callback(
    Output(ids.RESULT, "data"),
    Output(ids.JOB, "data"),
    Output(ids.REQUEST, "data"),
    Output(ids.JOB_NOTE, "children"),
    Output(ids.JOB_RETRY, "style"),
    Input(ids.DATASET, "data"),
    *[Input(cid, "value") for cid in ids.TREE_CONTROLS],
    Input(ids.JOB_RETRY, "n_clicks"),
    # The first call waits until the page knows its dataset (page/sharing.py): asked at load,
    # a page opened on a link raced the link's chain with the layout's opening example, whose
    # tree, drawn first, could rewrite the link's URL (tests/browser/test_gone_link.py).
    Input(ids.VIEW_OPENED, "data"),
    State(ids.REQUEST, "data"),
    prevent_initial_call=True,
)
def compute(dataset: dict[str, Any] | None, *args: Any) -> tuple[Any, ...]:
    """A tree request: answered at once when small or memoised, else sent to the background."""
    *controls, _retry, _opened, last = args
    try:
        spec = TreeSpec.from_controls(dataset, *controls)
    except DataError as err:
        request = {"id": uuid.uuid4().hex, "params": None}
        return ({"request": request["id"], "params": None, "error": str(err)}, no_update,
                request, "", HIDDEN)
    if spec is None:
        return (no_update,) * 5
    params = spec.to_json()
    # The same choices set twice (a preset, then a link's identical value) are one request.
    if last and last.get("params") == params and ctx.triggered_id != ids.JOB_RETRY:
        return (no_update,) * 5
    request = {"id": uuid.uuid4().hex, "params": params}
    try:
        inline = runs_inline(spec, get_settings())
    except DataError as err:
        failed = {"request": request["id"], "params": params, "error": str(err)}
        return failed, no_update, request, "", HIDDEN
    except Exception:
        log.exception("sizing the tree failed")
        failed = {"request": request["id"], "params": params,
                  "error": GENERIC_ERROR.format(what="the table")}
        return failed, no_update, request, "", HIDDEN
    if inline:
        return run_tree(request["id"], spec), no_update, request, "", HIDDEN
    return no_update, request, request, "", HIDDEN


def _tree_job(job_store: str, cancel: list[Input]) -> dict[str, Any]:
    """The background-callback settings of a tree job started from ``job_store``: its
    progress bar, the job panel while it runs, the Cancel button and the other ``cancel``
    inputs, and a failure shown as the job's error."""
    return {
        "output": Output(ids.RESULT, "data", allow_duplicate=True),
        "inputs": Input(job_store, "data"),
        "background": True,
        "progress": [Output(ids.JOB_PROGRESS, "value"), Output(ids.JOB_PROGRESS, "label")],
        "progress_default": [0, ""],
        "running": [(Output(ids.JOB_PANEL, "style"), SHOWN, HIDDEN),
                    (Output(ids.JOB_CANCEL, "disabled"), False, True)],
        "cancel": [Input(ids.JOB_CANCEL, "n_clicks"), *cancel],
        "interval": POLL_MS,
        "on_error": lambda err: job_failed(job_error_reason(err)),
        "prevent_initial_call": True,
    }


@callback(**_tree_job(ids.JOB, []))
def compute_in_background(set_progress: Any, job: dict[str, Any] | None) -> dict[str, Any]:
    """The big tree, in a job process or a Celery worker, reporting progress as it goes."""
    return _run_job(set_progress, job)


# Stopped by the button, or when compute asks for another tree (a new tree-job).
@callback(**_tree_job(ids.UPLOAD_JOB, [Input(ids.JOB, "data")]))
def compute_upload_in_background(set_progress: Any, job: dict[str, Any] | None
                                 ) -> dict[str, Any]:
    """The tree job a new upload started (:func:`upload_job`), as :func:`compute_in_background`.

    Its own callback because Dash starts a callback only when no pending callback can still
    change its input: ``tree-job`` waits for compute, which waits for the preview (issue 14:
    three round trips before the job began); ``upload-job`` is set by the upload alone.
    """
    return _run_job(set_progress, job)


# While a tree job runs, the graphs' WebGL is made ready for the figures it will bring
# (assets/gl_warm.js: their first WebGL trace costs 90-160 ms each with software WebGL).
clientside_callback(
    ClientsideFunction(namespace="dendroWarm", function_name="warm"),
    Input(ids.JOB, "data"),
    Input(ids.UPLOAD_JOB, "data"),
    State(ids.TRUNCATE_MODE, "value"),
    prevent_initial_call=True,
)


def _run_job(set_progress: Any, job: dict[str, Any] | None) -> dict[str, Any]:
    if not job:
        raise PreventUpdate

    def progress(percent: int, text: str) -> None:
        try:
            set_progress((int(percent), text))
        except Exception as err:  # noqa: BLE001 - a progress bar never stops the work
            # e.g. diskcache.core.Timeout when the jobs cache is busy: skip this update.
            log.warning("progress update skipped: %s", type(err).__name__)

    spec = TreeSpec.from_json(job["params"])
    head_start.wait_for(get_settings(), spec, progress)  # a head start links it: adopt it
    out = run_tree(job["id"], spec, progress)
    if out.get("failed"):
        out.update(job_failed(out["failed"]), request=job["id"], params=job["params"])
    return out


# A failed job offers "Run again" (the same choices, which compute would otherwise skip).
clientside_callback(
    """function (result) {
        if (result && result.retry) { return {"display": "inline"}; }
        return window.dash_clientside.no_update;
    }""",
    Output(ids.JOB_RETRY, "style", allow_duplicate=True),
    Input(ids.RESULT, "data"),
    prevent_initial_call=True,
)


# Cancelling keeps the previous tree on screen; say so, and forget the request so the same
# choices can be asked for again.
clientside_callback(
    """function (n) {
        var nu = window.dash_clientside.no_update;
        if (!n) { return [nu, nu, nu]; }
        return ["Cancelled: the tree shown is still the previous one.", null,
                {"display": "inline"}];
    }""",
    Output(ids.JOB_NOTE, "children", allow_duplicate=True),
    Output(ids.REQUEST, "data", allow_duplicate=True),
    Output(ids.JOB_RETRY, "style", allow_duplicate=True),
    Input(ids.JOB_CANCEL, "n_clicks"),
    prevent_initial_call=True,
)
