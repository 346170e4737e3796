"""Background jobs capped per client and in total (``max_jobs_per_client``, ``max_jobs``).

A job past a cap is not started: the page says "N jobs running; wait or cancel one" instead
(:func:`busy_message`), through the callback's ``on_error`` as for any job that could not
run. The count is kept where every web worker of the machine sees it (the jobs cache of
``components.jobs.managers.JobManager``): {job: client}, where a job is its process id once
started (alive while the process is) or a reservation made just before (a few seconds).
Forged background requests are counted too: the cap is applied where Dash starts the process.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

#: What every refusal contains (``components.jobs.tree.job_error_reason`` looks for it).
BUSY = "jobs running; wait or cancel one"
_KEY = "dendro-jobs-running"
#: A reservation not turned into a process id within this many seconds is dropped.
_RESERVATION_S = 60.0


def busy_message(running: int, cap: int, *, yours: bool) -> str:
    """What the page says when a job would pass a cap.

    >>> busy_message(2, 2, yours=True)
    '2 jobs running; wait or cancel one (at most 2 of yours at once), then Run again.'
    >>> busy_message(4, 4, yours=False)
    '4 jobs running; wait or cancel one (at most 4 on this server at once), then Run again.'
    """
    where = f"at most {cap} of yours at once" if yours else f"at most {cap} on this server at once"
    return f"{running} {BUSY} ({where}), then Run again."


def _alive(job: Any, client_and_time: tuple[str, float]) -> bool:
    import psutil

    if isinstance(job, str) and job.startswith("r-"):  # a reservation
        return time.time() - client_and_time[1] < _RESERVATION_S
    try:
        return psutil.Process(int(job)).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, ValueError):
        return False


def _refusal(clients: list[str], client: str, per_client: int, total: int) -> str | None:
    """Why one more job of ``client`` would pass a cap, with ``clients`` those of the jobs
    running; None when both caps allow it."""
    mine = sum(1 for c in clients if c == client)
    if mine >= per_client:
        return busy_message(mine, per_client, yours=True)
    if len(clients) >= total:
        return busy_message(len(clients), total, yours=False)
    return None


def reserve(cache: Any, client: str, per_client: int, total: int,
            alive: Any = None) -> tuple[str | None, str | None]:
    """Count the running jobs and, when both caps allow one more, reserve it.

    ``cache`` has ``transact()``, ``get`` and ``set`` (diskcache, or :class:`RedisJobs` for
    Celery); ``alive(job, (client, time))`` says whether a started job still runs (default:
    its process is alive). Returns ``(reservation, None)``, or ``(None, message)`` saying why
    not.
    """
    def still(job: Any, v: Any) -> bool:
        if isinstance(job, str) and job.startswith("r-"):
            return _alive(job, v)
        return (alive or _alive)(job, v)

    with cache.transact():
        running = {job: v for job, v in cache.get(_KEY, {}).items() if still(job, v)}
        busy = _refusal([c for c, _ in running.values()], client, per_client, total)
        token = None
        if busy is None:
            token = f"r-{uuid.uuid4().hex}"
            running[token] = (client, time.time())
        cache.set(_KEY, running)
    return token, busy


def has_room(cache: Any, client: str, per_client: int, total: int,
             extra: list[str] = ()) -> bool:
    """Whether both caps allow one more job of ``client`` now, reserving nothing; ``extra``
    are the clients of work the count does not hold yet (``components.jobs.head_start``).

    >>> import contextlib
    >>> class Jobs(dict):
    ...     def transact(self):
    ...         return contextlib.nullcontext()
    >>> has_room(Jobs(), "a", 1, 2), has_room(Jobs(), "a", 1, 2, extra=["a"])
    (True, False)
    >>> has_room(Jobs(), "a", 2, 2, extra=["b", "c"])
    False
    """
    with cache.transact():
        running = [c for job, (c, t) in cache.get(_KEY, {}).items() if _alive(job, (c, t))]
    return _refusal(running + list(extra), client, per_client, total) is None


def started(cache: Any, reservation: str, pid: int | str | None) -> None:
    """The reserved job's process started (``pid``; a Celery task id) or could not (None)."""
    with cache.transact():
        running = cache.get(_KEY, {})
        entry = running.pop(reservation, None)
        if entry is not None and pid:
            running[pid if isinstance(pid, str) else int(pid)] = entry
        cache.set(_KEY, running)


class RedisJobs:
    """The running-jobs count in Redis, for Celery: every web worker on every machine that
    reaches the Redis sees it. ``transact()`` holds a Redis lock; values are JSON."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def transact(self) -> Any:
        return self.client.lock(f"{_KEY}-lock", timeout=30, blocking_timeout=30)

    def get(self, key: str, default: Any = None) -> Any:
        import json

        raw = self.client.get(key)
        return default if raw is None else json.loads(raw)

    def set(self, key: str, value: Any) -> None:
        import json

        self.client.set(key, json.dumps(value))
