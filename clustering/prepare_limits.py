"""How wide the prepared matrix will be and what it will cost, known before anything is
encoded (:class:`EncodedWidth`, :func:`encoded_width`), and the refusals that follow from it.
Part of :mod:`clustering.prepare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from clustering.budget import WorkEstimate, estimate_work, nbytes, prepare_bytes
from clustering.errors import DataError
from clustering.prepare_columns import _resolve_features
from clustering.prepare_options import PrepareOptions
from clustering.table_columns import ColumnInfo


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

    # Pickles (background jobs, caches) name the class by module: keep the one it was
    # defined in before prepare.py was split, which re-exports it.
    __module__ = "clustering.prepare"

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
    _check_described(df, columns)
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


def _check_limits(
    df: pd.DataFrame, numeric: list[str], categorical: list[str],
    max_columns: int | None, memory_budget_bytes: int | None,
) -> None:
    """Refuse a matrix wider than ``max_columns`` or over the memory budget, from the
    chosen columns alone (one-hot levels counted, nothing encoded)."""
    if max_columns is None and memory_budget_bytes is None:
        return
    width = EncodedWidth(
        numeric=tuple(numeric),
        categorical=tuple((c, int(df[c].nunique(dropna=True))) for c in categorical),
        n_rows=len(df),
    )
    width.check(max_columns)
    _check_memory(width, memory_budget_bytes)


def _check_described(df: pd.DataFrame, columns: Sequence[ColumnInfo] | None) -> None:
    """Refuse ``columns`` that are not ``describe_columns(df)``'s, in table order."""
    if columns is not None and [c.name for c in columns] != [str(c) for c in df.columns]:
        raise DataError("columns must be describe_columns(df) of this table, in table order")
