"""read_table / describe_columns: fixed awkward files (tests/data/bad, EXPECTED.md) and random tables."""

from __future__ import annotations

import csv
import io
import json
import re
import string
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.errors import DataError
from clustering.prepare import PrepareOptions, prepare
from clustering.tables import describe_columns, read_table

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
_CELL = re.compile(r"^`(.*)`$", re.S)
_SHAPE = re.compile(r"^(\d+) × (\d+)")


def _expected_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in (BAD / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| file ") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 4, line
        rows.append((cells[0], cells[2], cells[3]))
    return rows


EXPECTED = _expected_rows()


def _unquote(cell: str) -> str:
    m = _CELL.match(cell)
    assert m, cell
    return m.group(1)


def test_expected_covers_every_corpus_file() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.suffix not in (".py", ".md")}
    assert on_disk == {name for name, _, _ in EXPECTED}


@pytest.mark.parametrize(("name", "read_cell", "prepare_cell"), EXPECTED, ids=[r[0] for r in EXPECTED])
def test_bad_corpus(name: str, read_cell: str, prepare_cell: str) -> None:
    data = (BAD / name).read_bytes()
    read_spec = _unquote(read_cell)
    if read_spec.startswith("DataError: "):
        with pytest.raises(DataError) as info:
            read_table(data, name)
        assert str(info.value) == read_spec.removeprefix("DataError: ")
        assert prepare_cell == "—"
        return
    df = read_table(data, name)
    n, d = map(int, _SHAPE.match(read_spec).groups())
    assert df.shape == (n, d)
    assert list(df.columns) == json.loads(read_spec[_SHAPE.match(read_spec).end():])

    options = PrepareOptions(label_column="name" if "name" in df.columns else None)
    spec = _unquote(prepare_cell)
    if spec.startswith("DataError: "):
        with pytest.raises(DataError) as info:
            prepare(df, options)
        assert str(info.value) == spec.removeprefix("DataError: ")
        return
    result = prepare(df, options)
    n, d = map(int, _SHAPE.match(spec).groups())
    assert result.matrix.shape == (n, d)
    assert np.isfinite(result.matrix).all()
    for step in re.findall(r'step "([^"]*)"', spec):
        assert step in result.steps
    if " labels " in spec:
        assert result.labels.tolist() == json.loads(spec.split(" labels ", 1)[1])


def test_decimal_commas_become_numbers() -> None:
    df = read_table((BAD / "semicolon_decimal_comma.csv").read_bytes(), "x.csv")
    assert df["x"].tolist() == [1.5, 3.0, -0.5]
    assert df["y"].tolist() == [2.25, 4.5, 1000.0]


def test_formula_sheet_reads_cached_values_of_first_sheet() -> None:
    df = read_table((BAD / "multi_sheet_formulas.xlsx").read_bytes(), "book.xlsx")
    assert df["total"].tolist() == [3, 7, 11, 15]
    assert (df["total"] == df["x"] + df["y"]).all()


def test_utf16_without_bom() -> None:
    data = "x,y\n1,2\n3,4\n".encode("utf-16-le")
    assert read_table(data, "a.csv").to_numpy().tolist() == [[1, 2], [3, 4]]


def test_renamed_xlsx_is_read_by_content() -> None:
    buf = io.BytesIO()
    pd.DataFrame({"a": [1.0, 2.0], "b": ["p", "q"]}).to_excel(buf, index=False)
    df = read_table(buf.getvalue(), "looks_like.csv")
    assert df["a"].tolist() == [1.0, 2.0]


def test_parquet_and_json_columns() -> None:
    src = pd.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["x", "y", "z"]})
    buf = io.BytesIO()
    src.to_parquet(buf)
    pd.testing.assert_frame_equal(read_table(buf.getvalue(), "t.parquet"), src, check_dtype=False)
    cols = json.dumps({"a": [1.5, 2.5, 3.5], "b": ["x", "y", "z"]}).encode()
    assert read_table(cols, "t.json")["a"].tolist() == [1.5, 2.5, 3.5]


def test_nested_json_values_become_text() -> None:
    df = read_table(b'[{"x": 1, "t": [1, 2]}, {"x": 2, "t": {"a": 1}}]', "n.json")
    assert df["t"].tolist() == ["[1, 2]", '{"a": 1}']
    assert [c.kind for c in describe_columns(df)] == ["numeric", "categorical"]


def test_garbage_parquet() -> None:
    with pytest.raises(DataError, match="could not read 't.parquet' as a Parquet file"):
        read_table(b"PAR1 nonsense", "t.parquet")


def test_row_limit_message() -> None:
    data = b"x\n" + b"1\n" * 12
    with pytest.raises(DataError) as info:
        read_table(data, "a.csv", max_rows=10)
    assert str(info.value) == (
        "the table has 12 rows; this instance accepts at most 10. "
        "Take a sample, or run on a bigger instance (DENDRO_MAX_ROWS)."
    )
    assert len(read_table(data, "a.csv", max_rows=12)) == 12


def test_row_limit_thousands_separators() -> None:
    data = b"x\n" + b"1\n" * 1200
    with pytest.raises(DataError, match=r"^the table has 1,200 rows; this instance accepts at most 1,000\."):
        read_table(data, "a.csv", max_rows=1000)


def test_column_limit_message() -> None:
    with pytest.raises(DataError, match=r"^the table has 3 columns; this instance accepts at most 2\. .*DENDRO_MAX_COLUMNS"):
        read_table(b"a,b,c\n1,2,3\n", "a.csv", max_columns=2)


def test_zip_guard_uses_max_bytes() -> None:
    buf = io.BytesIO()
    pd.DataFrame({"a": range(50)}).to_excel(buf, index=False)
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        total = sum(i.file_size for i in z.infolist())
    assert len(read_table(data, "a.xlsx", max_bytes=total)) == 50
    with pytest.raises(DataError, match="zip bomb"):
        read_table(data, "a.xlsx", max_bytes=total - 1)


def test_stripped_and_unique_names() -> None:
    df = read_table(b" a ,a,,b\n1,2,3,4\n", "a.csv")
    assert list(df.columns) == ["a", "a.1", "column 3", "b"]


def test_blank_rows_dropped() -> None:
    df = read_table(b"x,y\n1,2\n,\n3,4\n", "a.csv")
    assert df.to_numpy().tolist() == [[1, 2], [3, 4]]


def test_describe_columns_kinds() -> None:
    df = read_table((Path(__file__).resolve().parents[2] / "clustering/data/cluster_mpg.csv").read_bytes(), "mpg.csv")
    info = {c.name: c for c in describe_columns(df)}
    assert info["origin"].kind == "categorical" and info["origin"].n_unique == 3
    assert info["name"].kind == "text"
    assert info["horsepower"].kind == "numeric" and info["horsepower"].n_missing == 6
    mixed = pd.DataFrame({"m": ["1", "2", "x", "4"], "e": [None] * 4, "k": [2, 2, 2, 2]})
    kinds = {c.name: (c.kind, c.n_text) for c in describe_columns(mixed)}
    assert kinds == {"m": ("numeric", 1), "e": ("empty", 0), "k": ("constant", 0)}


# ---------------------------------------------------------------- random tables round-trip
_names = st.lists(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=6), min_size=1, max_size=4, unique=True
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    names = draw(_names)
    n = draw(st.integers(1, 12))
    cols = {}
    for name in names:
        if draw(st.booleans()):
            cols[name] = draw(st.lists(
                st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3)), min_size=n, max_size=n
            ))
        else:
            # Text that must survive quoting: delimiters, quotes, accents, but starting with a letter
            # (so it is never parsed as a number or a missing marker).
            body = st.text(alphabet=string.ascii_letters + " ,;|\t\"'éü", max_size=8)
            cols[name] = draw(st.lists(
                st.tuples(st.sampled_from("abcXYZé"), body).map("".join).map(str.strip),
                min_size=n, max_size=n,
            ))
    return pd.DataFrame(cols)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=frames(), sep=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
def test_csv_round_trip(df: pd.DataFrame, sep: str, encoding: str) -> None:
    # Text is quoted: an unquoted "a,b" in a one-column ';' file is ambiguous to anyone.
    text = df.to_csv(index=False, sep=sep, decimal="," if sep == ";" else ".", quoting=csv.QUOTE_NONNUMERIC)
    got = read_table(text.encode(encoding), "t.csv")
    assert list(got.columns) == list(df.columns)
    for name in df.columns:
        if pd.api.types.is_numeric_dtype(df[name]):
            np.testing.assert_allclose(got[name].to_numpy(dtype=float), df[name].to_numpy(dtype=float))
        else:
            assert got[name].tolist() == df[name].tolist()
