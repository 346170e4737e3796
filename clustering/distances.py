"""Distance and similarity matrices brought by the user: read, check, convert, cluster, map.

Data flows as everywhere else, one pure function an arrow::

    table (read_table) --distances_from_table--> DistanceMatrix --linkage_from_distances--> Hierarchy
    bytes (.npy / one column) --read_numeric_array--> distances_from_condensed --> DistanceMatrix
    DistanceMatrix --classical_mds--> MDS (the scatter when there are no coordinates)

What a file is, the caller says (``guess_kind`` offers a guess and its reason; a one-column
file is never taken for a condensed distance vector without being told). Every check names
the offending cells by their labels, e.g. "row 'b', column 'c': 3.2 but column 'b', row 'c':
3.1". The condensed vector used for linkage is the upper triangle (row before column), what
``scipy.spatial.distance.squareform(D, checks=False)`` takes, so the tree is SciPy's
``linkage(squareform(D), method)``.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"id": ["a", "b", "c"], "a": [0, 2, 6], "b": [2, 0, 5], "c": [6, 5, 0]})
>>> dm = distances_from_table(t)
>>> dm.labels, dm.condensed.tolist()
(('a', 'b', 'c'), [2.0, 6.0, 5.0])
>>> linkage_from_distances(dm, "average").Z.tolist()
[[0.0, 1.0, 2.0, 2.0], [2.0, 3.0, 5.5, 3.0]]
"""

from __future__ import annotations

import io
import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.cluster.hierarchy import linkage as _scipy_linkage
from scipy.sparse.linalg import eigsh
from scipy.spatial.distance import squareform

from clustering.errors import DataError
from clustering.linkage import METHODS, Hierarchy

__all__ = [
    "FILE_KINDS",
    "MDS_FULL_SPECTRUM_MAX_N",
    "SIMILARITY_CONVERSIONS",
    "SYMMETRY_TOLERANCE",
    "DistanceMatrix",
    "Guess",
    "MDS",
    "NumericArray",
    "check_condensed_length",
    "classical_mds",
    "distances_from_condensed",
    "distances_from_file",
    "distances_from_square",
    "distances_from_table",
    "guess_kind",
    "linkage_from_distances",
    "precomputed_method_note",
    "read_numeric_array",
    "similarity_to_distance",
]

logger = logging.getLogger(__name__)

#: What an uploaded file can be; the caller (the page, a notebook) decides.
FILE_KINDS: tuple[str, ...] = ("features", "distances", "similarities", "condensed",
                               "linkage", "newick")
#: How a similarity s becomes a distance: ``1 - s`` or ``max(s) - s``.
SIMILARITY_CONVERSIONS: tuple[str, ...] = ("one_minus", "max_minus")
#: Default tolerance of the symmetry and zero-diagonal checks, relative to the largest
#: absolute entry: CSV written with 15 significant digits stays well inside it.
SYMMETRY_TOLERANCE = 1e-9
#: Up to this n, :func:`classical_mds` takes the full spectrum (R's ``cmdscale`` GOF exactly);
#: above it, only the top k eigenpairs (Lanczos) and the trace.
MDS_FULL_SPECTRUM_MAX_N = 1000

_LIST_MAX = 5


# ---------------------------------------------------------------- small words
def _q(label: object) -> str:
    return "'" + str(label).replace("'", "\\'") + "'"


def _num(v: float, other: float | None = None) -> str:
    """Shortest readable text of v that tells it from ``other``."""
    for digits in (6, 10, 17):
        a = f"{v:.{digits}g}"
        if other is None or a != f"{other:.{digits}g}":
            return a
    return repr(float(v))


def _listing(items: list[str], total: int, noun: str = "more") -> str:
    text = "; ".join(items[:_LIST_MAX])
    if total > _LIST_MAX:
        text += f"; and {total - _LIST_MAX:,} {noun}"
    return text


def _condensed_index(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Index in the condensed vector of pair (i, j), i < j."""
    return n * i - i * (i + 1) // 2 + (j - i - 1)


def _pairs_of(n: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j), i < j, of condensed positions k."""
    i, j = np.triu_indices(n, 1)
    return i[k], j[k]


# ---------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class DistanceMatrix:
    """A checked distance matrix, ready for linkage.

    Attributes
    ----------
    condensed : ndarray, shape (n (n - 1) / 2,), float64, read-only
        Upper triangle row by row (SciPy's condensed form); finite and >= 0.
    labels : tuple of str, length n
        Leaf labels (row labels of the file, or "1".."n").
    steps : tuple of str
        Sentences for the page: what was read, converted, tolerated.

    Examples
    --------
    >>> dm = distances_from_condensed([1.0, 2.0, 3.0])
    >>> dm.n, dm.labels, dm.square().tolist()[0]
    (3, ('1', '2', '3'), [0.0, 1.0, 2.0])
    """

    condensed: np.ndarray
    labels: tuple[str, ...]
    steps: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.labels)

    def square(self) -> np.ndarray:
        """The (n, n) symmetric matrix with a zero diagonal (a new array)."""
        return squareform(self.condensed, checks=False)


def _finish(condensed: np.ndarray, labels: Sequence[str], steps: list[str]) -> DistanceMatrix:
    condensed = np.ascontiguousarray(condensed, dtype=np.float64)
    condensed.setflags(write=False)
    return DistanceMatrix(condensed, tuple(str(x) for x in labels), tuple(steps))


# ---------------------------------------------------------------- similarity
def similarity_to_distance(values: np.ndarray, how: str) -> tuple[np.ndarray, str]:
    """Turn similarities into distances, as the user chose; say which way.

    Parameters
    ----------
    values : ndarray, any shape
        Similarities (square matrix or condensed vector).
    how : {"one_minus", "max_minus"}
        ``1 - s`` (for similarities in [0, 1], e.g. correlations or Jaccard) or
        ``max - s`` with ``max`` the largest similarity in ``values``.

    Returns
    -------
    (ndarray, str)
        The distances (same shape, new array) and a sentence for the page.

    Examples
    --------
    >>> d, said = similarity_to_distance(np.array([0.9, 0.2, 0.5]), "max_minus")
    >>> d.round(3).tolist(), said
    ([0.0, 0.7, 0.4], 'Similarities s were turned into distances as max − s, with max = 0.9 (the largest similarity in the file).')
    """
    if how not in SIMILARITY_CONVERSIONS:
        raise DataError(f"unknown similarity conversion {how!r}; choose one of "
                        f"{', '.join(SIMILARITY_CONVERSIONS)}")
    s = np.asarray(values, dtype=float)
    if how == "one_minus":
        return 1.0 - s, "Similarities s were turned into distances as 1 − s."
    top = float(np.nanmax(s))
    return top - s, (f"Similarities s were turned into distances as max − s, with max = "
                     f"{_num(top)} (the largest similarity in the file).")


# ---------------------------------------------------------------- checks
def _check_finite(D: np.ndarray, labels: Sequence[str]) -> None:
    bad = ~np.isfinite(D)
    if bad.any():
        # a symmetric pair of bad cells is named once (row before column)
        r, c = np.nonzero(bad & ~(np.tril(bad.T, -1)))
        items = [f"row {_q(labels[i])}, column {_q(labels[j])}: "
                 + ("empty" if np.isnan(D[i, j]) else _num(D[i, j])) for i, j in zip(r, c, strict=True)]
        raise DataError("every cell must be a finite number: " + _listing(items, len(items))
                        + ". Put numbers in those cells or remove those rows and columns.")


def _check_symmetric(D: np.ndarray, labels: Sequence[str], tolerance: float) -> list[str]:
    scale = float(np.max(np.abs(D))) or 1.0
    diff = np.abs(D - D.T)
    iu = np.triu(np.ones_like(D, dtype=bool), 1)
    bad = (diff > tolerance * scale) & iu
    if bad.any():
        r, c = np.nonzero(bad)
        order = np.argsort(-diff[r, c], kind="stable")
        items = [f"row {_q(labels[r[k]])}, column {_q(labels[c[k]])}: {_num(D[r[k], c[k]], D[c[k], r[k]])} "
                 f"but column {_q(labels[r[k]])}, row {_q(labels[c[k]])}: "
                 f"{_num(D[c[k], r[k]], D[r[k], c[k]])}" for k in order]
        raise DataError(
            f"the matrix is not symmetric (tolerance {tolerance:g} of the largest entry, "
            f"{_num(scale)}): " + _listing(items, len(items), "more pairs")
            + ". A distance matrix has d(a, b) = d(b, a): fix those cells, or upload features.")
    worst = float(np.max(diff[iu])) if D.shape[0] > 1 else 0.0
    if worst > 0:
        return [f"The matrix is symmetric within the tolerance (largest difference {_num(worst)}); "
                "the upper triangle (row before column) is used, as SciPy's squareform does."]
    return []


def _similarity_hint(similarity: str | None, default: str) -> str:
    """What to do next: the user already said "similarities", so name the other conversion
    (1 − s needs similarities at most 1, with 1 on the diagonal; max − s, the largest value
    on the diagonal) instead of asking them to say so again."""
    if similarity == "one_minus":
        return (". 1 − s fits similarities at most 1 with 1 on the diagonal; for other "
                "similarities choose max − s.")
    if similarity == "max_minus":
        return (". max − s needs every item's similarity with itself to be the largest value "
                "in the file; fix those cells.")
    return default


def _after(similarity: str | None) -> str:
    """The message's start when the numbers checked are converted similarities."""
    return {"one_minus": "after 1 − s, ", "max_minus": "after max − s, "}.get(similarity or "", "")


def _check_diagonal(D: np.ndarray, labels: Sequence[str], tolerance: float,
                    similarity: str | None = None) -> None:
    scale = float(np.max(np.abs(D))) or 1.0
    diag = np.diag(D)
    bad = np.flatnonzero(np.abs(diag) > tolerance * scale)
    if bad.size:
        items = [f"row {_q(labels[i])}, column {_q(labels[i])}: {_num(diag[i])}" for i in bad]
        raise DataError(_after(similarity) + "the diagonal must be 0 (each item is at distance 0 from itself): "
                        + _listing(items, len(items)) + _similarity_hint(
                            similarity, ". If these are similarities, say so and choose how "
                            "to convert them."))


def _check_nonnegative_square(D: np.ndarray, labels: Sequence[str],
                              similarity: str | None = None) -> None:
    iu = np.triu(np.ones_like(D, dtype=bool), 1)
    bad = (D < 0) & iu
    if bad.any():
        r, c = np.nonzero(bad)
        items = [f"row {_q(labels[i])}, column {_q(labels[j])}: {_num(D[i, j])}"
                 for i, j in zip(r, c, strict=True)]
        raise DataError(_after(similarity) + "distances must be non-negative: "
                        + _listing(items, len(items)) + _similarity_hint(similarity, ". If these are similarities (or "
                                           "correlations), say so and choose how to convert "
                                           "them."))


def check_condensed_length(m: int) -> int:
    """The n whose n (n - 1) / 2 is m, or a DataError naming the nearest valid lengths.

    Examples
    --------
    >>> check_condensed_length(10)
    5
    >>> check_condensed_length(8)
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: a condensed distance vector holds n (n − 1) / 2 values for n items, so 8 values cannot be one: the nearest valid lengths are 6 (4 items) and 10 (5 items)
    """
    m = int(m)
    n = _triangular(m)
    if n:
        return n
    lo = 2
    while (lo + 1) * lo // 2 <= m:
        lo += 1
    # now T(lo) <= m < T(lo + 1) when m >= 1; else lo = 2 and T(2) = 1 > m
    if m < 1:
        near = "the nearest valid length is 1 (2 items)"
    else:
        near = (f"the nearest valid lengths are {lo * (lo - 1) // 2:,} ({lo:,} items) and "
                f"{(lo + 1) * lo // 2:,} ({lo + 1:,} items)")
    raise DataError(f"a condensed distance vector holds n (n − 1) / 2 values for n items, so "
                    f"{m:,} values cannot be one: {near}")


# ---------------------------------------------------------------- constructors
def _labels_or_numbers(labels: Sequence[object] | None, n: int) -> list[str]:
    if labels is None:
        return [str(i + 1) for i in range(n)]
    out = [str(x) for x in labels]
    if len(out) != n:
        raise DataError(f"{len(out):,} labels for {n:,} items; give one label per item "
                        "(in the order of the matrix rows)")
    return out


def distances_from_square(
    D: object,
    labels: Sequence[object] | None = None,
    *,
    similarity: str | None = None,
    tolerance: float = SYMMETRY_TOLERANCE,
) -> DistanceMatrix:
    """Check a square matrix (already numbers) and keep its upper triangle.

    Parameters
    ----------
    D : array-like, shape (n, n)
    labels : sequence of n labels, optional
        Default "1".."n".
    similarity : {None, "one_minus", "max_minus"}
        None: D holds distances. Otherwise D holds similarities, converted so.
    tolerance : float
        Symmetry and zero-diagonal tolerance, relative to the largest absolute entry.

    Returns
    -------
    DistanceMatrix

    Examples
    --------
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> dm = distances_from_square(S, ["x", "y"], similarity="one_minus")
    >>> dm.condensed.round(6).tolist(), dm.steps[-1]
    ([0.2], 'Similarities s were turned into distances as 1 − s.')
    """
    if not (isinstance(tolerance, int | float) and 0 <= tolerance < 1):
        raise DataError(f"tolerance must be a number in [0, 1), not {tolerance!r}")
    try:
        A = np.array(D, dtype=float)
    except (TypeError, ValueError):
        raise DataError("the matrix must hold numbers only") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise DataError(f"a distance matrix is square (n rows, n columns); this one has shape "
                        f"{A.shape}")
    n = A.shape[0]
    if n < 2:
        raise DataError("a distance matrix needs at least 2 items")
    lab = _labels_or_numbers(labels, n)
    steps = [f"Read a {n:,} × {n:,} {'similarity' if similarity else 'distance'} matrix."]
    _check_finite(A, lab)
    steps += _check_symmetric(A, lab, tolerance)
    if similarity is not None:
        A, said = similarity_to_distance(A, similarity)
        steps.append(said)
    _check_diagonal(A, lab, tolerance, similarity)
    _check_nonnegative_square(A, lab, similarity)
    iu = np.triu_indices(n, 1)
    return _finish(A[iu], lab, steps)


def distances_from_condensed(
    values: object,
    labels: Sequence[object] | None = None,
    *,
    similarity: str | None = None,
) -> DistanceMatrix:
    """Check a condensed vector (SciPy's ``pdist`` order) of n (n − 1) / 2 distances.

    Parameters
    ----------
    values : array-like, shape (m,) or (m, 1)
    labels : sequence of n labels, optional
    similarity : {None, "one_minus", "max_minus"}
        With ``max_minus``, max is the largest off-diagonal similarity given (the diagonal
        is not in a condensed vector).

    Returns
    -------
    DistanceMatrix

    Examples
    --------
    >>> distances_from_condensed([0.5, -1.0, 2.0], ["a", "b", "c"])
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: distances must be non-negative: 'a' to 'c' (value 2 of 3): -1.
    """
    try:
        v = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError("a condensed distance vector must hold numbers only") from None
    if v.ndim == 2 and 1 in v.shape:
        v = v.ravel()
    if v.ndim != 1:
        raise DataError(f"a condensed distance vector is one column of numbers, not shape {v.shape}")
    n = check_condensed_length(v.size)
    lab = _labels_or_numbers(labels, n)
    steps = [f"Read {v.size:,} distances in condensed order (pairs (1, 2), (1, 3), ..., "
             f"({n - 1}, {n})) for {n:,} items."]

    def where(k: np.ndarray) -> list[str]:
        i, j = _pairs_of(n, k)
        return [f"{_q(lab[a])} to {_q(lab[b])} (value {kk + 1:,} of {v.size:,}): "
                + ("empty" if np.isnan(v[kk]) else _num(v[kk]))
                for a, b, kk in zip(i, j, k, strict=True)]

    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise DataError("every value must be a finite number: "
                        + _listing(where(bad[:_LIST_MAX]), bad.size) + ".")
    if similarity is not None:
        v, said = similarity_to_distance(v, similarity)
        steps.append(said)
    bad = np.flatnonzero(v < 0)
    if bad.size:
        raise DataError(_after(similarity) + "distances must be non-negative: "
                        + _listing(where(bad[:_LIST_MAX]), bad.size)
                        + _similarity_hint(similarity, "."))
    return _finish(v, lab, steps)


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
    steps: list[str] = []
    if label_column is not None:
        if label_column not in table.columns:
            raise DataError(f"no column {_q(label_column)}; the columns are "
                            + ", ".join(_q(c) for c in table.columns[:10]))
        row_labels = [str(x) for x in table[label_column]]
        body = table.drop(columns=[label_column])
        steps.append(f"Rows are named by column {_q(label_column)}.")
    else:
        first = table.columns[0] if table.shape[1] else None
        if first is not None and (
                not pd.api.types.is_numeric_dtype(table[first].dtype)
                or (table.shape[1] == len(table) + 1
                    and not pd.api.types.is_float_dtype(table[first].dtype))):
            row_labels = [str(x) for x in table[first]]
            body = table.iloc[:, 1:]
            steps.append(f"Rows are named by the first column ({_q(first)}).")
        else:
            body = table
            row_labels = [str(c) for c in table.columns]
            steps.append("Rows are named by the header row (row i like column i).")
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
    col_labels = [str(c) for c in body.columns]
    for what, labs in (("row", row_labels), ("column", col_labels)):
        seen: dict[str, int] = {}
        for x in labs:
            seen[x] = seen.get(x, 0) + 1
        dup = [f"{_q(k)} ({v} times)" for k, v in seen.items() if v > 1]
        if dup:
            raise DataError(f"{what} labels must be unique: " + _listing(dup, len(dup))
                            + " name more than one " + what + ".")
    if label_column is not None or body is not table:
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
        if row_labels != col_labels:
            body = body[[body.columns[col_labels.index(x)] for x in row_labels]]
            steps.append("The columns were put in the order of the rows (same labels, "
                         "different order).")
    numbers = body.apply(pd.to_numeric, errors="coerce")
    text = numbers.isna().to_numpy() & body.notna().to_numpy()
    if text.any():
        r, c = np.nonzero(text)
        items = [f"row {_q(row_labels[i])}, column {_q(row_labels[j])}: {_q(body.iat[i, j])}"
                 for i, j in zip(r, c, strict=True)]
        raise DataError("every cell must be a number: " + _listing(items, len(items)) + ".")
    dm = distances_from_square(numbers.to_numpy(dtype=float), row_labels,
                               similarity=similarity, tolerance=tolerance)
    return DistanceMatrix(dm.condensed, dm.labels, tuple(steps) + dm.steps)


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
    text = None
    for enc in ("utf-8-sig", "utf-16", "latin-1"):
        try:
            text = data.decode(enc)
            if "\x00" not in text:
                break
        except UnicodeDecodeError:
            continue
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    if not lines:
        raise DataError("the file is empty")
    sample = lines[: min(len(lines), 20)]
    delim = None
    for d in ("\t", ",", ";", "|"):
        counts = {ln.count(d) for ln in sample[1:] or sample}
        if len(counts) == 1 and counts.pop() > 0:
            delim = d
            break
    def split(ln: str) -> list[str]:
        return ln.split(delim) if delim else ln.split()
    first = [f.strip().strip('"').strip("'") for f in split(lines[0])]
    header: tuple[str, ...] | None = None
    body = lines
    second = [f.strip() for f in split(lines[1])] if len(lines) > 1 else []
    # pandas' to_csv() starts its header with an empty index name: ",0,1,2,3"
    blank_header = any(f == "" for f in first) and len(second) == len(first) and \
        all(second[k] != "" for k, f in enumerate(first) if f == "")
    if blank_header or not all(_NUMBER.match(f) or f == "" for f in first):
        header, body = tuple(first), lines[1:]
    if not body:
        raise DataError("the file has a header but no rows of numbers")
    # One pass, line by line: a feature table (text in its first data line) is refused
    # after one line, not after splitting every line of the file (the upload's guess tries
    # this reader first).
    width = len(split(body[0]))
    out = np.empty((len(body), width))
    for k, ln in enumerate(body):
        r = split(ln)
        if len(r) != width:
            raise DataError(f"line {k + 1 + (header is not None)} has {len(r)} fields, "
                            f"not {width} like the first data line")
        for j, f in enumerate(r):
            f = f.strip().strip('"')
            if f == "":
                out[k, j] = np.nan
                continue
            try:
                out[k, j] = float(f)
            except ValueError:
                raise DataError(f"line {k + 1 + (header is not None)}, field {j + 1}: "
                                f"{f[:40]!r} is not a number") from None
    return NumericArray(out, header)


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
        What the user says the file is (see :func:`guess_kind` for the app's guess).
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


# ---------------------------------------------------------------- guessing
@dataclass(frozen=True)
class Guess:
    """The app's guess of what a file is (one of :data:`FILE_KINDS`) and why, in words."""

    kind: str
    reason: str


def _triangular(m: int) -> int | None:
    n = int(round((1 + math.sqrt(1 + 8 * m)) / 2)) if m > 0 else 0
    return n if n * (n - 1) // 2 == m and n >= 2 else None


def _looks_linkage(Z: np.ndarray) -> bool:
    if Z.ndim != 2 or Z.shape[1] not in (3, 4) or Z.shape[0] < 1 or not np.all(np.isfinite(Z)):
        return False
    ids = Z[:, :2]
    n = Z.shape[0] + 1
    if np.any(ids != np.round(ids)) or np.any(ids < 0):
        return False
    if np.any(ids.max(axis=1) >= n + np.arange(Z.shape[0])):
        return False
    return len(np.unique(ids)) == ids.size and bool(np.all(Z[:, 2] >= 0))


def guess_kind(table: object, filename: str = "") -> Guess:
    """Guess what an upload is, with a reason a person can check.

    Parameters
    ----------
    table : DataFrame, ndarray, str or None
        What was read: a table (``read_table``), an array (``read_numeric_array`` of a
        ``.npy``), the text (for Newick), or None when only the name is known.
    filename : str

    Returns
    -------
    Guess
        ``kind`` in :data:`FILE_KINDS`. A one-column table is guessed to be features unless
        its header says distances and its length is n (n − 1) / 2: the user confirms.

    Examples
    --------
    >>> guess_kind(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0], "z": [0.0, 1.0]})).kind
    'features'
    >>> g = guess_kind(pd.DataFrame({"a": [0.0, 2.0], "b": [2.0, 0.0]}))
    >>> g.kind, g.reason
    ('distances', '2 rows and 2 columns named alike, zero diagonal, symmetric: looks like a distance matrix.')
    >>> guess_kind(None, "tree.nwk").kind
    'newick'
    """
    name = filename.lower()
    if name.endswith((".nwk", ".newick", ".tre", ".tree", ".phy", ".ph")):
        return Guess("newick", f"the file name ends in {name[name.rfind('.'):]}, a Newick tree file.")
    if isinstance(table, str | bytes):
        text = table.decode("utf-8", "replace") if isinstance(table, bytes) else table
        stripped = re.sub(r"\[[^\]]*\]", "", text).strip()
        if stripped.startswith("(") and stripped.rstrip().endswith(";"):
            return Guess("newick", "the text starts with '(' and ends with ';', as a Newick tree does.")
        return Guess("features", "the text is not a Newick tree; read it as a table.")
    if isinstance(table, np.ndarray):
        a = table
        if a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1):
            m = a.size
            n = _triangular(m)
            if n:
                return Guess("condensed", f"a single column of {m:,} numbers = n (n − 1) / 2 for "
                             f"n = {n:,}: looks like a condensed distance vector (SciPy's pdist).")
            return Guess("features", f"a single column of {m:,} numbers, not n (n − 1) / 2 for "
                         "any n, so not a condensed distance vector: one feature.")
        if a.ndim == 2 and _looks_linkage(a):
            return Guess("linkage", f"{a.shape[0]:,} rows of (id, id, height{', size' if a.shape[1] == 4 else ''}) "
                         "that form a valid tree: looks like a SciPy linkage matrix.")
        if a.ndim == 2 and a.shape[0] == a.shape[1] and np.all(np.isfinite(a)):
            if np.allclose(a, a.T) and np.all(np.diag(a) == 0):
                return Guess("distances", f"a {a.shape[0]:,} × {a.shape[0]:,} symmetric array "
                             "with zero diagonal: looks like a distance matrix.")
        return Guess("features", "an array of numbers: rows of features.")
    if not isinstance(table, pd.DataFrame):
        return Guess("features", "nothing more is known: read it as a table of features.")
    df = table
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c].dtype)]
    if df.shape[1] == 1:
        m = len(df)
        n = _triangular(m)
        col = str(df.columns[0])
        # read_table may leave a lone column as text: numbers are what count.
        all_numbers = bool(pd.to_numeric(df.iloc[:, 0], errors="coerce").notna().all())
        if n and re.search(r"dist|dissim|condensed|pdist", col, re.I) and all_numbers:
            return Guess("condensed", f"one column named {_q(col)} of {m:,} numbers = n (n − 1) / 2 "
                         f"for n = {n:,}: looks like a condensed distance vector.")
        extra = (f" (its {m:,} values could also be a condensed distance vector for {n:,} items: "
                 "choose that if it is)") if n else ""
        return Guess("features", f"one column: a single feature{extra}.")
    cols = [str(c).strip().lower() for c in df.columns]
    if cols[:3] in (["idx1", "idx2", "height"], ["0", "1", "2"]) and len(numeric) >= 3 and \
            _looks_linkage(df[numeric].to_numpy(dtype=float)[:, :4]):
        return Guess("linkage", "columns idx1, idx2, height, size forming a valid tree: looks "
                     "like a linkage matrix (the app's Z export, or SciPy's).")
    n = len(df)
    labelled = df.shape[1] == n + 1 and not pd.api.types.is_float_dtype(df[df.columns[0]].dtype)
    body = df.iloc[:, 1:] if labelled else df
    if body.shape[1] == n and n >= 2 and all(pd.api.types.is_numeric_dtype(body[c].dtype) for c in body):
        A = body.to_numpy(dtype=float)
        rows = [str(x) for x in df.iloc[:, 0]] if labelled else [str(c) for c in body.columns]
        same = sorted(rows) == sorted(str(c) for c in body.columns)
        if same and np.all(np.isfinite(A)):
            sym = np.allclose(A, A.T, rtol=1e-9, atol=0)
            diag = np.diag(A)
            named = f"{n:,} rows and {n:,} columns named alike"
            if sym and np.all(diag == 0):
                return Guess("distances", f"{named}, zero diagonal, symmetric: looks like a "
                             "distance matrix.")
            if sym and np.all(diag == diag.max()) and diag.max() > 0 and diag.max() >= A.max():
                return Guess("similarities", f"{named}, symmetric, the diagonal all "
                             f"{_num(diag.max())} (the largest value): looks like a similarity "
                             "matrix.")
            if labelled:
                # Only rows named by their own column say "matrix" when the numbers do not:
                # a square table named by its header alone is as likely n rows of n features.
                return Guess("distances", f"{named}: looks like a distance matrix, though "
                             + ("it is not symmetric" if not sym else "its diagonal is not 0")
                             + " (the checks will say where).")
        elif same and labelled:
            return Guess("distances", f"{n:,} rows and {n:,} columns named alike: looks like a "
                         "distance matrix, though some cells are empty or not finite (the "
                         "checks will say where).")
    if df.shape[1] >= 3 and n >= 2 and not pd.api.types.is_numeric_dtype(df[df.columns[0]].dtype):
        # Rows named by a first column, and most value columns named like the rows: a matrix
        # with a defect (not square, a label that differs); the checks name it.
        rows = {str(x) for x in df.iloc[:, 0]}
        cols = [str(c) for c in df.columns[1:]]
        shared = sum(c in rows for c in cols)
        if shared >= max(2, (len(cols) + 1) // 2):
            return Guess("distances", f"{shared:,} of the {len(cols):,} value columns are named "
                         "like rows (first column): looks like a distance matrix, though "
                         + (f"it has {n:,} rows and {len(cols):,} columns" if n != len(cols)
                            else "its row and column labels differ")
                         + " (the checks will say where).")
    return Guess("features", f"{len(df):,} rows and {df.shape[1]:,} columns "
                 f"({len(numeric):,} numeric): rows of features.")


# ---------------------------------------------------------------- linkage
_NON_EUCLIDEAN = {
    "ward": ("Ward linkage on a precomputed matrix: SciPy applies Ward's update formula to these "
             "distances as given. Merge heights are Ward's (the square root of twice the increase "
             "in within-cluster sum of squares) only when the distances are Euclidean; on other "
             "distances (Gower, correlation, a distance from another tool) the tree is still "
             "well-defined and monotone, but the heights have no variance meaning."),
    "centroid": ("Centroid linkage on a precomputed matrix: SciPy applies the centroid update "
                 "formula to these distances as given, as if they were Euclidean. On non-Euclidean "
                 "distances the heights are not distances between centroids, and a merge can be "
                 "lower than an earlier one (an inversion), drawn as a link below its children."),
    "median": ("Median linkage on a precomputed matrix: SciPy applies the median (WPGMC) update "
               "formula to these distances as given, as if they were Euclidean. On non-Euclidean "
               "distances the heights are not distances between cluster midpoints, and a merge "
               "can be lower than an earlier one (an inversion)."),
}


def precomputed_method_note(method: str) -> str | None:
    """The sentence the page shows for ward / centroid / median on a precomputed matrix, else None.

    Examples
    --------
    >>> precomputed_method_note("average") is None
    True
    >>> precomputed_method_note("ward").startswith("Ward linkage on a precomputed matrix")
    True
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {', '.join(METHODS)}")
    return _NON_EUCLIDEAN.get(method)


def linkage_from_distances(
    D: DistanceMatrix | np.ndarray | Sequence[float],
    method: str = "average",
    *,
    optimal_ordering: bool = False,
    tolerance: float = SYMMETRY_TOLERANCE,
) -> Hierarchy:
    """Hierarchical clustering of a precomputed distance matrix: SciPy's own Z.

    Parameters
    ----------
    D : DistanceMatrix, square (n, n) array or condensed (n (n − 1) / 2,) array
        Arrays are checked (:func:`distances_from_square` / :func:`distances_from_condensed`).
        NaN (e.g. a Gower pair with no common variable) is refused, naming the pairs.
    method : str
        One of :data:`clustering.linkage.METHODS`. Ward, centroid and median are allowed
        as SciPy allows them; :func:`precomputed_method_note` says what that means.
    optimal_ordering : bool
        As in SciPy.

    Returns
    -------
    Hierarchy
        ``Z`` equal to ``scipy.cluster.hierarchy.linkage(condensed, method)``;
        ``metric = "precomputed"``, ``backend = "scipy.cluster.hierarchy.linkage"``.

    Examples
    --------
    >>> linkage_from_distances(np.array([[0, 1, 4], [1, 0, 2], [4, 2, 0]]), "single").Z.tolist()
    [[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 2.0, 3.0]]
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {', '.join(METHODS)}")
    if not isinstance(D, DistanceMatrix):
        arr = np.asarray(D, dtype=float)
        if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[0] > 1:
            D = distances_from_square(arr, tolerance=tolerance)
        else:
            D = distances_from_condensed(arr)
    start = time.perf_counter()
    # SciPy copies and checks the input itself; a writeable copy keeps DistanceMatrix frozen.
    Z = _scipy_linkage(np.array(D.condensed), method=method, optimal_ordering=optimal_ordering)
    Z.setflags(write=False)
    seconds = time.perf_counter() - start
    logger.debug("precomputed %s linkage of %d items in %.3f s", method, D.n, seconds)
    return Hierarchy(Z=Z, n=D.n, method=method, metric="precomputed",
                     backend="scipy.cluster.hierarchy.linkage", seconds=seconds,
                     optimal_ordering=optimal_ordering)


# ---------------------------------------------------------------- classical MDS
@dataclass(frozen=True)
class MDS:
    """Classical (Torgerson) scaling of a distance matrix, as R's ``cmdscale(d, k)``.

    Attributes
    ----------
    points : ndarray, shape (n, k)
        Coordinates; each axis is determined up to its sign (R may flip it).
    eigenvalues : ndarray, shape (k,)
        The k largest eigenvalues of the double-centred matrix B = −½ J D² J.
    share : ndarray, shape (k,)
        Each axis's share: eigenvalue / (sum of positive eigenvalues) when the full spectrum
        was computed (n <= MDS_FULL_SPECTRUM_MAX_N; R's ``GOF[2]`` is ``share.sum()``),
        else eigenvalue / trace(B), which is the same for a Euclidean matrix and an upper
        bound otherwise.
    euclidean : bool or None
        Whether B has no negative eigenvalue (beyond rounding); None when not computed.
    note : str
        A sentence for the scatter.
    """

    points: np.ndarray
    eigenvalues: np.ndarray
    share: np.ndarray
    euclidean: bool | None
    note: str


def classical_mds(D: DistanceMatrix | np.ndarray | Sequence[float], k: int = 2) -> MDS:
    """Classical multidimensional scaling: the scatter for a matrix without coordinates.

    Parameters
    ----------
    D : DistanceMatrix, square or condensed array
    k : int
        Number of axes, 1 <= k < n.

    Returns
    -------
    MDS
        ``points`` equal R's ``cmdscale(d, k)`` up to the sign of each axis. An axis whose
        eigenvalue is not positive is all zeros (R gives NaN) and the note says so.

    Examples
    --------
    Points at 0, 1 and 3 on a line come back centred (up to sign), all variance on axis 1:

    >>> m = classical_mds(np.array([[0, 1, 3], [1, 0, 2], [3, 2, 0]]), k=2)
    >>> np.round(np.abs(m.points[:, 0]), 4).tolist(), np.round(m.share, 6).tolist()
    ([1.3333, 0.3333, 1.6667], [1.0, 0.0])
    """
    if not isinstance(D, DistanceMatrix):
        arr = np.asarray(D, dtype=float)
        D = distances_from_square(arr) if arr.ndim == 2 and arr.shape[0] == arr.shape[1] \
            else distances_from_condensed(arr)
    n = D.n
    if not isinstance(k, int | np.integer) or not 1 <= k < n:
        raise DataError(f"k must be an integer from 1 to {n - 1} (the number of items less one), "
                        f"not {k!r}")
    sq = D.square()
    sq **= 2
    # B = −½ J D² J without forming J
    row = sq.mean(axis=1)
    total = row.mean()
    sq -= row[:, None]
    sq -= row[None, :]
    sq += total
    sq *= -0.5
    B = sq
    trace = float(np.trace(B))
    if n <= MDS_FULL_SPECTRUM_MAX_N:
        values, vectors = linalg.eigh(B)
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
        positive = float(values[values > 0].sum())
        tol = 1e-10 * max(abs(values[0]), 1e-300)
        euclidean = bool(values[-1] >= -tol * n)
        ev, vec = values[:k], vectors[:, :k]
        denom = positive
        basis = "of the positive eigenvalues' sum"
    else:
        ev, vec = eigsh(B, k=k, which="LA")
        order = np.argsort(ev)[::-1]
        ev, vec = ev[order], vec[:, order]
        euclidean = None
        denom = trace
        basis = ("of the trace (the total when the matrix is Euclidean, otherwise an upper "
                 "bound)")
    good = ev > 0
    points = np.where(good[None, :], vec * np.sqrt(np.where(good, ev, 0.0))[None, :], 0.0)
    share = np.where(good, ev, 0.0) / denom if denom > 0 else np.zeros(k)
    pct = " and ".join(f"{100 * s:.1f}%" for s in share)
    note = (f"Classical MDS (R's cmdscale) of the distance matrix: the axes show {pct} "
            f"({100 * share.sum():.1f}% together) {basis}.")
    if euclidean is False:
        note += (" The matrix is not Euclidean (the double-centred matrix has negative "
                 "eigenvalues), so no map reproduces it exactly.")
    if not good.all():
        note += f" Only {int(good.sum())} of the {k} axes carry variance; the others are 0."
    points = np.ascontiguousarray(points)
    return MDS(points, ev, share, euclidean, note)
