"""Cluster stability at a cut, as R's ``fpc::clusterboot`` measures it.

``clusterboot(X, B, bootmethod = "boot", clustermethod = hclustCBI, method = ..., k = k,
scaling = FALSE)`` in Python: each replicate draws n rows with replacement and keeps each
drawn row once (clusterboot's default ``multipleboot = FALSE``), clusters those rows with the
same method and metric, and cuts the replicate tree into the same number of clusters k by
merge order (``cutree(k = )``, hclustCBI's ``cut = "number"``). For every original cluster C
the replicate scores the largest Jaccard similarity ``|C ∩ D| / |C ∪ D|`` to a replicate
cluster D, both restricted to the rows the replicate holds (0 when none of C was drawn).
Reported per cluster: the mean over replicates, how many replicates dissolved it
(Jaccard <= 0.5) and how many recovered it (Jaccard > 0.75), clusterboot's ``bootmean``,
``bootbrd`` and ``bootrecover``.

As in :mod:`clustering.support` the Monte Carlo part is chunked: :func:`plan_stability`
validates and fixes the original clusters, :func:`bootstrap_jaccard` (pure) scores replicates
``[b0, b1)`` (replicate b draws from ``SeedSequence(seed, spawn_key=(b,))``, so chunking does
not change a number), :func:`summarise_stability` reduces the chunks. :func:`cluster_stability`
does all three.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal(0, 1, (15, 2)), rng.normal(8, 1, (15, 2))])
>>> st = cluster_stability(X, "average", "euclidean", 2, n_boot=20, seed=0)
>>> st.table["mean_jaccard"].round(2).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.replicate_trees import (
    STABILITY_METRICS,
    checked_input,
    cut_by_merge_order,
    original_tree,
    replicate_tree,
)
from clustering.sampling import replicate_chunks
from clustering.support_checks import _check_count, _check_seed

__all__ = [
    "STABILITY_METRICS",
    "ClusterStability",
    "StabilityChunk",
    "StabilityPlan",
    "bootstrap_jaccard",
    "cluster_stability",
    "cut_by_merge_order",
    "plan_stability",
    "summarise_stability",
]

logger = logging.getLogger(__name__)

@dataclass(frozen=True, eq=False)
class StabilityPlan:
    """What every chunk of :func:`bootstrap_jaccard` needs (picklable, read-only arrays).

    Attributes
    ----------
    X : ndarray, shape (n, d), or (n, n) distances for ``metric="precomputed"``
    method, metric : str
    labels : ndarray, shape (n,) int64
        Original clusters numbered 0 .. k-1 (``clusters[j]`` is the caller's label of j).
    clusters : ndarray, shape (k,)
        The caller's cluster labels (sorted), or 1 .. k when a k was given.
    k : int
    n_boot, seed : int
    dist_kwargs : dict
        The ``V``/``VI``/``p`` of the whole table, kept fixed so that a replicate's distances
        are the sub-matrix of the original ones (seuclidean, mahalanobis).
    """

    X: np.ndarray
    method: str
    metric: str
    labels: np.ndarray
    clusters: np.ndarray
    k: int
    n_boot: int
    seed: int
    dist_kwargs: dict

    @property
    def n(self) -> int:
        return self.X.shape[0]


@dataclass(frozen=True, eq=False)
class StabilityChunk:
    """Jaccard scores of replicates ``b0 .. b1-1``: ``jaccard`` shape (b1 - b0, k)."""

    b0: int
    b1: int
    jaccard: np.ndarray


@dataclass(frozen=True, eq=False)
class ClusterStability:
    """Stability of each cluster of a cut.

    Attributes
    ----------
    table : DataFrame, k rows (index = the caller's cluster label)
        ``size``, ``mean_jaccard`` (clusterboot's bootmean), ``se_jaccard`` (its Monte
        Carlo standard error, SD / sqrt(n_boot)), ``dissolved`` (replicates with Jaccard
        <= dissolution, bootbrd), ``recovered`` (> recover, bootrecover), ``n_boot``.
    jaccard : ndarray, shape (n_boot, k)
        Every replicate's score (clusterboot's ``bootresult``, transposed).
    method, metric : str
    seed : int
    dissolution, recover : float
    """

    table: pd.DataFrame
    jaccard: np.ndarray
    method: str
    metric: str
    seed: int
    dissolution: float
    recover: float


def plan_stability(
    X: object,
    method: str = "average",
    metric: str = "euclidean",
    labels_or_k: object = 2,
    *,
    n_boot: int = 100,
    seed: int = 0,
    Z: np.ndarray | None = None,
    p: float = 2.0,
) -> StabilityPlan:
    """Validate and fix the original clusters.

    Parameters
    ----------
    X : array_like, shape (n, d); or (n, n) distances with ``metric="precomputed"``
    method : str
        One of :data:`clustering.linkage.METHODS`.
    metric : str
        One of :data:`STABILITY_METRICS`.
    labels_or_k : int or array_like, shape (n,)
        The number of clusters k (2 .. n-1; the tree Z, default ``compute_linkage(X,
        method, metric)``, is cut into k by merge order) or the labels of the current cut
        (any values, 2 .. n-1 distinct ones; replicates are cut into as many clusters).
    n_boot : int
        Replicates, >= 1.
    seed : int
        >= 0.
    Z : ndarray, shape (n - 1, 4), optional
        Only used when a k is given.
    p : float
        Exponent of the minkowski metric.

    Returns
    -------
    StabilityPlan

    Examples
    --------
    >>> plan_stability([[0.0], [1.0], [5.0]], "average", "euclidean", 5)
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: the number of clusters must be between 2 and 2 (one less than the 3 rows), not 5
    """
    X, kwargs = checked_input(X, method, metric, p)
    n = X.shape[0]
    if n < 3:
        raise DataError(f"cluster stability needs at least 3 rows, not {n}")
    n_boot = _check_count(n_boot, "n_boot")
    seed = _check_seed(seed)
    if isinstance(labels_or_k, (int, np.integer)) and not isinstance(labels_or_k, bool):
        k = int(labels_or_k)
        if not 2 <= k <= n - 1:
            raise DataError(f"the number of clusters must be between 2 and {n - 1} (one less "
                            f"than the {n} rows), not {k}")
        if Z is None:
            Z = original_tree(X, method, metric, p)
        Z = np.asarray(Z, dtype=np.float64)
        if Z.shape != (n - 1, 4):
            raise DataError(f"Z must have shape ({n - 1}, 4) for {n} rows, not {Z.shape}")
        labels = cut_by_merge_order(Z, k)
        clusters = np.arange(1, k + 1)
    else:
        given = np.asarray(labels_or_k)
        if given.shape != (n,):
            raise DataError(f"give either k (a whole number) or one label per row ({n} labels, "
                            f"not shape {given.shape})")
        clusters, labels = np.unique(given, return_inverse=True)
        k = len(clusters)
        if not 2 <= k <= n - 1:
            raise DataError(f"the labels make {k} clusters; stability needs between 2 and "
                            f"{n - 1} (one less than the {n} rows)")
        labels = labels.astype(np.int64)
    for arr in (X, labels, clusters):
        arr.flags.writeable = False
    return StabilityPlan(X, method, metric, labels, clusters, k, n_boot, seed, kwargs)


def _replicate_rows(plan: StabilityPlan, b: int) -> np.ndarray:
    """The distinct rows replicate b draws, in the order first drawn (clusterboot's
    ``unique(sample(n, n, replace = TRUE))``)."""
    rng = np.random.default_rng(np.random.SeedSequence(plan.seed, spawn_key=(b,)))
    draw = rng.integers(0, plan.n, size=plan.n)
    _, first = np.unique(draw, return_index=True)
    return draw[np.sort(first)]


def _replicate_tree(plan: StabilityPlan, rows: np.ndarray) -> np.ndarray:
    return replicate_tree(plan.X, rows, plan.method, plan.metric, plan.dist_kwargs)


def bootstrap_jaccard(plan: StabilityPlan, b0: int, b1: int) -> StabilityChunk:
    """Best Jaccard similarity of each original cluster in replicates ``b0 .. b1-1`` (pure).

    Parameters
    ----------
    plan : StabilityPlan
    b0, b1 : int
        ``0 <= b0 < b1 <= plan.n_boot``.

    Returns
    -------
    StabilityChunk
        ``jaccard`` shape (b1 - b0, k).

    Examples
    --------
    >>> import numpy as np
    >>> plan = plan_stability(np.random.default_rng(1).normal(size=(20, 3)), "average",
    ...                       "euclidean", 3, n_boot=6)
    >>> whole = bootstrap_jaccard(plan, 0, 6).jaccard
    >>> parts = [bootstrap_jaccard(plan, 0, 2).jaccard, bootstrap_jaccard(plan, 2, 6).jaccard]
    >>> bool((np.vstack(parts) == whole).all())
    True
    """
    if not (isinstance(b0, (int, np.integer)) and isinstance(b1, (int, np.integer))
            and 0 <= b0 < b1 <= plan.n_boot):
        raise DataError(f"replicate range [{b0}, {b1}) must lie within [0, {plan.n_boot})")
    k = plan.k
    out = np.empty((int(b1) - int(b0), k), dtype=np.float64)
    for i, b in enumerate(range(int(b0), int(b1))):
        rows = _replicate_rows(plan, b)
        m = rows.size
        kb = min(k, m)  # R's cutree would refuse k > m; every row alone is the closest
        rep = cut_by_merge_order(_replicate_tree(plan, rows), kb) if m > 1 else np.zeros(1, int)
        orig = plan.labels[rows]
        both = np.bincount(orig * kb + rep, minlength=k * kb).reshape(k, kb).astype(np.float64)
        a = np.bincount(orig, minlength=k).astype(np.float64)
        c = np.bincount(rep, minlength=kb).astype(np.float64)
        # every replicate cluster is non-empty, so the union is never 0
        out[i] = (both / (a[:, None] + c[None, :] - both)).max(axis=1)
    return StabilityChunk(int(b0), int(b1), out)


def summarise_stability(
    plan: StabilityPlan,
    chunks: list[StabilityChunk],
    *,
    dissolution: float = 0.5,
    recover: float = 0.75,
) -> ClusterStability:
    """Reduce: chunks covering ``0 .. n_boot-1`` once -> the table per cluster.

    Parameters
    ----------
    plan : StabilityPlan
    chunks : list of StabilityChunk
        In any order.
    dissolution, recover : float
        clusterboot's thresholds: dissolved when Jaccard <= dissolution, recovered when
        Jaccard > recover.

    Returns
    -------
    ClusterStability

    Examples
    --------
    >>> import numpy as np
    >>> plan = plan_stability(np.random.default_rng(1).normal(size=(20, 3)), "average",
    ...                       "euclidean", 3, n_boot=4)
    >>> st = summarise_stability(plan, [bootstrap_jaccard(plan, 2, 4), bootstrap_jaccard(plan, 0, 2)])
    >>> st.table.columns.tolist()
    ['size', 'mean_jaccard', 'se_jaccard', 'dissolved', 'recovered', 'n_boot']
    """
    for name, value in (("dissolution", dissolution), ("recover", recover)):
        if not 0 <= value <= 1:
            raise DataError(f"{name} must be a Jaccard similarity between 0 and 1, not {value}")
    ordered = sorted(chunks, key=lambda c: c.b0)
    covered = 0
    for chunk in ordered:
        if chunk.b0 != covered or chunk.jaccard.shape != (chunk.b1 - chunk.b0, plan.k):
            break
        covered = chunk.b1
    if covered != plan.n_boot:
        got = [(c.b0, c.b1) for c in ordered]
        raise DataError(f"the chunks cover replicates {got}, not 0 .. {plan.n_boot - 1} exactly "
                        "once: run the missing chunks (or drop the repeated ones) first")
    jac = np.vstack([c.jaccard for c in ordered])
    B = jac.shape[0]
    sd = jac.std(axis=0, ddof=1) if B > 1 else np.full(plan.k, np.nan)
    table = pd.DataFrame(
        {
            "size": np.bincount(plan.labels, minlength=plan.k),
            "mean_jaccard": jac.mean(axis=0),
            "se_jaccard": sd / np.sqrt(B),
            "dissolved": (jac <= dissolution).sum(axis=0),
            "recovered": (jac > recover).sum(axis=0),
            "n_boot": B,
        },
        index=pd.Index(plan.clusters, name="cluster"),
    )
    return ClusterStability(table, jac, plan.method, plan.metric, plan.seed,
                            float(dissolution), float(recover))


def cluster_stability(
    X: object,
    method: str = "average",
    metric: str = "euclidean",
    labels_or_k: object = 2,
    n_boot: int = 100,
    seed: int = 0,
    *,
    Z: np.ndarray | None = None,
    p: float = 2.0,
    dissolution: float = 0.5,
    recover: float = 0.75,
    chunk_size: int = 25,
    progress: Callable[[float, str], None] | None = None,
) -> ClusterStability:
    """Per cluster of a cut: mean best Jaccard over row bootstraps, dissolved, recovered.

    As ``fpc::clusterboot(X, B = n_boot, clustermethod = hclustCBI, method = method, k = k,
    scaling = FALSE)`` (or ``disthclustCBI`` on the distance matrix for other metrics).

    Parameters
    ----------
    X, method, metric, labels_or_k, n_boot, seed, Z, p
        As :func:`plan_stability`.
    dissolution, recover
        As :func:`summarise_stability`.
    chunk_size : int
        Replicates per chunk (the results do not depend on it).
    progress : callable(fraction, text), optional
        Called after each chunk.

    Returns
    -------
    ClusterStability
        ``table`` one row per cluster; ``jaccard`` shape (n_boot, k).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(2).normal(size=(30, 2))
    >>> st = cluster_stability(X, "ward", "euclidean", [1] * 15 + [2] * 15, n_boot=10)
    >>> st.table.index.tolist(), st.jaccard.shape
    ([1, 2], (10, 2))
    """
    plan = plan_stability(X, method, metric, labels_or_k, n_boot=n_boot, seed=seed, Z=Z, p=p)
    bounds = replicate_chunks(plan.n_boot, chunk_size)
    chunks = []
    for i, (b0, b1) in enumerate(bounds):
        chunks.append(bootstrap_jaccard(plan, b0, b1))
        if progress is not None:
            progress((i + 1) / len(bounds), f"bootstrap replicates {b1:,} of {plan.n_boot:,}")
    return summarise_stability(plan, chunks, dissolution=dissolution, recover=recover)
