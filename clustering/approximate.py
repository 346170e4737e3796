"""Two-stage (approximate) ward clustering for tables too big for the exact O(n²) path.

Stage 1 summarises the n rows into m micro-clusters (two-level k-means, or BIRCH), keeping
each micro-cluster's size as its weight. Stage 2 runs ward on the weighted centroids: the
increase in within-cluster sum of squares when two groups merge depends only on their sizes and
centroids, so the tree above the micro-clusters is exactly the ward tree that exact ward would
build if it were forced to keep every micro-cluster together. Every row takes its
micro-cluster's label.

``Z`` follows SciPy's conventions over the m micro-clusters (leaf ids ``0..m-1``, new ids
``m+i``, sorted by height, ``Z[:, 3]`` = number of micro-clusters under the node), so
``scipy.cluster.hierarchy.fcluster`` / ``dendrogram`` and ``clustering.cut`` /
``clustering.geometry`` accept it. SciPy refuses a ``Z[:, 3]`` larger than m
(``is_valid_linkage``: "excessive observations in a cluster"), so the number of original rows
under each node lives in ``ApproxHierarchy.row_counts`` instead.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.errors import DataError

__all__ = [
    "DEFAULT_MEMORY_BUDGET_BYTES",
    "EXACT_MAX_ROWS",
    "DEFAULT_M",
    "SUMMARISERS",
    "MicroClusters",
    "ApproxHierarchy",
    "exact_feasible",
    "default_m",
    "summarise",
    "weighted_ward",
    "row_counts",
    "approximate_linkage",
    "row_labels",
    "agreement_with_exact",
]

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

#: Memory the exact path may take when the caller does not say (the app passes its setting).
DEFAULT_MEMORY_BUDGET_BYTES = 2 * 1024**3
#: Row cap for exact clustering even when memory allows: O(n²) time. Measured here (2 shared
#: cores, d = 10): fastcluster.linkage_vector ward 20k rows 2.5 s, so 50k rows ~ 16 s.
EXACT_MAX_ROWS = 50_000
#: Micro-clusters used when the caller does not choose m (see ``default_m``).
DEFAULT_M = 5_000
SUMMARISERS = ("kmeans", "birch")

# Methods fastcluster.linkage_vector runs in O(n·d) memory when the metric is euclidean
# (what clustering.linkage.compute_linkage uses for them).
_VECTOR_METHODS = frozenset({"ward", "centroid", "median", "single"})
_METHODS = frozenset({"single", "complete", "average", "weighted", "centroid", "median", "ward"})
# fastcluster 1.3.0 copies the condensed matrix under NumPy 2 (DESIGN.md), so the exact
# path's peak is the matrix twice.
_CONDENSED_COPIES = 2


def _nbytes(b: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= size:
            return f"{b / size:,.1f} {unit}"
    return f"{b:,.0f} bytes"


def _noop(fraction: float, text: str) -> None:
    return None


# ---------------------------------------------------------------------------------------------
# Exact or approximate?


def exact_feasible(
    n: int,
    d: int,
    method: str,
    metric: str,
    *,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
    max_rows: int = EXACT_MAX_ROWS,
) -> tuple[bool, str]:
    """Decide between exact and approximate clustering by the memory exact would take.

    Exact ward/centroid/median/single on euclidean run on ``fastcluster.linkage_vector``
    (memory O(n·d)); every other pair needs the condensed distance matrix, ``n(n-1)/2``
    float64 values, held twice at peak because fastcluster copies it. Exact is also refused
    above ``max_rows`` rows, as its time grows as n².

    Parameters
    ----------
    n, d : int
        Rows and columns of the prepared matrix.
    method, metric : str
        SciPy linkage method and distance metric.
    memory_budget_bytes : int
        Largest peak memory the exact path may take.
    max_rows : int
        Row cap for the exact path whatever its memory.

    Returns
    -------
    feasible : bool
        True when exact clustering fits.
    reason : str
        One sentence for the page saying what was chosen and why.

    Examples
    --------
    >>> exact_feasible(1_000, 10, "average", "cityblock", memory_budget_bytes=10**9)[0]
    True
    >>> ok, why = exact_feasible(100_000, 10, "average", "cityblock", memory_budget_bytes=10**9)
    >>> ok, why.startswith("Exact average linkage on 100,000 rows needs")
    (False, True)
    """
    if method not in _METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {sorted(_METHODS)}")
    if n < 0 or d < 0:
        raise DataError("the number of rows and columns cannot be negative")
    vector = method in _VECTOR_METHODS and metric == "euclidean"
    if vector:
        # X copy + Z + a handful of n-long work arrays in fastcluster.
        need = 8 * n * (d + 12)
        how = f"fastcluster's memory-saving path needs about {_nbytes(need)}"
    else:
        need = _CONDENSED_COPIES * 8 * (n * (n - 1) // 2)
        how = (
            f"the distance matrix takes {_nbytes(need / _CONDENSED_COPIES)} "
            f"({_nbytes(need)} at peak, as fastcluster copies it)"
        )
    what = f"Exact {method} linkage on {n:,} rows"
    budget = _nbytes(memory_budget_bytes)
    if need > memory_budget_bytes:
        return False, (
            f"{what} needs {_nbytes(need)}: {how}, over the {budget} budget, so the "
            "approximate mode builds a ward tree on micro-clusters instead."
        )
    if n > max_rows:
        return False, (
            f"{what} would fit in memory ({how}) but takes time growing as n², so above "
            f"{max_rows:,} rows the approximate mode builds a ward tree on micro-clusters instead."
        )
    return True, f"{what}: {how}, within the {budget} budget, so the result is exact."


# ---------------------------------------------------------------------------------------------
# Stage 1: micro-clusters


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


def _check_matrix(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise DataError(f"expected a 2-D matrix of rows × features, got shape {X.shape}")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise DataError("the matrix has no rows or no columns")
    if not np.issubdtype(X.dtype, np.number) or np.iscomplexobj(X):
        raise DataError("the matrix must be numeric")
    X = np.ascontiguousarray(X, dtype=np.float64)
    if not np.isfinite(X).all():
        raise DataError("the matrix contains missing or infinite values; prepare it first")
    return X


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
    X = _check_matrix(X)
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


# ---------------------------------------------------------------------------------------------
# Stage 2: ward on weighted centroids


def weighted_ward(
    centroids: np.ndarray, weights: np.ndarray, *, progress: Progress | None = None
) -> np.ndarray:
    """Ward linkage of weighted points: point i starts as a cluster of ``weights[i]`` rows.

    Distance between clusters A and B is ``sqrt(2·|A||B|/(|A|+|B|))·||cA − cB||`` and a merge
    sits at the weighted centroid, so with all weights 1 this is SciPy's ward
    (``linkage(X, 'ward')``). Nearest-neighbour chain (ward is reducible) with one vectorised
    distance row per step: O(m²·d) time, O(m·d) memory; m = 10,000 takes a few seconds.

    Parameters
    ----------
    centroids : ndarray, shape (m, d)
    weights : ndarray, shape (m,)
        Positive sizes.
    progress : callable(fraction, text), optional

    Returns
    -------
    Z : ndarray, shape (m-1, 4), float64
        SciPy linkage matrix: sorted by height, new cluster ids ``m+i``, ``Z[:, 3]`` the
        number of points (micro-clusters) under the node; row counts: ``row_counts(Z, w)``.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 0.0], [5.0, 2.0]])
    >>> bool(np.allclose(weighted_ward(X, np.ones(4)), linkage(X, "ward")))
    True
    """
    C = np.array(centroids, dtype=np.float64, order="C", copy=True)
    w = np.asarray(weights, dtype=np.float64)
    if C.ndim != 2 or w.shape != (C.shape[0],):
        raise DataError(f"centroids (m, d) and weights (m,) do not match: {C.shape}, {w.shape}")
    if not (np.isfinite(C).all() and np.isfinite(w).all()) or (w <= 0).any():
        raise DataError("centroids must be finite and weights positive")
    m = C.shape[0]
    if m < 2:
        raise DataError("ward needs at least 2 points")
    progress = progress or _noop

    # Working set: positions in (Cw, sw) map to slot ids; compacted when half is dead so late
    # steps scan only the live clusters.
    Cw, sw = C, w.copy()
    ids = np.arange(m)
    pos = np.arange(m)  # slot -> position in the working set
    dead = np.zeros(m, dtype=np.float64)  # +inf for merged-away slots
    slot_height = np.zeros(m)  # height of the last merge into each slot
    raw = np.empty((m - 1, 4))
    chain: list[int] = []
    n_dead = 0
    step_report = max(1, (m - 1) // 20)
    for k in range(m - 1):
        if not chain:
            chain.append(int(ids[np.flatnonzero(dead == 0)[0]]))
        while True:
            x = chain[-1]
            px = pos[x]
            diff = Cw - Cw[px]
            d2 = np.einsum("ij,ij->i", diff, diff)
            nx = sw[px]
            d2 *= (2.0 * nx) * sw / (nx + sw)
            d2 += dead
            d2[px] = np.inf
            j = int(np.argmin(d2))
            # Prefer the previous chain element on ties, as SciPy does, so the chain ends.
            if len(chain) > 1 and d2[pos[chain[-2]]] <= d2[j]:
                j = int(pos[chain[-2]])
            y = int(ids[j])
            if len(chain) > 1 and y == chain[-2]:
                break
            chain.append(y)
        del chain[-2:]
        h_raw = math.sqrt(d2[pos[y]])
        if x > y:
            x, y = y, x
        px, py = pos[x], pos[y]
        nx, ny = sw[px], sw[py]
        # Rounding can put a merge a hair below a merge inside it; keep the tree monotone so
        # sorting by height keeps every child before its parent.
        h = max(h_raw, slot_height[x], slot_height[y])
        raw[k] = (x, y, h, 0.0)
        if h_raw > 0:
            Cw[py] = (nx * Cw[px] + ny * Cw[py]) / (nx + ny)
        # else: identical centroids; recomputing could move it by a rounding error and make
        # later duplicates merge at 1e-16 instead of SciPy's exact 0.
        sw[py] = nx + ny
        dead[px] = np.inf
        slot_height[y] = h
        n_dead += 1
        if n_dead * 2 > sw.shape[0] and sw.shape[0] > 256:
            keep = dead == 0
            Cw, sw, ids, dead = Cw[keep], sw[keep], ids[keep], dead[keep]
            pos[ids] = np.arange(ids.shape[0])
            n_dead = 0
        if (k + 1) % step_report == 0:
            progress((k + 1) / (m - 1), f"ward: {k + 1:,} of {m - 1:,} merges")
    return _label(raw[np.argsort(raw[:, 2], kind="stable")], m)


def _label(Z: np.ndarray, m: int) -> np.ndarray:
    """Turn slot ids of height-sorted merges into SciPy ids (what SciPy's ``label`` does)."""
    parent = np.arange(2 * m - 1)
    size = np.zeros(2 * m - 1)
    size[:m] = 1.0

    def find(a: int) -> int:
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for i in range(m - 1):
        a, b = find(int(Z[i, 0])), find(int(Z[i, 1]))
        if a > b:
            a, b = b, a
        new = m + i
        parent[a] = parent[b] = new
        size[new] = size[a] + size[b]
        Z[i, 0], Z[i, 1], Z[i, 3] = a, b, size[new]
    return Z


def row_counts(Z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Original rows under each node of a linkage over weighted points.

    Parameters
    ----------
    Z : ndarray, shape (m-1, 4)
    weights : ndarray, shape (m,)

    Returns
    -------
    ndarray, shape (m-1,), int64
        ``out[i]`` = sum of the weights of the leaves under node ``m+i``.

    Examples
    --------
    >>> Z = weighted_ward(np.array([[0.0], [1.0], [9.0]]), np.array([3, 1, 2]))
    >>> row_counts(Z, np.array([3, 1, 2])).tolist()
    [4, 6]
    """
    w = np.asarray(weights, dtype=np.int64)
    m = w.shape[0]
    total = np.concatenate((w, np.zeros(m - 1, dtype=np.int64)))
    a = Z[:, 0].astype(np.intp)
    b = Z[:, 1].astype(np.intp)
    for i in range(m - 1):
        total[m + i] = total[a[i]] + total[b[i]]
    return total[m:]


# ---------------------------------------------------------------------------------------------
# The two stages together


@dataclass(frozen=True, eq=False)
class ApproxHierarchy:
    """An approximate ward hierarchy of n rows built on m micro-clusters.

    Attributes
    ----------
    Z : ndarray, shape (m-1, 4)
        SciPy linkage over the micro-clusters (``Z[:, 3]`` counts micro-clusters).
    micro : MicroClusters
    n : int
        Rows.
    m : int
        Micro-clusters actually used (leaves of Z).
    seconds : float
        Wall time of summarising + ward (not the agreement check).
    note : str
        Plain sentences for the page: approximate, what m is, how far from exact.
    row_counts : ndarray, shape (m-1,)
        Original rows under each node of Z (for "(123 rows)" labels).
    agreement : dict[int, float]
        ARI against exact ward on a random sample of the rows, per k (empty if not measured).
    agreement_rows : int
        Size of that sample.
    method, metric, backend, summariser : str
        ``'ward'``, ``'euclidean'``, a description, and ``'kmeans'``/``'birch'``/``'identity'``.
    """

    Z: np.ndarray
    micro: MicroClusters
    n: int
    m: int
    seconds: float
    note: str
    row_counts: np.ndarray
    agreement: dict[int, float] = field(default_factory=dict)
    agreement_rows: int = 0
    method: str = "ward"
    metric: str = "euclidean"
    backend: str = "approximate: micro-clusters + weighted ward"
    summariser: str = "kmeans"


def row_labels(approx: ApproxHierarchy, micro_labels: np.ndarray) -> np.ndarray:
    """Give every row the label of its micro-cluster.

    Parameters
    ----------
    approx : ApproxHierarchy
    micro_labels : array, shape (m,)
        One label per leaf of ``approx.Z``, e.g. ``fcluster(approx.Z, 5, 'maxclust')`` or
        ``clustering.cut.cut_k(approx.Z, 5)``.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from scipy.cluster.hierarchy import fcluster
    >>> X = np.r_[np.zeros((50, 2)), np.full((50, 2), 9.0)]
    >>> ah = approximate_linkage(X, m=10, agreement_sample=0)
    >>> labels = row_labels(ah, fcluster(ah.Z, 2, "maxclust"))
    >>> labels.shape, len(set(labels[:50])), len(set(labels[50:])), labels[0] != labels[-1]
    ((100,), 1, 1, np.True_)
    """
    micro_labels = np.asarray(micro_labels)
    if micro_labels.shape != (approx.m,):
        raise DataError(
            f"expected one label per micro-cluster ({approx.m}), got shape {micro_labels.shape}"
        )
    return micro_labels[approx.micro.assignment]


def _ari_range(agreement: dict[int, float]) -> str:
    lo, hi = min(agreement.values()), max(agreement.values())
    ks = sorted(agreement)
    span = f"{lo:.2f}" if round(lo, 2) == round(hi, 2) else f"{lo:.2f}–{hi:.2f}"
    return f"ARI {span} at k = {', '.join(map(str, ks))}"


def approximate_linkage(
    X: np.ndarray,
    *,
    m: int | None = None,
    summariser: str = "kmeans",
    seed: int = 0,
    progress: Progress | None = None,
    agreement_sample: int = 10_000,
    agreement_ks: Sequence[int] = (2, 3, 5, 8, 12),
) -> ApproxHierarchy:
    """Approximate ward hierarchy: micro-clusters, then ward on their weighted centroids.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Finite numeric matrix (euclidean geometry, as ward needs).
    m : int, optional
        Micro-clusters wanted; default ``default_m(n)``. The result may have fewer (empty
        micro-clusters are dropped); ``approx.m`` says how many.
    summariser : {'kmeans', 'birch'}
    seed : int
    progress : callable(fraction, text), optional
    agreement_sample : int
        Rows of a random sample on which the result is compared with exact ward (adjusted Rand
        index, see ``agreement_with_exact``) for the note; 0 skips the check (~1 s at 10,000).
    agreement_ks : sequence of int
        Numbers of clusters at which that agreement is measured.

    Returns
    -------
    ApproxHierarchy

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (500, 2)), rng.normal(20, 1, (500, 2))]
    >>> ah = approximate_linkage(X, m=40, agreement_sample=1000, agreement_ks=(2,))
    >>> ah.Z.shape, ah.n, ah.agreement
    ((39, 4), 1000, {2: 1.0})
    """
    X = _check_matrix(X)
    n = X.shape[0]
    if n < 2:
        raise DataError("clustering needs at least 2 rows")
    progress = progress or _noop
    want = default_m(n) if m is None else int(m)
    if want < 2:
        raise DataError("approximate mode needs at least 2 micro-clusters")
    t0 = time.perf_counter()
    micro = summarise(X, want, method=summariser, seed=seed,
                      progress=lambda f, s: progress(0.75 * f, s))
    if micro.m < 2:
        raise DataError("all rows are identical: there is nothing to cluster")
    Z = weighted_ward(micro.centroids, micro.weights,
                      progress=lambda f, s: progress(0.75 + 0.2 * f, s))
    counts = row_counts(Z, micro.weights)
    Z.setflags(write=False)
    counts.setflags(write=False)
    seconds = time.perf_counter() - t0

    how = {"kmeans": "k-means", "birch": "BIRCH", "identity": "none"}[micro.method]
    if micro.method == "identity":
        note = (f"Every one of the {n:,} rows is its own micro-cluster, so this ward tree is "
                "exact.")
    else:
        note = (f"Approximate: {n:,} rows summarised into {micro.m:,} micro-clusters by {how}; "
                "the tree is built on those (ward on their weighted centroids), and every row "
                "takes its micro-cluster's label.")
    approx = ApproxHierarchy(Z=Z, micro=micro, n=n, m=micro.m, seconds=seconds, note=note,
                             row_counts=counts, summariser=micro.method)
    agreement: dict[int, float] = {}
    sample_rows = 0
    if agreement_sample and micro.method != "identity":
        progress(0.95, "comparing with exact ward on a sample")
        sample_rows = min(n, int(agreement_sample))
        agreement = agreement_with_exact(X, approx, ks=agreement_ks, sample=sample_rows,
                                         seed=seed)
        where = "all rows" if sample_rows == n else f"a random {sample_rows:,}-row sample"
        note += f" Agreement with exact ward on {where}: {_ari_range(agreement)}."
    progress(1.0, "approximate hierarchy ready")
    logger.info("approximate ward: n=%d m=%d %.2f s", n, micro.m, seconds)
    return ApproxHierarchy(Z=Z, micro=micro, n=n, m=micro.m, seconds=seconds, note=note,
                           row_counts=counts, agreement=agreement, agreement_rows=sample_rows,
                           summariser=micro.method)


def agreement_with_exact(
    X: np.ndarray,
    approx: ApproxHierarchy,
    ks: Sequence[int] = (2, 3, 5, 8, 12),
    *,
    sample: int | None = None,
    seed: int = 0,
) -> dict[int, float]:
    """Adjusted Rand index between the approximate labels and exact ward, per k.

    Exact is ``fcluster(linkage(X_s, 'ward'), k, 'maxclust')`` computed with
    ``fastcluster.linkage_vector`` (same tree as SciPy, O(n·d) memory) on the rows X_s;
    the approximate labels are ``row_labels(approx, fcluster(approx.Z, k, 'maxclust'))``
    restricted to the same rows. With ``sample`` smaller than n, X_s is a random sample of
    that many rows (exact ward on all rows being what approximate mode avoids), so the number
    mixes approximation and sampling error.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        The rows ``approx`` was built from.
    approx : ApproxHierarchy
    ks : sequence of int
    sample : int, optional
        Compare on this many random rows (None: all rows; refused above ``EXACT_MAX_ROWS``).
    seed : int

    Returns
    -------
    dict[int, float]
        k -> ARI (1.0 means identical partitions).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.r_[rng.normal(0, 1, (300, 3)), rng.normal(10, 1, (300, 3))]
    >>> ah = approximate_linkage(X, m=30, agreement_sample=0)
    >>> agreement_with_exact(X, ah, ks=(2,))
    {2: 1.0}
    """
    import fastcluster
    from scipy.cluster.hierarchy import fcluster
    from sklearn.metrics import adjusted_rand_score

    X = _check_matrix(X)
    n = X.shape[0]
    if n != approx.n:
        raise DataError(f"X has {n:,} rows but the hierarchy was built on {approx.n:,}")
    size = n if sample is None else min(n, int(sample))
    if size > EXACT_MAX_ROWS:
        raise DataError(f"exact ward on {size:,} rows is too slow; pass sample=20000")
    if size < n:
        idx = np.sort(np.random.default_rng(seed).choice(n, size, replace=False))
    else:
        idx = np.arange(n)
    Ze = fastcluster.linkage_vector(X[idx], method="ward")
    out: dict[int, float] = {}
    for k in ks:
        exact = fcluster(Ze, k, "maxclust")
        approx_labels = row_labels(approx, fcluster(approx.Z, k, "maxclust"))[idx]
        out[int(k)] = float(adjusted_rand_score(exact, approx_labels))
    return out
