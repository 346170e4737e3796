"""An upload's linkage started by the upload request (issue 14, goal 1): adopted by its job,
stopped when nobody waits for it, replaced by the job's own linkage when it dies early.

Real processes of the job server (``components.jobs.launcher``), a real disk store and jobs
cache; the linkage is ward on 20,000 × 10 rows (2-4 s here), long enough to stop it halfway.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import time

import diskcache
import flask
import numpy as np
import pandas as pd
import psutil
import pytest

from components.jobs import caps, head_start
from components.jobs.managers import JobManager
from components.jobs.tree import run_tree
from components.settings import Settings
from components.state.store import SETTINGS_KEY, get_store
from components.state.trees import is_stored
from components.view import DatasetRef, TreeSpec

N = 20_000


def _csv(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=8, size=(6, 10))
    X = centres[rng.integers(0, 6, N)] + rng.normal(size=(N, 10))
    buf = io.StringIO()
    pd.DataFrame(X, columns=[f"f{i}" for i in range(10)]).to_csv(buf, index=False)
    return buf.getvalue().encode()


@pytest.fixture
def env(tmp_path):
    settings = Settings.from_env(data_dir=str(tmp_path), redis_url=None,
                                 max_jobs_per_client=2, max_jobs=4)
    manager = JobManager(diskcache.Cache(str(tmp_path / "jobs")), settings, start="launcher")
    host = flask.Flask("head-start-test")
    host.config[SETTINGS_KEY] = settings
    started: list[int] = []

    def spec(seed: int) -> TreeSpec:
        ds = get_store().put_dataset(_csv(seed), f"t{seed}.csv")
        return TreeSpec(DatasetRef(dataset_id=ds, filename=f"t{seed}.csv"), method="ward")

    def begin(s: TreeSpec, client: str = "browser:a", grace_s: float = head_start.GRACE_S,
              prepared=None):
        pid = head_start.begin(settings, manager, s, client, grace_s=grace_s, prepared=prepared)
        if pid:
            started.append(pid)
        return pid

    with host.app_context():
        yield settings, spec, begin
    for pid in started:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_the_job_adopts_the_head_start_and_links_nothing_itself(env, caplog):
    settings, spec, begin = env
    s = spec(1)
    pid = begin(s)
    assert pid and not is_stored(s)
    said: list[tuple[int, str]] = []
    assert head_start.wait_for(settings, s, lambda p, t: said.append((p, t)))
    # The head start stored the tree: the job's own run only reads it.
    assert is_stored(s), "the waiter returned before the head start stored the tree"
    assert said and said[0][1] == "ward linkage of 20,000 rows (euclidean), started with the upload…"
    assert _gone(pid, 5)
    assert not list(head_start.marker_dir(settings).iterdir())  # marker and waiter files gone
    with caplog.at_level("INFO", logger="clustering.linkage"):
        out = run_tree("r1", s)
    assert out["error"] is None and out["n"] == N
    assert not [r for r in caplog.records if r.getMessage().startswith("linkage n=")]


def test_a_head_start_links_the_matrix_it_was_handed_and_the_job_only_reads_z(env, caplog,
                                                                             monkeypatch):
    # The upload request hands over the matrix it prepared (issue 14): the head start links
    # that one, without reading the table from the store. Handed a smaller matrix than the
    # stored table's, the tree it stores has that matrix's size.
    from clustering.prepare import PrepareOptions, prepare
    from components.jobs import tree as tree_job

    settings, spec, begin = env
    s = spec(3)
    small = prepare(pd.read_csv(io.BytesIO(_csv(4))).head(500), PrepareOptions())
    pid = begin(s, prepared=small)
    assert pid
    assert head_start.wait_for(settings, s, lambda p, t: None)
    assert _gone(pid, 5)
    # The adopting job answers from Z alone: it neither prepares the table nor links.
    monkeypatch.setattr(tree_job, "load_prepared", lambda *a: pytest.fail("read the table"))
    with caplog.at_level("INFO", logger="clustering.linkage"):
        out = run_tree("r1", s)
    assert out["error"] is None and out["n"] == 500
    assert not [r for r in caplog.records if r.getMessage().startswith("linkage n=")]


def test_a_head_start_nobody_adopts_stops_before_storing(env):
    settings, spec, begin = env
    s = spec(2)
    pid = begin(s, grace_s=0.3)
    assert pid
    assert _gone(pid, 3), "a head start no job came for kept linking"
    assert not is_stored(s)
    assert not head_start.unadopted(settings)
    # Its job, had it come late, computes the tree itself.
    assert not head_start.wait_for(settings, s, lambda p, t: None)


def _wait(settings: Settings, params: dict) -> None:
    host = flask.Flask("waiter")
    host.config[SETTINGS_KEY] = settings
    with host.app_context():
        head_start.wait_for(settings, TreeSpec.from_json(params), lambda p, t: None)


def test_a_cancelled_job_stops_its_head_start(env):
    settings, spec, begin = env
    s = spec(3)
    pid = begin(s)
    waiter = multiprocessing.get_context("fork").Process(target=_wait,
                                                         args=(settings, s.to_json()))
    waiter.start()
    time.sleep(0.5)
    assert not head_start.unadopted(settings)  # adopted: its job holds the place now
    assert not _gone(pid, 0.3)
    waiter.kill()  # what Dash's terminate_job does to a cancelled job
    waiter.join()
    assert _gone(pid, 3), "the head start went on linking for a cancelled job"
    assert not is_stored(s)


def test_a_head_start_that_died_leaves_the_linkage_to_the_job(env, caplog):
    settings, spec, begin = env
    s = spec(4)
    pid = begin(s)
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid, 3)
    with caplog.at_level("WARNING", logger="components.jobs.head_start"):
        assert head_start.wait_for(settings, s, lambda p, t: None)
    # It saw the process dead (not a finished head start, which removes its own marker).
    assert any("ended without the tree" in r.getMessage() for r in caplog.records)
    assert not head_start._marker(settings, s).exists()
    out = run_tree("r2", s)
    assert out["error"] is None and out["n"] == N and is_stored(s)


def test_head_starts_count_under_the_caps(env):
    settings, spec, begin = env
    first, second, third = spec(5), spec(6), spec(7)
    assert begin(first, client="browser:a")
    assert begin(second, client="browser:a")
    # Two unadopted head starts of client a: at its cap of 2, a third is not started.
    assert begin(third, client="browser:a") is None
    assert head_start.unadopted(settings) == ["browser:a", "browser:a"]
    assert not caps.has_room(diskcache.Cache(os.path.join(settings.data_dir, "jobs")),
                             "browser:a", 2, 4, extra=head_start.unadopted(settings))
    # One head start per tree: the same table uploaded again waits for the running one.
    assert begin(first, client="browser:b") is None


def test_no_head_start_with_celery_or_another_job_start(tmp_path):
    settings = Settings.from_env(data_dir=str(tmp_path), redis_url=None)
    stock = JobManager(diskcache.Cache(str(tmp_path / "jobs")), settings, start="stock")
    spec = TreeSpec(DatasetRef(example="blobs-5k"))
    assert head_start.begin(settings, stock, spec, "browser:a") is None
    celery = Settings.from_env(data_dir=str(tmp_path), redis_url="redis://127.0.0.1:1/0")
    launcher = JobManager(diskcache.Cache(str(tmp_path / "jobs")), settings, start="launcher")
    assert head_start.begin(celery, launcher, spec, "browser:a") is None


def test_a_stale_marker_naming_a_reused_pid_is_not_waited_for(env, caplog):
    # A server killed outright leaves its marker; the pid in it may belong to another process
    # by the time the same table is uploaded again (here: this test's own process).
    settings, spec, begin = env
    s = spec(8)
    path = head_start.marker_dir(settings) / head_start._marker(settings, s).name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "born": time.time() - 3600,
                                "client": "browser:a", "t": time.time() - 3600, "n": N}))
    assert not head_start.unadopted(settings)
    with caplog.at_level("WARNING", logger="components.jobs.head_start"):
        assert head_start.wait_for(settings, s, lambda p, t: None)
    # This process is alive: only the start time tells it is not the head start.
    assert any("ended without the tree" in r.getMessage() for r in caplog.records)
    assert not path.exists()
    path.write_text(json.dumps({"pid": os.getpid(), "born": time.time() - 3600,
                                "client": "browser:a", "t": time.time() - 3600, "n": N}))
    pid = begin(s)  # a new upload of the table gets its own head start over the stale marker
    assert pid and json.loads(path.read_text())["pid"] == pid
