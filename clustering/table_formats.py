"""Reading the uploads that are not delimited text: Excel (.xlsx), Parquet and JSON.

Split by job from :mod:`clustering.tables`, the public entry point, which picks the reader by
the content's magic bytes, then the file name. Each reader refuses what is over a limit
before decoding the rows: .xlsx by its unpacked size (:data:`XLSX_MAX_UNPACKED`) and row tags,
Parquet by its footer, JSON by its depth (:data:`JSON_MAX_DEPTH`) and its records' keys.

Examples
--------
>>> _count_row_tags(b'<sheetData><row r="1"/><row r="2"></row></sheetData>')
2
>>> _json_depth('[{"x": [1, 2]}, {"x": []}]')
3
>>> _read_json(b'[{"x": 1, "t": [1, 2]}]', "n.json", _Limits(), []).to_dict("records")
[{'x': 1, 't': '[1, 2]'}]
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.table_columns import _clean_names, _is_time, _known_columns
from clustering.table_limits import _count, _Limits
from clustering.table_text import FILE_LINES, FILE_PLACE, _decode

__all__ = ["JSON_MAX_DEPTH", "XLSX_MAX_RATIO", "XLSX_MAX_ROWS", "XLSX_MAX_UNPACKED"]


# An .xlsx is a zip. What it may unpack to is a fixed allowance, not a multiple of the upload:
# a ratio lets incompressible padding buy room for millions of highly compressible <row>
# elements (issue 13: 2 MB of random bytes bought 100 MB of XML and 99 s of parsing).
# 32 MiB of sheet XML is ~100k rows x 10 columns; bigger sheets are refused with "save as CSV".
XLSX_MAX_UNPACKED = 32 * 2**20
# Kept so that `from clustering import XLSX_MAX_RATIO` still works; the allowance no longer
# depends on the upload's size (see XLSX_MAX_UNPACKED).
XLSX_MAX_RATIO = 50
XLSX_MIN_ALLOWED = XLSX_MAX_UNPACKED
# Excel's own last row: a sheet naming a later row was not written by a spreadsheet.
XLSX_MAX_ROWS = 1_048_576
# json.loads recurses once per level; deeper documents are refused before they reach it.
JSON_MAX_DEPTH = 64


# ---------------------------------------------------------------- Excel
def _check_zip_size(data: bytes, filename: str, max_bytes: int | None) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as err:
        raise DataError(f"'{filename}' is not a valid Excel (.xlsx) file: {err}") from err
    limit = max_bytes if max_bytes is not None else XLSX_MAX_UNPACKED
    if total > limit:
        raise DataError(
            f"'{filename}' would unpack to {_count(total)} bytes from {_count(len(data))} "
            f"(limit {_count(limit)}); it looks like a zip bomb or an unusually inflated "
            "workbook. Save the sheet as CSV and upload that instead."
        )


# A <row> start tag, with or without a namespace prefix (not <rowBreaks>).
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _count_row_tags(xml: bytes) -> int:
    """How many <row> elements a sheet's XML holds (bytes.count; a regex only for prefixes)."""
    n = xml.count(b"<row>") + xml.count(b"<row ") + xml.count(b"<row/") + xml.count(b"<row\n")
    if n == 0 and b":row" in xml:
        n = sum(1 for _ in _ROW_TAG.finditer(xml))
    return n


def _xlsx_cell(cell: dict[str, Any]) -> Any:
    """A parsed cell as pandas' openpyxl reader converts it (so results equal read_excel)."""
    value = cell["value"]
    if value is None:
        return ""
    kind = cell["data_type"]
    if kind == "e":
        return np.nan
    if kind == "n":
        whole = int(value)
        return whole if whole == value else float(value)
    return value


def _check_row_tags(xml: bytes, filename: str, limits: _Limits) -> None:
    """Refuse a sheet by its number of <row> elements, before any row is parsed: more than
    Excel allows, or over the row limit (the header's row not counted)."""
    # Counting row tags costs ~30 ms per 32 MiB; parsing them costs seconds.
    n_tags = _count_row_tags(xml)
    if n_tags > XLSX_MAX_ROWS:
        raise DataError(
            f"'{filename}' has {_count(n_tags)} rows in its first sheet, more than Excel "
            f"allows ({_count(XLSX_MAX_ROWS)}); it was not saved by a spreadsheet. Save "
            "the data as CSV and upload that instead."
        )
    # Row entries include blank rows a spreadsheet kept for their formatting.
    limits.check_rows(n_tags - 1)


def _sheet_row(parsed: list[dict[str, Any]], limits: _Limits) -> list[Any]:
    """One parsed sheet row as its values by column ("" where no cell), trailing blanks
    dropped; refused when its last cell is past the column limit."""
    width = max((c["column"] for c in parsed), default=0)
    # Checked before the row is built: one cell in column XFD would make 16,384.
    limits.check_columns(width)
    values: list[Any] = [""] * width
    for cell in parsed:
        values[cell["column"] - 1] = _xlsx_cell(cell)
    while values and values[-1] == "":
        values.pop()
    return values


def _xlsx_rows(data: bytes, filename: str, limits: _Limits) -> list[list[Any]]:
    """The first sheet's rows, streamed, refused as soon as a limit is passed."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    # pandas' read_excel opens the workbook the same way: formulas read as cached values.
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        sheet = book.worksheets[0]
        with sheet._get_source() as src:
            xml = src.read()  # at most the zip allowance, checked above
        _check_row_tags(xml, filename, limits)
        parser = WorkSheetParser(
            io.BytesIO(xml), sheet._shared_strings, data_only=True, epoch=book.epoch,
            date_formats=book._date_formats, timedelta_formats=book._timedelta_formats,
        )
        rows: list[list[Any]] = []
        last_with_data = -1
        n_filled = cells = widest = 0
        for index, parsed in parser.parse():
            if index > XLSX_MAX_ROWS:
                raise DataError(
                    f"'{filename}' names row {_count(index)} in its first sheet, past Excel's "
                    f"last row ({_count(XLSX_MAX_ROWS)}); save the data as CSV and upload that."
                )
            if index <= len(rows):
                continue  # a repeated or out-of-order row number: openpyxl skips it too
            # Rows the sheet leaves out are blank; read_table drops them later.
            rows.extend([] for _ in range(len(rows) + 1, index))
            values = _sheet_row(parsed, limits)
            rows.append(values)
            if not values:
                continue
            last_with_data = len(rows) - 1
            n_filled += 1
            widest = max(widest, len(values))
            cells += len(values)
            # The header is one of the filled rows. The row-tag count above has already
            # refused long sheets; this keeps the bound if that count ever misses a form.
            limits.check_rows(n_filled - 1, more=True)
            if limits.max_cells is not None and cells > limits.max_cells:
                limits.check_cells(n_filled, widest)
    finally:
        book.close()
    rows = rows[: last_with_data + 1]
    if rows:
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
    return rows


def _read_xlsx(data: bytes, filename: str, limits: _Limits, notes: list[str]) -> pd.DataFrame:
    _check_zip_size(data, filename, limits.max_bytes)
    try:
        rows = _xlsx_rows(data, filename, limits)
    except DataError:
        raise
    except Exception as err:  # openpyxl raises many types for damaged files
        raise DataError(f"could not read '{filename}' as an Excel (.xlsx) file: {err}") from err
    if not rows:
        raise DataError("the file is empty")
    from pandas.io.parsers import TextParser

    # What pd.read_excel(sheet_name=0) does with the rows it collects (same type inference).
    df = TextParser(rows, header=0, skip_blank_lines=False).read()
    # rows[i] is the sheet's row i + 1 (left-out rows were filled in), the header its first.
    if len(df) == len(rows) - 1:
        df.attrs[FILE_LINES] = np.arange(2, len(df) + 2, dtype=np.int64)
        df.attrs[FILE_PLACE] = "row {n} of the sheet"
    return df


# ---------------------------------------------------------------- Parquet
def _read_parquet(data: bytes, filename: str, limits: _Limits, notes: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data))
        schema = meta.schema_arrow
        n_rows = meta.metadata.num_rows
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
        raise DataError(f"could not read '{filename}' as a Parquet file: {err}") from err
    # The footer says the shape: check it before a single page is decompressed.
    index = set((schema.pandas_metadata or {}).get("index_columns", []) and [
        c for c in schema.pandas_metadata["index_columns"] if isinstance(c, str)
    ])
    fields = [f for f in schema if f.name not in index]
    nested = [f for f in fields if pa.types.is_nested(f.type)]
    if nested:
        listed = ", ".join(f"'{f.name}' ({f.type})" for f in nested[:3])
        more = f" and {_count(len(nested) - 3)} more" if len(nested) > 3 else ""
        raise DataError(
            f"'{filename}' has {_count(len(nested))} nested column(s) (lists or structs): "
            f"{listed}{more}; clustering reads flat columns of numbers or text. Flatten them "
            "into one column per field, or leave them out, and upload that."
        )
    clean = _clean_names([f.name for f in fields])
    raw_of = dict(zip(clean, (f.name for f in fields), strict=True))
    wanted = clean if limits.columns is None else _known_columns(limits.columns, clean)
    limits.check(n_rows, len(wanted))
    try:
        # self_destruct frees each Arrow column once it is converted: peak ~1x the table.
        df = pd.read_parquet(
            io.BytesIO(data), engine="pyarrow", columns=[raw_of[c] for c in wanted],
            # Dates as datetime64 (not Python date objects, which would read as text).
            to_pandas_kwargs={"self_destruct": True, "split_blocks": True,
                              "date_as_object": False},
        )
    except Exception as err:
        raise DataError(f"could not read '{filename}' as a Parquet file: {err}") from err
    df = df.reset_index(drop=True)
    df.columns = wanted
    type_of = {c: schema.field(raw_of[c]).type for c in wanted}
    for c, kind in type_of.items():
        if pa.types.is_decimal(kind):
            # Decimal objects would read as text; they are numbers (float64 keeps ~15 digits).
            df[c] = pd.to_numeric(df[c].astype("float64"))
    clock = [c for c, kind in type_of.items() if pa.types.is_time(kind)]
    times = [str(c) for c in df.columns if _is_time(df[c]) or c in clock]
    for c in clock:
        # Times of day (datetime.time objects) are kept as text: never counted as categories'
        # numbers nor clustered as nanoseconds; they can label rows.
        df[c] = df[c].map(lambda v: None if v is None else v.isoformat()).astype(object)
    if times:
        notes.append(
            f"Date/time column(s) {', '.join(repr(t) for t in times)} are kept as dates, not "
            "numbers: they can label rows but are not clustered."
        )
    return df


# ---------------------------------------------------------------- JSON
def _json_depth(text: str) -> int:
    """Deepest nesting of [ and { (brackets inside strings are counted too: an upper bound)."""
    codes = np.frombuffer(text.encode("utf-8", errors="replace"), dtype=np.uint8)
    step = np.zeros(len(codes), dtype=np.int32)
    step[(codes == ord("[")) | (codes == ord("{"))] = 1
    step[(codes == ord("]")) | (codes == ord("}"))] = -1
    return int(np.cumsum(step).max(initial=0))


def _read_json(data: bytes, filename: str, limits: _Limits, notes: list[str]) -> pd.DataFrame:
    text = _decode(data, filename)
    if not text.strip():
        raise DataError("the file is empty")
    depth = _json_depth(text)
    if depth > JSON_MAX_DEPTH:
        # json.loads would recurse that deep (RecursionError, or worse with a raised limit).
        raise DataError(
            f"'{filename}' nests lists or objects {_count(depth)} levels deep (at most "
            f"{JSON_MAX_DEPTH}); a table is a list of flat records like "
            '[{"x": 1, "y": 2}, {"x": 3, "y": 4}]'
        )
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(
            f"'{filename}' is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from err
    if isinstance(obj, dict) and all(isinstance(v, list) for v in obj.values()) and obj:
        lengths = {len(v) for v in obj.values()}
        if len(lengths) != 1:
            raise DataError("the JSON columns have different lengths; give one list per column, all the same length")
        limits.check(lengths.pop(), len(obj))
        return _flatten_nested(pd.DataFrame(obj))
    if isinstance(obj, list):
        if not obj:
            raise DataError("the file has no rows (an empty JSON list)")
        bad = next((i for i, rec in enumerate(obj) if not isinstance(rec, dict)), None)
        if bad is not None:
            raise DataError(
                f"JSON row {bad + 1} is not an object; expected records like "
                '[{"x": 1, "y": 2}, {"x": 3, "y": 4}]'
            )
        # Records may each bring new keys, and every key becomes a column for every row:
        # count them before pandas builds rows x keys.
        keys: dict[str, None] = {}
        for rec in obj:
            keys.update(dict.fromkeys(rec))
        limits.check(len(obj), len(keys))
        return _flatten_nested(pd.DataFrame.from_records(obj))
    raise DataError('expected JSON records like [{"x": 1, "y": 2}, {"x": 3, "y": 4}]')


def _flatten_nested(df: pd.DataFrame) -> pd.DataFrame:
    """Nested lists / objects become their JSON text: unhashable cells break counting."""
    for name in df.columns:
        if df[name].dtype == object:
            df[name] = df[name].map(lambda v: json.dumps(v) if isinstance(v, list | dict) else v)
    return df
