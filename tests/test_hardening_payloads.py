"""Issue 13 point 4: malformed callback requests answer 4xx with a sentence, never 500, and a
malformed body runs no callback.

Bodies are built from the server's own ``/_dash-dependencies`` (as the page builds them) and
then broken; they are posted over HTTP to the real app under gunicorn.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from components import ids
from components.settings import Settings
from tests.browser import harness
from tests.callback_bodies import pair_options_body

LINKAGE = f"{ids.LINKAGE_TABLE}.getRowsResponse"


@pytest.fixture(scope="module")
def server():
    live = harness.start_server("gunicorn")
    try:
        yield live
    finally:
        live.stop()


def _post(server, body, raw: bytes | None = None) -> tuple[int, dict]:
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(server.url.rstrip("/") + "/_dash-update-component", data=data,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        try:
            return err.code, json.loads(text)
        except ValueError:
            return err.code, {"raw": text[:500]}


def _body(deps: list[dict], output_has: str, values: dict[str, object]) -> dict:
    """The request the page sends for the callback whose output contains ``output_has``."""
    dep = next(d for d in deps if output_has in d["output"] and "@" not in d["output"])
    outs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
            for o in dep["output"].strip(".").split("...")]
    fill = [{**i, "value": values.get(f"{i['id']}.{i['property']}")}
            for i in dep["inputs"]]
    return {"output": dep["output"], "outputs": outs if len(outs) > 1 else outs[0],
            "inputs": fill,
            "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")}
                      for s in dep["state"]],
            "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]}


@pytest.fixture(scope="module")
def deps(server):
    with urllib.request.urlopen(server.url.rstrip("/") + "/_dash-dependencies", timeout=60) as r:
        return json.loads(r.read())


def _broken() -> list[tuple[str, object, bytes | None]]:
    good = pair_options_body()
    return [
        ("not JSON", None, b"{nope"),
        ("a list", [1, 2], None),
        ("no inputs", {k: v for k, v in good.items() if k != "inputs"}, None),
        ("no output", {k: v for k, v in good.items() if k != "output"}, None),
        ("inputs not a list", {**good, "inputs": "x"}, None),
        ("inputs of numbers", {**good, "inputs": [1, 2, 3]}, None),
        ("unknown output", {**good, "output": "nope.children"}, None),
        ("60,000 inputs", {**good, "inputs": good["inputs"] * 20_000}, None),
        ("another callback's input", {**good, "inputs": [
            {**good["inputs"][0], "id": ids.SCALING}, *good["inputs"][1:]]}, None),
        ("changedPropIds a number", {**good, "changedPropIds": 5}, None),
        ("outputs a string", {**good, "outputs": "x"}, None),
    ]


@pytest.mark.parametrize(("what", "body", "raw"), _broken(), ids=[c[0] for c in _broken()])
def test_malformed_bodies_answer_400_with_a_sentence(server, what, body, raw):
    status, answer = _post(server, body, raw)
    assert status == 400, (what, status, answer)
    assert answer["error"].startswith("This request was refused: "), answer
    assert "Reload the page" in answer["error"]


@pytest.mark.parametrize("method", [123, ["ward"] * 10, "log", {"x": 1}])
def test_wrong_values_answer_4xx_not_500(server, method):
    status, answer = _post(server, pair_options_body(method=method))
    assert 400 <= status < 500, (status, answer)
    assert answer["error"].startswith("This request was refused: a value in it could not be used")


def test_linkage_table_rows_abc_and_1e9(server, deps):
    from components.view import DatasetRef, TreeSpec

    spec = TreeSpec(DatasetRef(example="mpg")).to_json()
    # The page's compute request first (small: answered inline, the tree is stored).
    compute = _body(deps, f"{ids.JOB}.data", {f"{ids.DATASET}.data": {"example": "mpg"}})
    status, answer = _post(server, compute)
    assert status == 200 and answer["response"][ids.RESULT]["data"]["n"] > 0, answer
    tree_data = {f"{ids.TREE_DATA}.data": {"params": spec}, f"{ids.TREE_REF}.data": {"params": spec}}
    for request, want in (({"startRow": "abc", "endRow": 10}, 422),
                          ({"startRow": 0, "endRow": 10, "sortModel": "x"}, 422),
                          ("zz", 422),
                          ({"startRow": 0, "endRow": 1e9}, 200),
                          ({"startRow": 0, "endRow": 10}, 200)):
        # The grid's block request reaches the server through linkage-rows while the tab is
        # open (components/analysis/linkage.py).
        body = _body(deps, LINKAGE, {**tree_data, f"{ids.LINKAGE_ROWS}.data": request})
        status, answer = _post(server, body)
        assert status == want, (request, status, answer)
        if want == 200:
            assert answer["response"][ids.LINKAGE_TABLE]["getRowsResponse"]["rowData"]


def test_a_malformed_body_runs_no_callback(tmp_path):
    """In process, with a spy on the callback: a refused body never reaches it."""
    from tests.dash_page import fresh_app

    app = fresh_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    good = pair_options_body()
    entry = app.callback_map[good["output"]]
    calls = []
    original = entry["callback"]

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    entry["callback"] = spy
    client = app.server.test_client()
    r = client.post("/_dash-update-component", data=json.dumps(good),
                    content_type="application/json")
    assert r.status_code == 200 and calls == [1]
    for _what, body, raw in _broken():
        r = client.post("/_dash-update-component", data=raw or json.dumps(body),
                        content_type="application/json")
        assert r.status_code == 400
    assert calls == [1]
