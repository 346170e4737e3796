"""A poll for a running job waits on the server for news (issue 14, goal 1).

Dash's renderer polls a background job every ``interval`` ms after each answer;
``JobManager.get_progress`` (the first thing Dash's poll reads) now waits until the job has
its result or new progress, or is gone, so a job's result reaches the page as it is stored
and a job that waits sends about one poll a second instead of ten. Real job processes
(Dash's own start, a fork of this process) write the jobs cache as Dash's job wrapper does.
No timed assertions: each test is told by what ended the wait and what the poll then read.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import diskcache
import flask
import pytest

from components.jobs import managers
from components.jobs.managers import JobManager, waiting_polls
from components.settings import Settings
from components.state.store import SETTINGS_KEY
from components.web.clients import COOKIE

LONG_S = 60.0  # a wait that, if the news were missed, would end the test as "timeout"


def scripted(key, progress_key, args, context):  # Dash's job function signature
    """A job that follows ``args``: ("progress", value), ("sleep", s), ("result", value)."""
    cache = diskcache.Cache(args["cache"])
    for step, value in args["steps"]:
        if step == "sleep":
            time.sleep(value)
        elif step == "progress":
            cache.set(progress_key, value)
        else:
            cache.set(key, value)


@pytest.fixture(params=["pidfd", "ticks"])
def jobs(request, tmp_path, monkeypatch):
    """A job manager and a function that starts a scripted job; each test runs twice: with the
    job's end watched by its pidfd (Linux), and without (every look asks the system)."""
    if request.param == "ticks":
        monkeypatch.setattr(managers, "_exit_watch", lambda pid: None)
        monkeypatch.setattr(managers, "POLL_TICK_S", 0.015)
    yield from _jobs(tmp_path)


@pytest.fixture
def pidfd_jobs(tmp_path):
    """:func:`jobs` with the job's end watched by its pidfd only."""
    yield from _jobs(tmp_path)


def _jobs(tmp_path):
    settings = Settings.from_env(data_dir=str(tmp_path), redis_url=None)
    cache_dir = str(tmp_path / "jobs")
    m = JobManager(diskcache.Cache(cache_dir), settings, start="stock")
    host = flask.Flask("poll-test")
    host.config[SETTINGS_KEY] = settings
    started: list[int] = []

    def start(key: str, *steps: tuple[str, object]) -> int:
        with host.test_request_context("/", headers={"Cookie": f"{COOKIE}={'p' * 43}"}):
            pid = m.call_job_fn(key, scripted, {"cache": cache_dir, "steps": list(steps)}, {})
        assert pid
        started.append(pid)
        return pid

    yield m, start
    for pid in started:
        m.terminate_job(pid)


def _in_thread(fn, *args):
    out: dict[str, object] = {}
    t = threading.Thread(target=lambda: out.setdefault("got", fn(*args)), daemon=True)
    t.start()
    return t, out


def test_a_waiting_poll_ends_at_the_result_which_dash_then_reads(jobs):
    m, start = jobs
    start("k", ("progress", [20, "linking"]), ("sleep", 0.5), ("result", {"n": 3}))
    assert m.wait_for_news("k", LONG_S) == "progress"
    assert m.get_progress("k") == [20, "linking"]  # read and cleared, as Dash does
    assert m.wait_for_news("k", LONG_S) == "result"
    assert m.get_result("k", None) == {"n": 3}


def test_the_job_ending_wakes_a_waiting_poll_at_its_result(pidfd_jobs, monkeypatch):
    # The cache is looked at only once here (tick 60 s): the job's end, just after it stored
    # its result, is what ends the wait.
    monkeypatch.setattr(managers, "POLL_TICK_S", LONG_S)
    m, start = pidfd_jobs
    start("k", ("sleep", 0.3), ("result", {"n": 3}))
    t, out = _in_thread(m.wait_for_news, "k", LONG_S)
    t.join(LONG_S / 2)  # the next look at the cache comes only after LONG_S
    assert not t.is_alive() and out["got"] == "result"


def test_the_last_progress_and_the_result_come_in_one_poll(jobs, monkeypatch):
    # The tree job reports its last progress just before it returns: the poll that sees the
    # progress stays for the result instead of leaving it to the next poll.
    monkeypatch.setattr(managers, "POLL_LINGER_S", LONG_S)
    m, start = jobs
    start("k", ("sleep", 0.2), ("progress", [95, "ordering leaves"]), ("sleep", 0.3),
          ("result", {"n": 3}))
    assert m.wait_for_news("k", LONG_S) == "result"


def test_progress_without_a_result_ends_the_wait_after_the_linger(jobs, monkeypatch):
    monkeypatch.setattr(managers, "POLL_LINGER_S", 0.2)
    m, start = jobs
    start("k", ("progress", [20, "linking"]), ("sleep", LONG_S))
    assert m.wait_for_news("k", LONG_S) == "progress"


def test_cancel_ends_a_waiting_poll(jobs):
    m, start = jobs
    pid = start("k", ("sleep", LONG_S))
    t, out = _in_thread(m.wait_for_news, "k", LONG_S)
    t.join(0.3)
    assert t.is_alive(), "nothing happened yet: the poll waits"
    m.terminate_job(pid)  # the Cancel button's request
    t.join(LONG_S)
    assert out["got"] == "gone"
    assert m.get_result("k", pid) is m.UNDEFINED  # cancelled by the user: Dash shows nothing


def test_a_job_killed_outright_ends_a_waiting_poll(jobs):
    m, start = jobs
    pid = start("k", ("sleep", LONG_S))
    t, out = _in_thread(m.wait_for_news, "k", LONG_S)
    t.join(0.3)
    os.kill(pid, signal.SIGKILL)  # e.g. the OOM killer
    t.join(LONG_S)
    assert out["got"] == "gone"
    assert "background_callback_error" in m.get_result("k", pid)


def test_a_poll_for_no_job_of_ours_answers_at_once(jobs):
    m, _start = jobs
    assert m.wait_for_news("unknown", LONG_S) == "gone"


def test_past_the_waiting_polls_a_poll_answers_at_once(jobs, monkeypatch):
    monkeypatch.setattr(managers, "POLL_WAIT_S", LONG_S)
    m, start = jobs
    pid = start("k", ("sleep", LONG_S))
    waiting = [_in_thread(m.get_progress, "k")[0] for _ in range(waiting_polls())]
    for t in waiting:
        t.join(0.2)
    assert all(t.is_alive() for t in waiting)
    assert m.get_progress("k") is None  # answered while the others still wait
    assert all(t.is_alive() for t in waiting)
    m.terminate_job(pid)
    for t in waiting:
        t.join(LONG_S)
    assert not any(t.is_alive() for t in waiting)
