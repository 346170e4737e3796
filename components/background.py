"""Long work off the request: the tree is computed in a Dash background callback above a size.

The tree of a view is computed in two steps, so that the page stays responsive while a big
linkage runs and any worker (or machine) can do the work:

1. :func:`compute` (an ordinary callback) reads the choices, and either computes the tree at
   once (tables up to ``settings.background_rows`` rows, or a tree already memoised) and writes
   the small ``tree-result`` store, or writes a request to the ``tree-job`` store;
2. :func:`compute_in_background` (a background callback on that store) prepares the table and
   runs the linkage with a progress bar and a cancel button, and writes ``tree-result``.

Either way the result is memoised in the store (``components.service``), and the draw step
(``components.callbacks.draw``) reads it back from there: the browser only ever holds ids and
parameters. ``tree-request`` holds the latest request, so a job that finishes after the
analyst moved on is ignored.

Managers (:func:`make_manager`): :class:`JobManager` (Dash's ``DiskcacheManager``) on
``<data dir>/jobs`` by default (a process per job on this machine, forked by a clean job
server); ``CeleryManager`` on Redis when ``REDIS_URL`` is set, and then ``celery -A
app:celery_app worker`` runs the jobs, on any machine that reaches that Redis.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from multiprocess import context as mp_context
from multiprocess import forkserver, popen_forkserver, spawn
from multiprocess import util as mp_util

from clustering.errors import DataError
from clustering.prepare import Prepared, PrepareOptions
from components import ids
from components.big import approx_key, load_big_tree
from components.service import (
    Tree,
    get_settings,
    is_memoised,
    load_prepared,
    table_summary,
    tree_key_parts,
)
from components.settings import Settings

log = logging.getLogger(__name__)

#: {what}: "the ward linkage", "the dendrogram", an upload's file name, ...
GENERIC_ERROR = "Something went wrong with {what}; try again or report it."
JOB_FAILED = "The clustering job failed ({why}); the previous view is kept. Try again."
SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}
#: How often the browser asks for a running job's progress (ms).
POLL_MS = 500


# ---------------------------------------------------------------- managers
def make_celery(redis_url: str) -> Any:
    """The Celery app of a Redis deployment: broker and result backend on ``redis_url``.

    The worker imports it as ``app:celery_app`` (``app.py`` exposes it), which also imports
    every component module and so registers the background callbacks as Celery tasks.
    """
    from celery import Celery

    celery_app = Celery("dendro", broker=redis_url, backend=redis_url)
    celery_app.conf.update(
        # One linkage at a time per worker process; a job that dies is not silently retried.
        worker_prefetch_multiplier=1,
        task_acks_late=False,
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
    )
    return celery_app


def make_manager(settings: Settings) -> tuple[Any, Any]:
    """The background-callback manager for ``settings`` and the Celery app (or None).

    Parameters
    ----------
    settings : Settings
        ``redis_url`` picks Celery; else jobs run in local processes with their progress and
        results in ``<data_dir>/jobs`` (diskcache), shared by every worker process.

    Returns
    -------
    (manager, celery_app)
        ``celery_app`` is None for the disk manager.

    Examples
    --------
    >>> import tempfile
    >>> manager, celery_app = make_manager(Settings.from_env(data_dir=tempfile.mkdtemp(),
    ...                                                      redis_url=None))
    >>> type(manager).__name__, celery_app
    ('JobManager', None)
    """
    if settings.redis_url:
        celery_app = make_celery(settings.redis_url)
        return dash.CeleryManager(celery_app), celery_app
    import diskcache

    jobs = Path(settings.data_dir) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    return JobManager(diskcache.Cache(str(jobs)), settings), None


#: Modules the job server imports once, so that a job starts in milliseconds, not seconds.
JOB_PRELOAD = ["components.callbacks", "components.layout"]

#: Why a job that vanished without a result failed (the page says it; see JobManager.get_result).
JOB_STOPPED = ("the job process was stopped before it finished, for example killed by the "
               "system for lack of memory")


def _job_main(settings: Settings, job_fn: Any, *args: Any) -> None:
    """A job process: the app's settings in a Flask app context (``get_settings``/``get_store``
    read them there, as in a request), then Dash's job function."""
    import flask

    from components.service import SETTINGS_KEY

    host = flask.Flask("dendro-job")
    host.config[SETTINGS_KEY] = settings
    with host.app_context():
        job_fn(*args)


class JobManager(dash.DiskcacheManager):
    """Dash's ``DiskcacheManager`` whose job processes are forked from a clean job server.

    Dash forks each job from the web worker that received the request. A gunicorn worker runs
    several threads that read and write SQLite (the disk store, the jobs cache): when one of
    them holds a lock at the moment of the fork, the child inherits SQLite's in-process lock
    table saying so, and every write it tries waits out the 60 s timeout and fails (under load
    about one job in four died on ``diskcache.core.Timeout``). Here jobs are forked by a
    single-threaded "forkserver" process that has imported the app's modules and never touched
    SQLite, so each job starts with a clean state, in milliseconds. The job gets the app's
    settings explicitly (the child has no request context to read them from).
    """

    def __init__(self, cache: Any, settings: Settings) -> None:
        super().__init__(cache)
        self.settings = settings
        # The job server imports JOB_PRELOAD before any job; multiprocess starts it with the
        # environment's path only (not sys.path), so the app's root must be on PYTHONPATH or
        # every job would import the app itself (~1.5 s each).
        root = str(Path(__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH", "")
        if root not in path.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, path) if p)
        forkserver.set_forkserver_preload(JOB_PRELOAD)
        # Start the job server now (it imports the app's modules, ~1 s), not in the first job.
        threading.Thread(target=_start_job_server, daemon=True).start()

    def get_result(self, key: Any, job: Any) -> Any:
        """The job's result; for a job process gone without one (killed outright, e.g. by the
        OOM killer), an error that the callback's ``on_error`` turns into a message.

        Dash alone treats such a job as cancelled: the progress bar vanishes and nothing
        says why. A job cancelled by the user is marked in :meth:`terminate_job` and still
        ends silently (the page says "Cancelled" itself).
        """
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or not job or self.job_running(job):
            return result
        # A job writes its result and then exits: read once more now that it has exited.
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or self.handle.get(self._stopped_key(job)):
            return result
        log.warning("background job %s ended without a result", job)
        self.handle.set(self._stopped_key(job), "reported", expire=3600)
        return {"background_callback_error": {"msg": JOB_STOPPED, "tb": ""}}

    def terminate_job(self, job: Any) -> None:
        if job:
            self.handle.set(self._stopped_key(job), "terminated", expire=3600)
        super().terminate_job(job)

    @staticmethod
    def _stopped_key(job: Any) -> str:
        return f"dendro-job-stopped-{job}"

    def call_job_fn(self, key: Any, job_fn: Any, args: Any, context: Any) -> int:
        process = _JobProcess(
            target=_job_main,
            args=(self.settings, job_fn, key, self._make_progress_key(key), args, context),
        )
        process.start()
        # Job ids are pids, which the system reuses: a new job starts without the "stopped"
        # mark an earlier process of that pid left (terminate_job also runs after every result).
        self.handle.delete(self._stopped_key(process.pid))
        return process.pid


def _start_job_server() -> None:
    try:
        forkserver.ensure_running()
    except Exception:  # the first job tries again and reports what is wrong
        log.warning("the job server did not start", exc_info=True)


class _JobPopen(popen_forkserver.Popen):
    """Starts a job through the forkserver without re-running the server's ``__main__``.

    multiprocess's forkserver children first import the parent's main module (spawn's rule,
    for functions defined there). Ours are all importable, and re-running ``app.py`` or a
    test script in every job would build another app per job. Otherwise as the original.
    """

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        mp_context.set_spawning_popen(self)
        try:
            mp_context.reduction.dump(prep_data, buf)
            mp_context.reduction.dump(process_obj, buf)
        finally:
            mp_context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)
        self.finalizer = mp_util.Finalize(self, mp_util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _JobProcess(mp_context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _JobPopen(process_obj)


# ---------------------------------------------------------------- the page's part
def job_panel() -> html.Div:
    """The stores of the compute step and the progress bar / cancel button of a job."""
    return html.Div(
        [
            dcc.Store(id=ids.RESULT),
            dcc.Store(id=ids.JOB),
            dcc.Store(id=ids.REQUEST),
            # Shown and hidden by its inline style: Bootstrap's d-flex is !important, so it
            # sits on an inner element.
            html.Div(
                html.Div(
                    [
                        html.Div(
                            dbc.Progress(id=ids.JOB_PROGRESS, value=0, label="", striped=True,
                                         animated=True, style={"height": "1.4rem"}),
                            className="flex-grow-1 me-2",
                        ),
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


# ---------------------------------------------------------------- the work
def tree_params(
    dataset: dict[str, Any] | None,
    features: list[str] | None,
    label: str | None,
    missing: str | None,
    one_hot: bool | None,
    scaling: str | None,
    method: str | None,
    metric: str | None,
) -> dict[str, Any] | None:
    """The JSON parameters that name a tree (None without a dataset).

    >>> tree_params({"example": "mpg"}, [], None, None, None, None, None, None)["method"]
    'ward'
    """
    if not dataset:
        return None
    options = PrepareOptions(
        features=tuple(features) if features else None,
        label_column=label or None,
        missing=missing or "drop",
        one_hot=bool(one_hot),
        scaling=scaling or "none",
    )
    return {"dataset": dataset, "options": options.to_dict(), "method": method or "ward",
            "metric": metric or "euclidean"}


def load_view_tree(params: dict[str, Any], progress: Any = None,
                   prepared: Prepared | None = None) -> Tree:
    """The memoised tree for ``params`` (exact, or approximate for very big tables);
    ``prepared``: its prepared table when the caller has read it already."""
    options = PrepareOptions.from_dict(params["options"])
    return load_big_tree(params["dataset"], options, params["method"], params["metric"],
                         progress=progress, prepared=prepared)


def run_tree(request_id: str, params: dict[str, Any], progress: Any = None) -> dict[str, Any]:
    """Compute (or fetch) the tree of ``params``; the small ``tree-result`` the page keeps.

    ``progress(percent, text)`` is told what is happening. Errors a person can act on come
    back in ``error``; nothing is raised.
    """
    report = progress or (lambda _pct, _text: None)
    out: dict[str, Any] = {"request": request_id, "params": params, "error": None}
    t0 = time.perf_counter()
    what = "the clustering"
    try:
        report(5, "Preparing the table…")
        options = PrepareOptions.from_dict(params["options"])
        prepared = load_prepared(params["dataset"], options)
        n = prepared.matrix.shape[0]
        what = f"the {params['method']} linkage"
        report(20, f"{params['method']} linkage of {n:,} rows ({params['metric']})…")

        def linkage_progress(fraction: float, text: str) -> None:
            report(int(20 + 75 * max(0.0, min(1.0, fraction))), f"{text} ({n:,} rows)")

        tree = load_view_tree(params, linkage_progress, prepared)
        report(100, "Drawing…")
        out.update(n=int(n), seconds=float(tree.hierarchy.seconds))
    except DataError as err:
        out["error"] = str(err)
    except Exception as exc:
        log.exception("computing %s failed", what)
        out["error"] = GENERIC_ERROR.format(what=what)
        # The kind of failure only: an exception's text may quote the data.
        out["failed"] = type(exc).__name__
    log.info("tree %s in %.2f s", out.get("n"), time.perf_counter() - t0)
    return out


def runs_inline(params: dict[str, Any], settings: Settings) -> bool:
    """True when the tree is small (<= ``background_rows`` rows) or already memoised (exact
    or approximate)."""
    _, _, n_rows = table_summary(params["dataset"])
    if n_rows <= settings.background_rows:
        return True
    parts = (params["dataset"], PrepareOptions.from_dict(params["options"]), params["method"],
             params["metric"])
    return is_memoised(tree_key_parts(*parts)) or is_memoised(approx_key(*parts))


@callback(
    Output(ids.RESULT, "data"),
    Output(ids.JOB, "data"),
    Output(ids.REQUEST, "data"),
    Output(ids.JOB_NOTE, "children"),
    Output(ids.JOB_RETRY, "style"),
    Input(ids.DATASET, "data"),
    Input(ids.FEATURE_COLUMNS, "value"),
    Input(ids.LABEL_COLUMN, "value"),
    Input(ids.MISSING, "value"),
    Input(ids.ONE_HOT, "value"),
    Input(ids.SCALING, "value"),
    Input(ids.METHOD, "value"),
    Input(ids.METRIC, "value"),
    Input(ids.JOB_RETRY, "n_clicks"),
    State(ids.REQUEST, "data"),
)
def compute(
    dataset: dict[str, Any] | None,
    features: list[str] | None,
    label: str | None,
    missing: str | None,
    one_hot: bool | None,
    scaling: str | None,
    method: str | None,
    metric: str | None,
    _retry: Any,
    last: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """A tree request: answered at once when small or memoised, else sent to the background."""
    params = tree_params(dataset, features, label, missing, one_hot, scaling, method, metric)
    if params is None:
        return (no_update,) * 5
    # The same choices set twice (a preset, then a link's identical value) are one request.
    if last and last.get("params") == params and ctx.triggered_id != ids.JOB_RETRY:
        return (no_update,) * 5
    request = {"id": uuid.uuid4().hex, "params": params}
    try:
        inline = runs_inline(params, get_settings())
    except DataError as err:
        failed = {"request": request["id"], "params": params, "error": str(err)}
        return failed, no_update, request, "", HIDDEN
    except Exception:
        log.exception("sizing the tree failed")
        failed = {"request": request["id"], "params": params,
                  "error": GENERIC_ERROR.format(what="the table")}
        return failed, no_update, request, "", HIDDEN
    if inline:
        return run_tree(request["id"], params), no_update, request, "", HIDDEN
    return no_update, request, request, "", HIDDEN


@callback(
    Output(ids.RESULT, "data", allow_duplicate=True),
    Input(ids.JOB, "data"),
    background=True,
    progress=[Output(ids.JOB_PROGRESS, "value"), Output(ids.JOB_PROGRESS, "label")],
    progress_default=[0, ""],
    running=[
        (Output(ids.JOB_PANEL, "style"), SHOWN, HIDDEN),
        (Output(ids.JOB_CANCEL, "disabled"), False, True),
    ],
    cancel=[Input(ids.JOB_CANCEL, "n_clicks")],
    interval=POLL_MS,
    on_error=lambda err: job_failed(job_error_reason(err)),
    prevent_initial_call=True,
)
def compute_in_background(set_progress: Any, job: dict[str, Any] | None) -> dict[str, Any]:
    """The big tree, in a job process or a Celery worker, reporting progress as it goes."""
    if not job:
        raise PreventUpdate

    def progress(percent: int, text: str) -> None:
        try:
            set_progress((int(percent), text))
        except Exception as err:  # noqa: BLE001 - a progress bar never stops the work
            # e.g. diskcache.core.Timeout when the jobs cache is busy: skip this update.
            log.warning("progress update skipped: %s", type(err).__name__)

    out = run_tree(job["id"], job["params"], progress)
    if out.get("failed"):
        out.update(job_failed(out["failed"]), request=job["id"], params=job["params"])
    return out


def job_error_reason(err: Exception) -> str:
    """What to tell the user about a job that raised or vanished.

    >>> job_error_reason(RuntimeError("boom"))
    'the job stopped with an error'
    >>> job_error_reason(RuntimeError(JOB_STOPPED)) == JOB_STOPPED
    True
    """
    return JOB_STOPPED if JOB_STOPPED in str(err) else "the job stopped with an error"


def job_failed(why: str) -> dict[str, Any]:
    """The ``tree-result`` of a job that failed: the draw step keeps the previous view and
    shows the message; "Run again" is offered.

    >>> job_failed("Timeout")["error"]
    'The clustering job failed (Timeout); the previous view is kept. Try again.'
    """
    return {"request": None, "params": None, "error": JOB_FAILED.format(why=why),
            "job_failed": True, "retry": True}


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
