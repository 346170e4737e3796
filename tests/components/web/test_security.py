"""Safety of a shared instance: headers on every response, never debug in production, no
uploaded content in the logs, access control that covers downloads too.

Runs the real app (Flask test client, or gunicorn in a subprocess for the slow test).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from components import ids
from components.settings import Settings
from components.web.security import HEADERS
from tests.callback_bodies import pair_options_body
from tests.dash_page import DashPage, flask_transport, fresh_app

ROOT = Path(__file__).resolve().parents[3]
DEBUG_ENV = {"DENDRO_DEBUG": "1", "FLASK_DEBUG": "1", "DASH_DEBUG": "true"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return fresh_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                       max_upload_mb=0.05))


def _contents(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def _check_headers(headers, what: str) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, f"{what}: {name} is {headers.get(name)!r}"
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (what, csp)
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    # Inline scripts only by hash: an injected <script> in a label cannot run.
    assert "'unsafe-inline'" not in script_src, (what, csp)


# ------------------------------------------------------------------ headers
@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/_dash-dependencies",
                                  "/assets/dendro.js", "/assets/upload_limit.js",
                                  "/assets/style.css", "/no-such-page"])
def test_security_headers_on_get(app, path: str) -> None:
    r = app.server.test_client().get(path)
    assert r.status_code in (200, 404)
    _check_headers(r.headers, path)


def test_security_headers_on_a_callback_and_on_413(app) -> None:
    client = app.server.test_client()
    body = pair_options_body()
    r = client.post("/_dash-update-component", data=json.dumps(body),
                    content_type="application/json")
    assert r.status_code == 200 and "response" in r.get_json()
    _check_headers(r.headers, "callback")
    r = client.post("/_dash-update-component", data=b"x" * 200_000, content_type="application/json")
    assert r.status_code == 413
    _check_headers(r.headers, "413")


# ------------------------------------------------------------------ never debug in production
_PROBE = """
import json, re
import app
page = app.server.test_client().get('/').get_data(as_text=True)
config = json.loads(re.search(r'id="_dash-config" type="application/json">(.*?)</script>', page, re.S).group(1))
bad = app.server.test_client().post('/_dash-update-component', data='{"output": "nope.x"}',
                                    content_type='application/json')
print(json.dumps({"flask_debug": app.server.debug, "dev_tools": app.app._dev_tools.ui,
                  "page_ui": config.get("ui"), "bad_status": bad.status_code,
                  "bad_body": bad.get_data(as_text=True)[:2000]}))
"""


def test_production_import_is_never_debug(tmp_path: Path) -> None:
    """What ``gunicorn app:server`` does: import the module. Debug variables must not matter."""
    env = {**os.environ, **DEBUG_ENV, "DENDRO_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["flask_debug"] is False and got["dev_tools"] is False and got["page_ui"] is False
    assert got["bad_status"] >= 400 and "Traceback" not in got["bad_body"]


@pytest.mark.slow
def test_gunicorn_with_debug_variables_set_is_not_debug() -> None:
    from tests.browser import harness

    server = harness.start_server("gunicorn", extra_env=DEBUG_ENV)
    try:
        with urllib.request.urlopen(server.url, timeout=30) as r:
            page = r.read().decode()
        config = json.loads(re.search(
            r'id="_dash-config" type="application/json">(.*?)</script>', page, re.S).group(1))
        assert config["ui"] is False and config["props_check"] is False
        req = urllib.request.Request(server.url + "_dash-update-component", data=b'{"output": "nope.x"}',
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=30)
        body = info.value.read().decode(errors="replace")
        assert info.value.code >= 400 and "Traceback" not in body and "File \"" not in body
    finally:
        server.stop()


# ------------------------------------------------------------------ logs
MARKER = "Zq7xMARKERk3v"


def test_logs_hold_no_uploaded_content(app, caplog: pytest.LogCaptureFixture) -> None:
    """Labels, column names, cell values and file names never reach a log record (INFO+,
    what a production server writes)."""
    caplog.set_level(logging.INFO)
    page = DashPage(*flask_transport(app.server.test_client()))
    page.load()
    rows = "\n".join(f"{MARKER}_{i},{i},{i * i % 7}" for i in range(30))
    good = f"who,x_{MARKER},y\n{rows}\n"
    page.set({f"{ids.UPLOAD}.contents": _contents(good), f"{ids.UPLOAD}.filename": f"{MARKER}.csv"})
    page.set({f"{ids.LABEL_COLUMN}.value": "who"})
    assert page.get(f"{ids.STATUS_MAIN}.children") == "n = 30 · ward · euclidean"
    # The same content through the error paths: a text cell in a feature, a ragged row.
    mixed = f"x_{MARKER},y\n" + "".join(f"{i},{i % 3}\n" for i in range(8)) + f"{MARKER},1\n"
    page.set({f"{ids.UPLOAD}.contents": _contents(mixed), f"{ids.UPLOAD}.filename": "m.csv"})
    # Refused at the upload (the page's next tree could not be prepared): the person is told.
    assert f"line 10 of the file: '{MARKER}'" in page.get(f"{ids.UPLOAD_ERROR}.children")
    ragged = f"a,b\n1,2\n{MARKER},3,4\n"
    page.set({f"{ids.UPLOAD}.contents": _contents(ragged), f"{ids.UPLOAD}.filename": f"{MARKER}2.csv"})
    assert page.get(f"{ids.UPLOAD_ERROR}.is_open") is True
    huge = "x\n" + "1\n" * 40_000
    page.set({f"{ids.UPLOAD}.contents": _contents(huge), f"{ids.UPLOAD}.filename": f"{MARKER}3.csv"})
    assert "larger than this instance accepts" in page.get(f"{ids.UPLOAD_ERROR}.children")

    assert any(r.name.startswith("components") for r in caplog.records), "nothing was logged"
    for r in caplog.records:
        text = r.getMessage() + (r.exc_text or "") + str(r.exc_info or "")
        assert MARKER not in text, f"{r.name} logged uploaded content: {text[:300]}"  # ... the log is not


# ------------------------------------------------------------------ access control on downloads
def test_access_control_refuses_downloads(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A signed-in analyst downloads the labels; the very same request without (or with wrong)
    credentials is refused, as is every download callback."""
    settings = Settings.from_env(data_dir=str(tmp_path_factory.mktemp("auth")),
                                 auth_user="ana", auth_password="s3cret")
    app = fresh_app(settings)
    client = app.server.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(b"ana:s3cret").decode()}
    sent: list[tuple[str, dict]] = []
    page = DashPage(*_authed(client, auth, sent))
    downloads = [c for c in page.callbacks
                 if any(page.types.get(cid) == "Download" for cid, _ in c["_outputs"])]
    if not downloads:
        pytest.skip("no download callbacks in the app yet (components/analysis/export.py not wired)")
    page.load()
    assert page.get(f"{ids.STATUS_MAIN}.children") == "n = 150 · ward · euclidean"
    clicks = [x for c in downloads for x in c["inputs"] if x["property"] == "n_clicks"]
    assert clicks, "a download is started by a button"
    for x in clicks:
        sent.clear()
        page.set({f"{x['id']}.n_clicks": 1})
        got = [(url, body) for url, body in sent if any(body["output"] == c["output"] for c in downloads)]
        assert got, f"clicking {x['id']} sent no download request"
        url, body = got[0]
        for headers in ({}, {"Authorization": "Basic " + base64.b64encode(b"ana:wrong").decode()}):
            r = client.post(url, json=body, headers=headers)
            assert r.status_code == 401, (x["id"], r.status_code)
            assert b"150" not in r.data
    labels = next(x for x in clicks if "label" in x["id"])
    page.set({f"{labels['id']}.n_clicks": 2})
    data = page.get(f"{downloads[0]['_outputs'][0][0]}.data")
    assert data and data.get("content"), "the signed-in analyst gets the file"


def _authed(client, headers, sent):
    def get(path):
        r = client.get(path, headers=headers)
        assert r.status_code == 200
        return r.get_json() if r.is_json else r.get_data(as_text=True)

    def post(path, body):
        sent.append((path, body))
        r = client.post(path, json=body, headers=headers)
        return r.status_code, r.get_json(silent=True)

    return get, post
