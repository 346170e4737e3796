"""What the analyst takes away: labelled rows and Z as CSV, the view's parameters as JSON.

* :func:`labelled_rows_csv` — the original table, every input row in its original order, with a
  ``cluster`` column numbered as the page numbers clusters (1..k left to right along the
  dendrogram's leaves). Rows that preprocessing dropped (missing values) keep their place with
  an empty cluster and a ``cluster_note`` saying why; the note column exists only when some row
  was dropped, so a clean table gets exactly one extra column.
* :func:`csv_safe` — spreadsheet-formula neutralisation (OWASP "CSV injection"): a text cell
  that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
  single quote, so Excel / LibreOffice / Sheets show it as text instead of evaluating it. Plain
  numbers written as text (``-3.5``) and numeric columns are left alone: a negative number is
  not a formula, and changing it would corrupt the data.
* :func:`linkage_csv` — Z as ``idx1, idx2, height, size`` with full float precision (``repr``
  round-trips), so ``np.loadtxt(..., delimiter=",", skiprows=1)`` gives the same Z back.

The view file (the page's link as JSON) belongs to the app's URL schema and lives with it,
in ``components/view.py``.

Nothing here imports Dash or Plotly.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"name": ["=1+1", "b"], "x": [-1.0, 2.0]})
>>> print(labelled_rows_csv(df, np.array([0, 1]), np.array([2, 1])), end="")
name,x,cluster
'=1+1,-1.0,2
b,2.0,1
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = [
    "csv_safe",
    "export_filename",
    "labelled_rows_csv",
    "linkage_csv",
    "neutralise_cell",
]

log = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NOTE_DROPPED = "dropped by preprocessing (missing values)"


def neutralise_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made inert with a leading ``'``.

    Parameters
    ----------
    value : object
        One cell. Only ``str`` values are changed.

    Returns
    -------
    object
        ``value``, or ``"'" + value`` when it is text starting with ``= + - @`` (or tab / CR)
        and is not simply a number.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(\\"x\\")"), neutralise_cell("-2.5"), neutralise_cell(-2.5)
    ('\\'=HYPERLINK("x")', '-2.5', -2.5)
    >>> neutralise_cell("@SUM(A1)"), neutralise_cell("+1+2"), neutralise_cell("ok")
    ("'@SUM(A1)", "'+1+2", 'ok')
    """
    if not isinstance(value, str) or not value or not value.startswith(_FORMULA_START):
        return value
    if _PLAIN_NUMBER.match(value.strip()):
        return value
    return "'" + value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names cannot run as spreadsheet formulas.

    Numeric, boolean and datetime columns are untouched; object / string columns go through
    :func:`neutralise_cell` cell by cell.

    Parameters
    ----------
    df : pandas.DataFrame, (n, c)

    Returns
    -------
    pandas.DataFrame, (n, c)

    Examples
    --------
    >>> csv_safe(pd.DataFrame({"@a": ["-x", "1"]})).to_dict("list")
    {"'@a": ["'-x", '1']}
    """
    out = df.copy()
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        out.isetitem(j, col.astype(object).map(neutralise_cell))
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def _free_name(columns: Any, wanted: str) -> str:
    taken = {str(c) for c in columns}
    if wanted not in taken:
        return wanted
    i = 2
    while f"{wanted}_{i}" in taken:
        i += 1
    return f"{wanted}_{i}"


def labelled_rows_csv(
    table: pd.DataFrame,
    row_ids: np.ndarray,
    labels: np.ndarray,
    *,
    column: str = "cluster",
) -> str:
    """The original table with a cluster column, as CSV text safe to open in a spreadsheet.

    Parameters
    ----------
    table : pandas.DataFrame, (N, c)
        The table as read (every input row, original values and order).
    row_ids : ndarray of int, shape (n,)
        Positions in ``table`` of the clustered rows (``Prepared.row_ids``).
    labels : ndarray of int, shape (n,)
        Cluster of each clustered row, 1..k (``TreeIndex.labels_at``: numbered in leaf order).
    column : str
        Name of the new column; suffixed ``_2``, ``_3``... when the table already has it.

    Returns
    -------
    str
        CSV with a header, ``N`` rows in the table's order. Rows not in ``row_ids`` get an
        empty cluster and, in an extra ``cluster_note`` column, why they are missing.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, None, 3.0]})
    >>> print(labelled_rows_csv(df, np.array([0, 2]), np.array([1, 1])), end="")
    x,cluster,cluster_note
    1.0,1,
    ,,dropped by preprocessing (missing values)
    3.0,1,
    """
    row_ids = np.asarray(row_ids, dtype=np.int64)
    labels = np.asarray(labels)
    if row_ids.shape != labels.shape or row_ids.ndim != 1:
        raise DataError(f"row_ids {row_ids.shape} and labels {labels.shape} must be equal 1-D")
    if row_ids.size and (row_ids.min() < 0 or row_ids.max() >= len(table)):
        raise DataError("row_ids point outside the table")
    out = table.reset_index(drop=True).copy()
    cluster = pd.array([pd.NA] * len(out), dtype="Int64")
    cluster[row_ids] = labels.astype(np.int64)
    name = _free_name(out.columns, column)
    out[name] = cluster
    if row_ids.size < len(out):
        note = np.full(len(out), "", dtype=object)
        kept = np.zeros(len(out), dtype=bool)
        kept[row_ids] = True
        note[~kept] = _NOTE_DROPPED
        out[_free_name(out.columns, f"{column}_note")] = note
    buf = io.StringIO()
    csv_safe(out).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def linkage_csv(Z: np.ndarray) -> str:
    """Z as CSV: ``idx1, idx2, height, size``, one row per merge, heights at full precision.

    Row ``i`` of the file (0-based, after the header) forms cluster id ``n + i``, as in SciPy.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)

    Returns
    -------
    str

    Examples
    --------
    >>> print(linkage_csv(np.array([[0, 1, 0.5, 2], [2, 3, 1.25, 3]])), end="")
    idx1,idx2,height,size
    0,1,0.5,2
    2,3,1.25,3
    """
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 4:
        raise DataError(f"a linkage matrix has 4 columns, not shape {Z.shape}")
    lines = ["idx1,idx2,height,size"]
    lines += [f"{int(a)},{int(b)},{h!r},{int(s)}" for a, b, h, s in Z.tolist()]
    return "\n".join(lines) + "\n"


def export_filename(kind: str, dataset: str, method: str, metric: str, ext: str = "") -> str:
    """A file name like ``dendrogram-tutorial-blobs-ward-euclidean.csv`` (safe characters only).

    Examples
    --------
    >>> export_filename("labels", "My data (v2).csv", "ward", "euclidean", "csv")
    'labels-my-data-v2-ward-euclidean.csv'
    """
    stem = re.sub(r"\.(csv|tsv|txt|xlsx|parquet|json)$", "", dataset.strip(), flags=re.I)
    parts = [kind, stem, method, metric]
    slug = "-".join(p for p in (re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") for s in parts) if p)
    slug = slug[:120] or "export"
    return f"{slug}.{ext}" if ext else slug
