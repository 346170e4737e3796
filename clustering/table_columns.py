"""A table's columns: their names cleaned (stripped, unique) and what each holds.

Split by job from :mod:`clustering.tables`, the public entry point, whose readers clean the
names (:func:`_clean_names`) and select the wanted columns (:func:`_known_columns`); the page's
column pickers show :func:`describe_columns`, and :func:`text_values` tells numbers from text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = ["COLUMN_KINDS", "ColumnInfo", "describe_columns", "text_values"]


COLUMN_KINDS = ("numeric", "categorical", "text", "constant", "empty")


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
