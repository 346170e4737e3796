"""Replicate chunks on this machine (issue 15): a pool of processes forked from the job.

:func:`run_chunks` runs a pure chunk function ``fn(plan, b0, b1)`` over ``[b0, b1)`` chunks
in :func:`replicate_workers` local processes (forked from the job, killed with it on Cancel)
and reports progress as the parts come back; the caller reduces the parts. What the
replicates are is the business of ``components.jobs.replicates.run_local``.

No Dash here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

Progress = Callable[[float, str], None]


def replicate_workers() -> int:
    """Local processes for the chunks: ``DENDRO_REPLICATE_WORKERS``, else the machine's cores.

    >>> replicate_workers() >= 1
    True
    """
    try:
        value = int(os.environ.get("DENDRO_REPLICATE_WORKERS", "0"))
    except ValueError:
        value = 0
    return max(1, value or (os.cpu_count() or 1))


def run_chunks(fn: Callable[[Any, int, int], Any], plan: Any, chunks: list[tuple[int, int]],
               n_boot: int, progress: Progress | None = None,
               workers: int | None = None) -> list[Any]:
    """The parts ``fn(plan, b0, b1)`` of every chunk, in the order they finish.

    Parameters
    ----------
    fn : callable
        A pure, picklable chunk function of the library (``count_clades`` and the like).
    plan : object
        Its plan, handed to every chunk.
    chunks : list of (int, int)
        The ``[b0, b1)`` ranges of replicates, together ``0 .. n_boot - 1``.
    n_boot : int
        The number of replicates, for the progress reports.
    progress : callable, optional
        ``progress(fraction, text)`` after each chunk.
    workers : int, optional
        Processes (at most one a chunk); default :func:`replicate_workers`. One runs the
        chunks in this process, in order.

    Examples
    --------
    >>> run_chunks(lambda plan, b0, b1: list(range(b0, b1)), None, [(0, 2), (2, 3)], 3,
    ...            workers=1)
    [[0, 1], [2]]
    """
    workers = min(workers or replicate_workers(), len(chunks))
    say = progress or (lambda f, t: None)
    parts: list[Any] = []
    if workers <= 1:
        for b0, b1 in chunks:
            parts.append(fn(plan, b0, b1))
            say(b1 / n_boot, f"{b1:,} of {n_boot:,} replicates")
        return parts
    # Forked from the job process (single-threaded, no open store transaction): the chunks
    # only compute; Cancel kills the job and, with it, these children.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(fn, plan, b0, b1): b1 - b0 for b0, b1 in chunks}
        done = 0
        for fut in as_completed(futures):
            parts.append(fut.result())
            done += futures[fut]  # the replicates of that chunk
            say(done / n_boot, f"{done:,} of {n_boot:,} replicates ({workers} processes)")
    return parts
