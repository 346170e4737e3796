"""Turn a table into the matrix that gets clustered, and say what was done.

Row numbers in messages count data rows from 1, not counting the header: "row 4" is
``df.iloc[4 - 1]``, the fourth row of the table as :func:`clustering.tables.read_table`
returned it. Default leaf labels are SciPy's observation numbers instead: ``0..n-1``, the row
of the clustered matrix, as ``dendrogram(...)['ivl']`` and ``fcluster`` number them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from clustering.budget import WorkEstimate, estimate_work, nbytes, prepare_bytes
from clustering.errors import DataError
from clustering.table_columns import ColumnInfo, _is_time, describe_columns, text_values
from clustering.tables import file_row

__all__ = ["MISSING", "SCALINGS", "EncodedWidth", "PrepareOptions", "Prepared", "encoded_width",
           "prepare"]

log = logging.getLogger(__name__)

MISSING = ("drop", "mean", "median")
SCALINGS = ("none", "minmax", "zscore", "whiten")


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


def _fmt(value: float) -> str:
    return f"{value:.6g}".replace("e+", "e")


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class PrepareOptions:
    """How to turn a table into a matrix; frozen, hashable, JSON round-trip.

    Parameters
    ----------
    features : tuple of str, optional
        Columns to cluster on. None: every numeric column except the label column
        (and, with ``one_hot``, every categorical one too).
    label_column : str, optional
        Column whose values name the leaves; else the 1-based row number.
    missing : {'drop', 'mean', 'median'}
        Drop rows with a missing feature value, or fill it with the column's mean / median.
    one_hot : bool
        Encode categorical feature columns as 0/1 indicator columns (``pandas.get_dummies``).
    scaling : {'none', 'minmax', 'zscore', 'whiten'}
        Per column after encoding: none; (x - min) / (max - min); (x - mean) / std;
        x / std as ``scipy.cluster.vq.whiten``. std has ddof=0. Constant columns become 0.

    Examples
    --------
    >>> o = PrepareOptions(features=["a", "b"], scaling="zscore")
    >>> o.features
    ('a', 'b')
    >>> PrepareOptions.from_dict(o.to_dict()) == o
    True
    >>> PrepareOptions(scaling="log")
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: scaling must be one of 'none', 'minmax', 'zscore', 'whiten'; got 'log'
    """

    features: tuple[str, ...] | None = None
    label_column: str | None = None
    missing: str = "drop"
    one_hot: bool = False
    scaling: str = "none"

    def __post_init__(self) -> None:
        if self.features is not None:
            if isinstance(self.features, str):
                raise DataError("features must be a list of column names, not one string")
            object.__setattr__(self, "features", tuple(str(f) for f in self.features))
        if self.label_column is not None and not isinstance(self.label_column, str):
            object.__setattr__(self, "label_column", str(self.label_column))
        if self.missing not in MISSING:
            raise DataError(f"missing must be one of {_choices(MISSING)}; got {self.missing!r}")
        if self.scaling not in SCALINGS:
            raise DataError(f"scaling must be one of {_choices(SCALINGS)}; got {self.scaling!r}")
        if not isinstance(self.one_hot, bool | np.bool_):
            raise DataError(f"one_hot must be true or false; got {self.one_hot!r}")
        object.__setattr__(self, "one_hot", bool(self.one_hot))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (features as a list or None)."""
        d = asdict(self)
        if d["features"] is not None:
            d["features"] = list(d["features"])
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PrepareOptions:
        """Inverse of :meth:`to_dict`; unknown keys are refused, missing keys take defaults."""
        valid = tuple(f.name for f in fields(cls))
        unknown = sorted(set(d) - set(valid))
        if unknown:
            raise DataError(
                f"unknown option(s) {_choices(tuple(unknown))}; valid options are {_choices(valid)}"
            )
        return cls(**dict(d))


@dataclass(frozen=True, eq=False)
class Prepared:
    """The matrix to cluster and what was done to get it.

    Attributes
    ----------
    matrix : ndarray, shape (n, d)
        float64, C-contiguous, finite, read-only.
    feature_names : tuple of str, length d
        One per matrix column; one-hot columns are named like ``origin_usa``.
    row_ids : ndarray of int64, shape (n,)
        0-based positions in the input table of the rows kept.
    labels : ndarray of object (str), shape (n,)
        Leaf labels: the label column's values verbatim, else the observation number
        ``0..n-1`` (the row of ``matrix``, SciPy's ``ivl``).
    original : pandas.DataFrame, (n, d)
        The matrix before scaling (original units, after imputation), columns ``feature_names``.
    n_input_rows, n_dropped : int
    steps : tuple of str
        Sentences saying what was done, for the UI.
    options : PrepareOptions
    """

    matrix: np.ndarray
    feature_names: tuple[str, ...]
    row_ids: np.ndarray
    labels: np.ndarray
    original: pd.DataFrame
    n_input_rows: int
    n_dropped: int
    steps: tuple[str, ...]
    options: PrepareOptions = field(default_factory=PrepareOptions)


# ---------------------------------------------------------------- choosing columns
def _resolve_features(
    df: pd.DataFrame, options: PrepareOptions, steps: list[str],
    columns: Sequence[ColumnInfo] | None = None,
) -> tuple[list[str], list[str]]:
    """(numeric feature names, categorical feature names), in table order."""
    kinds = {c.name: c for c in (describe_columns(df) if columns is None else columns)}
    label = options.label_column
    if options.features is None:
        wanted = [
            name for name, info in kinds.items()
            if name != label and not _is_time(df[name]) and (
                info.kind in ("numeric", "constant")
                and (info.kind != "constant" or _is_number_column(df[name]))
                or (options.one_hot and info.kind == "categorical")
            )
        ]
        empty = [n for n, i in kinds.items() if i.kind == "empty" and n != label]
        if empty and wanted:
            steps.append(f"Left out empty column(s) {_choices(tuple(empty))}.")
        if not wanted:
            hint = "; turn on one-hot encoding to use the categorical ones" if any(
                i.kind == "categorical" for n, i in kinds.items() if n != label
            ) else ""
            raise DataError(f"no numeric columns{hint}")
    else:
        wanted = list(dict.fromkeys(options.features))
        missing = [f for f in wanted if f not in kinds]
        if missing:
            raise DataError(
                f"no column named {_choices(tuple(missing))}; the columns are "
                f"{_choices(tuple(kinds))}"
            )
        if not wanted:
            raise DataError("no feature columns chosen; pick at least one")
    numeric, categorical = [], []
    for name in wanted:
        info = kinds[name]
        if _is_time(df[name]):
            raise DataError(
                f"column '{name}' holds dates or times ({df[name].dtype}); they are not "
                "clustered as numbers. Leave it out, use it as the label column, or convert it "
                "to a number (e.g. days since a start date) before uploading"
            )
        if info.kind == "empty":
            raise DataError(f"column '{name}' is empty; leave it out")
        if info.kind in ("numeric", "constant") and (
            info.kind == "numeric" or _is_number_column(df[name])
        ):
            numeric.append(name)
        elif options.one_hot:
            categorical.append(name)
        elif info.kind == "text":
            raise DataError(
                f"column '{name}' is text ({info.n_unique:,} different values); use it as the "
                f"label column, or turn on one-hot encoding to make {info.n_unique:,} "
                "indicator columns"
            )
        else:
            values = ", ".join(str(v) for v in df[name].dropna().unique()[:5])
            raise DataError(
                f"column '{name}' is categorical ({info.n_unique} values: {values}); "
                "turn on one-hot encoding or leave it out"
            )
    return numeric, categorical


def _is_number_column(column: pd.Series) -> bool:
    _, is_text = text_values(column.dropna())
    return not bool(is_text.any())


def _numeric_frame(df: pd.DataFrame, names: list[str], steps: list[str]) -> pd.DataFrame:
    out = {}
    for name in names:
        numbers, is_text = text_values(df[name])
        n_text = int(is_text.sum())
        if n_text:
            first = int(np.flatnonzero(is_text.to_numpy())[0])
            raise DataError(
                f"column '{name}' has text in {_rows(n_text)}, e.g. {file_row(df, first)}: "
                f"{str(df[name].iloc[first])!r}"
            )
        values = numbers.to_numpy(dtype=np.float64, copy=True)
        infinite = np.isinf(values)
        if infinite.any():
            values[infinite] = np.nan
            steps.append(
                f"Treated {int(infinite.sum()):,} infinite value(s) (inf/-inf) in "
                f"'{name}' as missing."
            )
        out[name] = values
    return pd.DataFrame(out, index=df.index)


# ---------------------------------------------------------------- missing values
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


# ---------------------------------------------------------------- scaling
def _safe(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """fn(x), or, where that overflows, s * fn(x / s) style rescue by the column's max |x|."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = fn(x)
    bad = ~np.isfinite(out).all(axis=0)
    if bad.any():
        scale = np.abs(x[:, bad]).max(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):
            out[:, bad] = fn(x[:, bad] / scale)
    return out


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (x - lo) / span


def _std(x: np.ndarray) -> np.ndarray:
    """x.std(axis=0), recomputed as s * std(x / s) where squares under- or overflow."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        std = x.std(axis=0)
    redo = ~np.isfinite(std) | ((std == 0) & (x.min(axis=0) != x.max(axis=0)))
    if redo.any():
        scale = np.abs(x[:, redo]).max(axis=0)
        std[redo] = scale * (x[:, redo] / scale).std(axis=0)
    return std


def _mean(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=0)
    redo = ~np.isfinite(mean)
    if redo.any():
        scale = np.abs(x[:, redo]).max(axis=0)
        mean[redo] = scale * (x[:, redo] / scale).mean(axis=0)
    return mean


def _zscore(x: np.ndarray) -> np.ndarray:
    std = _std(x)
    return (x - _mean(x)) / np.where(std > 0, std, 1.0)


def _whiten(x: np.ndarray) -> np.ndarray:
    std = _std(x)
    return x / np.where(std > 0, std, 1.0)


_SCALERS: dict[str, tuple[Callable[[np.ndarray], np.ndarray] | None, str]] = {
    "none": (None, ""),
    "minmax": (_minmax, "Scaled each column to [0, 1] (min-max)."),
    "zscore": (_zscore, "Standardised each column to mean 0 and standard deviation 1 (z-score)."),
    "whiten": (_whiten, "Divided each column by its standard deviation (scipy.cluster.vq.whiten)."),
}


def _scale(x: np.ndarray, names: list[str], how: str, steps: list[str]) -> np.ndarray:
    fn, sentence = _SCALERS[how]
    if fn is None:
        return x
    constant = x.min(axis=0) == x.max(axis=0)
    # min-max is shift-invariant, z-score too; whiten is not, but scaling a constant column
    # cannot change any distance, so 0 is as good as SciPy's unchanged values and never NaN.
    out = _safe(fn, x)
    out[:, constant] = 0.0
    steps.append(sentence)
    if constant.any():
        listed = _choices(tuple(n for n, c in zip(names, constant, strict=True) if c))
        steps.append(f"Constant column(s) {listed} set to 0 (no spread to scale).")
    return out


def _check_distances(x: np.ndarray, names: list[str], row_ids: np.ndarray, raw: np.ndarray,
                     df: pd.DataFrame) -> None:
    """Refuse matrices whose pairwise squared distances would overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        # |a - b|^2 <= 2|a|^2 + 2|b|^2 <= 4 max|.|^2: finite bound means no distance overflows.
        norms = np.einsum("ij,ij->i", x, x)
        ok = np.isfinite(x).all() and np.isfinite(4.0 * norms.max(initial=0.0))
    if ok:
        return
    absx = np.abs(np.where(np.isfinite(x), x, np.inf))
    col = int(absx.max(axis=0).argmax())
    row = int(absx[:, col].argmax())
    raise DataError(
        f"column '{names[col]}' has values too large to compute distances "
        f"(e.g. {file_row(df, int(row_ids[row]))}: {_fmt(float(raw[row, col]))}); rescale it or "
        "pick z-score/min-max scaling"
    )


# ---------------------------------------------------------------- labels
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


@dataclass(frozen=True)
class EncodedWidth:
    """How wide the prepared matrix will be, known before anything is encoded.

    Attributes
    ----------
    numeric : tuple of str
        Numeric feature columns (one matrix column each).
    categorical : tuple of (str, int)
        One-hot columns and their distinct non-missing values (levels), table order.
        Each level becomes an indicator column; levels seen only in rows that
        ``missing='drop'`` removes are counted too, so this is an upper bound.
    n_rows : int
        Rows of the table (an upper bound of the rows clustered).
    """

    numeric: tuple[str, ...]
    categorical: tuple[tuple[str, int], ...]
    n_rows: int

    @property
    def indicators(self) -> int:
        """Indicator columns one-hot encoding makes."""
        return sum(levels for _, levels in self.categorical)

    @property
    def total(self) -> int:
        """Matrix columns: numeric plus indicators."""
        return len(self.numeric) + self.indicators

    def check(self, max_columns: int | None) -> None:
        """Raise :class:`DataError` when ``total`` exceeds ``max_columns``, with the numbers."""
        if max_columns is None or self.total <= max_columns:
            return
        if not self.categorical:
            raise DataError(
                f"the features make {self.total:,} columns; this instance accepts at most "
                f"{max_columns:,} (DENDRO_MAX_COLUMNS). Choose fewer feature columns."
            )
        widest = sorted(self.categorical, key=lambda c: -c[1])
        listed = ", ".join(f"'{name}' {levels:,}" for name, levels in widest[:3])
        more = f" and {len(widest) - 3:,} more" if len(widest) > 3 else ""
        label_hint = ""
        name, levels = widest[0]
        if levels > 0.5 * self.n_rows:
            label_hint = (f" '{name}' has a different value in almost every row: use it as the "
                          "label column instead.")
        raise DataError(
            f"one-hot encoding would make {self.total:,} columns ({len(self.categorical):,} "
            f"categorical column(s) give {self.indicators:,} indicator columns — levels: "
            f"{listed}{more} — plus {len(self.numeric):,} numeric); this instance accepts at "
            f"most {max_columns:,} (DENDRO_MAX_COLUMNS). Leave out the categorical columns with "
            "the most levels, turn one-hot encoding off, or merge rare levels so each column has "
            f"fewer.{label_hint}"
        )

    def estimate(self, method: str = "ward", metric: str = "euclidean") -> WorkEstimate:
        """:func:`clustering.budget.estimate_work` for this width and the table's rows."""
        return estimate_work(self.n_rows, self.total, method, metric,
                             indicator_columns=self.indicators)


def encoded_width(
    df: pd.DataFrame,
    options: PrepareOptions | None = None,
    *,
    columns: Sequence[ColumnInfo] | None = None,
) -> EncodedWidth:
    """Count the matrix columns :func:`prepare` would make, without encoding anything.

    Costs one pass over the table's columns (``describe_columns``), or nothing more than
    a lookup when ``columns`` (``describe_columns(df)``, e.g. ``TableRead.columns``) is
    given; raises the same :class:`DataError` as :func:`prepare` for unusable choices.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"], "id": ["p", "q", "r"]})
    >>> w = encoded_width(df, PrepareOptions(features=["x", "c", "id"], one_hot=True))
    >>> w.categorical, w.total
    ((('c', 2), ('id', 3)), 6)
    """
    options = PrepareOptions() if options is None else options
    if columns is not None and [c.name for c in columns] != [str(c) for c in df.columns]:
        raise DataError("columns must be describe_columns(df) of this table, in table order")
    numeric, categorical = _resolve_features(df.reset_index(drop=True), options, [], columns)
    # ColumnInfo.n_unique is nunique() of the non-missing values: the levels get_dummies makes.
    unique = {c.name: c.n_unique for c in columns} if columns is not None else {}
    levels = tuple(
        (name, unique[name] if name in unique else int(df[name].nunique(dropna=True)))
        for name in categorical
    )
    return EncodedWidth(numeric=tuple(numeric), categorical=levels, n_rows=len(df))


def _check_memory(width: EncodedWidth, memory_budget_bytes: int | None) -> None:
    if memory_budget_bytes is None:
        return
    need = prepare_bytes(width.n_rows, width.total)
    if need > memory_budget_bytes:
        raise DataError(
            f"preparing {width.n_rows:,} rows × {width.total:,} columns needs about "
            f"{nbytes(need)}, over this instance's memory budget of "
            f"{nbytes(memory_budget_bytes)} (DENDRO_MEMORY_BUDGET_MB). Choose fewer columns "
            "(leave out categorical columns with many levels, or turn one-hot encoding off), "
            "or take a sample of the rows."
        )


def prepare(
    df: pd.DataFrame,
    options: PrepareOptions | None = None,
    *,
    max_columns: int | None = None,
    memory_budget_bytes: int | None = None,
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
    steps: list[str] = []
    numeric, categorical = _resolve_features(df, options, steps)
    if max_columns is not None or memory_budget_bytes is not None:
        # Before anything is encoded: a text id one-hot encoded is n columns of n rows.
        width = EncodedWidth(
            numeric=tuple(numeric),
            categorical=tuple((c, int(df[c].nunique(dropna=True))) for c in categorical),
            n_rows=n_input,
        )
        width.check(max_columns)
        _check_memory(width, memory_budget_bytes)
    frame = _numeric_frame(df, numeric, steps)
    cats = df[categorical].copy()

    if options.missing == "drop":
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
    else:
        n_dropped = 0
        frame = _fill(frame, options.missing, steps)
        n_cat_missing = int(cats.isna().sum().sum())
        if n_cat_missing:
            steps.append(
                f"{n_cat_missing:,} missing categorical value(s) got no category "
                "(all their indicator columns are 0)."
            )
    row_ids = frame.index.to_numpy(dtype=np.int64)

    if categorical:
        # Table order, so the notebook equivalent is pd.get_dummies(df[features], ...).
        combined = pd.concat([frame, cats], axis=1)
        combined = combined[[c for c in df.columns if c in numeric or c in categorical]]
        encoded = pd.get_dummies(combined, columns=categorical, dtype=np.float64)
        steps.append(
            f"One-hot encoded {_choices(tuple(categorical))} into "
            f"{encoded.shape[1] - len(numeric):,} indicator column(s)."
        )
    else:
        encoded = frame
    names = [str(c) for c in encoded.columns]
    raw = np.ascontiguousarray(encoded.to_numpy(dtype=np.float64))
    matrix = np.ascontiguousarray(_scale(raw.copy(), names, options.scaling, steps))
    constant = raw.min(axis=0) == raw.max(axis=0)
    if constant.all():
        steps.append("Every feature is constant: all rows are identical, the tree has height 0.")
    elif options.scaling == "none" and constant.any():
        listed = _choices(tuple(n for n, c in zip(names, constant, strict=True) if c))
        steps.append(f"Constant column(s) {listed} add nothing to distances.")
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
        n_input_rows=n_input,
        n_dropped=n_dropped,
        steps=tuple(steps),
        options=options,
    )
