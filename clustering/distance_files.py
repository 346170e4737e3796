"""Distance matrices read from what the user uploads: a table, a ``.npy``, a column of numbers.

    table (read_table) --distances_from_table--> DistanceMatrix
    bytes (.npy / one column) --read_numeric_array--> distances_from_condensed --> DistanceMatrix
    bytes + what the user says the file is --distances_from_file--> DistanceMatrix

What a file is, the caller says (:func:`clustering.file_kinds.guess_kind` offers a guess); the
checks themselves are :mod:`clustering.distance_matrix`'s, naming the offending cells.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.distance_matrix import (
    _LIST_MAX,
    SYMMETRY_TOLERANCE,
    DistanceMatrix,
    _listing,
    _q,
    distances_from_condensed,
    distances_from_square,
)
from clustering.errors import DataError

__all__ = [
    "NumericArray",
    "distances_from_file",
    "distances_from_table",
    "read_numeric_array",
]


# ---------------------------------------------------------------- square tables
def distances_from_table(
    table: pd.DataFrame,
    *,
    label_column: str | None = None,
    similarity: str | None = None,
    tolerance: float = SYMMETRY_TOLERANCE,
) -> DistanceMatrix:
    """A square table (from :func:`clustering.tables.read_table`) as a checked distance matrix.

    The rows are named by ``label_column``; without it, by a first column of text, else by
    the header row (row i is named like column i). Row and column labels must name the same
    items; when they do in a different order, the columns are put in the rows' order (and
    ``steps`` says so).

    Parameters
    ----------
    table : DataFrame, shape (n, n) or (n, n + 1) with a label column
    label_column : str, optional
    similarity : {None, "one_minus", "max_minus"}
    tolerance : float
        See :func:`distances_from_square`.

    Returns
    -------
    DistanceMatrix

    Raises
    ------
    DataError
        Not square, labels not matching or repeated, text or empty cells, asymmetric,
        non-zero diagonal, negative distances; each naming the cells.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [0.0, 3.2], "b": [3.1, 0.0]})
    >>> distances_from_table(t)
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: the matrix is not symmetric (tolerance 1e-09 of the largest entry, 3.2): row 'a', column 'b': 3.1 but column 'a', row 'b': 3.2. A distance matrix has d(a, b) = d(b, a): fix those cells, or upload features.
    """
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"expected a table (DataFrame), not {type(table).__name__}")
    row_labels, body, named = _name_rows(table, label_column)
    steps: list[str] = [named]
    _check_square(body)
    col_labels = [str(c) for c in body.columns]
    _check_unique_labels(row_labels, col_labels)
    if label_column is not None or body is not table:
        _check_same_items(row_labels, col_labels)
        if row_labels != col_labels:
            body = body[[body.columns[col_labels.index(x)] for x in row_labels]]
            steps.append("The columns were put in the order of the rows (same labels, "
                         "different order).")
    numbers = _numbers_only(body, row_labels)
    dm = distances_from_square(numbers.to_numpy(dtype=float), row_labels,
                               similarity=similarity, tolerance=tolerance)
    return DistanceMatrix(dm.condensed, dm.labels, tuple(steps) + dm.steps)


def _name_rows(table: pd.DataFrame, label_column: str | None) -> tuple[list[str], pd.DataFrame, str]:
    """The row labels, the table of values and the sentence saying what names the rows.

    ``label_column`` when given; else a first column of text (or of non-float labels when the
    table has one column more than rows); else the header row (row i named like column i, and
    the values are the whole table, the very object passed).
    """
    if label_column is not None:
        if label_column not in table.columns:
            raise DataError(f"no column {_q(label_column)}; the columns are "
                            + ", ".join(_q(c) for c in table.columns[:10]))
        row_labels = [str(x) for x in table[label_column]]
        body = table.drop(columns=[label_column])
        return row_labels, body, f"Rows are named by column {_q(label_column)}."
    first = table.columns[0] if table.shape[1] else None
    if first is not None and (
            not pd.api.types.is_numeric_dtype(table[first].dtype)
            or (table.shape[1] == len(table) + 1
                and not pd.api.types.is_float_dtype(table[first].dtype))):
        row_labels = [str(x) for x in table[first]]
        body = table.iloc[:, 1:]
        return row_labels, body, f"Rows are named by the first column ({_q(first)})."
    body = table
    row_labels = [str(c) for c in table.columns]
    return row_labels, body, "Rows are named by the header row (row i like column i)."


def _check_square(body: pd.DataFrame) -> None:
    """Refuse values that are not n × n, with a hint when one row or column is too many."""
    n_rows, n_cols = len(body), body.shape[1]
    if n_rows != n_cols:
        hint = ""
        if n_cols == n_rows + 1 and all(_NUMBER.match(str(c)) for c in body.columns):
            hint = (" The header row holds numbers: if the file has no header row, add one "
                    "naming the columns (the first line was taken as the header).")
        elif n_cols == n_rows + 1:
            hint = " It looks like the first column names the rows: choose it as the label column."
        elif n_rows == n_cols + 1:
            hint = (" One row more than columns: if the file has no header row, add one "
                    "naming the columns.")
        raise DataError(f"a distance matrix is square; this one has {n_rows:,} rows and "
                        f"{n_cols:,} columns of values.{hint}")


def _check_unique_labels(row_labels: list[str], col_labels: list[str]) -> None:
    """Refuse a row label, then a column label, that names more than one row (column)."""
    for what, labs in (("row", row_labels), ("column", col_labels)):
        seen: dict[str, int] = {}
        for x in labs:
            seen[x] = seen.get(x, 0) + 1
        dup = [f"{_q(k)} ({v} times)" for k, v in seen.items() if v > 1]
        if dup:
            raise DataError(f"{what} labels must be unique: " + _listing(dup, len(dup))
                            + " name more than one " + what + ".")


def _check_same_items(row_labels: list[str], col_labels: list[str]) -> None:
    """Refuse rows and columns that do not name the same items, saying which are extra."""
    if set(row_labels) != set(col_labels):
        only_rows = [x for x in row_labels if x not in set(col_labels)]
        only_cols = [x for x in col_labels if x not in set(row_labels)]
        raise DataError(
            "row and column labels must name the same items: "
            + (f"rows have {', '.join(_q(x) for x in only_rows[:_LIST_MAX])}"
               + (f" and {len(only_rows) - _LIST_MAX} more" if len(only_rows) > _LIST_MAX else "")
               + " (not among the columns)" if only_rows else "")
            + ("; " if only_rows and only_cols else "")
            + (f"columns have {', '.join(_q(x) for x in only_cols[:_LIST_MAX])}"
               + (f" and {len(only_cols) - _LIST_MAX} more" if len(only_cols) > _LIST_MAX else "")
               + " (not among the rows)" if only_cols else ""))


def _numbers_only(body: pd.DataFrame, row_labels: list[str]) -> pd.DataFrame:
    """The values as numbers (empty cells NaN), refusing cells of text by row and column."""
    numbers = body.apply(pd.to_numeric, errors="coerce")
    text = numbers.isna().to_numpy() & body.notna().to_numpy()
    if text.any():
        r, c = np.nonzero(text)
        items = [f"row {_q(row_labels[i])}, column {_q(row_labels[j])}: {_q(body.iat[i, j])}"
                 for i, j in zip(r, c, strict=True)]
        raise DataError("every cell must be a number: " + _listing(items, len(items)) + ".")
    return numbers


# ---------------------------------------------------------------- reading numbers
@dataclass(frozen=True)
class NumericArray:
    """Numbers read from a file: ``values`` (float64, 1-D or 2-D) and the ``header`` if any."""

    values: np.ndarray
    header: tuple[str, ...] | None


_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(inf|nan)\s*$", re.I)


def read_numeric_array(data: bytes, filename: str) -> NumericArray:
    """Read a file of numbers only: ``.npy`` (no pickles) or delimited text with or without header.

    Text: the delimiter is sniffed among ``, ; TAB |`` and whitespace; the first line is a
    header unless every field is a number (so ``numpy.savetxt`` output and a CSV with a header
    both read right, which :func:`clustering.tables.read_table` cannot tell apart for numeric
    headers). Empty fields read as NaN.

    Parameters
    ----------
    data : bytes
    filename : str
        ``.npy`` selects NumPy's format (also recognised by its magic bytes).

    Returns
    -------
    NumericArray

    Examples
    --------
    >>> read_numeric_array(b"0,1,0.5,2\\n2,3,1.5,3\\n", "z.csv").values.tolist()
    [[0.0, 1.0, 0.5, 2.0], [2.0, 3.0, 1.5, 3.0]]
    >>> read_numeric_array(b"d\\n1\\n2\\n3\\n", "d.csv").header
    ('d',)
    """
    if not data:
        raise DataError("the file is empty")
    if data[:6] == b"\x93NUMPY" or filename.lower().endswith(".npy"):
        return _read_npy(data, filename)
    text = _decode(data)
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    if not lines:
        raise DataError("the file is empty")
    delim = _sniff_delimiter(lines)
    header, body = _split_header(lines, delim)
    if not body:
        raise DataError("the file has a header but no rows of numbers")
    return NumericArray(_parse_rows(body, delim, header is not None), header)


def _read_npy(data: bytes, filename: str) -> NumericArray:
    """A NumPy ``.npy`` of real numbers (or booleans) in 1 or 2 dimensions, as float64; no pickles."""
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as err:
        raise DataError(f"{filename} is not a NumPy .npy file of numbers ({err}); "
                        "save it with numpy.save(path, array)") from None
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or \
            np.iscomplexobj(arr):
        raise DataError(f"{filename} holds {arr.dtype} values; a file of real numbers is needed")
    if arr.ndim not in (1, 2):
        raise DataError(f"{filename} holds an array of {arr.ndim} dimensions; 1 or 2 expected")
    return NumericArray(np.asarray(arr, dtype=float), None)


def _decode(data: bytes) -> str | None:
    """The text: UTF-8 (with or without BOM), else UTF-16, else Latin-1 (which always decodes);
    a decoding that leaves NUL characters is passed over for the next."""
    text = None
    for enc in ("utf-8-sig", "utf-16", "latin-1"):
        try:
            text = data.decode(enc)
            if "\x00" not in text:
                break
        except UnicodeDecodeError:
            continue
    return text


def _sniff_delimiter(lines: list[str]) -> str | None:
    """TAB, comma, semicolon or bar when every one of the first 20 lines (the header aside)
    holds it the same number of times, at least once; else None (runs of whitespace)."""
    sample = lines[: min(len(lines), 20)]
    for d in ("\t", ",", ";", "|"):
        counts = {ln.count(d) for ln in sample[1:] or sample}
        if len(counts) == 1 and counts.pop() > 0:
            return d
    return None


def _split_fields(ln: str, delim: str | None) -> list[str]:
    """The fields of one line: split at ``delim``, or at runs of whitespace when None."""
    return ln.split(delim) if delim else ln.split()


def _split_header(lines: list[str], delim: str | None) -> tuple[tuple[str, ...] | None, list[str]]:
    """(header, data lines): the first line is a header when a field of it is neither a
    number nor empty, or when its empty fields sit over values in the second line (pandas'
    index column); else there is no header."""
    first = [f.strip().strip('"').strip("'") for f in _split_fields(lines[0], delim)]
    header: tuple[str, ...] | None = None
    body = lines
    second = [f.strip() for f in _split_fields(lines[1], delim)] if len(lines) > 1 else []
    # pandas' to_csv() starts its header with an empty index name: ",0,1,2,3"
    blank_header = any(f == "" for f in first) and len(second) == len(first) and \
        all(second[k] != "" for k, f in enumerate(first) if f == "")
    if blank_header or not all(_NUMBER.match(f) or f == "" for f in first):
        header, body = tuple(first), lines[1:]
    return header, body


def _parse_rows(body: list[str], delim: str | None, has_header: bool) -> np.ndarray:
    """The data lines as a float64 (lines, fields) array, empty fields NaN; a line of another
    width or a field that is not a number is refused by its line number in the file."""
    # One pass, line by line: a feature table (text in its first data line) is refused
    # after one line, not after splitting every line of the file (the upload's guess tries
    # this reader first).
    width = len(_split_fields(body[0], delim))
    out = np.empty((len(body), width))
    for k, ln in enumerate(body):
        r = _split_fields(ln, delim)
        if len(r) != width:
            raise DataError(f"line {k + 1 + has_header} has {len(r)} fields, "
                            f"not {width} like the first data line")
        for j, f in enumerate(r):
            f = f.strip().strip('"')
            if f == "":
                out[k, j] = np.nan
                continue
            try:
                out[k, j] = float(f)
            except ValueError:
                raise DataError(f"line {k + 1 + has_header}, field {j + 1}: "
                                f"{f[:40]!r} is not a number") from None
    return out


def distances_from_file(
    data: bytes,
    filename: str,
    kind: str,
    *,
    similarity: str | None = None,
    label_column: str | None = None,
    labels: Sequence[object] | None = None,
    tolerance: float = SYMMETRY_TOLERANCE,
) -> DistanceMatrix:
    """Read an upload the user said is a distance matrix, a similarity matrix or a condensed vector.

    Parameters
    ----------
    data : bytes
    filename : str
        ``.npy`` is read by NumPy (no pickles); other square files by
        :func:`clustering.tables.read_table` (CSV/TSV/Excel/Parquet/JSON).
    kind : {"distances", "similarities", "condensed"}
        What the user says the file is (see :func:`clustering.file_kinds.guess_kind` for the
        app's guess).
    similarity : {"one_minus", "max_minus"}, optional
        Required for ``"similarities"``; with ``"condensed"`` it marks the values as
        similarities; ignored (must be None) for ``"distances"``.
    label_column : str, optional
        For a square table: the column naming the rows.
    labels : sequence, optional
        For a ``.npy`` or condensed file: the n item labels (else "1".."n").
    tolerance : float
        See :func:`distances_from_square`.

    Returns
    -------
    DistanceMatrix

    Examples
    --------
    >>> dm = distances_from_file(b"d\\n0.5\\n0.25\\n1\\n", "v.csv", "condensed", labels="abc")
    >>> dm.labels, dm.condensed.tolist()
    (('a', 'b', 'c'), [0.5, 0.25, 1.0])
    """
    from clustering.tables import read_table

    if kind not in ("distances", "similarities", "condensed"):
        raise DataError(f"kind must be distances, similarities or condensed for a distance file, "
                        f"not {kind!r}")
    if kind == "similarities" and similarity is None:
        raise DataError("say how similarities become distances: similarity = one_minus "
                        "(1 − s) or max_minus (max − s)")
    if kind == "distances" and similarity is not None:
        raise DataError("similarity applies to similarity files; for distances leave it out")
    if kind == "condensed" or data[:6] == b"\x93NUMPY" or filename.lower().endswith(".npy"):
        arr = read_numeric_array(data, filename).values
        if kind == "condensed":
            if arr.ndim == 2 and 1 not in arr.shape:
                raise DataError(f"a condensed distance vector is one column (or one row) of "
                                f"numbers; this file has {arr.shape[0]:,} rows and "
                                f"{arr.shape[1]:,} columns. Is it a square matrix?")
            return distances_from_condensed(arr.ravel(), labels, similarity=similarity)
        return distances_from_square(arr, labels, similarity=similarity, tolerance=tolerance)
    table = read_table(data, filename)
    return distances_from_table(table, label_column=label_column, similarity=similarity,
                                tolerance=tolerance)
