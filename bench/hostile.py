"""Hostile clients for ``bench/load.py``: issue 13's reproducers, sent while analysts work.

Each hostile client loops (a bounded number of rounds, and the run's deadline) over: an xlsx of
random numbers, a Parquet with a nested column, 200,000-deep JSON, a 4,000-row CSV whose text
``id`` column one-hot encoding would make 4,000 columns wide, and malformed callback bodies.
Expected answers: 200 for an upload (refused with its reason on the page, or read if valid) and
a 4xx for a malformed body. A 5xx, a timeout or a dropped connection counts as an error.
"""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from components import ids

ROUNDS = 50


def hostile_files() -> list[tuple[str, bytes]]:
    """(file name, bytes) of each hostile upload, built once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(13)
    xlsx = io.BytesIO()
    pd.DataFrame(rng.normal(size=(1_500, 8))).to_excel(xlsx, index=False)
    nested = io.BytesIO()
    pq.write_table(pa.table({"n": pa.array([{"a": 1}] * 100), "x": np.arange(100.0)}), nested)
    ids_csv = pd.DataFrame({"id": [f"p{i:05d}" for i in range(4_000)],
                            "x": rng.normal(size=4_000)}).to_csv(index=False).encode()
    return [("numbers.xlsx", xlsx.getvalue()), ("nested.parquet", nested.getvalue()),
            ("deep.json", b"[" * 200_000 + b"]" * 200_000), ("ids.csv", ids_csv)]


def _upload_body(deps: list[dict[str, Any]], name: str, data: bytes) -> dict[str, Any]:
    dep = next(d for d in deps if d["output"].startswith(f"..{ids.DATASET}.data..."))
    outs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
            for o in dep["output"].strip(".").split("...")]
    values = {f"{ids.UPLOAD}.contents": "data:application/octet-stream;base64,"
              + base64.b64encode(data).decode(), f"{ids.UPLOAD}.filename": name}
    return {"output": dep["output"], "outputs": outs,
            "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")}
                       for i in dep["inputs"]],
            "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")}
                      for s in dep["state"]],
            "changedPropIds": [f"{ids.UPLOAD}.contents"]}


def _malformed(deps: list[dict[str, Any]]) -> list[bytes]:
    good = _upload_body(deps, "x.csv", b"x\n1\n")
    return [b"[1, 2]", json.dumps({**good, "inputs": "x"}).encode(),
            json.dumps({**good, "output": "nope.children"}).encode(),
            json.dumps({**good, "inputs": good["inputs"] * 10_000}).encode()]


@dataclass
class Hostile:
    sent: int = 0
    answered: int = 0  # as expected: the upload's own message, or a 4xx for a bad body
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def _post(base: str, raw: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(base + "_dash-update-component", data=raw,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def attack(base: str, deadline: float, out: Hostile, done: Any = None) -> None:
    """Send the hostile requests in turn until ``ROUNDS`` rounds, ``deadline`` or ``done``
    (a threading.Event: the analysts finished)."""
    assert base.startswith("http://127.0.0.1:"), "loopback only"
    with urllib.request.urlopen(base + "_dash-dependencies", timeout=120) as r:
        deps = json.loads(r.read())
    uploads = [json.dumps(_upload_body(deps, n, d)).encode() for n, d in hostile_files()]
    bodies = [(raw, True) for raw in uploads] + [(raw, False) for raw in _malformed(deps)]
    for _ in range(ROUNDS):
        for raw, is_upload in bodies:
            if time.monotonic() > deadline or (done is not None and done.is_set()):
                return
            t0 = time.perf_counter()
            try:
                status, answer = _post(base, raw)
            except OSError as err:
                out.errors.append(f"{type(err).__name__}: {err}")
                continue
            out.seconds.append(time.perf_counter() - t0)
            out.sent += 1
            if status >= 500:
                out.errors.append(f"HTTP {status}: {answer[:200]!r}")
            elif (status == 200) if is_upload else (400 <= status < 500):
                out.answered += 1
            else:
                out.errors.append(f"unexpected HTTP {status}")
