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

    if isinstance(job, str):  # a reservation
        return time.time() - client_and_time[1] < _RESERVATION_S
    try:
        return psutil.Process(int(job)).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, ValueError):
        return False


def reserve(cache: Any, client: str, per_client: int, total: int) -> tuple[str | None, str | None]:
    """Count the running jobs and, when both caps allow one more, reserve it.

    Returns ``(reservation, None)``, or ``(None, message)`` saying why not.
    """
    with cache.transact():
        running = {job: v for job, v in cache.get(_KEY, {}).items() if _alive(job, v)}
        mine = sum(1 for c, _ in running.values() if c == client)
        if mine >= per_client:
            cache.set(_KEY, running)
            return None, busy_message(mine, per_client, yours=True)
        if len(running) >= total:
            cache.set(_KEY, running)
            return None, busy_message(len(running), total, yours=False)
        token = f"r-{uuid.uuid4().hex}"
        running[token] = (client, time.time())
        cache.set(_KEY, running)
    return token, None


def started(cache: Any, reservation: str, pid: int | None) -> None:
    """The reserved job's process started (``pid``) or could not (None)."""
    with cache.transact():
        running = cache.get(_KEY, {})
        entry = running.pop(reservation, None)
        if entry is not None and pid:
            running[int(pid)] = entry
        cache.set(_KEY, running)
