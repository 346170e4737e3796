"""Stage 1 of the approximate mode: summarise n rows into m weighted micro-clusters.

Two-level k-means (or BIRCH inside coarse cells) keeps each micro-cluster's size as its
weight, so stage 2 (``clustering.ward_nnchain``) can build the ward tree on the weighted
centroids; ``clustering.approximate`` puts the two stages together.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from clustering.errors import DataError
from clustering.linkage import validate_matrix

__all__ = [
    "DEFAULT_M",
    "SUMMARISERS",
    "MicroClusters",
    "default_m",
    "summarise",
]

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

#: Micro-clusters used when the caller does not choose m (see ``default_m``).
DEFAULT_M = 5_000
SUMMARISERS = ("kmeans", "birch")


def _noop(fraction: float, text: str) -> None:
    return None


@dataclass(frozen=True, eq=False)
class MicroClusters:
    """n rows summarised into m micro-clusters.

    Attributes
    ----------
    centroids : ndarray, shape (m, d), float64
        Mean of the rows of each micro-cluster.
    weights : ndarray, shape (m,), int64
        Rows in each micro-cluster (all > 0; they sum to n).
    assignment : ndarray, shape (n,), intp
        Micro-cluster of each row, in ``[0, m)``.
    method : str
        ``'kmeans'``, ``'birch'`` or ``'identity'`` (each row its own micro-cluster).
    """

    centroids: np.ndarray
    weights: np.ndarray
    assignment: np.ndarray
    method: str

    @property
    def m(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n(self) -> int:
        return int(self.assignment.shape[0])


def default_m(n: int) -> int:
    """Micro-clusters used for n rows when the caller does not choose: ``min(n, DEFAULT_M)``.

    ``DEFAULT_M = 5,000`` keeps 1,000,000 × 10 within the 60 s target here with room to spare
    (bench/bench_big.py) while the ward stage stays about a second.

    Examples
    --------
    >>> default_m(300), default_m(10**6)
    (300, 5000)
    """
    return int(min(max(n, 1), DEFAULT_M))


def _finish(X: np.ndarray, labels: np.ndarray, method: str) -> MicroClusters:
    """Drop empty micro-clusters, renumber densely, take exact means of the members."""
    counts = np.bincount(labels)
    keep = np.flatnonzero(counts)
    remap = np.full(counts.shape[0], -1, dtype=np.intp)
    remap[keep] = np.arange(keep.shape[0])
    assignment = remap[labels]
    weights = counts[keep].astype(np.int64)
    m = keep.shape[0]
    centroids = np.empty((m, X.shape[1]), dtype=np.float64)
    for j in range(X.shape[1]):
        centroids[:, j] = np.bincount(assignment, weights=X[:, j], minlength=m)
    centroids /= weights[:, None]
    for a in (centroids, weights, assignment):
        a.setflags(write=False)
    return MicroClusters(centroids, weights, assignment, method)


def _allocate(sizes: np.ndarray, m: int) -> np.ndarray:
    """Split m micro-clusters over cells in proportion to their sizes (largest remainder),
    at least one for each non-empty cell and never more than a cell has rows."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(sizes.sum())
    share = sizes * (m / n)
    alloc = np.minimum(np.maximum(np.floor(share).astype(np.int64), sizes > 0), sizes)
    spare = m - int(alloc.sum())
    if spare > 0:
        room = sizes - alloc
        order = np.argsort(-(share - np.floor(share)), kind="stable")
        for i in order:
            if spare == 0:
                break
            if room[i] > 0:
                alloc[i] += 1
                spare -= 1
    return alloc


def _kmeans_labels(X: np.ndarray, k: int, seed: int, fit_rows: int, max_iter: int) -> np.ndarray:
    """k-means fitted on a random subset of at most ``fit_rows`` rows, then every row assigned."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    n = X.shape[0]
    if k <= 1:
        return np.zeros(n, dtype=np.intp)
    if k >= n:
        return np.arange(n, dtype=np.intp)
    rng = np.random.default_rng(seed)
    fit = X if n <= fit_rows else X[np.sort(rng.choice(n, fit_rows, replace=False))]
    km = KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=max_iter, tol=1e-4,
                random_state=seed)
    # One thread: these fits are small, and OpenMP's spinning workers made them ~5x slower on
    # 2 cores shared with other processes (measured: 0.24 s vs 0.05 s per cell).
    with warnings.catch_warnings(), threadpool_limits(1):
        # Fewer distinct rows than k: duplicate centres, their empty clusters are dropped later.
        warnings.simplefilter("ignore")
        km.fit(fit)
        return km.predict(X).astype(np.intp, copy=False)


def _birch_labels(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    """BIRCH leaf subclusters of one cell, the threshold searched so there are about k."""
    from sklearn.cluster import Birch
    from threadpoolctl import threadpool_limits

    n = X.shape[0]
    if k <= 1:
        return np.zeros(n, dtype=np.intp)
    if k >= n:
        return np.arange(n, dtype=np.intp)
    # BIRCH depends on row order; shuffle with the seed so the result does not depend on
    # how the rows happen to be sorted in the table.
    order = np.random.default_rng(seed).permutation(n)
    Xs = X[order]
    spread = float(np.sqrt(((Xs - Xs.mean(0)) ** 2).sum(1).mean())) or 1.0
    # Bisection on log(threshold): subcluster counts change by orders of magnitude with it.
    lo, hi = math.log(spread * 1e-4), math.log(spread)
    best: tuple[int, np.ndarray] | None = None
    for _ in range(10):
        theta = math.exp((lo + hi) / 2)
        model = Birch(threshold=theta, n_clusters=None, branching_factor=50, compute_labels=True)
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            model.fit(Xs)
        got = model.subcluster_centers_.shape[0]
        if best is None or abs(got - k) < abs(best[0] - k):
            best = (got, model.labels_)
        if got > k:
            lo = math.log(theta)
        elif got < 0.8 * k:
            hi = math.log(theta)
        else:
            break
    assert best is not None
    labels = np.empty(n, dtype=np.intp)
    labels[order] = best[1]
    return labels


def summarise(
    X: np.ndarray,
    m: int,
    *,
    method: str = "kmeans",
    seed: int = 0,
    progress: Progress | None = None,
) -> MicroClusters:
    """Summarise the rows of X into at most m micro-clusters, keeping their sizes.

    ``'kmeans'`` is two-level k-means: about √m coarse cells from k-means on a sample, then
    each cell gets micro-clusters in proportion to its rows and is split by its own k-means
    (fitted on at most 64 rows per micro-cluster, then every row assigned). Assigning a row
    costs about 2√m distances instead of m, which is what makes 1,000,000 rows take seconds.
    ``'birch'`` runs scikit-learn's BIRCH inside each coarse cell, with the threshold searched
    so the cell has about its share of micro-clusters (slower; m is approximate).
    Empty micro-clusters are dropped, so the result may have fewer than m; centroids are the
    exact means of the final members.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Finite numeric matrix.
    m : int
        Micro-clusters wanted (``m >= n`` makes every row its own micro-cluster).
    method : {'kmeans', 'birch'}
    seed : int
        Same seed, same data, same machine: same result.
    progress : callable(fraction, text), optional
        Called between cells with the fraction done in [0, 1].

    Returns
    -------
    MicroClusters

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> mc = summarise(rng.normal(size=(1_000, 3)), 50)
    >>> mc.m <= 50, int(mc.weights.sum()), mc.assignment.shape
    (True, 1000, (1000,))
    """
    if method not in SUMMARISERS:
        raise DataError(f"unknown summariser {method!r}; choose one of {list(SUMMARISERS)}")
    X = validate_matrix(X)
    m = int(m)
    if m < 1:
        raise DataError("the number of micro-clusters must be at least 1")
    progress = progress or _noop
    n = X.shape[0]
    if m >= n:
        progress(1.0, "every row is its own micro-cluster")
        return _finish(X, np.arange(n, dtype=np.intp), "identity")

    t0 = time.perf_counter()
    k1 = max(1, min(m, round(math.sqrt(m))))
    progress(0.0, f"coarse k-means into {k1} cells")
    coarse = _kmeans_labels(X, k1, seed, fit_rows=max(20_000, 100 * k1), max_iter=50)
    sizes = np.bincount(coarse, minlength=k1)
    alloc = _allocate(sizes, m)
    # One stable sort groups each cell's rows without k1 boolean passes over n.
    order = np.argsort(coarse, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    labels = np.empty(n, dtype=np.intp)
    offset = 0
    done_rows = 0
    last_report = 0.0
    for c in range(k1):
        rows = order[bounds[c]:bounds[c + 1]]
        if rows.shape[0] == 0:
            continue
        Xc = X[rows]
        if method == "kmeans":
            local = _kmeans_labels(Xc, int(alloc[c]), seed + 1 + c,
                                   fit_rows=64 * int(alloc[c]), max_iter=20)
        else:
            local = _birch_labels(Xc, int(alloc[c]), seed + 1 + c)
        labels[rows] = local + offset
        offset += int(local.max()) + 1
        done_rows += rows.shape[0]
        frac = done_rows / n
        if frac - last_report >= 0.05 or c == k1 - 1:
            last_report = frac
            progress(0.05 + 0.95 * frac, f"micro-clusters: {done_rows:,} of {n:,} rows")
    mc = _finish(X, labels, method)
    logger.info("summarised %d rows into %d micro-clusters (%s) in %.2f s",
                n, mc.m, method, time.perf_counter() - t0)
    return mc
