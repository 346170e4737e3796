"""Turn a table into the matrix that gets clustered, and say what was done.

Row numbers in messages count data rows from 1, not counting the header: "row 4" is
``df.iloc[4 - 1]``, the fourth row of the table as :func:`clustering.tables.read_table`
returned it. Default leaf labels are SciPy's observation numbers instead: ``0..n-1``, the row
of the clustered matrix, as ``dendrogram(...)['ivl']`` and ``fcluster`` number them.

One import for all of it; :func:`prepare` and its steps are here, the rest is kept in modules
by job: ``clustering.prepare_options`` (:class:`PrepareOptions`, :class:`Prepared`,
:data:`MISSING`, :data:`SCALINGS`), ``clustering.prepare_columns`` (choosing the feature
columns, reading them as numbers), ``clustering.prepare_scaling`` (scaling, the check that
distances stay finite) and ``clustering.prepare_limits`` (:class:`EncodedWidth`,
:func:`encoded_width`, the width and memory refusals). The classes keep
``clustering.prepare`` as their module, so pickles name them as before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.prepare_columns import _numeric_frame, _resolve_features
from clustering.prepare_limits import (
    EncodedWidth,
    _check_described,
    _check_limits,
    encoded_width,
)
from clustering.prepare_options import (
    MISSING,
    SCALINGS,
    Prepared,
    PrepareOptions,
    _choices,
    _fmt,
    _rows,
)
from clustering.prepare_scaling import _check_distances, _scale
from clustering.table_columns import ColumnInfo

__all__ = ["MISSING", "SCALINGS", "EncodedWidth", "PrepareOptions", "Prepared", "encoded_width",
           "prepare"]

log = logging.getLogger(__name__)


def prepare(
    df: pd.DataFrame,
    options: PrepareOptions | None = None,
    *,
    max_columns: int | None = None,
    memory_budget_bytes: int | None = None,
    columns: Sequence[ColumnInfo] | None = None,
) -> Prepared:
    """Choose columns, handle missing values, encode, scale; say what was done.

    Parameters
    ----------
    df : pandas.DataFrame
        (n_rows, n_columns), as :func:`clustering.tables.read_table` returns it.
    options : PrepareOptions, optional
        Defaults to ``PrepareOptions()``.
    max_columns : int, optional
        Refuse when the matrix would have more columns (one-hot indicators counted, before
        encoding: :func:`encoded_width`).
    memory_budget_bytes : int, optional
        Refuse, before any matrix is built, when preparation would take more
        (``clustering.budget.prepare_bytes``: about six copies of the matrix).
    columns : sequence of ColumnInfo, optional
        ``describe_columns(df)`` when already made (``TableRead.columns``): not made again.

    Returns
    -------
    Prepared
        ``matrix`` (n, d) with n <= n_rows.

    Raises
    ------
    DataError
        Unknown or unusable columns ("column 'x' has text in 12 rows, e.g. row 4: 'abc'"),
        "no numeric columns", fewer than 2 rows left, values too large for distances.

    Notes
    -----
    Row numbers in messages are 1-based data rows (header not counted). inf / -inf
    count as missing. Order: choose columns -> text check -> inf to missing ->
    drop or fill missing -> one-hot (``pandas.get_dummies``, categories sorted,
    missing category = all zeros) -> scale -> finiteness check.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": [5, 5, 5, 5], "n": list("pqrs")})
    >>> p = prepare(df, PrepareOptions(label_column="n", scaling="minmax"))
    >>> p.matrix.tolist(), p.labels.tolist(), p.n_dropped
    ([[0.0, 0.0], [0.3333333333333333, 0.0], [1.0, 0.0]], ['p', 'q', 's'], 1)
    """
    options = PrepareOptions() if options is None else options
    _check_described(df, columns)
    df = _checked_table(df, options)
    steps: list[str] = []
    numeric, categorical = _resolve_features(df, options, steps, columns)
    # Before anything is encoded: a text id one-hot encoded is n columns of n rows.
    _check_limits(df, numeric, categorical, max_columns, memory_budget_bytes)
    frame = _numeric_frame(df, numeric, steps)
    frame, cats, n_dropped = _missing_values(frame, df[categorical].copy(), options.missing,
                                             steps)
    row_ids = frame.index.to_numpy(dtype=np.int64)
    encoded = _one_hot(df, frame, cats, numeric, categorical, steps) if categorical else frame
    names = [str(c) for c in encoded.columns]
    raw = np.ascontiguousarray(encoded.to_numpy(dtype=np.float64))
    matrix = np.ascontiguousarray(_scale(raw.copy(), names, options.scaling, steps))
    _note_constant(raw, names, options.scaling, steps)
    _check_distances(matrix, names, row_ids, raw, df)

    labels = _labels(df, options.label_column, row_ids)
    original = pd.DataFrame(raw.copy(), columns=names)
    matrix.setflags(write=False)
    row_ids.setflags(write=False)
    labels.setflags(write=False)
    steps.insert(0, f"Using {len(names):,} feature column(s) on {len(row_ids):,} rows.")
    log.debug("prepared %d x %d, scaling %s", len(row_ids), len(names), options.scaling)
    return Prepared(
        matrix=matrix,
        feature_names=tuple(names),
        row_ids=row_ids,
        labels=labels,
        original=original,
        n_input_rows=len(df),
        n_dropped=n_dropped,
        steps=tuple(steps),
        options=options,
    )


def _checked_table(df: pd.DataFrame, options: PrepareOptions) -> pd.DataFrame:
    """The table renumbered from 0, once the options, its size and the label column are fine."""
    if not isinstance(options, PrepareOptions):
        raise DataError("options must be a PrepareOptions")
    n_input = len(df)
    if n_input < 2:
        raise DataError(f"the table has {_rows(n_input)}; clustering needs at least 2")
    df = df.reset_index(drop=True)
    if options.label_column is not None and options.label_column not in df.columns:
        raise DataError(
            f"no column named {options.label_column!r} for the labels; the columns are "
            f"{_choices(tuple(map(str, df.columns)))}"
        )
    return df


def _missing_values(
    frame: pd.DataFrame, cats: pd.DataFrame, how: str, steps: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(frame, cats, rows dropped) after dropping or filling missing values as ``how`` says."""
    if how == "drop":
        return _drop_missing(frame, cats, steps)
    frame = _fill(frame, how, steps)
    n_cat_missing = int(cats.isna().sum().sum())
    if n_cat_missing:
        steps.append(
            f"{n_cat_missing:,} missing categorical value(s) got no category "
            "(all their indicator columns are 0)."
        )
    return frame, cats, 0


def _drop_missing(
    frame: pd.DataFrame, cats: pd.DataFrame, steps: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    n_input = len(frame)
    missing_rows = frame.isna().any(axis=1) | cats.isna().any(axis=1)
    n_dropped = int(missing_rows.sum())
    if n_dropped:
        per_col = {**frame.isna().sum().to_dict(), **cats.isna().sum().to_dict()}
        detail = ", ".join(f"{k}: {v:,}" for k, v in per_col.items() if v)
        steps.append(f"Dropped {_rows(n_dropped)} of {n_input:,} with missing values ({detail}).")
    keep = ~missing_rows.to_numpy()
    frame, cats = frame[keep], cats[keep]
    if len(frame) < 2:
        raise DataError(
            f"fewer than 2 rows after dropping missing values ({n_dropped:,} of "
            f"{n_input:,} rows had one); fill them with the mean or median, or choose "
            "other columns"
        )
    return frame, cats, n_dropped


def _fill(frame: pd.DataFrame, how: str, steps: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for name in frame.columns:
        col = frame[name]
        n_missing = int(col.isna().sum())
        if not n_missing:
            continue
        if n_missing == len(col):
            raise DataError(f"column '{name}' has no values to compute a {how} from; leave it out")
        value = float(col.mean() if how == "mean" else col.median())
        frame[name] = col.fillna(value)
        steps.append(f"Filled {n_missing:,} missing value(s) in '{name}' with the {how} ({_fmt(value)}).")
    return frame


def _one_hot(
    df: pd.DataFrame, frame: pd.DataFrame, cats: pd.DataFrame, numeric: list[str],
    categorical: list[str], steps: list[str],
) -> pd.DataFrame:
    """The numeric columns and the categorical ones as 0/1 indicators, in table order."""
    # Table order, so the notebook equivalent is pd.get_dummies(df[features], ...).
    combined = pd.concat([frame, cats], axis=1)
    combined = combined[[c for c in df.columns if c in numeric or c in categorical]]
    encoded = pd.get_dummies(combined, columns=categorical, dtype=np.float64)
    steps.append(
        f"One-hot encoded {_choices(tuple(categorical))} into "
        f"{encoded.shape[1] - len(numeric):,} indicator column(s)."
    )
    return encoded


def _note_constant(raw: np.ndarray, names: list[str], scaling: str, steps: list[str]) -> None:
    """Say which columns are constant (before scaling: :func:`_scale` says it after)."""
    constant = raw.min(axis=0) == raw.max(axis=0)
    if constant.all():
        steps.append("Every feature is constant: all rows are identical, the tree has height 0.")
    elif scaling == "none" and constant.any():
        listed = _choices(tuple(n for n, c in zip(names, constant, strict=True) if c))
        steps.append(f"Constant column(s) {listed} add nothing to distances.")


def _labels(df: pd.DataFrame, label: str | None, row_ids: np.ndarray) -> np.ndarray:
    # SciPy's numbering (ivl, fcluster): the row of the clustered matrix, from 0.
    numbers = [str(j) for j in range(len(row_ids))]
    if label is None:
        return np.array(numbers, dtype=object)
    values = df[label].iloc[row_ids]
    out = [
        num if pd.isna(v) else str(v)
        for v, num in zip(values.tolist(), numbers, strict=True)
    ]
    return np.array(out, dtype=object)
