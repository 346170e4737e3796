"""Glue between callbacks and the clustering service: settings, the store, memoised steps.

Settings reach callbacks through the Flask app config: ``create_app`` puts the ``Settings`` in
``server.config["DENDRO_SETTINGS"]`` and :func:`get_settings` reads it (falling back to the
environment outside a request, e.g. in a notebook). The store is opened once per process and
kept next to it (``DENDRO_STORE``). Nothing per-user lives here: every result is keyed by the
dataset id and the parameters, so any worker can answer any user.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass
from typing import Any

import flask
import numpy as np
import pandas as pd

from clustering.cut import tree_index
from clustering.datasets import EXAMPLES, load_example
from clustering.diagnostics import cophenetic_correlation
from clustering.errors import DataError
from clustering.linkage import check_method_metric, compute_linkage
from clustering.prepare import Prepared, PrepareOptions, prepare
from clustering.store import open_store
from clustering.tables import ColumnInfo, describe_columns, read_table
from components.settings import Settings

log = logging.getLogger(__name__)

SETTINGS_KEY = "DENDRO_SETTINGS"
STORE_KEY = "DENDRO_STORE"
PCA_1 = "__pca1__"
PCA_2 = "__pca2__"
PCA_LABELS = {PCA_1: "PCA component 1", PCA_2: "PCA component 2"}
# Full tree up to this many leaves by default; bigger trees open truncated (lastp).
FULL_TREE_MAX = 2_000
DEFAULT_P = 50


def get_settings() -> Settings:
    """The running app's settings; outside a request, from the environment."""
    if flask.has_app_context():
        s = flask.current_app.config.get(SETTINGS_KEY)
        if s is not None:
            return s
    return Settings.from_env()


# One open store per settings per process, for code running outside a request (a Celery
# worker, a notebook): a connection handle, not user state.
_PROCESS_STORES: dict[Settings, Any] = {}

#: Part of every memo key: bump it when a memoised result's meaning or layout changes, so a
#: store kept across an upgrade never hands back results of older code.
MEMO_VERSION = 2


def get_store() -> Any:
    """The dataset/result store of this process (opened on first use)."""
    if flask.has_app_context():
        config = flask.current_app.config
        if config.get(STORE_KEY) is None:
            config[STORE_KEY] = open_store(get_settings())
        return config[STORE_KEY]
    settings = get_settings()
    if settings not in _PROCESS_STORES:
        _PROCESS_STORES[settings] = open_store(settings)
    return _PROCESS_STORES[settings]


def upload_bytes(contents: str) -> bytes:
    """Bytes of a ``dcc.Upload`` ``contents`` string (``data:<type>;base64,<payload>``)."""
    _, _, payload = contents.partition(",")
    try:
        return base64.b64decode(payload, validate=False)
    except (ValueError, TypeError) as err:
        raise DataError("the upload arrived damaged; try again") from err


def upload_size(contents: str) -> int:
    """Size in bytes of the file inside a ``dcc.Upload`` string, without decoding it."""
    _, _, payload = contents.partition(",")
    return len(payload) * 3 // 4 - payload[-2:].count("=")


# ---------------------------------------------------------------- tables
def _read(dataset: dict[str, Any]) -> pd.DataFrame:
    settings = get_settings()
    example = dataset.get("example")
    if example:
        if example not in EXAMPLES:
            raise DataError(f"unknown example {example!r}; choose one of {', '.join(EXAMPLES)}")
        return load_example(example)
    got = get_store().get_dataset(dataset["dataset_id"])
    if got is None:
        raise DataError(gone_message(dataset["dataset_id"]))
    data, filename = got
    return read_table(data, filename, max_rows=settings.max_rows, max_columns=settings.max_columns)


def gone_message(dataset_id: str) -> str:
    """What the page says when a link or a view names an upload the store no longer has.

    >>> gone_message("1a2b3c4d5e6f" + "0" * 52)[:60]
    'The dataset this link points to is no longer stored on this '
    """
    return (
        f"The dataset this link points to is no longer stored on this server "
        f"(id {str(dataset_id)[:12]}…); upload the file again."
    )


def dataset_key(dataset: dict[str, Any]) -> str:
    """A short stable key naming the dataset (example id or upload id)."""
    return dataset.get("example") or dataset.get("dataset_id") or ""


def load_table(dataset: dict[str, Any]) -> pd.DataFrame:
    """The table behind a dataset reference (memoised)."""
    # The row and column caps shape what read_table returns, so they are part of the key.
    s = get_settings()
    key = ("table", MEMO_VERSION, dataset_key(dataset), s.max_rows, s.max_columns)
    return get_store().memo(key, lambda: _read(dataset))


def table_summary(dataset: dict[str, Any]) -> tuple[pd.DataFrame, list[ColumnInfo], int]:
    """First rows, column descriptions and the number of rows (memoised)."""

    def compute() -> tuple[pd.DataFrame, list[ColumnInfo], int]:
        df = load_table(dataset)
        return df.head(5), describe_columns(df), len(df)

    s = get_settings()
    key = ("summary", MEMO_VERSION, dataset_key(dataset), s.max_rows, s.max_columns)
    return get_store().memo(key, compute)


def _prepared_key(dataset: dict[str, Any], options: PrepareOptions) -> tuple[Any, ...]:
    s = get_settings()
    return ("prepared", MEMO_VERSION, dataset_key(dataset), s.max_rows, s.max_columns,
            options.to_dict())


def load_prepared(dataset: dict[str, Any], options: PrepareOptions) -> Prepared:
    """``prepare(table, options)`` (memoised by dataset and options)."""
    return get_store().memo(_prepared_key(dataset, options),
                            lambda: prepare(load_table(dataset), options))


def load_pca(dataset: dict[str, Any], options: PrepareOptions, prepared: Prepared) -> np.ndarray:
    """:func:`pca_2d` of ``prepared`` (= ``load_prepared(dataset, options)``), memoised under
    the same key parts (table caps and memo version included), so every method and metric of
    one prepared table shares it."""
    return get_store().memo(("pca", *_prepared_key(dataset, options)),
                            lambda: pca_2d(prepared.matrix))


@dataclass(frozen=True)
class Tree:
    """Everything drawn from one linkage: the prepared matrix, the hierarchy, its cut index."""

    prepared: Prepared
    hierarchy: Any
    index: Any


def tree_key_parts(
    dataset: dict[str, Any], options: PrepareOptions, method: str, metric: str
) -> tuple[Any, ...]:
    """Everything a linkage result depends on: the memo key of :func:`load_tree`.

    The dataset id, the table caps, every preparation option, method, metric, and the two
    ``compute_linkage`` arguments the app leaves at their defaults (``p``, ``optimal_ordering``)
    so that a later change of those cannot hand back a tree computed without them.
    """
    s = get_settings()
    return ("linkage", MEMO_VERSION, dataset_key(dataset), s.max_rows, s.max_columns,
            options.to_dict(), method, metric, LINKAGE_P, LINKAGE_OPTIMAL_ORDERING)


#: compute_linkage arguments the app uses (its defaults), named so the memo key has them.
LINKAGE_P = 2.0
LINKAGE_OPTIMAL_ORDERING = False


def is_memoised(key: Any) -> bool:
    """True when the store already holds the result for ``key`` (nothing is read or computed:
    this runs on every compute request, and a stored big tree is megabytes to unpickle)."""
    return get_store().has_result(key)


def load_tree(
    dataset: dict[str, Any],
    options: PrepareOptions,
    method: str,
    metric: str,
    *,
    progress: Any = None,
    prepared: Prepared | None = None,
) -> Tree:
    """Prepared matrix -> linkage -> tree index (each step memoised).

    ``progress(fraction, text)`` is passed to ``compute_linkage`` when the linkage runs;
    ``prepared``: ``load_prepared(dataset, options)`` when the caller has it already (one
    store read fewer).
    """
    check_method_metric(method, metric)
    if prepared is None:
        prepared = load_prepared(dataset, options)
    hierarchy = get_store().memo(
        tree_key_parts(dataset, options, method, metric),
        lambda: compute_linkage(
            prepared.matrix, method, metric, p=LINKAGE_P,
            optimal_ordering=LINKAGE_OPTIMAL_ORDERING, progress=progress,
        ),
    )
    return Tree(prepared, hierarchy, tree_index(hierarchy.Z))


def cophenetic(
    dataset: dict[str, Any], options: PrepareOptions, method: str, metric: str
) -> float | None:
    """Cophenetic correlation of the tree (memoised); None when it cannot be computed.

    The tree is read from the store only when the value is not memoised yet: the status line
    asks again after every redraw.
    """

    def compute() -> float | None:
        tree = load_tree(dataset, options, method, metric)
        return _cophenetic(tree.hierarchy.Z, tree.prepared.matrix, metric)

    return get_store().memo(("cophenetic", *tree_key_parts(dataset, options, method, metric)),
                            compute)


def _cophenetic(Z: np.ndarray, X: np.ndarray, metric: str) -> float | None:
    t0 = time.perf_counter()
    try:
        value = float(cophenetic_correlation(Z, X, metric))
    except DataError as err:
        log.info("no cophenetic correlation: %s", err)
        return None
    except (ValueError, FloatingPointError, MemoryError) as err:
        log.warning("cophenetic correlation failed: %s", err)
        return None
    log.info("cophenetic correlation for n=%d in %.2f s", len(X), time.perf_counter() - t0)
    return value if np.isfinite(value) else None


def default_cut(Z: np.ndarray) -> float:
    """Where the line starts: the middle of the largest jump among the last 20 merge heights.

    The biggest jump between consecutive top merges is the classic "elbow" reading of a
    dendrogram; it never gives k = 1.

    >>> import numpy as np
    >>> default_cut(np.array([[0, 1, 1.0, 2], [2, 3, 10.0, 3]]))
    5.5
    """
    h = np.sort(np.asarray(Z, dtype=float)[:, 2])
    if h.size == 0:
        return 0.0
    if h.size == 1:
        return float(h[0]) / 2 if h[0] > 0 else 0.0
    top = h[-21:]
    jumps = np.diff(top)
    i = int(np.argmax(jumps))
    return float((top[i] + top[i + 1]) / 2)


def pca_2d(X: np.ndarray) -> np.ndarray:
    """(n, 2) projection onto the first two principal components (columns padded with 0).

    >>> np.round(pca_2d(np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0]]))[:, 0], 3).tolist()
    [-1.667, -0.667, 2.333]
    """
    X = np.asarray(X, dtype=float)
    centred = X - X.mean(axis=0)
    # The d x d covariance keeps this cheap for tall tables (n >> d).
    cov = centred.T @ centred
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:2]
    out = np.zeros((X.shape[0], 2))
    proj = centred @ vecs[:, order]
    # Fix the sign so the picture does not flip between runs.
    for j in range(proj.shape[1]):
        col = proj[:, j]
        if col.size and col[np.argmax(np.abs(col))] < 0:
            col *= -1
        out[:, j] = col
    return out


def scatter_axis(
    axis: str | None, prepared: Prepared, table: pd.DataFrame, pca: np.ndarray | None
) -> tuple[np.ndarray, str]:
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


def default_truncation(n_rows: int) -> tuple[str, int]:
    """Full tree for small tables, the last 50 merges above :data:`FULL_TREE_MAX` rows."""
    return ("none", 30) if n_rows <= FULL_TREE_MAX else ("lastp", DEFAULT_P)
