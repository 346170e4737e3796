"""Nothing leaks (issue 13, points 9 and 10), against the real servers.

- Access control fails closed: with only one of DENDRO_AUTH_USER / DENDRO_AUTH_PASSWORD the
  server refuses to start (``python app.py`` and gunicorn alike), says why, exits 3, and
  gunicorn never listens.
- Access logs hold no query strings (a link's query carries the dataset id, which lets its
  holder open the table, and column names): gunicorn with gunicorn.conf.py, and the
  development server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from components.web.logs import strip_query
from tests.browser import harness

ROOT = Path(__file__).resolve().parents[3]
SECRET_ID = "5ec7e7" + "ab" * 29
QUERY = f"?dataset={SECRET_ID}&features=salary_of_ceo&label=patient_name&cut=3"


def _env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DENDRO_AUTH_USER", "DENDRO_AUTH_PASSWORD", "REDIS_URL")}
    env.update(DENDRO_HOST="127.0.0.1", DENDRO_PORT=str(port), DENDRO_DATA_DIR=str(tmp_path),
               PYTHONUNBUFFERED="1", **extra)
    return env


HALF = [
    ({"DENDRO_AUTH_USER": "analyst"}, "DENDRO_AUTH_USER is set but DENDRO_AUTH_PASSWORD is not"),
    ({"DENDRO_AUTH_PASSWORD": "s3cret"}, "DENDRO_AUTH_PASSWORD is set but DENDRO_AUTH_USER is not"),
    # An empty user name is no user name: still only half configured.
    ({"DENDRO_AUTH_USER": "", "DENDRO_AUTH_PASSWORD": "s3cret"},
     "DENDRO_AUTH_PASSWORD is set but DENDRO_AUTH_USER is not"),
]


@pytest.mark.parametrize(("extra", "says"), HALF)
def test_dev_server_refuses_half_configured_auth(tmp_path, extra, says):
    port = harness.free_port()
    out = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=_env(tmp_path, port, **extra),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 3, (out.returncode, out.stderr[-2000:])
    assert f"Dendrogram Explorer will not start: {says}" in out.stderr
    assert "set both" in out.stderr


@pytest.mark.parametrize(("extra", "says"), HALF[:2])
def test_gunicorn_refuses_half_configured_auth_before_listening(tmp_path, extra, says):
    port = harness.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "app:server"],
                            cwd=ROOT, env=_env(tmp_path, port, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, (proc.returncode, out[-2000:])
    assert f"Dendrogram Explorer will not start: {says}" in out
    assert "Listening at" not in out, out[-2000:]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_strip_query_keeps_method_path_and_protocol():
    assert strip_query(f'127.0.0.1 - - "GET /{QUERY} HTTP/1.1" 200 -') == \
        '127.0.0.1 - - "GET / HTTP/1.1" 200 -'
    assert strip_query('"\x1b[32mGET /x?a=1 HTTP/1.1\x1b[0m" 200') == \
        '"\x1b[32mGET /x HTTP/1.1\x1b[0m" 200'


def _logged_after_requests(server: harness.LiveServer, marker: str) -> str:
    with urllib.request.urlopen(server.url.rstrip("/") + "/" + QUERY, timeout=60) as r:
        assert r.status == 200
    # A path that tells this request's log line apart from start-up ones.
    with urllib.request.urlopen(server.url.rstrip("/") + f"/_favicon.ico?{marker}=1",
                                timeout=60) as r:
        r.read()
    deadline = time.monotonic() + 30
    log = ""
    while time.monotonic() < deadline:
        log = server.log_path.read_text(errors="replace")
        if "/_favicon.ico" in log:
            break
        time.sleep(0.2)
    return log


@pytest.mark.parametrize("kind", ["gunicorn", "dev"])
def test_access_log_has_no_query_strings(kind):
    server = harness.start_server(kind)
    try:
        log = _logged_after_requests(server, "marker_column")
    finally:
        server.stop()
    assert "/_favicon.ico" in log, f"no access log line:\n{log[-3000:]}"
    assert '"GET / HTTP/1.1" 200' in log, log[-3000:]
    for secret in (SECRET_ID, "salary_of_ceo", "patient_name", "marker_column", "?"):
        lines = [ln for ln in log.splitlines() if "HTTP/1.1" in ln and secret in ln]
        assert not lines, (secret, lines)
