"""Read an uploaded table (bytes + file name) into a DataFrame, or say why not.

Every failure is a :class:`clustering.errors.DataError` whose message a person can
act on. Row numbers in messages count data rows from 1, not counting the header:
"row 4" is ``df.iloc[3]``, the fourth row under the header.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = [
    "COLUMN_KINDS",
    "ColumnInfo",
    "DELIMITERS",
    "XLSX_MAX_RATIO",
    "describe_columns",
    "read_table",
    "text_values",
]

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
COLUMN_KINDS = ("numeric", "categorical", "text", "constant", "empty")
# An .xlsx is a zip; ordinary sheets unpack to 5-30x their size, a zip bomb to 1000x.
XLSX_MAX_RATIO = 50
# Below this total an .xlsx is always accepted, whatever its ratio: small is harmless.
XLSX_MIN_ALLOWED = 32 * 2**20
# Markers people type for "no value" beyond pandas' defaults ('', 'NA', 'NaN', 'null', ...).
EXTRA_NA = ["?"]
_SNIFF_CHARS = 64 * 1024
_BINARY_HINT = "upload CSV, TSV, Excel (.xlsx), Parquet or JSON records"


def _count(n: int) -> str:
    return f"{n:,}"


# ---------------------------------------------------------------- decoding text
def _decode(data: bytes, filename: str) -> str:
    """Bytes -> text: BOMs first, then UTF-8, then Windows-1252 / Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM: every other byte is NUL in ASCII-heavy text.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return data.decode("utf-16-le", errors="replace")
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return data.decode("utf-16-be", errors="replace")
        raise DataError(f"'{filename}' looks like binary data, not a table; {_BINARY_HINT}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # Latin-1 maps every byte, so this cannot fail.
        return data.decode("latin-1")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    return control > 0.05 * len(sample) or "\x00" in sample


# ---------------------------------------------------------------- delimited text
def _sniff_delimiter(text: str) -> str:
    """The delimiter among DELIMITERS that splits the first lines most consistently."""
    sample = text[:_SNIFF_CHARS]
    truncated = len(text) > len(sample)
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delim))
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows = rows[:-1]  # the last sampled row may be cut in half
        counts = [len(r) for r in rows if any(field.strip() for field in r)]
        if not counts:
            continue
        mode, _ = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (sum(c == mode for c in counts) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    if best_score == (0.0, 0):
        # One column: no delimiter splits it. Read it with one that is absent, preferring ';'
        # so that decimal commas ("3,5") still read as numbers.
        best = next((d for d in (";", "\t", "|", ",") if d not in sample), ",")
    return best


_FIELDS_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_delimited(text: str, filename: str) -> pd.DataFrame:
    if not text.strip():
        raise DataError("the file is empty")
    if _looks_binary(text):
        raise DataError(f"'{filename}' looks like binary data, not a table; {_BINARY_HINT}")
    delim = _sniff_delimiter(text)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            decimal="," if delim == ";" else ".",
            index_col=False,
            na_values=EXTRA_NA,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError as err:
        raise DataError("the file is empty") from err
    except pd.errors.ParserError as err:
        match = _FIELDS_RE.search(str(err))
        if match:
            expected, line, saw = (int(g) for g in match.groups())
            shown = {"\t": "tab"}.get(delim, repr(delim))
            raise DataError(
                f"row {_count(line - 1)} has {saw} fields but the header has {expected} "
                f"(delimiter {shown}); check that fields containing the delimiter are quoted"
            ) from err
        raise DataError(f"could not read '{filename}' as a delimited table: {err}") from err
    if delim == ";":
        df = _quoted_decimal_commas(df)
    return df


_DECIMAL_COMMA_RE = r"^\s*[-+]?(\d+(,\d*)?|,\d+)([eE][-+]?\d+)?\s*$"


def _quoted_decimal_commas(df: pd.DataFrame) -> pd.DataFrame:
    """Quoted "3,5" escapes pandas' decimal=','; convert columns made only of such numbers."""
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        values = col.dropna()
        if len(values) and values.astype(str).str.match(_DECIMAL_COMMA_RE).all():
            df[name] = pd.to_numeric(col.astype(str).str.replace(",", ".", regex=False).where(col.notna()))
    return df


# ---------------------------------------------------------------- other formats
def _check_zip_size(data: bytes, filename: str, max_bytes: int | None) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as err:
        raise DataError(f"'{filename}' is not a valid Excel (.xlsx) file: {err}") from err
    limit = max_bytes if max_bytes is not None else max(XLSX_MAX_RATIO * len(data), XLSX_MIN_ALLOWED)
    if total > limit:
        raise DataError(
            f"'{filename}' would unpack to {_count(total)} bytes from {_count(len(data))} "
            f"(limit {_count(limit)}); it looks like a zip bomb or an unusually inflated "
            "workbook. Save the sheet as CSV and upload that instead."
        )


def _read_xlsx(data: bytes, filename: str, max_bytes: int | None) -> pd.DataFrame:
    _check_zip_size(data, filename, max_bytes)
    try:
        # pandas opens with data_only=True: formulas come back as their cached values.
        df = pd.read_excel(io.BytesIO(data), sheet_name=0, engine="openpyxl")
    except DataError:
        raise
    except Exception as err:  # openpyxl raises many types for damaged files
        raise DataError(f"could not read '{filename}' as an Excel (.xlsx) file: {err}") from err
    return df


def _read_parquet(data: bytes, filename: str, max_bytes: int | None) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
        raise DataError(f"could not read '{filename}' as a Parquet file: {err}") from err


def _read_json(data: bytes, filename: str, max_bytes: int | None) -> pd.DataFrame:
    text = _decode(data, filename)
    if not text.strip():
        raise DataError("the file is empty")
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
        return _flatten_nested(pd.DataFrame.from_records(obj))
    raise DataError('expected JSON records like [{"x": 1, "y": 2}, {"x": 3, "y": 4}]')


def _flatten_nested(df: pd.DataFrame) -> pd.DataFrame:
    """Nested lists / objects become their JSON text: unhashable cells break counting."""
    for name in df.columns:
        if df[name].dtype == object:
            df[name] = df[name].map(lambda v: json.dumps(v) if isinstance(v, list | dict) else v)
    return df


def _read_text(data: bytes, filename: str, max_bytes: int | None) -> pd.DataFrame:
    if not data.strip():
        raise DataError("the file is empty")
    return _read_delimited(_decode(data, filename), filename)


_READERS: dict[str, Callable[[bytes, str, int | None], pd.DataFrame]] = {
    "text": _read_text,
    "xlsx": _read_xlsx,
    "parquet": _read_parquet,
    "json": _read_json,
}
_EXTENSIONS = {
    ".csv": "text", ".tsv": "text", ".txt": "text", ".tab": "text", ".dat": "text",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet",
    ".json": "json",
}


def _format_of(data: bytes, filename: str) -> str:
    """Trust the content's magic bytes over the file name (people rename files)."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"'{filename}' is an old Excel (.xls) workbook; save it as .xlsx or CSV and upload that"
        )
    suffix = "." + filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
        fmt = "json" if stripped[:1] in (b"[", b"{") else "text"
    return fmt


# ---------------------------------------------------------------- cleaning
def _clean_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Strip names, name the unnamed, and make every name unique ('x', 'x.1', ...)."""
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(df.columns):
        name = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
        if not name or re.fullmatch(r"Unnamed: \d+(\.\d+)?", name):
            name = f"column {i + 1}"
        base, k = name, 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        names.append(name)
    out = df.copy()
    out.columns = names
    return out


def read_table(
    data: bytes,
    filename: str,
    *,
    max_rows: int | None = None,
    max_columns: int | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read uploaded bytes into a DataFrame.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Its name; the extension picks the reader unless the content's magic bytes say
        otherwise (an .xlsx renamed to .csv is still read as Excel).
    max_rows, max_columns : int, optional
        Refuse bigger tables with a message saying the limit and what to do.
    max_bytes : int, optional
        For .xlsx: the most the zip members may unpack to. Default: the larger of
        ``XLSX_MAX_RATIO`` times the upload and ``XLSX_MIN_ALLOWED`` (a zip-bomb guard).

    Returns
    -------
    pandas.DataFrame
        (n_rows, n_columns) with stripped, unique column names and a RangeIndex.
        Rows that are entirely empty are dropped (spreadsheets often carry them).

    Raises
    ------
    DataError
        Empty file, header but no rows, binary data, ragged rows, limits exceeded,
        unreadable Excel / Parquet / JSON.

    Notes
    -----
    Text is CSV / TSV with the delimiter sniffed among ``, ; TAB |``; UTF-8 with or
    without BOM, UTF-16 with or without BOM, else Windows-1252 / Latin-1. With ``;``
    as delimiter, decimal commas ("3,5") are read as numbers. ``?`` counts as missing.

    Examples
    --------
    >>> read_table(b"x;y\\n1,5;2\\n3;4\\n", "a.csv")
         x  y
    0  1.5  2
    1  3.0  4
    """
    if not data or not data.strip():
        raise DataError("the file is empty")
    fmt = _format_of(data, filename)
    df = _READERS[fmt](data, filename, max_bytes)
    df = _clean_columns(df)
    if df.shape[1] == 0:
        raise DataError("the file is empty")
    df = df.dropna(how="all").reset_index(drop=True)
    if len(df) == 0:
        raise DataError("the file has a header but no rows")
    if max_rows is not None and len(df) > max_rows:
        raise DataError(
            f"the table has {_count(len(df))} rows; this instance accepts at most "
            f"{_count(max_rows)}. Take a sample, or run on a bigger instance (DENDRO_MAX_ROWS)."
        )
    if max_columns is not None and df.shape[1] > max_columns:
        raise DataError(
            f"the table has {_count(df.shape[1])} columns; this instance accepts at most "
            f"{_count(max_columns)}. Choose fewer columns, or run on a bigger instance "
            "(DENDRO_MAX_COLUMNS)."
        )
    # Sizes and format only: file names and cells are user content and stay out of logs.
    log.debug("read a %s table: %d rows x %d columns", fmt, *df.shape)
    return df


# ---------------------------------------------------------------- describing columns
@dataclass(frozen=True)
class ColumnInfo:
    """What a column holds, for the column pickers.

    ``kind`` is one of ``COLUMN_KINDS``: ``numeric`` (numbers, possibly with a few
    text entries: see ``n_text``), ``categorical`` (few distinct strings),
    ``text`` (many distinct strings: good for leaf labels), ``constant`` (one
    distinct value), ``empty`` (no values). ``n_text`` counts the non-missing
    entries of a numeric column that are not numbers; prepare refuses such a
    column as a feature and says which rows.
    """

    name: str
    kind: str
    n_missing: int
    n_unique: int
    example: str
    n_text: int = 0


def text_values(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split a column into numbers and the entries that are not numbers.

    Returns
    -------
    numbers : pandas.Series of float64
        NaN where missing or not a number.
    is_text : pandas.Series of bool
        True where the entry is present but not a number.

    Examples
    --------
    >>> nums, bad = text_values(pd.Series(["1", "x", None]))
    >>> nums.tolist()[0], bad.tolist()
    (1.0, [False, True, False])
    """
    if pd.api.types.is_bool_dtype(column):
        return column.astype("float64"), pd.Series(False, index=column.index)
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64"), pd.Series(False, index=column.index)
    present = column.notna()
    stripped = column.where(~present, column.astype(str).str.strip())
    stripped = stripped.where(stripped != "", None)
    numbers = pd.to_numeric(stripped, errors="coerce").astype("float64")
    is_text = present & stripped.notna() & numbers.isna()
    return numbers, is_text


def _kind(column: pd.Series) -> tuple[str, int]:
    values = column.dropna()
    if len(values) == 0:
        return "empty", 0
    if values.nunique() == 1:
        return "constant", 0
    numbers, is_text = text_values(values)
    n_text = int(is_text.sum())
    if numbers.notna().sum() >= max(1, n_text) and n_text <= 0.5 * len(values):
        return "numeric", n_text
    n_unique = values.nunique()
    if n_unique <= 50 and n_unique <= max(2, len(values) // 2):
        return "categorical", 0
    return "text", 0


def describe_columns(df: pd.DataFrame) -> list[ColumnInfo]:
    """One :class:`ColumnInfo` per column, in table order.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4], "c": ["a", "b", "a", "a"], "k": [1, 1, 1, None]})
    >>> [(c.name, c.kind, c.n_missing) for c in describe_columns(df)]
    [('x', 'numeric', 0), ('c', 'categorical', 0), ('k', 'constant', 1)]
    """
    out = []
    for name in df.columns:
        column = df[name]
        kind, n_text = _kind(column)
        values = column.dropna()
        out.append(
            ColumnInfo(
                name=str(name),
                kind=kind,
                n_missing=int(column.isna().sum()),
                n_unique=int(values.nunique()),
                example=str(values.iloc[0]) if len(values) else "",
                n_text=n_text,
            )
        )
    return out
