"""The README's first command on a stock Debian 12: `bash scripts/run.sh` in a scratch copy, with
Debian's own (externally managed, PEP 668) `python3` first on the PATH, serves the page.

Slow (it creates a virtual environment and installs requirements.txt from PyPI; pip's cache in
the user's home is reused, so a second run downloads nothing). Needs PyPI, nothing else.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scratch_copy(dest: Path) -> Path:
    """The tracked files of this checkout (what a fresh clone has), nothing else."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _readme_first_command() -> str:
    text = (REPO / "README.md").read_text()
    block = text.split("## Two commands", 1)[1].split("```", 2)[1]
    return block.strip().splitlines()[0]


@pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="no Debian system python3")
def test_readme_first_command_serves_the_page(tmp_path: Path) -> None:
    managed = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import os, sysconfig; print(os.path.exists(os.path.join("
         "sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"],
        capture_output=True, text=True).stdout.strip()
    assert managed == "True", "the system python3 should be Debian's externally managed one"
    command = _readme_first_command()
    assert command == "bash scripts/run.sh"
    work = _scratch_copy(tmp_path / "copy")
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",  # Debian's python3 first, no pyenv, no venv
        "HOME": os.environ.get("HOME", str(tmp_path)),  # pip's cache is reused from there
        "DENDRO_PORT": str(port),
        "DENDRO_DATA_DIR": str(tmp_path / "var"),
        "LANG": "C.UTF-8",
    }
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen(command.split(), cwd=work, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 1500
        page = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    page = r.read().decode()
                    break
            except OSError:
                time.sleep(0.25)  # a refused connection costs nothing; answer as soon as it serves
        assert "<title>Dendrogram Explorer</title>" in page, (
            f"no page (exit {proc.poll()}):\n" + (tmp_path / "run.log").read_text()[-3000:])
        assert (work / ".venv" / "bin" / "python").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
