"""Starting a background job's process: forked by a clean, single-threaded job server.

This is the one place that uses multiprocess internals (``popen_forkserver``, ``spawn``,
``forkserver``): pinned by ``multiprocess==0.70.19`` in requirements.txt and checked by
``tests/components/jobs/test_launcher.py`` (which fails, naming the version, if those names
change). Why it exists is on :class:`components.jobs.managers.JobManager`.

Still needed (re-measured 2026-11-29 with dash 4.4.1, diskcache 5.6.3, multiprocess 0.70.19,
gunicorn 27.0.1: ``python bench/jobs_load.py --rounds 3 --users 20``; gunicorn 2 workers x 4
threads, 20 analysts, every tree a background job, 3 runs per variant, load average 4-23 on
the shared 2-core machine):

==================================  ==========================  ========================
job start (``DENDRO_JOB_MANAGER``)  jobs lost per run (of 20)   render p95 per run (s)
==================================  ==========================  ========================
``stock``: Dash's own fork          3, 7, 2 (12 of 60)          85, 82, 69
``launcher``: this module           0, 0, 0                     27, 79, 28
``forkserver``: public API          0, 0, 0                     75, 113, 67
``forkserver``, server pre-started  0, 0 (launcher: 0, 0)       20, 23 (launcher: 24, 22)
==================================  ==========================  ========================

Every lost job of the stock manager is the old defect: its first store read waited out
diskcache's 60 s lock timeout (``diskcache.core.Timeout`` in ``_transact``). multiprocess's
public ``set_start_method("forkserver")`` + ``set_forkserver_preload`` loses none either; its
slow renders were its server starting at the first job, and started with the app (as
``make_manager`` now does for it) it is as fast as this module. It differs in that it
re-imports a script's ``__main__`` in every job (``python app.py`` builds an app per job; not
under gunicorn) and cannot hand the job the app's ``Settings`` (jobs read the environment):
it is the public-API replacement for this module if the pin breaks.
Re-run the script after an upgrade of any of those four; drop this module when ``stock``
loses no job.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path
from typing import Any

from multiprocess import context as mp_context
from multiprocess import forkserver, popen_forkserver, spawn
from multiprocess import util as mp_util

from components import CALLBACK_MODULES
from components.settings import Settings

log = logging.getLogger(__name__)

#: Modules the job server imports once, so that a job starts in milliseconds, not seconds:
#: every module that holds callbacks (background ones included) and what they import. Since
#: the registration became a function (``components.register``), importing ``components``
#: alone imports none of them: each job then imported pandas, plotly and the page itself
#: (~1.5 s idle, 60 s and more on a loaded 2-core machine with 20 jobs starting at once).
JOB_PRELOAD = ["components", *CALLBACK_MODULES]


def start_job_server() -> None:
    """Make the job server import :data:`JOB_PRELOAD` and start it (in a thread: ~1 s)."""
    # multiprocess starts the server with the environment's path only (not sys.path), so the
    # app's root must be on PYTHONPATH or every job would import the app itself (~1.5 s each).
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH", "")
    if root not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, path) if p)
    forkserver.set_forkserver_preload(JOB_PRELOAD)
    threading.Thread(target=_ensure_running, daemon=True).start()


def _ensure_running() -> None:
    try:
        forkserver.ensure_running()
    except Exception:  # the first job tries again and reports what is wrong
        log.warning("the job server did not start", exc_info=True)


def _job_main(settings: Settings, job_fn: Any, *args: Any) -> None:
    """A job process: the app's settings in a Flask app context (``get_settings``/``get_store``
    read them there, as in a request), then Dash's job function."""
    import flask

    from components.state.store import SETTINGS_KEY

    host = flask.Flask("dendro-job")
    host.config[SETTINGS_KEY] = settings
    with host.app_context():
        job_fn(*args)


def start_job(settings: Settings, job_fn: Any, args: tuple[Any, ...]) -> int:
    """Run ``job_fn(*args)`` in a process forked by the job server; its pid."""
    process = _JobProcess(target=_job_main, args=(settings, job_fn, *args))
    process.start()
    return process.pid


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
