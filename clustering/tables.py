"""Read an uploaded table (bytes + file name) into a DataFrame, or say why not.

Every failure is a :class:`clustering.errors.DataError` whose message a person can
act on. Row numbers in messages count data rows from 1, not counting the header:
"row 4" is ``df.iloc[3]``, the fourth row under the header.

This module is the public entry point (:func:`read_table`, :func:`read_upload`,
:func:`table_shape`, :func:`file_row`); it picks the reader by the content, then the file
name, and cleans what the reader returns. The work is split by job: the limits every reader
checks in :mod:`clustering.table_limits`; decoding and delimited text in
:mod:`clustering.table_text` (:data:`DELIMITERS`, :data:`FILE_LINES`); Excel, Parquet and JSON
in :mod:`clustering.table_formats` (:data:`XLSX_MAX_UNPACKED`, :data:`JSON_MAX_DEPTH`, ...);
column names and descriptions in :mod:`clustering.table_columns` (:class:`ColumnInfo`,
:func:`describe_columns`, :func:`text_values`, :data:`COLUMN_KINDS`). Their public names are
re-exported here.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from clustering.errors import DataError
from clustering.table_columns import (
    COLUMN_KINDS,
    ColumnInfo,
    _clean_columns,
    _known_columns,
    describe_columns,
    text_values,
)
from clustering.table_formats import (
    JSON_MAX_DEPTH,
    XLSX_MAX_RATIO,
    XLSX_MAX_ROWS,
    XLSX_MAX_UNPACKED,
    _check_zip_size,
    _count_row_tags,
    _read_json,
    _read_parquet,
    _read_xlsx,
)
from clustering.table_limits import _Limits
from clustering.table_text import (
    _BINARY_HINT,
    DELIMITERS,
    FILE_LINES,
    FILE_PLACE,
    _count_records,
    _decode,
    _line_breaks,
    _looks_binary,
    _parse_delimited,
    _read_text,
    _sniff_delimiter,
)

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
