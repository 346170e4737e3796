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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = [
    "COLUMN_KINDS",
    "ColumnInfo",
    "DELIMITERS",
    "JSON_MAX_DEPTH",
    "TableRead",
    "TableShape",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_ROWS",
    "XLSX_MAX_UNPACKED",
    "describe_columns",
    "read_table",
    "read_upload",
    "table_shape",
    "text_values",
]

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
COLUMN_KINDS = ("numeric", "categorical", "text", "constant", "empty")
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
# Markers people type for "no value" beyond pandas' defaults ('', 'NA', 'NaN', 'null', ...).
EXTRA_NA = ["?"]
_SNIFF_CHARS = 64 * 1024
_BINARY_HINT = "upload CSV, TSV, Excel (.xlsx), Parquet or JSON records"


#: ``DataFrame.attrs`` key: for a delimited file, the file's line (1-based, the header's
#: included) on which each row starts, so that messages about a row name the line the user
#: sees in an editor (:func:`file_row`).
FILE_LINES = "file_lines"
#: How a message names such a place: a text file's line, or a spreadsheet's own row number.
FILE_PLACE = "file_place"


def file_row(df: pd.DataFrame, position: int) -> str:
    r"""Where row ``position`` (0-based) of ``df`` is, in the words of a message: the file's own
    line when the reader recorded it, else the 1-based row of the table.

    >>> df = read_table(b"x,y\n1,2\n\n3,4\n", "t.csv")
    >>> file_row(df, 1), file_row(pd.DataFrame({"x": [1, 2]}), 1)
    ('line 4 of the file', 'row 2')
    """
    lines = df.attrs.get(FILE_LINES)
    if lines is not None and len(lines) == len(df) and 0 <= position < len(df):
        place = df.attrs.get(FILE_PLACE, "line {n} of the file")
        return place.format(n=f"{int(lines[position]):,}")
    return f"row {position + 1:,}"

def _count(n: int) -> str:
    return f"{n:,}"


@dataclass(frozen=True)
class _Limits:
    """The caps a reader checks while it decodes (None: no cap)."""

    max_rows: int | None = None
    max_columns: int | None = None
    max_cells: int | None = None
    max_bytes: int | None = None
    # Cleaned names of the only columns wanted (None: all); readers that can skip the
    # others while decoding (Parquet) do, the others select after decoding.
    columns: tuple[str, ...] | None = None

    def check_columns(self, n: int, *, more: bool = False) -> None:
        if self.max_columns is not None and n > self.max_columns:
            raise DataError(
                f"the table has {'more than ' if more else ''}{_count(n)} columns; this instance "
                f"accepts at most {_count(self.max_columns)}. Choose fewer columns, or run on a "
                "bigger instance (DENDRO_MAX_COLUMNS)."
            )

    def check_rows(self, n: int, *, more: bool = False) -> None:
        if self.max_rows is not None and n > self.max_rows:
            raise DataError(
                f"the table has {'more than ' if more else ''}{_count(n)} rows; this instance "
                f"accepts at most {_count(self.max_rows)}. Take a sample, or run on a bigger "
                "instance (DENDRO_MAX_ROWS)."
            )

    def check_cells(self, rows: int, columns: int) -> None:
        if self.max_cells is not None and rows * columns > self.max_cells:
            raise DataError(
                f"the table has {_count(rows)} rows × {_count(columns)} columns = "
                f"{_count(rows * columns)} values; this instance holds at most "
                f"{_count(self.max_cells)} values in memory. Upload only the columns to "
                "cluster, take a sample of the rows, or run on a bigger instance "
                "(DENDRO_MEMORY_BUDGET_MB)."
            )

    def check(self, rows: int, columns: int) -> None:
        self.check_columns(columns)
        self.check_rows(rows)
        self.check_cells(rows, columns)

    def row_cap(self, columns: int) -> int | None:
        """The most data rows worth decoding: one past the limit proves the limit is passed."""
        caps = []
        if self.max_rows is not None:
            caps.append(self.max_rows)
        if self.max_cells is not None:
            caps.append(self.max_cells // max(columns, 1))
        return min(caps) + 1 if caps else None


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
def _records(text: str, delim: str) -> csv.reader:
    # newline="" lets the csv module see CR, LF and CRLF as line ends (old-Mac files are
    # CR-only) and keep line breaks inside quoted fields as data.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delim)


def _sniff_delimiter(text: str) -> str:
    """The delimiter among DELIMITERS that splits the first lines most consistently."""
    sample = text[:_SNIFF_CHARS]
    truncated = len(text) > len(sample)
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            rows = list(_records(sample, delim))
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


def _line_breaks(text: str, delim: str, notes: list[str]) -> str:
    """Make every line break LF; a lone CR inside a record becomes a space.

    CRLF (Windows) is left to the parser. CR alone (old Mac) is a line break. In a file that
    also has LF, a lone CR is a line break when the pieces it separates are whole records
    (the header's number of fields: files pasted together from different systems), else a
    stray character inside a field, which the parser would take for a line break.
    """
    if "\r" not in text:
        return text
    lf = text.replace("\r\n", "\n")
    if "\r" not in lf:
        return text
    if "\n" not in lf:
        notes.append("The file has old Mac line endings (CR only); each CR was read as a line break.")
        return lf.replace("\r", "\n")
    header = next(_records(lf.split("\n", 1)[0], delim), [])
    width = len(header)
    breaks = stray = 0
    lines = lf.split("\n")
    for i, line in enumerate(lines):
        if "\r" not in line or '"' in line:
            continue  # quoted fields keep their CRs: the parser reads them as data
        pieces = line.split("\r")
        if all(len(next(_records(p, delim), [])) == width for p in pieces if p.strip()):
            breaks += len(pieces) - 1
            lines[i] = "\n".join(pieces)
        else:
            stray += len(pieces) - 1
            lines[i] = " ".join(pieces)
    if breaks:
        notes.append(f"The file mixes line endings; {_count(breaks)} lone CR(s) were read as line breaks.")
    if stray:
        notes.append(
            f"Replaced {_count(stray)} stray carriage return(s) (CR) inside fields with spaces."
        )
    return "\n".join(lines)


_FIELDS_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parse_delimited(text: str, filename: str, delim: str, nrows: int | None) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delim,
            decimal="," if delim == ";" else ".",
            index_col=False,
            na_values=EXTRA_NA,
            skipinitialspace=True,
            nrows=nrows,
        )
    except pd.errors.EmptyDataError as err:
        raise DataError("the file is empty") from err
    except pd.errors.ParserError as err:
        match = _FIELDS_RE.search(str(err))
        if match:
            expected, line, saw = (int(g) for g in match.groups())
            where = f"row {_count(line - 1)}"
            for start, width in _record_lines(text, delim)[1:]:
                if width > expected:  # pandas counts records, not the file's lines
                    where, saw = f"line {_count(start)} of the file", width
                    break
            shown = {"\t": "tab"}.get(delim, repr(delim))
            raise DataError(
                f"{where} has {saw} fields but the header has {expected} "
                f"(delimiter {shown}); check that fields containing the delimiter are quoted"
            ) from err
        raise DataError(f"could not read '{filename}' as a delimited table: {err}") from err


def _record_lines(text: str, delim: str) -> list[tuple[int, int]]:
    """(the file's line on which each non-blank record starts, its number of fields), the
    header first: what messages about a row say ("line 7 of the file"), since quoted line
    breaks and blank lines make a record's position differ from its line. Empty when the
    csv module cannot read the text."""
    out: list[tuple[int, int]] = []
    reader = _records(text, delim)
    last = 0
    try:
        for record in reader:
            if record:
                out.append((last + 1, len(record)))
            last = reader.line_num
    except csv.Error:
        return []
    return out


def _count_records(text: str, delim: str) -> int:
    """Data rows with any content (header not counted), without building a table."""
    if '"' not in text:
        # No quoting, so a line is a record: count line ends and blank lines in C, no copies.
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        blank = len(re.findall(rf"(?m)^[{re.escape(delim)} \t\r]*$", text))
        blank -= 1 if text.endswith("\n") else 0  # the empty match after the last line end
        return max(lines - blank - 1, 0)
    try:
        return max(sum(1 for rec in _records(text, delim) if any(f.strip() for f in rec)) - 1, 0)
    except csv.Error:
        return max(sum(1 for line in text.splitlines() if line.strip()) - 1, 0)


_DECIMAL_COMMA_SEEN = re.compile(r"\d,\d")


def _read_delimited(text: str, filename: str, limits: _Limits, notes: list[str]) -> pd.DataFrame:
    if not text.strip():
        raise DataError("the file is empty")
    if _looks_binary(text):
        raise DataError(f"'{filename}' looks like binary data, not a table; {_BINARY_HINT}")
    delim = _sniff_delimiter(text)
    text = _line_breaks(text, delim, notes)
    # The header alone first: a table too wide is refused before any row is decoded.
    n_columns = _parse_delimited(text, filename, delim, nrows=0).shape[1]
    limits.check_columns(n_columns)
    cap = limits.row_cap(n_columns)
    if cap is not None and '"' not in text:
        # Unquoted: counting rows is cheap (~C speed), so refuse before parsing any.
        n_rows = _count_records(text, delim)
        limits.check_rows(n_rows)
        limits.check_cells(n_rows, n_columns)
    df = _parse_delimited(text, filename, delim, nrows=cap)
    if cap is not None and len(df) >= cap:
        # Past a limit, or blank rows made it look so: count rows without decoding them.
        n_rows = _count_records(text, delim)
        limits.check_rows(n_rows)
        limits.check_cells(n_rows, n_columns)
        df = _parse_delimited(text, filename, delim, nrows=None)
    if delim == ";":
        df = _quoted_decimal_commas(df)
        if _DECIMAL_COMMA_SEEN.search(text[:_SNIFF_CHARS]):
            if n_columns == 1 and ";" not in text[:_SNIFF_CHARS]:
                notes.append(
                    "No delimiter splits the lines, so the file was read as one column with "
                    "',' as the decimal mark ('1,5' is 1.5). If it has several columns, save "
                    "it with a comma, semicolon, tab or | between them."
                )
            else:
                notes.append(
                    "Read ';' as the delimiter and ',' as the decimal mark ('1,5' is 1.5)."
                )
    elif delim != ",":
        notes.append(f"Read {'tab' if delim == chr(9) else repr(delim)} as the delimiter.")
    lines = _record_lines(text, delim)[1:]
    if len(lines) == len(df):  # else a parse the csv module reads differently: say "row"
        df.attrs[FILE_LINES] = np.array([start for start, _ in lines], dtype=np.int64)
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
            width = max((c["column"] for c in parsed), default=0)
            # Checked before the row is built: one cell in column XFD would make 16,384.
            limits.check_columns(width)
            values: list[Any] = [""] * width
            for cell in parsed:
                values[cell["column"] - 1] = _xlsx_cell(cell)
            while values and values[-1] == "":
                values.pop()
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


def _read_text(data: bytes, filename: str, limits: _Limits, notes: list[str]) -> pd.DataFrame:
    if not data.strip():
        raise DataError("the file is empty")
    return _read_delimited(_decode(data, filename), filename, limits, notes)


_READERS: dict[str, Callable[[bytes, str, _Limits, list[str]], pd.DataFrame]] = {
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
def _clean_names(columns: Sequence[Any]) -> list[str]:
    """Strip names, name the unnamed, and make every name unique ('x', 'x.1', ...)."""
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(columns):
        name = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
        if not name or re.fullmatch(r"Unnamed: \d+(\.\d+)?", name):
            name = f"column {i + 1}"
        base, k = name, 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        names.append(name)
    return names


def _clean_columns(df: pd.DataFrame) -> pd.DataFrame:
    # A shallow copy: the values are shared (copy-on-write), only the labels change. A deep
    # copy here was one more full table at the peak.
    out = df.copy(deep=False)
    out.columns = _clean_names(list(df.columns))
    return out


def _known_columns(wanted: Sequence[str], names: Sequence[str]) -> list[str]:
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise DataError(
            f"no column named {', '.join(repr(c) for c in unknown)}; the columns are "
            f"{', '.join(repr(c) for c in names)}"
        )
    return list(dict.fromkeys(wanted))


def _is_time(column: pd.Series) -> bool:
    dtype = column.dtype
    return bool(
        pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    )


@dataclass(frozen=True, eq=False)
class TableRead:
    """An upload read once: the table and what the page shows about it.

    Attributes
    ----------
    table : pandas.DataFrame, (n_rows, n_columns)
        What :func:`read_table` returns.
    columns : tuple of ColumnInfo, length n_columns
        ``describe_columns(table)``, computed once.
    format : {'text', 'xlsx', 'parquet', 'json'}
        The reader used (by content, then extension).
    notes : tuple of str
        Sentences for the page when a guess changed how values read (delimiter, decimal
        comma, line endings, dates kept as dates).
    """

    table: pd.DataFrame
    columns: tuple[ColumnInfo, ...]
    format: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the table."""
        return self.table.shape


def _read(data: bytes, filename: str, limits: _Limits) -> tuple[pd.DataFrame, str, list[str]]:
    if not data or not data.strip():
        raise DataError("the file is empty")
    fmt = _format_of(data, filename)
    notes: list[str] = []
    df = _READERS[fmt](data, filename, limits, notes)
    lines = df.attrs.get(FILE_LINES)
    place = df.attrs.get(FILE_PLACE)
    df = _clean_columns(df)
    if df.shape[1] == 0:
        raise DataError("the file is empty")
    if limits.columns is not None and fmt != "parquet":
        df = df[_known_columns(limits.columns, list(df.columns))]
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        df = df[~blank]
        lines = None if lines is None else lines[~blank]
    df = df.reset_index(drop=True)
    df.attrs.pop(FILE_LINES, None)
    df.attrs.pop(FILE_PLACE, None)
    if lines is not None and len(lines) == len(df):
        df.attrs[FILE_LINES] = lines
        if place:
            df.attrs[FILE_PLACE] = place
    if len(df) == 0:
        raise DataError("the file has a header but no rows")
    # Every reader checked while decoding; this is the same sentence for what slipped past
    # (e.g. rows counted before blank rows were dropped).
    limits.check_rows(len(df))
    limits.check_columns(df.shape[1])
    limits.check_cells(*df.shape)
    # Sizes and format only: file names and cells are user content and stay out of logs.
    log.debug("read a %s table: %d rows x %d columns", fmt, *df.shape)
    return df, fmt, notes


def read_table(
    data: bytes,
    filename: str,
    *,
    max_rows: int | None = None,
    max_columns: int | None = None,
    max_bytes: int | None = None,
    max_cells: int | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read uploaded bytes into a DataFrame, refusing while decoding what is over a limit.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Its name; the extension picks the reader unless the content's magic bytes say
        otherwise (an .xlsx renamed to .csv is still read as Excel).
    max_rows, max_columns : int, optional
        Refuse bigger tables with a message saying the limit, the table's size and what to
        do. Checked before the rows are decoded: Parquet from its footer, CSV from its header
        and the first ``max_rows + 1`` rows, .xlsx from its row tags and while streaming,
        JSON before the DataFrame is built.
    max_bytes : int, optional
        For .xlsx: the most the zip members may unpack to, default ``XLSX_MAX_UNPACKED``
        (a fixed allowance: it does not grow with the upload's size).
    max_cells : int, optional
        The most values (rows × columns) the table may hold, checked as for the limits
        above; e.g. a memory budget divided by the bytes a value takes once decoded
        (see ``clustering.budget.max_cells_for``).
    columns : sequence of str, optional
        Keep only these columns (names as returned, i.e. stripped and made unique). Parquet
        decodes only these; other formats select them after decoding. Limits count these.

    Returns
    -------
    pandas.DataFrame
        (n_rows, n_columns) with stripped, unique column names and a RangeIndex.
        Rows that are entirely empty are dropped (spreadsheets often carry them).

    Raises
    ------
    DataError
        Empty file, header but no rows, binary data, ragged rows, limits exceeded,
        nested Parquet or JSON, unreadable Excel / Parquet / JSON.

    Notes
    -----
    Text is CSV / TSV with the delimiter sniffed among ``, ; TAB |``; UTF-8 with or
    without BOM, UTF-16 with or without BOM, else Windows-1252 / Latin-1. Line breaks may
    be LF, CRLF, CR (old Mac) or a mix. With ``;`` as delimiter, decimal commas ("3,5")
    are read as numbers. ``?`` counts as missing. :func:`read_upload` also returns the
    column descriptions and sentences about the guesses made.

    Examples
    --------
    >>> read_table(b"x;y\\n1,5;2\\n3;4\\n", "a.csv")
         x  y
    0  1.5  2
    1  3.0  4
    >>> read_table(b"x,y\\r1,2\\r3,4\\r", "mac.csv").shape
    (2, 2)
    """
    limits = _Limits(max_rows, max_columns, max_cells, max_bytes,
                     None if columns is None else tuple(str(c) for c in columns))
    return _read(data, filename, limits)[0]


def read_upload(
    data: bytes,
    filename: str,
    *,
    max_rows: int | None = None,
    max_columns: int | None = None,
    max_bytes: int | None = None,
    max_cells: int | None = None,
) -> TableRead:
    """Read an upload once: the table, its column descriptions and notes for the page.

    Same arguments, limits and errors as :func:`read_table`; keep the result instead of
    reading the bytes again in later steps.

    Examples
    --------
    >>> r = read_upload(b"x;y\\n1,5;2\\n3;4\\n", "a.csv")
    >>> r.shape, [c.kind for c in r.columns]
    ((2, 2), ['numeric', 'numeric'])
    >>> r.notes
    ("Read ';' as the delimiter and ',' as the decimal mark ('1,5' is 1.5).",)
    """
    limits = _Limits(max_rows, max_columns, max_cells, max_bytes)
    df, fmt, notes = _read(data, filename, limits)
    return TableRead(table=df, columns=tuple(describe_columns(df)), format=fmt, notes=tuple(notes))


@dataclass(frozen=True)
class TableShape:
    """What a file holds, found without decoding its rows (:func:`table_shape`).

    Attributes
    ----------
    format : {'text', 'xlsx', 'parquet', 'json'}
    rows : int
        Data rows, header not counted. Exact for Parquet, CSV and JSON; for .xlsx the row
        entries of the first sheet less one, blank rows a spreadsheet kept included.
    columns : int
        Exact for Parquet, CSV and JSON (keys of all records); for .xlsx the sheet's declared
        dimension (0 when it declares none).
    decoded_bytes : int
        What decoding works through: the text for CSV / JSON, the sheet XML for .xlsx, the
        uncompressed column data for Parquet. Parsing .xlsx is the slow one (~0.4-1 s per MB
        of sheet XML here), so a page can read a big sheet in a background job.
    """

    format: str
    rows: int
    columns: int
    decoded_bytes: int


def table_shape(data: bytes, filename: str, *, max_bytes: int | None = None) -> TableShape:
    """Rows and columns of an upload without decoding its rows (cheap; no DataFrame).

    Raises the same :class:`DataError` as :func:`read_table` for empty, binary, damaged,
    nested or zip-bomb files.

    Examples
    --------
    >>> table_shape(b"x,y\\n1,2\\n3,4\\n", "a.csv")
    TableShape(format='text', rows=2, columns=2, decoded_bytes=12)
    """
    if not data or not data.strip():
        raise DataError("the file is empty")
    fmt = _format_of(data, filename)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(io.BytesIO(data)).metadata
        except Exception as err:
            raise DataError(f"could not read '{filename}' as a Parquet file: {err}") from err
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        return TableShape(fmt, meta.num_rows, len(meta.schema.to_arrow_schema()), size)
    if fmt == "xlsx":
        _check_zip_size(data, filename, max_bytes)
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                sheet = book.worksheets[0]
                with sheet._get_source() as src:
                    xml = src.read()
                columns = int(sheet.max_column or 0)
            finally:
                book.close()
        except Exception as err:
            raise DataError(f"could not read '{filename}' as an Excel (.xlsx) file: {err}") from err
        return TableShape(fmt, max(_count_row_tags(xml) - 1, 0), columns, len(xml))
    text = _decode(data, filename)
    if not text.strip():
        raise DataError("the file is empty")
    if fmt == "json":
        df = _read_json(data, filename, _Limits(), [])
        return TableShape(fmt, len(df), df.shape[1], len(text))
    if _looks_binary(text):
        raise DataError(f"'{filename}' looks like binary data, not a table; {_BINARY_HINT}")
    delim = _sniff_delimiter(text)
    text = _line_breaks(text, delim, [])
    columns = _parse_delimited(text, filename, delim, nrows=0).shape[1]
    return TableShape(fmt, _count_records(text, delim), columns, len(text))


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
    if _is_time(column):
        # Dates and durations are not clustered as nanoseconds since 1970: they count as text.
        return pd.Series(np.nan, index=column.index, dtype="float64"), column.notna()
    if pd.api.types.is_bool_dtype(column):
        return column.astype("float64"), pd.Series(False, index=column.index)
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64"), pd.Series(False, index=column.index)
    present = column.notna()
    stripped = column.where(~present, column.astype(str).str.strip())
    stripped = stripped.where(stripped != "", None)
    # pd.to_numeric costs ~8 µs per string that is not a number; most text cannot be one
    # (it does not start like one), so only the candidates go through it.
    text = stripped.astype(str)
    candidate = stripped.notna() & text.str.match(_NUMBER_START, case=False)
    numbers = pd.Series(np.nan, index=column.index, dtype="float64")
    if candidate.any():
        numbers[candidate] = pd.to_numeric(stripped[candidate], errors="coerce").astype("float64")
    is_text = present & stripped.notna() & numbers.isna()
    return numbers, is_text


# Everything pd.to_numeric accepts starts like this: sign, then a digit, '.digit', inf or nan.
_NUMBER_START = r"[-+]?(?:\d|\.\d|inf|nan)"


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
