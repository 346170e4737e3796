"""The first page load after the server starts gets every script (no browser needed).

Regression for plotly/dash#3971 as seen here: under gunicorn with threads (gunicorn.conf.py sets
``threads``), a component-suite request that arrives while the worker's first index request is
still being served is answered 500 "dash is not a registered library", and the page stays on
"Loading..." until a reload. The browser suite saw it as console errors on its first page.
"""

from __future__ import annotations

import concurrent.futures
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import harness

pytestmark = pytest.mark.browser


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _script_paths(data_dir: Path) -> list[str]:
    """The component-suite script paths of the index page, read from the same app served in
    this process (Flask's test client): the cold server must not have served a page yet, and a
    throwaway server of its own would cost a start and a stop."""
    from app import create_app
    from components.settings import Settings

    app = create_app(Settings.from_env(data_dir=str(data_dir), redis_url=None))
    response = app.server.test_client().get("/")
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    paths = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert paths, "the index page lists no component-suite scripts"
    return paths


@pytest.mark.parametrize("kind", ["gunicorn"])
def test_scripts_load_while_first_page_is_served(kind, tmp_path):
    # A fresh server whose workers have served nothing yet (the fixture's one is warm).
    server = harness.start_server(kind, cold=True)
    try:
        scripts = [server.url.rstrip("/") + path for path in _script_paths(tmp_path)]
        # What a browser does on the first visit: the page and its scripts, all at once.
        urls = [server.url] * 2 + scripts * 3
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(_get, urls))
        bad = [(u, s) for u, s in zip(urls, statuses, strict=True) if s != 200]
        assert not bad, f"{len(bad)} of {len(urls)} requests failed, e.g. {bad[:3]}\n{server.log_tail(3000)}"
    finally:
        server.stop()
