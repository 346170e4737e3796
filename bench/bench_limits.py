"""Issue 13's reading reproducers, before and after: peak memory growth and time per case.

Run from the repository root: ``PYTHONPATH=. python bench/bench_limits.py [--quick]``.

"Before" is ``clustering/tables.py`` and ``clustering/prepare.py`` at the commit the issue
was filed against (``BEFORE``, loaded from git); "after" is the working tree. Each case runs
in its own child process: the child reads the file (written beforehand by this script),
notes its RSS, calls the reader while a thread samples RSS every 2 ms, and reports how far
RSS rose above the starting point at its highest, and how long the call took. Times depend on the machine's load; memory does not.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

BEFORE = "fae2e2e"
ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import importlib.util, json, sys, threading, time
import psutil
sys.path.insert(0, ROOT)
which, path, call = sys.argv[1], sys.argv[2], sys.argv[3]
if which == "before":
    import clustering  # the package, then the old modules in its place
    for name in ("tables", "prepare"):
        spec = importlib.util.spec_from_file_location(f"clustering.{name}", f"{OLD}/{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[f"clustering.{name}"] = module
        spec.loader.exec_module(module)
from clustering.errors import DataError
from clustering.tables import read_table
from clustering.prepare import PrepareOptions, prepare
data = open(path, "rb").read()
name = path.rsplit("/", 1)[-1]
proc = psutil.Process()
rss0 = peak = proc.memory_info().rss
done = threading.Event()
def sample():
    global peak
    while not done.is_set():
        peak = max(peak, proc.memory_info().rss)
        time.sleep(0.002)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
t0 = time.perf_counter()
outcome = "ok"
try:
    exec(call)
except DataError as err:
    outcome = "refused: " + str(err)[:90]
seconds = time.perf_counter() - t0
done.set()
sampler.join()
print(json.dumps({"mb": (max(peak, proc.memory_info().rss) - rss0) / 2**20, "s": seconds,
                  "outcome": outcome}))
"""

CASES = {
    "parquet 30M constant rows (max_rows 1M)": (
        "const30m.parquet", "read_table(data, name, max_rows=1_000_000, max_columns=2_000)"),
    "parquet {n:,} x 100 within limits": (
        "wide.parquet", "read_table(data, name, max_rows=1_000_000, max_columns=2_000)"),
    "xlsx 2.4 MB: 2 MB padding + 2.4M <row/>": (
        "rows.xlsx", "read_table(data, name, max_rows=1_000_000, max_columns=2_000)"),
    "csv 2M rows (max_rows 1M)": (
        "long.csv", "read_table(data, name, max_rows=1_000_000, max_columns=2_000)"),
    "one-hot 2,000 x 200 x 50 levels (max_columns 2,000)": (
        "cats.csv",
        "df = read_table(data, name)\n"
        "try:\n    prepare(df, PrepareOptions(one_hot=True), max_columns=2_000, "
        "memory_budget_bytes=2 * 2**30)\n"
        "except TypeError:\n    prepare(df, PrepareOptions(one_hot=True))"),
}


def write_files(folder: Path, wide_rows: int) -> None:
    chunk = pa.table({"x": pa.array(np.zeros(1_000_000))})
    with pq.ParquetWriter(folder / "const30m.parquet", chunk.schema) as writer:
        for _ in range(30):
            writer.write_table(chunk)
    pq.write_table(pa.table({f"c{j}": np.full(wide_rows, float(j)) for j in range(100)}),
                   folder / "wide.parquet")
    buf = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_excel(buf, index=False)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(folder / "rows.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = body.partition(b"<sheetData>")
                _, _, tail = rest.partition(b"</sheetData>")
                body = head + b"<sheetData>" + b"<row/>" * 2_400_000 + b"</sheetData>" + tail
            z.writestr(info.filename, body)
        z.writestr("xl/media/pad.bin", os.urandom(2_000_000), compress_type=zipfile.ZIP_STORED)
    (folder / "long.csv").write_bytes(b"x,y\n" + b"1,2\n" * 2_000_000)
    rng = np.random.default_rng(0)
    levels = np.array([f"l{i}" for i in range(50)])
    pd.DataFrame({f"c{j}": rng.choice(levels, 2_000) for j in range(200)}).to_csv(
        folder / "cats.csv", index=False)


def main() -> None:
    quick = "--quick" in sys.argv
    wide_rows = 200_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old = folder / "old"
        old.mkdir()
        for name in ("tables", "prepare"):
            text = subprocess.run(["git", "show", f"{BEFORE}:clustering/{name}.py"], cwd=ROOT,
                                  capture_output=True, text=True, check=True).stdout
            (old / f"{name}.py").write_text(text)
        write_files(folder, wide_rows)
        child = CHILD.replace("ROOT", repr(str(ROOT))).replace("OLD", repr(str(old)))
        print(f"load {os.getloadavg()[0]:.1f}; peak RSS growth during the call, and its time")
        for label, (file, call) in CASES.items():
            path = folder / file
            print(f"\n{label.format(n=wide_rows)} ({path.stat().st_size:,} bytes)")
            for which in ("before", "after"):
                try:
                    out = subprocess.run([sys.executable, "-c", child, which, str(path), call],
                                         capture_output=True, text=True, timeout=600)
                    got = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"  {which:6s} +{got['mb']:8.0f} MB {got['s']:7.2f} s  {got['outcome']}")
                except subprocess.TimeoutExpired:
                    print(f"  {which:6s} still running after 600 s")
                except (IndexError, json.JSONDecodeError):
                    print(f"  {which:6s} failed: {out.stderr.strip().splitlines()[-1:]}")


if __name__ == "__main__":
    main()
