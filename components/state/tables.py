"""A dataset's table, its summary, its prepared matrix and scatter coordinates (memoised).

Every function takes the typed references of ``components.view`` and reads through the
store (``components.state.store``), so any worker answers any user.
"""

from __future__ import annotations

import base64
from dataclasses import replace

import numpy as np
import pandas as pd

from clustering.budget import max_cells_for
from clustering.datasets import EXAMPLES, load_example
from clustering.errors import DataError
from clustering.prepare import Prepared, prepare
from clustering.projection import pca_2d
from clustering.tables import ColumnInfo, TableRead, describe_columns, read_table, read_upload
from components.state.store import get_settings, get_store
from components.view import GOWER, DatasetRef, TreeSpec

PCA_1 = "__pca1__"
PCA_2 = "__pca2__"
PCA_LABELS = {PCA_1: "PCA component 1", PCA_2: "PCA component 2"}


def upload_bytes(contents: str) -> bytes:
    """Bytes of a ``dcc.Upload`` ``contents`` string (``data:<type>;base64,<payload>``)."""
    _, _, payload = contents.partition(",")
    try:
        return base64.b64decode(payload, validate=False)
    except (ValueError, TypeError) as err:
        raise DataError("the upload arrived damaged; try again") from err


def upload_size(contents: str) -> int:
    """Size in bytes of the file inside a ``dcc.Upload`` string, without decoding it.

    >>> upload_size("data:text/csv;base64,eCx5CjEsMgo=")
    8
    """
    _, _, payload = contents.partition(",")
    return len(payload) * 3 // 4 - payload[-2:].count("=")


def gone_message(dataset_id: str) -> str:
    """What the page says when a link or a view names an upload the store no longer has.

    >>> gone_message("1a2b3c4d5e6f" + "0" * 52)[:60]
    'The dataset this link points to is no longer stored on this '
    """
    return (
        f"The dataset this link points to is no longer stored on this server "
        f"(id {str(dataset_id)[:12]}…); upload the file again."
    )


def require_dataset(dataset: DatasetRef, *, opened: bool = False) -> None:
    """Raise DataError (:func:`gone_message`) when the upload ``dataset`` names is no longer
    stored, whatever results are still memoised for it: a link to a deleted or expired
    upload says so instead of showing a tree cached from it. ``opened`` also renews its
    retention (it was opened now)."""
    if not dataset.dataset_id:
        return
    store = get_store()
    there = (store.touch_dataset(dataset.dataset_id) if opened
             else store.has_dataset(dataset.dataset_id))
    if not there:
        raise DataError(gone_message(dataset.dataset_id))


def _read(dataset: DatasetRef) -> pd.DataFrame:
    if not dataset.has_rows:
        from components.state.inputs import input_table  # inputs reads the store like this

        return input_table(dataset)
    if dataset.example:
        if dataset.example not in EXAMPLES:
            raise DataError(f"unknown example {dataset.example!r}; choose one of "
                            f"{', '.join(EXAMPLES)}")
        return load_example(dataset.example)
    got = get_store().get_dataset(dataset.dataset_id or "")
    if got is None:
        raise DataError(gone_message(dataset.dataset_id or ""))
    data, filename = got
    return read_table(data, filename, **read_limits())


def _caps() -> tuple[int, int]:
    s = get_settings()
    return s.max_rows, s.max_columns


def read_limits() -> dict[str, int]:
    """This server's limits for reading a table, checked while it is decoded."""
    s = get_settings()
    return {"max_rows": s.max_rows, "max_columns": s.max_columns,
            "max_cells": max_cells_for(s.memory_budget_mb * 1024 * 1024)}


def read_new_upload(data: bytes, filename: str) -> TableRead:
    """Read an upload once, under this server's limits (``clustering.tables.read_upload``)."""
    return read_upload(data, filename, **read_limits())


def remember_table(dataset: DatasetRef, got: TableRead) -> None:
    """Keep an upload read once: later steps take its table and summary from the store
    instead of parsing the bytes again."""
    spec = TreeSpec(dataset)
    store = get_store()
    store.memo(("table", *spec.table_key(*_caps())), lambda: got.table)
    store.memo(("summary", *spec.table_key(*_caps())),
               lambda: (got.table.head(5), list(got.columns), len(got.table)))


def remember_prepared(spec: TreeSpec, prepared: Prepared) -> None:
    """Keep ``prepare(table, spec.options)`` computed while an upload was checked, so the tree
    job does not prepare it again (it must have been computed under :func:`prepare_limits`)."""
    get_store().memo(spec.prepared_key(*_caps()), lambda: prepared)


def prepare_limits() -> dict[str, int]:
    """The limits :func:`load_prepared` prepares under (``clustering.prepare.prepare``)."""
    s = get_settings()
    return {"max_columns": s.max_columns, "memory_budget_bytes": s.memory_budget_mb * 1024 * 1024}


def load_table(dataset: DatasetRef) -> pd.DataFrame:
    """The table behind a dataset reference (memoised; the row and column caps are in the key,
    as they shape what ``read_table`` returns)."""
    require_dataset(dataset)
    spec = TreeSpec(dataset)
    return get_store().memo(("table", *spec.table_key(*_caps())), lambda: _read(dataset))


def table_summary(dataset: DatasetRef) -> tuple[pd.DataFrame, list[ColumnInfo], int]:
    """First rows, column descriptions and the number of rows (memoised)."""

    def compute() -> tuple[pd.DataFrame, list[ColumnInfo], int]:
        df = load_table(dataset)
        return df.head(5), describe_columns(df), len(df)

    require_dataset(dataset, opened=True)
    spec = TreeSpec(dataset)
    return get_store().memo(("summary", *spec.table_key(*_caps())), compute)


def load_prepared(spec: TreeSpec) -> Prepared:
    """``prepare(table, options)`` (memoised by dataset and options)."""
    if not spec.dataset.has_rows:
        from components.state.inputs import input_prepared

        return input_prepared(spec.dataset)
    if spec.metric == GOWER and (not spec.options.one_hot or spec.options.features is None):
        # Gower reads the categories themselves (every numeric and categorical column unless
        # chosen); the matrix (scatter, heatmap, profiles) needs them one-hot encoded.
        features = spec.options.features
        if features is None:
            _, columns, _ = table_summary(spec.dataset)
            features = tuple(c.name for c in columns if c.kind in ("numeric", "categorical")
                             and c.name != spec.options.label_column)
        return load_prepared(replace(spec, options=replace(spec.options, one_hot=True,
                                                           features=features)))
    require_dataset(spec.dataset)
    # Checked before any matrix is built: the one-hot width against the column cap, the
    # matrices' size against the memory budget (clustering.prepare says what to do).
    return get_store().memo(spec.prepared_key(*_caps()), lambda: prepare(
        load_table(spec.dataset), spec.options, **prepare_limits()))


def load_pca(spec: TreeSpec, prepared: Prepared) -> np.ndarray:
    """:func:`clustering.projection.pca_2d` of ``prepared`` (= ``load_prepared(spec)``),
    memoised under the prepared matrix's key, so every method and metric shares it."""
    return get_store().memo(("pca", *spec.prepared_key(*_caps())),
                            lambda: pca_2d(prepared.matrix))


def scatter_axis(axis: str | None, prepared: Prepared, table: pd.DataFrame,
                 pca: np.ndarray | None) -> tuple[np.ndarray, str]:
    """Values and title for a scatter axis: a table column (rows kept) or a PCA component."""
    if axis in (PCA_1, PCA_2) or axis is None:
        assert pca is not None
        j = 0 if axis in (PCA_1, None) else 1
        return pca[:, j], PCA_LABELS[PCA_1 if j == 0 else PCA_2]
    if axis in prepared.original.columns:
        return prepared.original[axis].to_numpy(dtype=float), axis
    if axis in table.columns:
        col = pd.to_numeric(table[axis].iloc[prepared.row_ids], errors="coerce")
        return col.to_numpy(dtype=float), axis
    raise DataError(f"column {axis!r} is not in the table; pick another axis")
