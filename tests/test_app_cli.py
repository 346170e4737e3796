"""`python app.py` from a shell: --help prints the settings, a busy port names DENDRO_PORT."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "DENDRO_DATA_DIR": str(tmp_path / "var"), **env}
    return subprocess.run([sys.executable, "app.py", *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120)


def test_help_prints_the_settings_and_starts_nothing(tmp_path: Path) -> None:
    done = _run(["--help"], tmp_path, DENDRO_PORT="8123")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python app.py")
    for name in ("DENDRO_PORT", "DENDRO_DATA_DIR", "REDIS_URL", "DENDRO_MEMORY_BUDGET_MB"):
        assert name in done.stdout
    assert "8123" in done.stdout
    assert "Running on" not in done.stdout + done.stderr
    assert not (tmp_path / "var").exists(), "--help must not create the data directory"


def test_busy_port_names_dendro_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run([], tmp_path, DENDRO_PORT=str(port), DENDRO_HOST="127.0.0.1")
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr
    assert f"DENDRO_PORT={port + 1}" in done.stderr
