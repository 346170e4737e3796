"""Support on every merge from row subsamples (for tables with few features).

pvclust's feature bootstrap (:mod:`clustering.support`) is weak when a table has few
columns: with d = 4 there are only a handful of distinct resamples of the features. Here the
ROWS are resampled instead: replicate b draws ``m = round(fraction · n)`` rows without
replacement, clusters them with the same method and metric, and each merge of the original
tree (a clade C, a set of rows) scores a hit when C restricted to the subsample S is a clade
of the subsample's tree. Only informative replicates count, those with ``2 <= |C ∩ S| < m``
(a single row or the whole subsample is a clade of every tree); the support of a merge is
``hits / informative`` (NaN when no replicate was informative, e.g. the root).

This is a subsampling bootstrap of clades in the spirit of consensus clustering (Monti et al.
2003) and of ``fpc::clusterboot(bootmethod = "subset")``, applied per merge rather than per
cluster of one cut; it has no R reference that reports it per merge, so its tests check it
against a plain re-implementation on fixed and random data.

As :mod:`clustering.support` the Monte Carlo part is chunked: :func:`plan_row_support`,
:func:`count_row_clades` (replicate b draws from ``SeedSequence(seed, spawn_key=(b,))``, so
chunking never changes a number), :func:`summarise_row_support`; :func:`row_support` does all
three.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal(0, 1, (10, 2)), rng.normal(9, 1, (10, 2))])
>>> rs = row_support(X, "average", "euclidean", n_boot=20, seed=1)
>>> float(rs.table["support"].iloc[-2])  # each of the two blobs is a clade of every subsample
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.replicate_trees import checked_input, original_tree, replicate_tree
from clustering.sampling import replicate_chunks
from clustering.support_checks import _check_count, _check_seed
from clustering.support_trees import _clade_keys

__all__ = [
    "RowSupport",
    "RowSupportCounts",
    "RowSupportPlan",
    "count_row_clades",
    "plan_row_support",
    "row_support",
    "summarise_row_support",
]

DEFAULT_FRACTION = 0.8


@dataclass(frozen=True, eq=False)
class RowSupportPlan:
    """What each chunk needs (picklable): the rows (or distances), the tree's clades."""

    X: np.ndarray
    method: str
    metric: str
    Z: np.ndarray
    m: int
    n_boot: int
    seed: int
    dist_kwargs: dict
    keys: tuple[int, ...]

    @property
    def n(self) -> int:
        return self.X.shape[0]


@dataclass(frozen=True, eq=False)
class RowSupportCounts:
    """Hits and informative replicates per row of Z for a range of replicates; ``a + b``
    adds two disjoint ranges."""

    hits: np.ndarray
    informative: np.ndarray
    ranges: tuple[tuple[int, int], ...]

    def __add__(self, other: RowSupportCounts) -> RowSupportCounts:
        if self.hits.shape != other.hits.shape:
            raise DataError("these row-support counts come from different plans")
        return RowSupportCounts(self.hits + other.hits, self.informative + other.informative,
                                tuple(sorted(self.ranges + other.ranges)))


@dataclass(frozen=True, eq=False)
class RowSupport:
    """Row-subsampling support per merge.

    Attributes
    ----------
    table : DataFrame, n - 1 rows (index = row of Z)
        ``support`` (share of informative replicates in which the clade, restricted to the
        subsample, is a clade of the subsample's tree; NaN if none was informative), ``se``
        (its binomial standard error), ``hits``, ``informative``, ``size``.
    n_boot, m : int
        Replicates, rows per subsample.
    method, metric : str
    seed : int
    """

    table: pd.DataFrame
    n_boot: int
    m: int
    method: str
    metric: str
    seed: int


def plan_row_support(
    X: object,
    method: str = "average",
    metric: str = "euclidean",
    *,
    n_boot: int = 100,
    fraction: float = DEFAULT_FRACTION,
    seed: int = 0,
    Z: np.ndarray | None = None,
    p: float = 2.0,
) -> RowSupportPlan:
    """Validate the arguments and fix the original tree's clades.

    Parameters
    ----------
    X : array_like, shape (n, d); or (n, n) distances with ``metric="precomputed"``
    method : str
        One of :data:`clustering.linkage.METHODS`.
    metric : str
        One of :data:`clustering.replicate_trees.STABILITY_METRICS`.
    n_boot : int
        Subsamples, >= 1.
    fraction : float
        Share of rows per subsample, ``0 < fraction < 1``; m = round(fraction · n), at least 3
        and at most n - 1.
    seed : int
        >= 0.
    Z : ndarray, shape (n - 1, 4), optional
        The tree to support; default ``compute_linkage(X, method, metric)``.
    p : float
        Exponent of the minkowski metric.

    Returns
    -------
    RowSupportPlan

    Examples
    --------
    >>> plan_row_support(np.eye(10, 3), fraction=1.0)
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: fraction must be a share of the rows between 0 and 1 (e.g. 0.8), not 1.0
    """
    X, kwargs = checked_input(X, method, metric, p)
    n = X.shape[0]
    if n < 4:
        raise DataError(f"row-subsampling support needs at least 4 rows, not {n}")
    n_boot = _check_count(n_boot, "n_boot")
    seed = _check_seed(seed)
    if not isinstance(fraction, (int, float, np.floating)) or not 0 < fraction < 1:
        raise DataError(f"fraction must be a share of the rows between 0 and 1 (e.g. 0.8), "
                        f"not {fraction!r}")
    m = int(min(max(round(fraction * n), 3), n - 1))
    if Z is None:
        Z = original_tree(X, method, metric, p)
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape != (n - 1, 4):
        raise DataError(f"Z must have shape ({n - 1}, 4) for {n} rows, not {Z.shape}")
    keys = tuple(_clade_keys(Z, [1 << i for i in range(n)]))
    X = X.copy()
    X.flags.writeable = False
    Z = Z.copy()
    Z.flags.writeable = False
    return RowSupportPlan(X, method, metric, Z, m, n_boot, seed, kwargs, keys)


def _subsample(plan: RowSupportPlan, b: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(plan.seed, spawn_key=(b,)))
    return np.sort(rng.choice(plan.n, size=plan.m, replace=False))


def count_row_clades(plan: RowSupportPlan, b0: int, b1: int) -> RowSupportCounts:
    """Hits and informative replicates of subsamples ``b0 .. b1-1`` (pure; one chunk).

    Parameters
    ----------
    plan : RowSupportPlan
    b0, b1 : int
        ``0 <= b0 < b1 <= plan.n_boot``.

    Returns
    -------
    RowSupportCounts
        ``hits``, ``informative`` shape (n - 1,); chunks add up to one call over all.

    Examples
    --------
    >>> plan = plan_row_support(np.random.default_rng(0).normal(size=(12, 3)), n_boot=6)
    >>> a = count_row_clades(plan, 0, 2) + count_row_clades(plan, 2, 6)
    >>> bool((a.hits == count_row_clades(plan, 0, 6).hits).all())
    True
    """
    if not (isinstance(b0, (int, np.integer)) and isinstance(b1, (int, np.integer))
            and 0 <= b0 < b1 <= plan.n_boot):
        raise DataError(f"replicate range [{b0}, {b1}) must lie within [0, {plan.n_boot})")
    n = plan.n
    hits = np.zeros(n - 1, dtype=np.int64)
    informative = np.zeros(n - 1, dtype=np.int64)
    for b in range(int(b0), int(b1)):
        rows = _subsample(plan, b)
        tree = replicate_tree(plan.X, rows, plan.method, plan.metric, plan.dist_kwargs)
        found = set(_clade_keys(tree, [1 << int(r) for r in rows]))
        mask = 0
        for r in rows.tolist():
            mask |= 1 << r
        for j, key in enumerate(plan.keys):
            inside = key & mask
            c = inside.bit_count()
            if 2 <= c < plan.m:
                informative[j] += 1
                if inside in found:
                    hits[j] += 1
    return RowSupportCounts(hits, informative, ((int(b0), int(b1)),))


def summarise_row_support(plan: RowSupportPlan, counts: RowSupportCounts) -> RowSupport:
    """Reduce: the summed counts of chunks covering ``0 .. n_boot-1`` once -> the table.

    Examples
    --------
    >>> plan = plan_row_support(np.random.default_rng(0).normal(size=(12, 3)), n_boot=4)
    >>> rs = summarise_row_support(plan, count_row_clades(plan, 0, 4))
    >>> rs.table.columns.tolist()
    ['support', 'se', 'hits', 'informative', 'size']
    """
    covered = 0
    for b0, b1 in counts.ranges:
        if b0 != covered:
            break
        covered = b1
    if covered != plan.n_boot or counts.hits.shape != (plan.n - 1,):
        raise DataError(f"the chunks cover replicates {list(counts.ranges)}, not "
                        f"0 .. {plan.n_boot - 1} exactly once")
    inf = counts.informative.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        support = np.where(inf > 0, counts.hits / inf, np.nan)
        se = np.where(inf > 0, np.sqrt(support * (1 - support) / inf), np.nan)
    table = pd.DataFrame({"support": support, "se": se, "hits": counts.hits,
                          "informative": counts.informative,
                          "size": plan.Z[:, 3].astype(np.int64)})
    table.index.name = "row"
    return RowSupport(table, plan.n_boot, plan.m, plan.method, plan.metric, plan.seed)


def row_support(
    X: object,
    method: str = "average",
    metric: str = "euclidean",
    n_boot: int = 100,
    fraction: float = DEFAULT_FRACTION,
    seed: int = 0,
    *,
    Z: np.ndarray | None = None,
    p: float = 2.0,
    chunk_size: int = 25,
    progress: Callable[[float, str], None] | None = None,
) -> RowSupport:
    """Row-subsampling support on every merge of the tree of X.

    Parameters
    ----------
    X, method, metric, n_boot, fraction, seed, Z, p
        As :func:`plan_row_support`.
    chunk_size : int
        Subsamples per chunk (the results do not depend on it).
    progress : callable(fraction, text), optional

    Returns
    -------
    RowSupport
        ``table`` one row per row of Z.

    Examples
    --------
    >>> X = np.random.default_rng(3).normal(size=(15, 2))
    >>> row_support(X, "ward", "euclidean", n_boot=10).table.shape
    (14, 5)
    """
    plan = plan_row_support(X, method, metric, n_boot=n_boot, fraction=fraction, seed=seed,
                            Z=Z, p=p)
    bounds = replicate_chunks(plan.n_boot, chunk_size)
    total: RowSupportCounts | None = None
    for i, (b0, b1) in enumerate(bounds):
        part = count_row_clades(plan, b0, b1)
        total = part if total is None else total + part
        if progress is not None:
            progress((i + 1) / len(bounds), f"subsamples {b1:,} of {plan.n_boot:,}")
    assert total is not None
    return summarise_row_support(plan, total)
