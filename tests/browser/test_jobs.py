"""Big trees as background jobs: progress, cancel (the previous tree stays), run again.

Run twice: jobs in local processes (DiskcacheManager, the embedded default) and on a real
Celery worker through a real redis-server (REDIS_URL). blobs-20k's ward linkage takes a few
seconds here; DENDRO_BACKGROUND_ROWS=1000 sends it (but not tutorial-blobs) to the background.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.browser import harness
from tests.browser import hosting_helpers as H

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENV = {"DENDRO_BACKGROUND_ROWS": "1000"}


def _panel_shown(page) -> bool:
    return page.evaluate("getComputedStyle(document.getElementById('job-panel')).display") != "none"


def _run_cancel_and_rerun(browser, server) -> None:
    page = H.new_page(browser)
    H.open_link(page, server.url + "?dataset=tutorial-blobs&cut=50")
    assert H.rows_in_status(page) == 150
    harness.select_dropdown(page, "example", "blobs-20k")
    # The job starts: the panel, then a progress text from the job itself.
    page.wait_for_function("() => getComputedStyle(document.getElementById('job-panel')).display"
                           " !== 'none'", timeout=60_000)
    page.wait_for_function("() => /rows/.test(document.getElementById('job-progress').innerText)",
                           timeout=60_000)
    progress = harness.text_of(page, "job-progress")
    assert "20,000 rows" in progress, progress
    page.locator("#job-cancel").click()
    page.wait_for_function("() => getComputedStyle(document.getElementById('job-panel')).display"
                           " === 'none'", timeout=30_000)
    harness.wait_dash_idle(page, quiet_ms=1500)
    # Cancelled: the page stays responsive and the previous tree stays on screen.
    assert "Cancelled" in harness.text_of(page, "job-note")
    assert H.rows_in_status(page) == 150 and harness.cluster_count(page) == 2
    assert H.query(page)["dataset"] == "tutorial-blobs"
    # Run again: this time it finishes and the big tree replaces the small one.
    page.locator("#job-retry").click()
    page.wait_for_function("() => getComputedStyle(document.getElementById('job-panel')).display"
                           " !== 'none'", timeout=60_000)
    page.wait_for_function("() => /n = 20,000/.test(document.getElementById('status-main').innerText)",
                           timeout=180_000)
    H.settle(page, timeout=120)
    assert not _panel_shown(page)
    assert H.query(page)["dataset"] == "blobs-20k" and harness.cluster_count(page) == 8
    H.close(page)


def test_background_job_in_local_processes(browser):
    with harness.served(ENV) as server:
        _run_cancel_and_rerun(browser, server)


def _job_processes(server) -> list:
    """The running job processes of ``server``: children of its workers' job servers."""
    import psutil

    jobs = []
    for proc in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if "multiprocess.forkserver" in " ".join(proc.cmdline()):
                jobs.extend(proc.children())
        except psutil.NoSuchProcess:
            continue
    return jobs


def test_killed_job_says_so_and_keeps_the_view(browser):
    """A job killed outright (as the OOM killer does) leaves no result: the page says why."""
    import signal

    with harness.served(ENV) as server:
        page = H.new_page(browser)
        H.open_link(page, server.url + "?dataset=tutorial-blobs&cut=50")
        harness.select_dropdown(page, "example", "blobs-20k")
        page.wait_for_function("() => /rows/.test(document.getElementById('job-progress').innerText)",
                               timeout=60_000)
        jobs = _job_processes(server)
        assert jobs, "no job process found under the server"
        for job in jobs:
            job.send_signal(signal.SIGKILL)
        page.wait_for_function("() => /stopped before it finished/.test("
                               "document.getElementById('error').innerText)", timeout=60_000)
        harness.wait_dash_idle(page, quiet_ms=1000)
        assert not _panel_shown(page)
        message = harness.text_of(page, "error")
        assert "previous view is kept" in message and "lack of memory" in message, message
        assert H.rows_in_status(page) == 150 and harness.cluster_count(page) == 2
        assert page.evaluate("getComputedStyle(document.getElementById('job-retry')).display") != "none"
        H.close(page)


@pytest.fixture
def celery_worker(redis_url, tmp_path):
    """A real `celery -A app:celery_app worker` on the test Redis (prefork, one process)."""
    env = dict(os.environ, REDIS_URL=redis_url, DENDRO_DATA_DIR=str(tmp_path),
               PYTHONUNBUFFERED="1", **ENV)
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool=prefork",
             "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
            cwd=harness.REPO, env=env, stdout=logf, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while "ready." not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("celery worker did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.2)
    try:
        yield log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.mark.redis
def test_background_job_on_a_celery_worker(browser, redis_url, celery_worker):
    with harness.served(dict(ENV, REDIS_URL=redis_url)) as server:
        _run_cancel_and_rerun(browser, server)
    worker_log = celery_worker.read_text(errors="replace")
    # The jobs ran on the worker, not in the web process.
    assert worker_log.count("background_callback_") >= 2, worker_log[-3000:]
