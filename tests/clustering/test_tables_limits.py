"""read_table refuses while decoding (issue 13): each reproducer is built here, scaled to run
fast, and the bound is shown by what was decoded before the refusal (spies on the decoding
steps) or by peak memory (tracemalloc for NumPy/Python, Arrow's pool for Parquet) — never
by time."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import clustering.tables as tables
from clustering.errors import DataError
from clustering.prepare import PrepareOptions, prepare
from clustering.tables import (
    XLSX_MAX_UNPACKED,
    describe_columns,
    read_table,
    read_upload,
    table_shape,
)

MB = 2**20


# ---------------------------------------------------------------- line endings (issue item 5)
def test_old_mac_cr_line_endings_read_as_rows() -> None:
    got = read_upload(b"x,y\r1,2\r3,4\r5,6\r", "mac.csv")
    assert got.table.to_numpy().tolist() == [[1, 2], [3, 4], [5, 6]]
    assert list(got.table.columns) == ["x", "y"]
    assert any("CR" in note for note in got.notes)


def test_old_mac_tsv_and_semicolon() -> None:
    assert read_table(b"x\ty\r1.5\t2\r3\t4\r", "t.tsv").to_numpy().tolist() == [[1.5, 2], [3, 4]]
    assert read_table(b"x;y\r1,5;2\r3;4\r", "e.csv").to_numpy().tolist() == [[1.5, 2], [3, 4]]


def test_mixed_crlf_cr_lf() -> None:
    got = read_upload(b"x,y\r\n1,2\r3,4\n5,6\r\n7,8\r", "mixed.csv")
    assert got.table.to_numpy().tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert any("line endings" in note for note in got.notes)


def test_stray_cr_inside_a_field_keeps_the_columns() -> None:
    # Before: the sniffer's csv.reader raised on the CR for every delimiter -> one column.
    got = read_upload(b"name,x,y\nab\rcd,1,2\nef,3,4\n", "stray.csv")
    assert list(got.table.columns) == ["name", "x", "y"]
    assert got.table["name"].tolist() == ["ab cd", "ef"]
    assert got.table["x"].tolist() == [1, 3]
    assert any("stray" in note for note in got.notes)


def test_quoted_cr_in_crlf_file_is_data() -> None:
    df = read_table(b'name,x\r\n"a\rb",1\r\n"c",2\r\n', "q.csv")
    assert df["name"].tolist() == ["a\rb", "c"]
    assert df["x"].tolist() == [1, 2]


def test_decimal_comma_guess_is_said() -> None:
    assert read_upload(b"x;y\n1,5;2\n3;4\n", "a.csv").notes == (
        "Read ';' as the delimiter and ',' as the decimal mark ('1,5' is 1.5).",
    )
    assert read_upload(b"x,y\n1,2\n", "a.csv").notes == ()


# ---------------------------------------------------------------- CSV limits
class _CsvSpy:
    """Wraps the module's pd.read_csv: records nrows asked and rows decoded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[int | None, int]] = []
        real = pd.read_csv

        def spy(*args: object, **kwargs: object) -> pd.DataFrame:
            df = real(*args, **kwargs)
            self.calls.append((kwargs.get("nrows"), len(df)))
            return df

        monkeypatch.setattr(tables.pd, "read_csv", spy)


def test_csv_rows_refused_after_limit_plus_one_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _CsvSpy(monkeypatch)
    data = b"x,y\n" + b"1,2\n" * 50_000
    with pytest.raises(DataError) as info:
        read_table(data, "a.csv", max_rows=100)
    assert str(info.value) == (
        "the table has 50,000 rows; this instance accepts at most 100. "
        "Take a sample, or run on a bigger instance (DENDRO_MAX_ROWS)."
    )
    assert max(rows for _, rows in spy.calls) <= 101
    # Quoted fields (rows may span lines): at most max_rows + 1 rows parsed, then counted.
    spy.calls.clear()
    with pytest.raises(DataError, match=r"^the table has 50,000 rows; this instance accepts at most 100\."):
        read_table(b'x,y\n' + b'"1",2\n' * 50_000, "q.csv", max_rows=100)
    assert max(rows for _, rows in spy.calls) <= 101


def test_csv_columns_refused_from_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _CsvSpy(monkeypatch)
    header = ",".join(f"c{i}" for i in range(300))
    data = (header + "\n" + ",".join("1" * 300) + "\n").encode() * 1
    data += (",".join("1" * 300) + "\n").encode() * 2_000
    with pytest.raises(DataError, match=r"^the table has 300 columns; this instance accepts at most 50\."):
        read_table(data, "wide.csv", max_columns=50)
    assert spy.calls == [(0, 0)]


def test_csv_blank_rows_do_not_count_toward_the_limit() -> None:
    data = b"x\n" + b"1\n,\n" * 5
    assert len(read_table(data.replace(b"\n,\n", b"\n\n"), "a.csv", max_rows=5)) == 5
    assert len(read_table(b"x,y\n1,2\n,\n,\n3,4\n", "a.csv", max_rows=2)) == 2


def test_max_cells() -> None:
    data = b"a,b,c\n" + b"1,2,3\n" * 40
    with pytest.raises(DataError) as info:
        read_table(data, "a.csv", max_cells=100)
    assert str(info.value).startswith("the table has 40 rows × 3 columns = 120 values; this instance "
                                      "holds at most 100 values in memory.")
    assert read_table(data, "a.csv", max_cells=120).shape == (40, 3)


# ---------------------------------------------------------------- Parquet
def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def constant_30m_parquet() -> bytes:
    # The 137 KB file of 30,000,000 constant rows: 30 row groups of 1,000,000.
    buf = io.BytesIO()
    chunk = pa.table({"x": pa.array(np.zeros(1_000_000))})
    with pq.ParquetWriter(buf, chunk.schema) as writer:
        for _ in range(30):
            writer.write_table(chunk)
    return buf.getvalue()


def test_parquet_bomb_refused_from_the_footer(constant_30m_parquet: bytes,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(constant_30m_parquet) < 1 * MB

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded a Parquet file past the limits")

    monkeypatch.setattr(tables.pd, "read_parquet", no_decoding)
    pool = pa.default_memory_pool()
    arrow_before = pool.max_memory()
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            read_table(constant_30m_parquet, "const.parquet", max_rows=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value) == (
        "the table has 30,000,000 rows; this instance accepts at most 1,000,000. "
        "Take a sample, or run on a bigger instance (DENDRO_MAX_ROWS)."
    )
    # Decoding would take 240 MB; the footer check takes the file and little more.
    assert peak < 5 * MB
    assert pool.max_memory() - arrow_before < 20 * MB


_PARQUET_PEAK = """
import io, json, os, sys, tracemalloc
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
from clustering.tables import read_table
n, d = 100_000, 40
buf = io.BytesIO()
pq.write_table(pa.table({f"c{j}": np.full(n, float(j)) for j in range(d)}), buf)
# Arrow allocates outside tracemalloc's view: a fresh proxy pool counts its peak alone.
arrow = pa.proxy_memory_pool(pa.default_memory_pool())
pa.set_memory_pool(arrow)
tracemalloc.start()
df = read_table(buf.getvalue(), "big.parquet", max_rows=n, max_columns=d)
numpy_peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"shape": list(df.shape), "numpy": numpy_peak / (8 * n * d),
                  "arrow": arrow.max_memory() / (8 * n * d)}))
sys.stdout.flush()
os._exit(0)  # the frame's buffers belong to the proxy pool: skip teardown
"""


def test_parquet_within_limits_peaks_near_one_table() -> None:
    # The 1,000,000 x 100 (+3.5 GB for 800 MB of values), scaled to 100,000 x 40,
    # in a child process so that switching Arrow's default pool touches no other test.
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _PARQUET_PEAK], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(root)}, check=True, timeout=300)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["shape"] == [100_000, 40]
    # In tables of values: before 1.25 (NumPy) + 2.0 (Arrow) = 3.3; now 0.14 + 1.05.
    assert got["numpy"] + got["arrow"] < 1.5, got


def test_parquet_columns_read_only_those() -> None:
    data = _parquet(pa.table({"a": [1.0, 2.0], "b": ["p", "q"], "c": [3, 4]}))
    df = read_table(data, "t.parquet", columns=["c", "a"], max_columns=2)
    assert list(df.columns) == ["c", "a"] and df["c"].tolist() == [3, 4]
    with pytest.raises(DataError, match=r"^no column named 'z'; the columns are 'a', 'b', 'c'"):
        read_table(data, "t.parquet", columns=["z"])


def test_nested_parquet_gets_its_own_message() -> None:
    data = _parquet(pa.table({"a": [[1, 2], [3]], "s": [{"x": 1}, {"x": 2}], "v": [1.0, 2.0]}))
    with pytest.raises(DataError) as info:
        read_table(data, "nested.parquet")
    assert str(info.value) == (
        "'nested.parquet' has 2 nested column(s) (lists or structs): 'a' (list<element: int64>), "
        "'s' (struct<x: int64>); clustering reads flat columns of numbers or text. Flatten them "
        "into one column per field, or leave them out, and upload that."
    )


def test_parquet_timestamps_are_not_clustered_as_nanoseconds() -> None:
    data = _parquet(pa.table({"t": pd.date_range("2020", periods=4), "x": [1.0, 2.0, 3.0, 5.0]}))
    got = read_upload(data, "t.parquet")
    assert any("'t'" in note and "dates" in note for note in got.notes)
    assert {c.name: c.kind for c in got.columns}["t"] != "numeric"
    assert prepare(got.table).feature_names == ("x",)
    with pytest.raises(DataError, match=r"^column 't' holds dates or times"):
        prepare(got.table, PrepareOptions(features=["t", "x"]))


# ---------------------------------------------------------------- xlsx
def _xlsx(sheet_rows: bytes, *, pad: int = 0, header: bytes | None = None) -> bytes:
    """A workbook pandas writes, with its sheetData replaced, plus stored random padding."""
    buf = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_excel(buf, index=False)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = body.partition(b"<sheetData>")
                _, _, tail = rest.partition(b"</sheetData>")
                first = header if header is not None else (
                    b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>')
                body = head + b"<sheetData>" + first + sheet_rows + b"</sheetData>" + tail
            z.writestr(info.filename, body)
        if pad:
            z.writestr("xl/media/pad.bin", os.urandom(pad), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


@pytest.fixture
def no_sheet_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl.worksheet import _reader

    def refuse(self: object) -> None:
        raise AssertionError("parsed sheet rows past the limits")

    monkeypatch.setattr(_reader.WorkSheetParser, "parse", refuse)


def test_xlsx_row_bomb_refused_before_parsing(no_sheet_parsing: None) -> None:
    # The 2.4 MB file: 2 MB of random padding and 2.4 million <row> elements.
    data = _xlsx(b"<row/>" * 2_400_000, pad=2_000_000)
    assert len(data) < 2.5 * MB
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            read_table(data, "rows.xlsx", max_rows=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith(
        "'rows.xlsx' has 2,400,001 rows in its first sheet, more than Excel allows (1,048,576)")
    assert peak < 80 * MB  # the sheet's 14 MB of XML, read once and counted


def test_xlsx_allowance_does_not_grow_with_padding() -> None:
    # Under the old ratio rule (50 x the upload) 2 MB of padding bought 100 MB of XML.
    rows = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 700_000
    assert len(rows) > XLSX_MAX_UNPACKED
    with pytest.raises(DataError, match=r"limit 33,554,432\); it looks like a zip bomb"):
        read_table(_xlsx(rows, pad=2_000_000), "padded.xlsx")


def test_xlsx_row_limit_from_row_tags(no_sheet_parsing: None) -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(2, 52))
    with pytest.raises(DataError) as info:
        read_table(_xlsx(rows), "long.xlsx", max_rows=10)
    assert str(info.value) == (
        "the table has 50 rows; this instance accepts at most 10. "
        "Take a sample, or run on a bigger instance (DENDRO_MAX_ROWS)."
    )


def test_xlsx_far_column_refused_before_the_row_is_built() -> None:
    # One cell in column XFD would make 16,384 cells per row; refused at the first such row.
    rows = b'<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>2</v></c></row>' * 1
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            read_table(_xlsx(rows), "wide.xlsx", max_columns=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith("the table has 16,384 columns; this instance accepts at most 100.")
    assert peak < 20 * MB


def test_xlsx_equals_read_excel() -> None:
    rng = np.random.default_rng(13)
    n = 40
    src = pd.DataFrame({
        "int": rng.integers(-5, 5, n),
        "float": rng.normal(size=n).round(3),
        "text": rng.choice(["a", "b", "1", "x y"], n),
        "when": pd.date_range("2021-01-01", periods=n, freq="D"),
        "flag": rng.random(n) > 0.5,
        "gappy": np.where(rng.random(n) > 0.7, np.nan, rng.normal(size=n)),
    })
    src = src.astype(object)
    src.loc[[5, 17], :] = None  # blank rows in the middle
    buf = io.BytesIO()
    src.to_excel(buf, index=False)
    data = buf.getvalue()
    expected = pd.read_excel(io.BytesIO(data))
    expected = expected.dropna(how="all").reset_index(drop=True)
    pd.testing.assert_frame_equal(read_table(data, "t.xlsx"), expected)


# ---------------------------------------------------------------- JSON
def test_deep_json_refused_with_its_depth() -> None:
    with pytest.raises(DataError) as info:
        read_table(b"[" * 200_000 + b"]" * 200_000, "deep.json")
    assert str(info.value) == (
        "'deep.json' nests lists or objects 200,000 levels deep (at most 64); a table is a list "
        'of flat records like [{"x": 1, "y": 2}, {"x": 3, "y": 4}]'
    )


def test_json_keys_counted_before_the_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_frame(*args: object, **kwargs: object) -> None:
        raise AssertionError("built a DataFrame past the limits")

    monkeypatch.setattr(tables.pd.DataFrame, "from_records", no_frame)
    # Each record a new key: 20,000 rows x 20,000 columns if pandas built it.
    data = json.dumps([{f"k{i}": 1} for i in range(20_000)]).encode()
    with pytest.raises(DataError, match=r"^the table has 20,000 columns; this instance accepts at most 2,000\."):
        read_table(data, "keys.json", max_columns=2_000)
    with pytest.raises(DataError, match=r"^the table has 3 rows; this instance accepts at most 2\."):
        read_table(b'[{"x": 1}, {"x": 2}, {"x": 3}]', "r.json", max_rows=2)


# ---------------------------------------------------------------- parse once
def test_read_upload_carries_the_summary() -> None:
    data = b"name,x,c\np,1,a\nq,2,b\nr,3,a\n"
    got = read_upload(data, "t.csv", max_rows=10)
    pd.testing.assert_frame_equal(got.table, read_table(data, "t.csv"))
    assert got.columns == tuple(describe_columns(got.table))
    assert got.shape == (3, 3) and got.format == "text"


def test_table_shape_without_decoding(constant_30m_parquet: bytes, no_sheet_parsing: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded rows to find a shape")

    monkeypatch.setattr(tables.pd, "read_parquet", no_decoding)

    def shape(data: bytes, name: str) -> tuple[str, int, int]:
        got = table_shape(data, name)
        return got.format, got.rows, got.columns

    assert shape(constant_30m_parquet, "c.parquet") == ("parquet", 30_000_000, 1)
    rows = _xlsx(b"<row/>" * 2_000_000)
    got = table_shape(rows, "r.xlsx")
    assert (got.format, got.rows) == ("xlsx", 2_000_000)
    assert got.decoded_bytes > 12_000_000
    assert shape(b"x,y\r1,2\r3,4\r", "mac.csv") == ("text", 2, 2)
    assert shape(b'x,y\n"a\nb",2\n3,4\n', "q.csv") == ("text", 2, 2)
    assert shape(b'[{"x": 1}, {"y": 2}]', "r.json") == ("json", 2, 2)
    with pytest.raises(DataError, match="nests lists or objects 100 levels deep"):
        table_shape(b"[" * 100 + b"]" * 100, "deep.json")
