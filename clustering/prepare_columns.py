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
    if options.features is None:
        wanted = _default_features(df, kinds, options, steps)
    else:
        wanted = _named_features(kinds, options.features)
    numeric, categorical = [], []
    for name in wanted:
        if _is_numeric_feature(df, name, kinds[name], options.one_hot):
            numeric.append(name)
        else:
            categorical.append(name)
    return numeric, categorical


def _default_features(
    df: pd.DataFrame, kinds: dict[str, ColumnInfo], options: PrepareOptions, steps: list[str]
) -> list[str]:
    """With no features named: every usable column but the label; refuses when none is."""
    label = options.label_column
    wanted = [
        name for name, info in kinds.items()
        if name != label and _is_default_feature(df, name, info, options.one_hot)
    ]
    empty = [n for n, i in kinds.items() if i.kind == "empty" and n != label]
    if empty and wanted:
        steps.append(f"Left out empty column(s) {_choices(tuple(empty))}.")
    if not wanted:
        hint = "; turn on one-hot encoding to use the categorical ones" if any(
            i.kind == "categorical" for n, i in kinds.items() if n != label
        ) else ""
        raise DataError(f"no numeric columns{hint}")
    return wanted


def _is_default_feature(df: pd.DataFrame, name: str, info: ColumnInfo, one_hot: bool) -> bool:
    """Whether a column not named in the options is clustered on: numbers, or (one-hot) categories."""
    return not _is_time(df[name]) and (
        info.kind in ("numeric", "constant")
        and (info.kind != "constant" or _is_number_column(df[name]))
        or (one_hot and info.kind == "categorical")
    )


def _named_features(kinds: dict[str, ColumnInfo], features: tuple[str, ...]) -> list[str]:
    """The features named in the options, once each; refuses unknown names and none at all."""
    wanted = list(dict.fromkeys(features))
    missing = [f for f in wanted if f not in kinds]
    if missing:
        raise DataError(
            f"no column named {_choices(tuple(missing))}; the columns are "
            f"{_choices(tuple(kinds))}"
        )
    if not wanted:
        raise DataError("no feature columns chosen; pick at least one")
    return wanted


def _is_numeric_feature(df: pd.DataFrame, name: str, info: ColumnInfo, one_hot: bool) -> bool:
    """True for a number column, False for one to one-hot encode; else says why it can't be."""
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
        return True
    if one_hot:
        return False
    raise _not_encoded(df, name, info)


def _not_encoded(df: pd.DataFrame, name: str, info: ColumnInfo) -> DataError:
    """The refusal for a text or categorical feature without one-hot encoding."""
    if info.kind == "text":
        return DataError(
            f"column '{name}' is text ({info.n_unique:,} different values); use it as the "
            f"label column, or turn on one-hot encoding to make {info.n_unique:,} "
            "indicator columns"
        )
    values = ", ".join(str(v) for v in df[name].dropna().unique()[:5])
    return DataError(
        f"column '{name}' is categorical ({info.n_unique} values: {values}); "
        "turn on one-hot encoding or leave it out"
    )


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
