"""Shared data kept, against the real server (gunicorn, 2 workers, 127.0.0.1, a free port).

``DENDRO_STORE_SIZE_MB=5``: analyst A uploads and shares a link; analyst B (another browser:
its own cookie) uploads six 0.9 MB files, some refused with what to do; the server restarts
on the same data directory; a third analyst opens A's link and gets A's dataset.
"""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from components import ids
from components.state.store import dataset_id_for
from components.web.clients import COOKIE
from tests.browser import harness
from tests.components.state.test_quota_http import contents, csv_bytes
from tests.dash_page import DashPage


def browser(base: str) -> tuple[DashPage, http.cookiejar.CookieJar]:
    """A DashPage over urllib with a cookie jar of its own (one browser)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str) -> Any:
        with opener.open(base + path.lstrip("/"), timeout=120) as r:
            body = r.read().decode()
        try:
            return json.loads(body)
        except ValueError:
            return body

    def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        req = urllib.request.Request(base + path.lstrip("/"), data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with opener.open(req, timeout=180) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        if status == 204 or not raw:
            return status, None
        return status, json.loads(raw)

    return DashPage(get, post), jar


def open_page(base: str, search: str = "") -> DashPage:
    page, jar = browser(base)
    assert any(c.name == COOKIE for c in jar), "the first page gives the browser its id"
    if search:
        page.props[f"{ids.URL}.search"] = search
    page.load()
    return page


def upload(page: DashPage, data: bytes, name: str) -> None:
    page.set({f"{ids.UPLOAD}.contents": contents(data), f"{ids.UPLOAD}.filename": name})


@pytest.mark.slow
def test_a_shared_dataset_survives_another_clients_uploads_and_a_restart(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {"DENDRO_STORE_SIZE_MB": "5", "DENDRO_DATA_DIR": str(data_dir),
           "DENDRO_BACKGROUND_ROWS": "100000"}
    server = harness.start_server("gunicorn", extra_env=env, timeout=240)
    try:
        a = open_page(server.url)
        shared = csv_bytes(0, 200, 4_500)
        upload(a, shared, "shared.csv")
        shared_id = dataset_id_for(shared)
        assert a.get(f"{ids.DATASET}.data") == {"dataset_id": shared_id,
                                                "filename": "shared.csv"}
        b = open_page(server.url)
        refusals = []
        for i in range(1, 7):
            upload(b, csv_bytes(i, 200, 4_500), f"b{i}.csv")
            if b.get(f"{ids.UPLOAD_ERROR}.is_open"):
                refusals.append(b.get(f"{ids.UPLOAD_ERROR}.children"))
        assert refusals and "storage for uploads is full" in refusals[-1], refusals
    finally:
        server.stop()

    server = harness.start_server("gunicorn", extra_env=env, timeout=240)  # a restart: same data directory
    try:
        c = open_page(server.url, f"?dataset={shared_id}&method=average&cut=1000")
        assert "shared.csv: 200 rows" in json.dumps(c.get(f"{ids.PREVIEW}.children"))
        assert not c.get(f"{ids.LINK_ERROR}.is_open")
        tree = c.get(f"{ids.TREE_DATA}.data")
        assert tree and tree["params"]["method"] == "average"
    finally:
        server.stop()
