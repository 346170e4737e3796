"""Issue 13 point 4 (reading): nested Parquet, deep JSON and Parquet dates/times/decimals,
written by pyarrow, get messages that say what to fix, and never become numbers by accident.

Library level (``clustering.read_upload``), and the page's upload callback (the message shown,
the current dataset kept).
"""

from __future__ import annotations

import base64
import datetime
import decimal
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clustering.errors import DataError
from clustering.prepare import PrepareOptions, prepare
from clustering.tables import read_upload
from components import ids
from components.settings import Settings

X = [1.0, 2.0, 3.0, 5.0]


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


TIME_COLUMNS = {
    "date32": pa.array([datetime.date(2020, 1, i + 1) for i in range(4)], pa.date32()),
    "timestamp_tz": pa.array(pd.date_range("2020", periods=4, tz="UTC")),
    "timestamp_ms": pa.array(pd.date_range("2020", periods=4)).cast(pa.timestamp("ms")),
    "duration": pa.array([datetime.timedelta(seconds=i) for i in range(4)]),
    "time64": pa.array([datetime.time(1, i) for i in range(4)]),
}


@pytest.mark.parametrize("kind", sorted(TIME_COLUMNS))
def test_parquet_dates_and_times_are_said_and_never_clustered(kind):
    got = read_upload(_parquet(pa.table({"t": TIME_COLUMNS[kind], "x": X})), "t.parquet")
    assert any("'t'" in n and "not clustered" in n for n in got.notes), got.notes
    assert {c.name: c.kind for c in got.columns}["t"] != "numeric"
    assert prepare(got.table).feature_names == ("x",)
    with pytest.raises(DataError, match=r"^column 't' "):
        prepare(got.table, PrepareOptions(features=["t", "x"]))


def test_parquet_decimals_are_numbers():
    values = [decimal.Decimal(v) for v in ("1.25", "2.50", "-3.75", "10.00")]
    got = read_upload(_parquet(pa.table({"d": pa.array(values), "x": X})), "d.parquet")
    assert got.table["d"].tolist() == [1.25, 2.5, -3.75, 10.0]
    assert {c.name: c.kind for c in got.columns}["d"] == "numeric"


@pytest.mark.parametrize(("column", "shown"), [
    (pa.array([[1, 2], [3], [], [4]]), "list<"),
    (pa.array([{"a": 1, "b": "x"}] * 4), "struct<a: int64, b: string>"),
    (pa.array([[("k", 1)]] * 4, pa.map_(pa.string(), pa.int64())), "map<string, int64"),
])
def test_nested_parquet_columns_are_named_with_what_to_do(column, shown):
    with pytest.raises(DataError) as info:
        read_upload(_parquet(pa.table({"n": column, "x": X})), "nested.parquet")
    text = str(info.value)
    assert text.startswith("'nested.parquet' has 1 nested column(s) (lists or structs): 'n' (")
    assert shown in text and "Flatten them into one column per field, or leave them out" in text


def test_200000_deep_json_is_refused_with_its_depth():
    with pytest.raises(DataError, match=r"nests lists or objects 200,000 levels deep \(at most"):
        read_upload(b"[" * 200_000 + b"]" * 200_000, "deep.json")


# ---------------------------------------------------------------- the page's upload callback
def _upload_body(deps: list[dict], data: bytes, filename: str) -> dict:
    dep = next(d for d in deps if d["output"].startswith(f"..{ids.DATASET}.data..."))
    outs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
            for o in dep["output"].strip(".").split("...")]
    contents = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
    values = {f"{ids.UPLOAD}.contents": contents, f"{ids.UPLOAD}.filename": filename}
    return {"output": dep["output"], "outputs": outs,
            "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")}
                       for i in dep["inputs"]],
            "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")}
                      for s in dep["state"]],
            "changedPropIds": [f"{ids.UPLOAD}.contents"]}


@pytest.mark.parametrize(("data", "filename", "says"), [
    (_parquet(pa.table({"n": pa.array([{"a": 1}] * 4), "x": X})), "nested.parquet",
     "nested column(s) (lists or structs)"),
    (b"[" * 200_000 + b"]" * 200_000, "deep.json", "levels deep"),
], ids=["nested-parquet", "deep-json"])
def test_the_upload_says_why_and_keeps_the_dataset(tmp_path, data, filename, says):
    from tests.dash_page import fresh_app

    app = fresh_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    r = client.post("/_dash-update-component", data=json.dumps(_upload_body(deps, data, filename)),
                    content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    response = r.get_json()["response"]
    assert ids.DATASET not in response  # the dataset on the page is not switched
    message = json.dumps(response[ids.UPLOAD_ERROR]["children"])
    assert says in message and "Something went wrong" not in message, message[:500]
    assert response[ids.UPLOAD_ERROR]["is_open"] is True
