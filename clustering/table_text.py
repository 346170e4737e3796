"""Reading a delimited text upload (CSV / TSV / ``;`` / ``|``) into a DataFrame.

Split by job from :mod:`clustering.tables`, the public entry point: bytes to text
(:func:`_decode`: BOMs, UTF-8, UTF-16, Windows-1252 / Latin-1), binary sniffing, the delimiter
sniffed among :data:`DELIMITERS`, line endings (CR, CRLF, LF or a mix), then pandas' parser
under the reader's limits (:func:`_read_delimited`). Also the ``DataFrame.attrs`` keys in which
the readers record the file's line of each row (:data:`FILE_LINES`, :data:`FILE_PLACE`).

Examples
--------
>>> _sniff_delimiter("x;y\\n1,5;2\\n")
';'
>>> _read_text(b"x;y\\n1,5;2\\n3;4\\n", "a.csv", _Limits(), []).to_numpy().tolist()
[[1.5, 2.0], [3.0, 4.0]]
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.table_limits import _count, _Limits

__all__ = ["DELIMITERS", "EXTRA_NA", "FILE_LINES", "FILE_PLACE"]


DELIMITERS = (",", ";", "\t", "|")
# Markers people type for "no value" beyond pandas' defaults ('', 'NA', 'NaN', 'null', ...).
EXTRA_NA = ["?"]
_SNIFF_CHARS = 64 * 1024
_BINARY_HINT = "upload CSV, TSV, Excel (.xlsx), Parquet or JSON records"


#: ``DataFrame.attrs`` key: for a delimited file, the file's line (1-based, the header's
#: included) on which each row starts, so that messages about a row name the line the user
#: sees in an editor (:func:`clustering.tables.file_row`).
FILE_LINES = "file_lines"
#: How a message names such a place: a text file's line, or a spreadsheet's own row number.
FILE_PLACE = "file_place"


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
            starts, widths = _record_lines(text, delim)
            for start, width in zip(starts[1:].tolist(), widths[1:].tolist(), strict=True):
                if width > expected:  # pandas counts records, not the file's lines
                    where, saw = f"line {_count(start)} of the file", width
                    break
            shown = {"\t": "tab"}.get(delim, repr(delim))
            raise DataError(
                f"{where} has {saw} fields but the header has {expected} "
                f"(delimiter {shown}); check that fields containing the delimiter are quoted"
            ) from err
        raise DataError(f"could not read '{filename}' as a delimited table: {err}") from err


def _record_lines(text: str, delim: str) -> tuple[np.ndarray, np.ndarray]:
    """(the file's line on which each non-blank record starts, its number of fields), the
    header first: what messages about a row say ("line 7 of the file"), since quoted line
    breaks and blank lines make a record's position differ from its line. Empty when the
    csv module cannot read the text."""
    if '"' not in text and "\x00" not in text:
        return _unquoted_record_lines(text, delim)
    out: list[tuple[int, int]] = []
    reader = _records(text, delim)
    last = 0
    try:
        for record in reader:
            if record:
                out.append((last + 1, len(record)))
            last = reader.line_num
    except csv.Error:
        out = []
    got = np.array(out, dtype=np.int64).reshape(-1, 2)
    return got[:, 0], got[:, 1]


def _unquoted_record_lines(text: str, delim: str) -> tuple[np.ndarray, np.ndarray]:
    r""":func:`_record_lines` of a text without quotes: a record is a line that is neither empty
    nor a lone CR (CRLF stays as the parser gets it; _line_breaks took lone CRs out), its
    fields one more than its delimiters. The same list as the csv module's, in numpy (~4 ms
    against ~21 at 20,000 rows; issue 14's upload).

    >>> [a.tolist() for a in _unquoted_record_lines("a,b\r\n1,2\r\n\r\n3,4\n", ",")]
    [[1, 2, 4], [2, 2, 2]]
    """
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if not b.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    newlines = np.flatnonzero(b == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [b.size]))
    lengths = ends - starts
    lone_cr = (lengths == 1) & (b[np.minimum(starts, b.size - 1)] == 13)
    keep = np.flatnonzero((lengths > 0) & ~lone_cr)
    delims = np.flatnonzero(b == ord(delim))
    fields = (np.searchsorted(delims, ends[keep]) - np.searchsorted(delims, starts[keep])) + 1
    return keep.astype(np.int64) + 1, fields.astype(np.int64)


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
    lines = _record_lines(text, delim)[0][1:]
    if len(lines) == len(df):  # else a parse the csv module reads differently: say "row"
        df.attrs[FILE_LINES] = lines
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


def _read_text(data: bytes, filename: str, limits: _Limits, notes: list[str]) -> pd.DataFrame:
    if not data.strip():
        raise DataError("the file is empty")
    return _read_delimited(_decode(data, filename), filename, limits, notes)
