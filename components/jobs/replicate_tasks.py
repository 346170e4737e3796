"""The Celery worker's side of the replicate work (issue 15): the chunk and reduce tasks.

The page sends a chord by name (:func:`components.jobs.replicates.dispatch`, with the names
``TASK_CHUNK`` and ``TASK_REDUCE`` defined there); :func:`register_tasks` puts the two tasks
under those names on a Celery app (``components.jobs.managers.make_celery``). Their bodies
memoise each chunk's part and then the result in the shared store, which the page polls.

No Dash here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components.jobs.replicates import (
    CHUNK_FN,
    TASK_CHUNK,
    TASK_REDUCE,
    Work,
    bounds,
    combine,
    make_plan,
    part_key,
    work_key,
)
from components.state.store import get_store
from components.state.trees import load_tree


def chunk_part(work: Work, b0: int, b1: int) -> None:
    """One chunk task's body: its part, memoised in the shared store."""
    tree = load_tree(work.spec, compute=False)
    plan = make_plan(work, tree)
    get_store().memo(part_key(work, b0, b1), lambda: CHUNK_FN[work.name](plan, b0, b1))


def reduce_parts(work: Work) -> None:
    """The reduce task's body: the parts (a part evicted from the cache is recomputed) ->
    the result, memoised under :func:`work_key`."""
    tree = load_tree(work.spec, compute=False)
    plan = make_plan(work, tree)
    fn = CHUNK_FN[work.name]
    store = get_store()
    parts = [store.memo(part_key(work, b0, b1), lambda b0=b0, b1=b1: fn(plan, b0, b1))
             for b0, b1 in bounds(work)]
    store.memo(work_key(work), lambda: combine(work, plan, parts))


def _in_app_context(fn: Callable[[], None]) -> None:
    """Run a task body with the app's settings in a Flask app context (as a job process does,
    ``components.jobs.launcher``): ``get_store`` reads them there."""
    import flask

    from components.settings import Settings
    from components.state.store import SETTINGS_KEY

    host = flask.Flask("dendro-replicates")
    host.config[SETTINGS_KEY] = Settings.from_env()
    with host.app_context():
        fn()


def register_tasks(celery_app: Any) -> None:
    """The chunk and reduce tasks on ``celery_app`` (``components.jobs.managers.make_celery``).

    ``shared=False``: Celery otherwise adds every decorated task to each Celery app created
    later in the process, so the next app (tests make several) met the name twice and warned
    ``DuplicateTaskNameWarning``; each app gets its own two tasks here, once.
    """

    @celery_app.task(name=TASK_CHUNK, ignore_result=False, shared=False)
    def replicate_chunk(payload: dict[str, Any], b0: int, b1: int) -> int:
        _in_app_context(lambda: chunk_part(Work.from_json(payload), b0, b1))
        return int(b0)

    @celery_app.task(name=TASK_REDUCE, shared=False)
    def replicate_reduce(_chunks: list[int], payload: dict[str, Any]) -> bool:
        _in_app_context(lambda: reduce_parts(Work.from_json(payload)))
        return True
