"""Issue 13 point 3: job caps hold under Celery, counted in the Celery Redis across web workers.

Two managers on one real redis-server stand for two web workers (two processes' Celery apps).
No worker consumes the queue first, so submitted jobs stay queued and count; then a real Celery
worker runs them and the slots free up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import flask
import pytest

from components.jobs.caps import BUSY
from components.jobs.managers import make_manager
from components.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.redis


def _manager(redis_url: str, tmp_path: Path):
    settings = Settings.from_env(data_dir=str(tmp_path), redis_url=redis_url,
                                 max_jobs_per_client=2, max_jobs=3)
    manager, celery_app = make_manager(settings)

    @celery_app.task(name="hardening.add")
    def add(key, progress_key, args, context=None):
        return args[0] + args[1]

    return manager, celery_app, add


def _submit(manager, job_fn, client_addr: str, key: str):
    app = flask.Flask("t")
    with app.test_request_context(environ_base={"REMOTE_ADDR": client_addr}):
        return manager.call_job_fn(key, job_fn, (1, 2), None)


def _refusal(manager, key: str) -> str | None:
    raw = manager.handle.backend.get(key)
    return json.loads(raw)["background_callback_error"]["msg"] if raw else None


def test_caps_count_across_two_web_workers_and_free_when_a_worker_runs_them(redis_url, tmp_path):
    web1, celery1, add1 = _manager(redis_url, tmp_path / "a")
    web2, _, add2 = _manager(redis_url, tmp_path / "b")
    web1.jobs.client.delete("dendro-jobs-running")
    # Client A: two jobs, through different web workers; the third is refused (per client).
    a1 = _submit(web1, add1, "10.0.0.1", "k-a1")
    a2 = _submit(web2, add2, "10.0.0.1", "k-a2")
    a3 = _submit(web1, add1, "10.0.0.1", "k-a3")
    assert not a1.startswith("refused-") and not a2.startswith("refused-")
    assert a3.startswith("refused-") and not web1.job_running(a3)
    assert _refusal(web1, "k-a3") == \
        f"2 {BUSY} (at most 2 of yours at once), then Run again."
    # Client B: one more fits the total of 3; the next is refused (server-wide).
    b1 = _submit(web2, add2, "10.0.0.2", "k-b1")
    b2 = _submit(web1, add1, "10.0.0.2", "k-b2")
    assert not b1.startswith("refused-") and b2.startswith("refused-")
    assert _refusal(web1, "k-b2") == \
        f"3 {BUSY} (at most 3 on this server at once), then Run again."

    # A real worker runs the queued jobs; once they are done the slots are free.
    env = {**os.environ, "REDIS_URL": redis_url, "DENDRO_DATA_DIR": str(tmp_path / "w")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.test_hardening_celery_caps:worker_app",
         "worker", "--concurrency=1", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(
                not celery1.AsyncResult(t).ready() for t in (a1, a2, b1)):
            time.sleep(0.3)
        assert all(celery1.AsyncResult(t).ready() for t in (a1, a2, b1)), "worker ran nothing"
    finally:
        worker.terminate()
        out = worker.communicate(timeout=30)[0]
    assert celery1.AsyncResult(a1).get(timeout=5) == 3, out[-2000:]
    a4 = _submit(web2, add2, "10.0.0.1", "k-a4")
    assert not a4.startswith("refused-")


def _worker_app():
    manager, celery_app = make_manager(Settings.from_env(
        data_dir=os.environ["DENDRO_DATA_DIR"], redis_url=os.environ["REDIS_URL"]))

    @celery_app.task(name="hardening.add")
    def add(key, progress_key, args, context=None):
        return args[0] + args[1]

    return celery_app


def __getattr__(name: str):
    # The worker process imports this module by name (celery -A); built only there.
    if name == "worker_app":
        return _worker_app()
    raise AttributeError(name)
