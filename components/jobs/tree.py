"""The tree job: compute (or fetch) the tree of a view, reporting progress; never raises.

Run inline for small or memoised trees (:func:`runs_inline`), else in a background job
(``components.page.compute``). The result is memoised in the store and read back by the draw
step; what the page keeps is the small ``tree-result`` dict this returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from clustering.errors import DataError
from components.jobs.caps import BUSY
from components.settings import Settings
from components.state.budget import inline_work
from components.state.tables import load_prepared
from components.state.trees import is_stored, load_tree, stored_linkage
from components.view import TreeSpec

log = logging.getLogger(__name__)

#: {what}: "the ward linkage", "the dendrogram", an upload's file name, ...
GENERIC_ERROR = "Something went wrong with {what}; try again or report it."
JOB_FAILED = "The clustering job failed ({why}); the previous view is kept. Try again."
#: Why a job that vanished without a result failed (see components.jobs.managers.JobManager).
JOB_STOPPED = ("the job process was stopped before it finished, for example killed by the "
               "system for lack of memory")

Report = Callable[[int, str], None]


def run_tree(request_id: str, spec: TreeSpec, progress: Report | None = None) -> dict[str, Any]:
    """Compute (or fetch) the tree of ``spec``; the small ``tree-result`` the page keeps.

    ``progress(percent, text)`` is told what is happening. Errors a person can act on come
    back in ``error``; nothing is raised.
    """
    report = progress or (lambda _pct, _text: None)
    out: dict[str, Any] = {"request": request_id, "params": spec.to_json(), "error": None}
    t0 = time.perf_counter()
    what = "the clustering"
    try:
        stored = stored_linkage(spec)  # e.g. linked by the upload's head start, just adopted
        if stored is not None:
            report(100, "Drawing…")
            out.update(n=int(stored.n), seconds=float(stored.seconds))
            return out
        report(5, "Preparing the table…")
        prepared = load_prepared(spec)
        n = prepared.matrix.shape[0]
        what = f"the {spec.method} linkage"
        report(20, f"{spec.method} linkage of {n:,} rows ({spec.metric})…")

        def linkage_progress(fraction: float, text: str) -> None:
            report(int(20 + 75 * max(0.0, min(1.0, fraction))), f"{text} ({n:,} rows)")

        tree = load_tree(spec, progress=linkage_progress, prepared=prepared)
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


def runs_inline(spec: TreeSpec, settings: Settings) -> bool:
    """True when the tree is small (``components.state.budget.inline_work``: rows × encoded
    columns × method) or already memoised (exact or approximate)."""
    return inline_work(spec, settings) or is_stored(spec)


def job_error_reason(err: Exception) -> str:
    """What to tell the user about a job that raised or vanished.

    >>> job_error_reason(RuntimeError("boom"))
    'the job stopped with an error'
    >>> job_error_reason(RuntimeError(JOB_STOPPED)) == JOB_STOPPED
    True
    >>> job_error_reason(RuntimeError("An error occurred inside a background callback: "
    ...                               "2 " + BUSY + " (at most 2)."))
    '2 jobs running; wait or cancel one (at most 2).'
    """
    text = str(err)
    if BUSY in text:
        # Not a failure: the job was not started (components.jobs.caps); its own sentence
        # (Dash prefixes "An error occurred inside a background callback: ").
        line = next(ln for ln in text.splitlines() if BUSY in ln)
        return line.split("background callback:", 1)[-1].strip()
    return JOB_STOPPED if JOB_STOPPED in text else "the job stopped with an error"


def job_failed(why: str) -> dict[str, Any]:
    """The ``tree-result`` of a job that failed: the draw step keeps the previous view and
    shows the message; "Run again" is offered.

    >>> job_failed("Timeout")["error"]
    'The clustering job failed (Timeout); the previous view is kept. Try again.'
    """
    error = why if BUSY in why else JOB_FAILED.format(why=why)
    return {"request": None, "params": None, "error": error, "job_failed": True, "retry": True}
