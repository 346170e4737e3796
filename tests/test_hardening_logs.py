"""Issue 13: gunicorn's error log holds no query strings either (the access log already drops
them, ``tests/components/web/test_auth_logs.py``).

gunicorn's error log quotes a malformed request line whole ("Invalid request from ip=...:
Invalid HTTP request line: 'GET /?dataset=...&col=salário HTTP/1.1'"); such lines are sent here over a raw socket
to the real server run with ``gunicorn.conf.py``.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlparse

import pytest

from components.web.logs import strip_queries
from tests.browser import harness

SECRET_ID = "5ec7e7" + "cd" * 29
QUERY = f"?dataset={SECRET_ID}&features=salary_of_ceo&label=patient_name"
BAD_LINES = [
    # A target that is not printable ASCII (an unencoded column name): the line is quoted whole.
    f"GET /_dash-layout{QUERY}&col=salário HTTP/1.1",
    f"GET /{QUERY}&col=a\x7fb HTTP/1.1",
    f"GET /{QUERY} HTTP/9.9",               # invalid HTTP version
    f"G@T /_dash-layout{QUERY} HTTP/1.1",   # invalid method
]


def _send_raw(host: str, port: int, line: str) -> bytes:
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(line.encode("utf-8") + b"\r\nHost: 127.0.0.1\r\n\r\n")
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


@pytest.fixture(scope="module")
def gunicorn_log():
    server = harness.start_server("gunicorn")
    try:
        url = urlparse(server.url)
        answers = [_send_raw(url.hostname, url.port, line) for line in BAD_LINES]
        deadline = time.monotonic() + 30
        log = ""
        while time.monotonic() < deadline:
            log = server.log_path.read_text(errors="replace")
            if log.count("Invalid request from") >= len(BAD_LINES):
                break
            time.sleep(0.2)
    finally:
        server.stop()
    return answers, log


def test_malformed_request_lines_are_refused_and_logged(gunicorn_log):
    answers, log = gunicorn_log
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    # The error log says what happened, with the path ...
    assert log.count("Invalid request from") >= len(BAD_LINES), log[-3000:]
    assert "Invalid HTTP request line: 'GET /_dash-layout HTTP/1.1'" in log, log[-3000:]


@pytest.mark.parametrize("secret", [SECRET_ID, "salary_of_ceo", "patient_name", "dataset="])
def test_gunicorn_error_log_has_no_query_strings(gunicorn_log, secret):
    _, log = gunicorn_log
    lines = [ln for ln in log.splitlines() if secret in ln]
    assert not lines, lines


def test_strip_queries_covers_the_uri_forms_gunicorn_logs():
    assert strip_queries(f"Invalid HTTP request line: 'GET /x{QUERY}&col=salário HTTP/1.1'") == \
        "Invalid HTTP request line: 'GET /x HTTP/1.1'"
    assert strip_queries(f"Error handling request GET /x{QUERY}") == \
        "Error handling request GET /x"
    assert strip_queries(f"Invalid Method 'G@T /_dash-layout{QUERY} HTTP/1.1'") == \
        "Invalid Method 'G@T /_dash-layout HTTP/1.1'"
    assert strip_queries("Worker (pid:12) was sent SIGTERM!") == "Worker (pid:12) was sent SIGTERM!"
