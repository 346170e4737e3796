"""Choosing the feature columns and reading them as numbers (:func:`_resolve_features`,
:func:`_numeric_frame`). Part of :mod:`clustering.prepare`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.prepare_options import PrepareOptions, _choices, _rows
from clustering.table_columns import ColumnInfo, _is_time, describe_columns, text_values
from clustering.tables import file_row


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
