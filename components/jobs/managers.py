"""Background-callback managers: local job processes (diskcache) or Celery workers (Redis).

:func:`make_manager` picks one from the settings: :class:`JobManager` (Dash's
``DiskcacheManager``) on ``<data dir>/jobs`` by default, a process per job on this machine;
``dash.CeleryManager`` on Redis when ``REDIS_URL`` is set, and then ``celery -A
app:celery_app worker`` runs the jobs, on any machine that reaches that Redis. The job bodies
are in ``components.jobs.tree`` and ``components.jobs.cophenetic``; the callbacks that start
them are on the page (``components.page.compute``, ``components.analysis.cophenetic``).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from pathlib import Path
from typing import Any

import dash

from components.jobs import caps, launcher
from components.jobs.tree import JOB_STOPPED
from components.settings import Settings
from components.web.clients import current_client

log = logging.getLogger(__name__)

#: ``server.config`` key of the app's background-callback manager (``components.jobs.head_start``
#: starts an upload's linkage through it).
MANAGER_KEY = "DENDRO_JOBS"

#: How local job processes start; ``DENDRO_JOB_MANAGER`` picks one for the job-loss measurement
#: (``bench/jobs_load.py``), not a user setting: "launcher" (the default) forks them from the
#: clean job server of ``components.jobs.launcher``; "stock" is Dash's own
#: ``DiskcacheManager.call_job_fn`` (a ``multiprocess`` fork of the web worker); "forkserver"
#: is Dash's own too, with multiprocess's start method set to "forkserver" through its public
#: API (``set_start_method``, ``set_forkserver_preload``).
JOB_STARTS = ("launcher", "stock", "forkserver")


def job_start() -> str:
    """The job start of ``DENDRO_JOB_MANAGER`` (default "launcher"); one of :data:`JOB_STARTS`.

    >>> job_start() in JOB_STARTS
    True
    """
    value = os.environ.get("DENDRO_JOB_MANAGER", "launcher").strip().lower() or "launcher"
    if value not in JOB_STARTS:
        raise ValueError(f"DENDRO_JOB_MANAGER must be one of {', '.join(JOB_STARTS)}, "
                         f"not {value!r}")
    return value


def make_celery(redis_url: str) -> Any:
    """The Celery app of a Redis deployment: broker and result backend on ``redis_url``.

    The worker imports it as ``app:celery_app`` (``app.py`` exposes it), which also imports
    every component module and so registers the background callbacks as Celery tasks.
    """
    celery_app = _own_tasks_celery()("dendro", broker=redis_url, backend=redis_url)
    celery_app.conf.update(
        # One linkage at a time per worker process; a job that dies is not silently retried.
        worker_prefetch_multiplier=1,
        task_acks_late=False,
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
    )
    # Bootstrap chunks and their reduce (a chord: no task waits on another).
    from components.jobs.replicate_tasks import register_tasks

    register_tasks(celery_app)
    return celery_app


def _own_tasks_celery() -> type:
    """Celery whose tasks stay on the app that registered them (``shared=False``).

    Celery's default hands every task decorated on one app to each app created later in the
    process; Dash names its background-callback tasks after the callback, so a second app
    (tests build several) met each name with another app's function and warned
    ``DuplicateTaskNameWarning``. Registering per app means each app runs its own callbacks.
    A name registered again on the same app (a callback module imported again, as the tests'
    ``fresh_app`` does) replaces the earlier task, as the newer module intends.
    """
    from celery import Celery

    class OwnTasksCelery(Celery):
        def task(self, *args: Any, **opts: Any) -> Any:
            opts.setdefault("shared", False)
            opts.setdefault("lazy", False)  # registered now, so a second one can replace it
            name = opts.get("name")
            if name and name in self._tasks:
                self._tasks.unregister(name)
            return super().task(*args, **opts)

    return OwnTasksCelery


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
        return CappedCeleryManager(celery_app, settings), celery_app
    import diskcache

    jobs = Path(settings.data_dir) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    start = job_start()
    if start == "forkserver":
        import multiprocess

        # Dash's call_job_fn uses multiprocess.Process, i.e. the global default context.
        multiprocess.set_start_method("forkserver", force=True)
        multiprocess.set_forkserver_preload(launcher.JOB_PRELOAD)
        # Start the server now, as the launcher does, not in the first job: a no-op process
        # (public API only), in a thread as the server imports the app (~1 s).
        threading.Thread(target=lambda: multiprocess.Process(target=int).start(),
                         daemon=True).start()
    return JobManager(diskcache.Cache(str(jobs)), settings, start=start), None


#: How long a poll for a running job may wait on the server for news: new progress, the
#: result, or the job gone (issue 14). Dash's renderer asks again ``interval`` ms after each
#: answer, so a poll that waits turns ten polls a second into about one, and the result
#: reaches the page as it is stored instead of at the next poll (50 ms later on average at
#: 100 ms polls). In an A/B (README, 2 Dec afternoon) 34 polls per upload became 6 and
#: Chromium used ~0.3 s less CPU per upload (noisy), CPU it shares with the linkage here.
POLL_WAIT_S = 1.0
#: How long a poll that saw new progress still waits for the result.
POLL_LINGER_S = 0.1
#: How often a waiting poll looks at the jobs cache for the result, new progress or a Cancel
#: (three SQLite reads). Each look costs ~0.45 ms of CPU on this machine (the thread's wake-up
#: and the first read after it; ~60 µs warm), taken from the linkage where the server's cores
#: are few, so the poll does not look often: the job's end, which follows its result at once,
#: wakes it immediately (:func:`_exit_watch`).
POLL_TICK_S = 0.1


def _exit_watch(pid: Any) -> int | None:
    """A file descriptor that turns readable when process ``pid`` ends (Linux's pidfd, for
    any process, not only our children), or None where there is none (another system, an old
    kernel, the process already gone): the wait then asks the system at every look."""
    if not pid or not hasattr(os, "pidfd_open"):
        return None
    try:
        return os.pidfd_open(int(pid))
    except OSError:
        return None


def waiting_polls() -> int:
    """How many polls one web process lets wait at once: half its request threads
    (``DENDRO_THREADS``, as gunicorn.conf.py), so pages' other requests always find a thread;
    a poll past that answers at once, as Dash's own.

    >>> waiting_polls() >= 1
    True
    """
    return max(1, int(os.environ.get("DENDRO_THREADS", "4")) // 2)


class JobManager(dash.DiskcacheManager):
    """Dash's ``DiskcacheManager`` whose job processes are forked from a clean job server.

    Dash forks each job from the web worker that received the request. A gunicorn worker runs
    several threads that read and write SQLite (the disk store, the jobs cache): when one of
    them holds a lock at the moment of the fork, the child inherits SQLite's in-process lock
    table saying so, and every write it tries waits out the 60 s timeout and fails (under load
    about one job in four died on ``diskcache.core.Timeout``; re-measured with dash 4.4.1:
    12 of 60, see ``components.jobs.launcher`` and ``bench/jobs_load.py``). Here jobs are forked by a
    single-threaded "forkserver" process that has imported the app's modules and never touched
    SQLite, so each job starts with a clean state, in milliseconds. The job gets the app's
    settings explicitly (the child has no request context to read them from).
    """

    def __init__(self, cache: Any, settings: Settings, start: str = "launcher") -> None:
        super().__init__(cache)
        self.settings = settings
        self.start = start
        self._waits = threading.BoundedSemaphore(waiting_polls())
        if start == "launcher":
            # Start the job server now (it imports the app's modules, ~1 s), not in the first job.
            launcher.start_job_server()

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
        import psutil

        if job:
            self.handle.set(self._stopped_key(job), "terminated", expire=3600)
        try:
            super().terminate_job(job)
        except psutil.NoSuchProcess:
            pass  # it ended on its own between Dash's pid_exists() and Process(): nothing to do

    def job_running(self, job: Any) -> bool:
        """Dash's check, except that a job process reaped while Dash looks at it is "not
        running" instead of an exception.

        Dash asks ``psutil.pid_exists`` and then ``psutil.Process(pid)``; a job that exits and
        is reaped in between raises ``NoSuchProcess`` in the poll request, which Dash hands to
        the callback's ``on_error`` as if the job had failed ("process PID not found", seen in
        bench/jobs_load.py runs). A job's parent may reap it at any moment (the job server
        does, at once), so the window is real.
        """
        import psutil

        try:
            return super().job_running(job)
        except psutil.NoSuchProcess:
            return False

    @staticmethod
    def _stopped_key(job: Any) -> str:
        return f"dendro-job-stopped-{job}"

    @staticmethod
    def _job_key(key: Any) -> str:
        return f"dendro-job-of-{key}"

    def get_progress(self, key: Any) -> Any:
        """Dash's poll for a running job reads its progress first: wait here (up to
        :data:`POLL_WAIT_S`) until there is news, then answer as Dash does."""
        if self._waits.acquire(blocking=False):
            try:
                self.wait_for_news(key, POLL_WAIT_S)
            finally:
                self._waits.release()
        return super().get_progress(key)

    def wait_for_news(self, key: Any, timeout_s: float) -> str:
        """Wait until the job of cache ``key`` has its result or new progress, or is gone
        (ended, cancelled, never started), at most ``timeout_s``; what ended the wait.

        New progress ends the wait :data:`POLL_LINGER_S` later, or at the result if that comes
        first: a job's last progress comes just before its result, which would otherwise wait
        for the next poll. The job's process ending (it stores its result and exits) ends the
        wait at once; the cache is read every :data:`POLL_TICK_S`.
        """
        deadline = time.monotonic() + timeout_s
        progress_key = self._make_progress_key(key)
        job = self.handle.get(self._job_key(key))
        exit_watch = _exit_watch(job)
        news = None
        try:
            while True:
                if key in self.handle:
                    return "result"
                if job is None or self.handle.get(self._stopped_key(job)):
                    return "gone"
                if exit_watch is None and not self.job_running(job):
                    return "result" if key in self.handle else "gone"
                if news is None and progress_key in self.handle:
                    news = "progress"
                    deadline = min(deadline, time.monotonic() + POLL_LINGER_S)
                left = deadline - time.monotonic()
                if left <= 0:
                    return news or "timeout"
                if exit_watch is None:
                    time.sleep(min(left, POLL_TICK_S))
                elif select.select([exit_watch], [], [], min(left, POLL_TICK_S))[0]:
                    return "result" if key in self.handle else "gone"  # the job ended
        finally:
            if exit_watch is not None:
                os.close(exit_watch)

    def call_job_fn(self, key: Any, job_fn: Any, args: Any, context: Any) -> int:
        # Dash's own signature and arguments (DiskcacheManager.call_job_fn); only the process
        # that runs the job differs (components.jobs.launcher), and a job past a cap is not
        # started: its result is the refusal, which on_error shows (components.jobs.caps).
        s = self.settings
        reservation, busy = caps.reserve(self.handle, current_client() or "unknown",
                                         s.max_jobs_per_client, s.max_jobs)
        if busy is not None:
            log.info("background job refused: %s", busy)
            self.handle.set(key, {"background_callback_error": {"msg": busy, "tb": ""}},
                            expire=3600)
            return 0  # no process: Dash reads the result above and sees nothing running
        pid = None
        try:
            if self.start == "launcher":
                pid = launcher.start_job(self.settings, job_fn,
                                         (key, self._make_progress_key(key), args, context))
            else:
                pid = super().call_job_fn(key, job_fn, args, context)
        finally:
            caps.started(self.handle, reservation, pid)
        # Job ids are pids, which the system reuses: a new job starts without the "stopped"
        # mark an earlier process of that pid left (terminate_job also runs after every result).
        self.handle.delete(self._stopped_key(pid))
        if pid:
            self.handle.set(self._job_key(key), pid, expire=24 * 3600)  # for its polls' wait
        return pid


#: A Celery job whose state is not known after this long is no longer counted (a lost task).
_CELERY_JOB_MAX_S = 6 * 3600
_REFUSED = "refused-"


class CappedCeleryManager(dash.CeleryManager):
    """Dash's ``CeleryManager`` with the job caps of :mod:`components.jobs.caps`, counted in
    the Celery Redis (:class:`components.jobs.caps.RedisJobs`), so the caps hold across web
    workers and machines. A job counts from its submission (queued jobs too) until its task
    is ready (success, failure, revoked)."""

    def __init__(self, celery_app: Any, settings: Settings) -> None:
        super().__init__(celery_app)
        self.settings = settings
        self.jobs = caps.RedisJobs(celery_app.backend.client)

    def _task_alive(self, job: Any, client_and_time: Any) -> bool:
        import time

        if time.time() - float(client_and_time[1]) > _CELERY_JOB_MAX_S:
            return False
        return not self.handle.AsyncResult(str(job)).ready()

    def call_job_fn(self, key: Any, job_fn: Any, args: Any, context: Any) -> Any:
        import json
        import uuid

        s = self.settings
        reservation, busy = caps.reserve(self.jobs, current_client() or "unknown",
                                         s.max_jobs_per_client, s.max_jobs,
                                         alive=self._task_alive)
        if busy is not None:
            log.info("background job refused: %s", busy)
            self.handle.backend.set(key, json.dumps(
                {"background_callback_error": {"msg": busy, "tb": ""}}))
            return f"{_REFUSED}{uuid.uuid4().hex}"  # no task: never running
        task_id = None
        try:
            task_id = super().call_job_fn(key, job_fn, args, context)
        finally:
            caps.started(self.jobs, reservation, task_id)
        return task_id

    def job_running(self, job: Any) -> bool:
        if isinstance(job, str) and job.startswith(_REFUSED):
            return False
        return super().job_running(job)

    def terminate_job(self, job: Any) -> None:
        if isinstance(job, str) and job.startswith(_REFUSED):
            return
        super().terminate_job(job)
