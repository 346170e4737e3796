"""Background jobs capped per client and in total (issue 13, point 3's caps).

The manager Dash calls to start a job (``JobManager.call_job_fn``, in the request) starts no
process past a cap: the job's result is the refusal ("N jobs running; wait or cancel one"),
which the page shows through ``on_error``. Real processes: a cancelled (killed) job frees its
place at once.
"""

from __future__ import annotations

import time

import diskcache
import flask
import psutil
import pytest

from components.jobs import caps
from components.jobs.managers import JobManager
from components.jobs.tree import job_error_reason, job_failed
from components.settings import Settings
from components.state.store import SETTINGS_KEY
from components.web.clients import COOKIE

A, B, C = ("a" * 43, "b" * 43, "c" * 43)


def sleepy(key, progress_key, args, context):  # Dash's job function signature
    time.sleep(float(args))


@pytest.fixture
def manager(tmp_path):
    settings = Settings.from_env(data_dir=str(tmp_path), redis_url=None, max_jobs_per_client=1,
                                 max_jobs=2)
    m = JobManager(diskcache.Cache(str(tmp_path / "jobs")), settings, start="stock")
    host = flask.Flask("caps-test")
    host.config[SETTINGS_KEY] = settings
    started: list[int] = []

    def start(client: str, key: str) -> int:
        with host.test_request_context("/", headers={"Cookie": f"{COOKIE}={client}"}):
            job = m.call_job_fn(key, sleepy, "30", {})
        if job:
            started.append(job)
        return job

    yield m, start
    for pid in started:
        m.terminate_job(pid)


def _refusal(m: JobManager, key: str) -> str:
    got = m.get_result(key, 0)
    assert isinstance(got, dict) and "background_callback_error" in got, got
    return got["background_callback_error"]["msg"]


def test_jobs_past_the_per_client_cap_are_not_started(manager):
    m, start = manager
    first = start(A, "k1")
    assert first and psutil.pid_exists(first)
    assert start(A, "k2") == 0, "a second job of the same client"
    msg = _refusal(m, "k2")
    assert msg == caps.busy_message(1, 1, yours=True)
    assert msg.startswith("1 jobs running; wait or cancel one")
    # What the page then says (compute's on_error).
    shown = job_failed(job_error_reason(RuntimeError(
        f"An error occurred inside a background callback: {msg}\n")))
    assert shown["error"] == msg and shown["retry"]


def test_jobs_past_the_total_cap_are_not_started_and_cancel_frees_a_place(manager):
    m, start = manager
    a, b = start(A, "ka"), start(B, "kb")
    assert a and b
    assert start(C, "kc") == 0
    assert _refusal(m, "kc") == caps.busy_message(2, 2, yours=False)
    m.terminate_job(a)  # Cancel: Dash kills the process
    c = start(C, "kc2")
    assert c and psutil.pid_exists(c)


def test_forged_requests_without_a_cookie_share_one_address_quota(manager):
    m, start = manager
    assert start("not-a-token", "f1")
    assert start("not-a-token", "f2") == 0  # both counted against 127.0.0.1's address
