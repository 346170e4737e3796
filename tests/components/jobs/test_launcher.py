"""The job launcher uses multiprocess internals: pinned here, so an upgrade that moves them fails
with a message naming the version, not a job that silently never starts."""

from __future__ import annotations

import importlib.metadata
import time

import pytest

from components.settings import Settings

PINNED = "0.70.19"


def test_multiprocess_is_the_version_the_launcher_was_written_for():
    version = importlib.metadata.version("multiprocess")
    assert version == PINNED, (
        f"components/jobs/launcher.py uses multiprocess {PINNED}'s forkserver internals "
        f"(popen_forkserver.Popen._launch, spawn.get_preparation_data, "
        f"forkserver.connect_to_new_process); {version} is installed: re-check them, or drop "
        "the launcher if Dash's own DiskcacheManager no longer loses jobs under threaded gunicorn "
        "(python bench/jobs_load.py --rounds 3 --users 20: 'stock' lost 12 of 60 jobs with "
        "multiprocess 0.70.19, dash 4.4.1, diskcache 5.6.3)")
    from multiprocess import forkserver, popen_forkserver, spawn

    assert callable(spawn.get_preparation_data)
    assert callable(forkserver.connect_to_new_process) and callable(forkserver.read_signed)
    assert hasattr(popen_forkserver.Popen, "_launch")


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def test_a_job_runs_in_a_process_of_the_job_server(tmp_path):
    from components.jobs import launcher

    out = tmp_path / "out.txt"
    pid = launcher.start_job(Settings.from_env(data_dir=str(tmp_path)), _write,
                             (str(out), "done"))
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == "done" and pid > 0


@pytest.mark.parametrize("name", ["start_job", "start_job_server", "JOB_PRELOAD"])
def test_launcher_surface(name):
    from components.jobs import launcher

    assert hasattr(launcher, name)
