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
* The view file: the page's link as JSON. A view is written once, as the link's query
  parameters (``components/url_state.py``: ``view_to_query`` / ``query_to_view``, the schema
  :data:`VIEW_QUERY_FIELDS`); :func:`view_file_from_query` turns that query into a JSON file
  with a ``version`` (:data:`VIEW_FILE_VERSION`) and typed values, and
  :func:`query_from_view_file` turns a file back into the query, so loading a file is opening
  its link (one restore path, one set of checks). Files of version 1 (the older
  :data:`VIEW_FIELDS` layout) are still read: checked by :func:`validate_view` and handed to
  the caller's ``legacy`` function that writes their query.
* :func:`validate_view` / :data:`VIEW_FIELDS`: the checked view as a dict, what
  ``query_to_view`` returns (and the layout of version-1 files).

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
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = [
    "VIEW_FIELDS",
    "VIEW_FILE_VERSION",
    "VIEW_QUERY_FIELDS",
    "VIEW_VERSION",
    "csv_safe",
    "export_filename",
    "labelled_rows_csv",
    "linkage_csv",
    "neutralise_cell",
    "query_from_view_file",
    "validate_view",
    "view_file_from_query",
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


# ---------------------------------------------------------------- the view's parameters
VIEW_VERSION = 1

#: Every field of a view, its type and default. ``dataset`` is ``{"example": id}`` or
#: ``{"dataset_id": sha256, "filename": name}``; ``options`` is ``PrepareOptions.to_dict()``.
VIEW_FIELDS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "dataset": (dict, None),
    "options": (dict, {}),
    "method": (str, "ward"),
    "metric": (str, "euclidean"),
    "truncate_mode": (str, "none"),
    "truncate_p": (int, 30),
    "annotate_above": ((int, float, type(None)), None),
    "orientation": (str, "top"),
    "show_contracted": (bool, True),
    "scatter_x": ((str, type(None)), None),
    "scatter_y": ((str, type(None)), None),
    "cut": ((int, float, type(None)), None),
}
_TRUNCATE = ("none", "lastp", "level")
_ORIENT = ("top", "bottom", "left", "right")


def validate_view(d: Mapping[str, Any]) -> dict[str, Any]:
    """Check a view's parameters and fill defaults; :class:`DataError` says what is wrong.

    Parameters
    ----------
    d : mapping
        Keys of :data:`VIEW_FIELDS` (plus ``version``); unknown keys are refused.

    Returns
    -------
    dict
        Every key of :data:`VIEW_FIELDS` and ``version``.

    Examples
    --------
    >>> v = validate_view({"dataset": {"example": "tutorial-blobs"}, "cut": 50})
    >>> v["method"], v["cut"], v["version"]
    ('ward', 50.0, 1)
    >>> validate_view({"dataset": {"example": "x"}, "orientation": "up"})
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: orientation must be one of top, bottom, left, right, not 'up'
    """
    from clustering.linkage import METHODS, METRICS, method_metric_problem
    from clustering.prepare import PrepareOptions

    if not isinstance(d, Mapping):
        raise DataError("a view is a JSON object of parameters")
    version = d.get("version", VIEW_VERSION)
    if version != VIEW_VERSION:
        raise DataError(f"this app reads view version {VIEW_VERSION}, not {version!r}")
    unknown = sorted(set(d) - set(VIEW_FIELDS) - {"version"})
    if unknown:
        raise DataError(f"unknown view parameter(s): {', '.join(unknown)}")
    if not d.get("dataset"):
        raise DataError("the view names no dataset")
    out: dict[str, Any] = {"version": VIEW_VERSION}
    for key, (kind, default) in VIEW_FIELDS.items():
        value = d.get(key, default)
        # bool is an int in Python; a cut of `true` is a mistake, not 1.
        bad_bool = isinstance(value, bool) and kind is not bool
        if not isinstance(value, kind) or bad_bool:
            raise DataError(f"{key} has the wrong type ({type(value).__name__})")
        out[key] = value
    ds = out["dataset"]
    if "example" in ds:
        if set(ds) != {"example"} or not isinstance(ds["example"], str):
            raise DataError("dataset must be {'example': id} or {'dataset_id', 'filename'}")
    elif set(ds) - {"dataset_id", "filename"} or not isinstance(ds.get("dataset_id"), str):
        raise DataError("dataset must be {'example': id} or {'dataset_id', 'filename'}")
    elif not re.fullmatch(r"[0-9a-f]{64}", ds["dataset_id"]):
        raise DataError("dataset_id must be 64 lowercase hex digits (SHA-256 of the file)")
    out["options"] = PrepareOptions.from_dict(out["options"]).to_dict()
    if out["method"] not in METHODS:
        raise DataError(f"method must be one of {', '.join(METHODS)}, not {out['method']!r}")
    if out["metric"] not in METRICS:
        raise DataError(f"metric must be one of {', '.join(METRICS)}, not {out['metric']!r}")
    problem = method_metric_problem(out["method"], out["metric"])
    if problem:
        raise DataError(problem)
    if out["truncate_mode"] not in _TRUNCATE:
        raise DataError(f"truncate_mode must be one of {', '.join(_TRUNCATE)}")
    if out["truncate_p"] < 1:
        raise DataError("truncate_p must be at least 1")
    if out["orientation"] not in _ORIENT:
        raise DataError(
            f"orientation must be one of {', '.join(_ORIENT)}, not {out['orientation']!r}"
        )
    for key in ("cut", "annotate_above"):
        v = out[key]
        if v is not None:
            if not math.isfinite(v) or v < 0:
                raise DataError(f"{key} must be a finite height >= 0")
            out[key] = float(v)
    return out


def _parse_view_file(text: str | bytes) -> Any:
    # Either version of the view file: UTF-8 (a BOM allowed) JSON, its shape checked by the caller.
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise DataError("the view file is not UTF-8 text") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"the view file is not valid JSON (line {err.lineno}: {err.msg})") from err


# ---------------------------------------------------------------- the view file = the link
VIEW_FILE_VERSION = 2

#: The link's query parameters (``components/url_state.py`` writes and reads them) in the
#: order links are written, with the JSON type of each in a view file. ``col`` repeats in a
#: link and is a list here; the rest appear once.
VIEW_QUERY_FIELDS: dict[str, type] = {
    "dataset": str,
    "col": list,
    "label": str,
    "missing": str,
    "onehot": bool,
    "scaling": str,
    "method": str,
    "metric": str,
    "truncate": str,
    "p": int,
    "annotate": float,
    "orientation": str,
    "contracted": bool,
    "x": str,
    "y": str,
    "cut": float,
}


def _query_number(v: float) -> str:
    # The shortest text that reads back as the same float, as links write numbers.
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def view_file_from_query(query: str) -> str:
    """The view file of a link: its query parameters as typed JSON, with a version.

    Parameters
    ----------
    query : str
        The link's query string (with or without the leading ``?``).

    Returns
    -------
    str
        Indented JSON: ``version`` then the parameters in :data:`VIEW_QUERY_FIELDS` order;
        parameters the link does not have are left out, unknown ones dropped.

    Raises
    ------
    DataError
        A number that is not one, or a link without a dataset.

    Examples
    --------
    >>> text = view_file_from_query("?dataset=mpg&col=a&col=b&onehot=0&p=30&cut=15")
    >>> json.loads(text)
    {'version': 2, 'dataset': 'mpg', 'col': ['a', 'b'], 'onehot': False, 'p': 30, 'cut': 15.0}
    >>> query_from_view_file(text)
    'dataset=mpg&col=a&col=b&onehot=0&p=30&cut=15'
    """
    q = parse_qs((query or "").lstrip("?"), keep_blank_values=True)
    if not (q.get("dataset") or [""])[-1]:
        raise DataError("the view names no dataset")
    out: dict[str, Any] = {"version": VIEW_FILE_VERSION}
    for key, kind in VIEW_QUERY_FIELDS.items():
        if key not in q:
            continue
        text = q[key][-1]
        if kind is list:
            out[key] = [c for c in q[key] if c != ""]
        elif kind is bool:
            out[key] = text not in ("0", "false", "no", "")
        elif kind in (int, float):
            if text == "":
                continue
            try:
                out[key] = kind(text)
            except ValueError:
                raise DataError(f"{key} must be a number, not {text!r}") from None
        else:
            out[key] = text
    return json.dumps(out, indent=2) + "\n"


def query_from_view_file(
    text: str | bytes,
    *,
    legacy: Callable[[dict[str, Any]], str] | None = None,
) -> str:
    """The link's query string (no ``?``) of a view file; :class:`DataError` says what is wrong.

    Only the file's shape is checked here (JSON object, version, known keys, types); the values
    are checked where every link is, by ``components.url_state.query_to_view``.

    Parameters
    ----------
    text : str or bytes
        The file (UTF-8, a BOM allowed).
    legacy : callable, optional
        For version-1 files (:data:`VIEW_FIELDS` layout): receives the :func:`validate_view`
        dict and returns its query (``url_state.view_to_query``). Without it they are refused.

    Returns
    -------
    str

    Examples
    --------
    >>> query_from_view_file('{"version": 2, "dataset": "tutorial-blobs", "method": "single",'
    ...                      ' "annotate": null, "cut": 12.5}')
    'dataset=tutorial-blobs&method=single&cut=12.5'
    >>> query_from_view_file('{"version": 2, "dataset": "mpg", "cut": "high"}')
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: cut must be a number, not 'high'
    """
    d = _parse_view_file(text)
    if not isinstance(d, Mapping):
        raise DataError("a view is a JSON object of parameters")
    version = d.get("version")
    if version is None:  # unversioned: the older layout names its dataset with an object
        version = VIEW_VERSION if isinstance(d.get("dataset"), Mapping) else VIEW_FILE_VERSION
    if version == VIEW_VERSION and legacy is not None:
        return legacy(validate_view(d))
    if version != VIEW_FILE_VERSION:
        raise DataError(f"this app reads view files of version {VIEW_FILE_VERSION}, "
                        f"not {version!r}")
    unknown = sorted(set(d) - set(VIEW_QUERY_FIELDS) - {"version"})
    if unknown:
        raise DataError(f"unknown view parameter(s): {', '.join(unknown)}")
    if not isinstance(d.get("dataset"), str) or not d["dataset"]:
        raise DataError("the view names no dataset")
    pairs: list[tuple[str, str]] = []
    for key, kind in VIEW_QUERY_FIELDS.items():
        value = d.get(key)
        if value is None:
            continue
        if kind is list:
            cols = [value] if isinstance(value, str) else value
            if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
                raise DataError(f"{key} must be a list of column names")
            pairs += [(key, c) for c in cols]
        elif kind is bool:
            if not isinstance(value, bool):
                raise DataError(f"{key} must be true or false, not {value!r}")
            pairs.append((key, "1" if value else "0"))
        elif kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DataError(f"{key} must be a number, not {value!r}")
            if kind is int and float(value) != int(value):
                raise DataError(f"{key} must be a whole number, not {value!r}")
            pairs.append((key, str(int(value)) if kind is int else _query_number(value)))
        else:
            if not isinstance(value, str):
                raise DataError(f"{key} must be text, not {value!r}")
            pairs.append((key, value))
    return urlencode(pairs)
