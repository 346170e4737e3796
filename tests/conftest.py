"""Fixtures shared by every test module: real services started on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.browser.harness import free_port


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        # In CI the test command installs it, so a missing binary is a failure there.
        if os.environ.get("CI"):
            pytest.fail(f"{binary} is not installed; scripts/test.sh should have installed it")
        pytest.skip(f"{binary} not installed")
    return path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port, for the session."""
    binary = _need("redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("redis-server did not answer within 20 s")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# What a rerun browser test failed with the first time (tests/browser/conftest.py gives each
# one rerun): -rR names it only, and the failure is what tells a race from a bug.
_RERUNS: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.outcome == "rerun":
        _RERUNS.append((report.nodeid, report.longreprtext[-4000:]))


def pytest_terminal_summary(terminalreporter: object) -> None:
    if _RERUNS:
        terminalreporter.section("reruns: the first failure of each")
        for nodeid, text in _RERUNS:
            terminalreporter.write_line(f"--- {nodeid}")
            terminalreporter.write_line(text)
