"""Celery work of the Evidence tab's support and stability (``REDIS_URL``): the page polls.

The support and stability jobs (``components.analysis.support``) send their chunks as a Celery
chord and return at once with the task ids (``pending``). Here: the poll interval runs only
while something is pending, says how many chunks are done, and marks the work done once the
reduce task stored the result; Stop revokes the tasks. Nothing here waits on a task.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Input, Output, State, callback, no_update

from components import ids
from components.jobs import replicates as rep
from components.jobs.managers import make_celery
from components.state.store import get_settings

log = logging.getLogger(__name__)

SHOWN = {"display": "inline-block"}
HIDDEN = {"display": "none"}


@callback(
    Output(ids.REPLICATE_POLL, "disabled"),
    Output(ids.SUPPORT_STOP, "style"),
    Output(ids.STABILITY_STOP, "style"),
    Input(ids.SUPPORT_DONE, "data"),
    Input(ids.STABILITY_DONE, "data"),
    prevent_initial_call=True,  # the layout starts disabled and hidden (issue 14)
)
def toggle_poll(sup: dict[str, Any] | None, stab: dict[str, Any] | None) -> tuple[Any, ...]:
    """Poll only while Celery work is pending; Stop shows for what is pending."""
    a, b = bool((sup or {}).get("pending")), bool((stab or {}).get("pending"))
    return not (a or b), SHOWN if a else HIDDEN, SHOWN if b else HIDDEN


def _polled(done: dict[str, Any] | None) -> Any:
    if not done or not done.get("pending") or not done.get("work"):
        return no_update
    work = rep.Work.from_json(done["work"])
    if rep.is_done(work):
        return {**done, "pending": None}
    parts = rep.parts_done(work)
    return no_update if parts == done.get("parts") else {**done, "parts": parts}


@callback(
    Output(ids.SUPPORT_DONE, "data", allow_duplicate=True),
    Output(ids.STABILITY_DONE, "data", allow_duplicate=True),
    Input(ids.REPLICATE_POLL, "n_intervals"),
    State(ids.SUPPORT_DONE, "data"),
    State(ids.STABILITY_DONE, "data"),
    prevent_initial_call=True,
)
def poll(_n: int | None, sup: dict[str, Any] | None, stab: dict[str, Any] | None) -> Any:
    """Chunks done on the workers, and the result once the reduce task stored it."""
    return _polled(sup), _polled(stab)


def _stop(done: dict[str, Any] | None) -> Any:
    if not done or not done.get("pending"):
        return no_update
    try:
        make_celery(get_settings().redis_url).control.revoke(done["pending"])
    except Exception:  # the broker is gone: the tasks are gone with it
        log.warning("could not revoke replicate tasks", exc_info=True)
    return {**done, "pending": None, "error": "Stopped."}


@callback(
    Output(ids.SUPPORT_DONE, "data", allow_duplicate=True),
    Input(ids.SUPPORT_STOP, "n_clicks"),
    State(ids.SUPPORT_DONE, "data"),
    prevent_initial_call=True,
)
def stop_support(_clicks: int | None, done: dict[str, Any] | None) -> Any:
    return _stop(done)


@callback(
    Output(ids.STABILITY_DONE, "data", allow_duplicate=True),
    Input(ids.STABILITY_STOP, "n_clicks"),
    State(ids.STABILITY_DONE, "data"),
    prevent_initial_call=True,
)
def stop_stability(_clicks: int | None, done: dict[str, Any] | None) -> Any:
    return _stop(done)
