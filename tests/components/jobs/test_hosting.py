"""Serving a team: access control on every route, managers, memo keys, the operator's docs."""

from __future__ import annotations

import base64
import json
import os
import re
import runpy
import urllib.error
import urllib.request
from dataclasses import fields
from pathlib import Path

import pytest

from clustering.prepare import PrepareOptions
from components.settings import Settings
from tests.browser import harness
from tests.callback_bodies import pair_options_body

ROOT = Path(__file__).resolve().parents[3]
USER, PASSWORD = "analyst", "s3cret-pass"


def _request(url: str, *, auth: str | None = None, body: dict | None = None) -> int:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def locked_server():
    """The real app (dev server) with access control on."""
    server = harness.start_server("dev", cold=True, extra_env={
        "DENDRO_AUTH_USER": USER, "DENDRO_AUTH_PASSWORD": PASSWORD})
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_every_route_needs_the_password(locked_server):
    base = locked_server.url.rstrip("/")
    good = f"{USER}:{PASSWORD}"
    # A real callback request: the method/metric pickers' options.
    body = pair_options_body()
    index = urllib.request.Request(base + "/", headers={
        "Authorization": "Basic " + base64.b64encode(good.encode()).decode()})
    with urllib.request.urlopen(index, timeout=30) as r:
        page = r.read().decode()
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert suites, "the index lists no component-suite scripts"
    routes = ["/", "/?dataset=tutorial-blobs&cut=50", "/_dash-layout", "/_dash-dependencies",
              "/assets/dendro.js", "/assets/url_state.js", suites[0], "/_favicon.ico"]
    for route in routes:
        assert _request(base + route) == 401, route
        assert _request(base + route, auth=f"{USER}:wrong") == 401, route
        assert _request(base + route, auth=f"nobody:{PASSWORD}") == 401, route
        assert _request(base + route, auth=good) == 200, route
    assert _request(base + "/_dash-update-component", body=body) == 401
    assert _request(base + "/_dash-update-component", auth=good, body=body) == 200


def test_access_control_is_off_by_default():
    s = Settings.from_env()
    for name in ("DENDRO_AUTH_USER", "DENDRO_AUTH_PASSWORD"):
        if os.environ.get(name):
            pytest.skip(f"{name} is set in this environment")
    assert s.auth_user is None and s.auth_password is None


# ------------------------------------------------------------------ background managers
def test_disk_manager_keeps_jobs_under_the_data_dir(tmp_path):
    import dash

    from components.jobs.managers import make_manager

    manager, celery_app = make_manager(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    assert isinstance(manager, dash.DiskcacheManager) and celery_app is None
    assert Path(manager.handle.directory) == tmp_path / "jobs"


def test_a_job_gone_without_a_result_is_an_error_unless_cancelled(tmp_path):
    import subprocess
    import sys

    from components.jobs.managers import make_manager
    from components.jobs.tree import JOB_STOPPED

    manager, _ = make_manager(Settings.from_env(data_dir=str(tmp_path), redis_url=None))

    def gone_pid() -> int:
        done = subprocess.Popen([sys.executable, "-c", "pass"])
        done.wait()
        return done.pid

    killed = gone_pid()
    result = manager.get_result("key-killed", killed)
    assert result == {"background_callback_error": {"msg": JOB_STOPPED, "tb": ""}}
    # said once: the next poll of the same job is quiet
    assert manager.get_result("key-killed", killed) is manager.UNDEFINED
    cancelled = gone_pid()
    manager.terminate_job(cancelled)
    assert manager.get_result("key-cancelled", cancelled) is manager.UNDEFINED
    finished = gone_pid()
    manager.handle.set("key-done", {"tree": 1})
    assert manager.get_result("key-done", finished) == {"tree": 1}
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert manager.get_result("key-running", running.pid) is manager.UNDEFINED
    finally:
        running.kill()
        running.wait()


def test_a_new_job_is_not_taken_for_a_cancelled_one_of_the_same_pid(tmp_path, monkeypatch):
    import time

    from components.jobs import launcher
    from components.jobs.managers import make_manager
    from components.jobs.tree import JOB_STOPPED

    manager, _ = make_manager(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    real_start = launcher._JobProcess.start

    def start_on_a_reused_pid(process):
        real_start(process)
        # what an earlier, cancelled (or finished) process with this pid left behind
        manager.handle.set(manager._stopped_key(process.pid), "terminated")

    monkeypatch.setattr(launcher._JobProcess, "start", start_on_a_reused_pid)
    # A job that dies without writing a result (max() of its arguments raises), as one
    # killed outright would.
    pid = manager.call_job_fn("key-new", max, (), {})
    deadline = time.monotonic() + 60
    while manager.job_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert manager.get_result("key-new", pid) == {
        "background_callback_error": {"msg": JOB_STOPPED, "tb": ""}}


def test_a_job_reaped_while_polled_is_not_running_rather_than_an_error(tmp_path, monkeypatch):
    """Dash asks psutil.pid_exists, then psutil.Process(pid): a job reaped in between raised
    NoSuchProcess in the poll, which on_error showed as a failed job (bench/jobs_load.py)."""
    import psutil

    from components.jobs.managers import make_manager

    manager, _ = make_manager(Settings.from_env(data_dir=str(tmp_path), redis_url=None))

    def reaped(pid):
        raise psutil.NoSuchProcess(pid)

    monkeypatch.setattr(psutil, "pid_exists", lambda pid: True)
    monkeypatch.setattr(psutil, "Process", reaped)
    assert manager.job_running(12345) is False
    manager.terminate_job(12345)  # nothing to stop, no exception
    assert manager.handle.get(manager._stopped_key(12345)) == "terminated"


@pytest.mark.redis
def test_celery_manager_registers_the_tree_job(redis_url, tmp_path):
    import dash

    import components
    from components.jobs.managers import make_manager

    components.register()  # what app.py does: every module holding callbacks is imported
    manager, celery_app = make_manager(Settings.from_env(data_dir=str(tmp_path),
                                                         redis_url=redis_url))
    assert isinstance(manager, dash.CeleryManager)
    assert celery_app.conf.broker_url == redis_url
    # Every background callback is a Celery task the worker can run.
    jobs = [t for t in celery_app.tasks if t.startswith("background_callback_")]
    assert len(jobs) >= 1
    # The broker answers (a real redis-server).
    assert celery_app.backend.client.ping()


def test_app_exposes_celery_app_for_the_worker():
    import app

    assert hasattr(app, "celery_app")
    assert (app.celery_app is None) == (not app.server.config["DENDRO_SETTINGS"].redis_url)


# ------------------------------------------------------------------ memo keys
def test_the_linkage_memo_key_covers_every_parameter(tmp_path):
    from app import create_app
    from components.state.trees import tree_memo_key
    from components.view import DatasetRef, TreeSpec

    def tree_key_parts(dataset, options, method, metric):
        return tree_memo_key(TreeSpec(DatasetRef.from_json(dataset), options, method, metric))

    app = create_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    ds = {"example": "mpg"}
    base = PrepareOptions()
    variants = [
        (ds, base, "ward", "euclidean"),
        ({"example": "tutorial-blobs"}, base, "ward", "euclidean"),
        ({"dataset_id": "ab" * 32, "filename": "x.csv"}, base, "ward", "euclidean"),
        (ds, PrepareOptions(features=("mpg",)), "ward", "euclidean"),
        (ds, PrepareOptions(features=("mpg", "weight")), "ward", "euclidean"),
        (ds, PrepareOptions(features=("weight", "mpg")), "ward", "euclidean"),
        (ds, PrepareOptions(label_column="name"), "ward", "euclidean"),
        (ds, PrepareOptions(missing="mean"), "ward", "euclidean"),
        (ds, PrepareOptions(one_hot=True), "ward", "euclidean"),
        (ds, PrepareOptions(scaling="zscore"), "ward", "euclidean"),
        (ds, base, "single", "euclidean"),
        (ds, base, "single", "cityblock"),
    ]
    with app.server.app_context():
        keys = [json.dumps(tree_key_parts(*v), sort_keys=True) for v in variants]
    assert len(set(keys)) == len(keys)
    # The table caps change what is read, so they are in the key too.
    capped = create_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None, max_rows=10))
    with capped.server.app_context():
        assert json.dumps(tree_key_parts(*variants[0]), sort_keys=True) != keys[0]


def test_a_tree_is_computed_once_and_then_read_back(tmp_path):
    from app import create_app
    from components.jobs.tree import run_tree, runs_inline
    from components.state.trees import is_memoised, tree_memo_key
    from components.view import DatasetRef, TreeSpec

    app = create_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None,
                                       background_rows=10))
    params = TreeSpec(DatasetRef(example="tutorial-blobs"), PrepareOptions(), "average",
                      "cityblock")
    with app.server.app_context():
        key = tree_memo_key(params)
        assert not is_memoised(key)
        # 150 rows > 10: a background job, until the tree is in the store.
        assert not runs_inline(params, app.server.config["DENDRO_SETTINGS"])
        seen = []
        out = run_tree("r1", params, lambda pct, text: seen.append((pct, text)))
        assert out["error"] is None and out["n"] == 150 and out["request"] == "r1"
        assert [p for p, _ in seen] == sorted(p for p, _ in seen) and seen[-1][0] == 100
        assert is_memoised(key)
        assert runs_inline(params, app.server.config["DENDRO_SETTINGS"])


# ------------------------------------------------------------------ what the operator reads
def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("DENDRO_HOST", "0.0.0.0")
    monkeypatch.setenv("DENDRO_PORT", "9123")
    monkeypatch.setenv("DENDRO_WORKERS", "5")
    monkeypatch.setenv("DENDRO_THREADS", "3")
    monkeypatch.setenv("DENDRO_TIMEOUT", "77")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:9123"
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (5, 3, 77)
    assert callable(conf["post_worker_init"])


def _hosting_section() -> str:
    text = (ROOT / "README.md").read_text()
    assert "## Hosting" in text, "README has no Hosting section"
    return text.split("## Hosting", 1)[1].split("\n## ", 1)[0]


def test_readme_table_lists_every_setting():
    section = _hosting_section()
    env_names = set(re.findall(r"`((?:DENDRO|REDIS)_[A-Z_]+)`", section))
    source = (ROOT / "components" / "settings.py").read_text()
    for f in fields(Settings):
        m = re.search(rf'"{f.name}":[^\n]*?"((?:DENDRO|REDIS)_[A-Z_]+)"', source)
        assert m, f"settings.py reads {f.name} from no variable"
        assert m.group(1) in env_names, f"{m.group(1)} ({f.name}) is missing from the README table"
    for name in ("DENDRO_WORKERS", "DENDRO_THREADS", "DENDRO_TIMEOUT", "REDIS_URL"):
        assert name in env_names, name
    assert "gunicorn app:server" in section
    assert "celery -A app:celery_app worker" in section


def test_docker_files_run_the_readme_commands():
    docker = (ROOT / "Dockerfile").read_text()
    # Debian's python3 on the base CI can make itself (tests/test_image.py builds and runs it).
    assert re.search(r"^FROM debian:bookworm-slim$", docker, re.M)
    assert re.search(r"^HEALTHCHECK ", docker, re.M)
    assert 'VOLUME ["/data"]' in docker
    assert re.search(r"^USER (?!root)\w+", docker, re.M), "the image must not run as root"
    assert 'CMD ["gunicorn", "app:server"]' in docker
    compose = (ROOT / "docker-compose.yml").read_text()
    for service in ("redis:", "web:", "worker:"):
        assert f"  {service}" in compose
    assert '"celery", "-A", "app:celery_app", "worker"' in compose
    assert "REDIS_URL: redis://redis:6379/0" in compose
