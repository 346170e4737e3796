"""How many clusters? Validity indices per k, silhouettes at a cut, the gap statistic.

Three kinds of evidence for the number of clusters ``k`` of one tree:

* `validity_indices`: for every k in ``ks``, the partition ``fcluster(Z, k, 'maxclust')``
  and its mean silhouette (with the tree's own metric, from distances), Calinski–Harabasz
  and Davies–Bouldin (on the features, euclidean, as scikit-learn defines them), each with
  the k it favours.
* `silhouette_widths`: per row s(i), its neighbour cluster and the per-cluster means at one
  cut, ordered as R's ``cluster::silhouette`` sorts them (``sortSilhouette``).
* The gap statistic exactly as R's ``cluster::clusGap`` computes it by default, split so that
  a job manager can run the Monte Carlo part in parallel: `gap_reference` (the null box),
  `gap_observed` (log W_k of the data), `gap_replicates` (log W_k of reference sets
  ``b0 .. b1-1``; replicate b always uses the same random stream, whatever the chunking),
  `gap_reduce` (chunks -> table and chosen k), and `gap_statistic` doing all of it.
  `max_se` is R's ``cluster::maxSE`` with its five rules.

Every distance sum is computed in row blocks (``block x n`` distances at a time, 32 MB),
so no n x n matrix is ever held, and all k share one pass over the distances: the cuts of
one tree are nested, so each block is multiplied by the one-hot columns of the finest cut
only (K = max k of them) and mapped to every coarser cut. Cost: O(n^2 (d + K)) time,
O(n sum(ks)) memory. The gap statistic costs B + 1 linkages and B + 1 such passes.

Examples
--------
>>> import numpy as np
>>> from scipy.cluster.hierarchy import linkage
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0], [9.0, 0.0]])
>>> v = validity_indices(X, linkage(X, "ward"), ks=[2, 3])
>>> v.table[["k", "silhouette"]].round(4).values.tolist()
[[2.0, 0.5772], [3.0, 0.6845]]
>>> v.best["silhouette"]
3
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from clustering.cut_index import tree_index
from clustering.errors import DataError
from clustering.linkage import (
    METRICS,
    check_method_metric,
    compute_linkage,
    distance_kwargs,
    validate_matrix,
)
from clustering.sampling import replicate_chunks

__all__ = [
    "GAP_RULES",
    "SPACES_H0",
    "GapReference",
    "GapStatistic",
    "Silhouette",
    "Validity",
    "gap_observed",
    "gap_reduce",
    "gap_reference",
    "gap_replicates",
    "gap_statistic",
    "max_se",
    "silhouette_widths",
    "validity_indices",
    "within_dispersion",
]

logger = logging.getLogger(__name__)

#: R's ``cluster::maxSE`` methods, its default first.
GAP_RULES: tuple[str, ...] = (
    "firstSEmax",
    "Tibs2001SEmax",
    "globalSEmax",
    "firstmax",
    "globalmax",
)
#: R's ``clusGap(spaceH0 = ...)`` choices, its default first.
SPACES_H0: tuple[str, ...] = ("scaledPCA", "original")

_RULE_TEXT = {
    "firstSEmax": "the smallest k whose gap is within {f} SE of the first local maximum's gap",
    "Tibs2001SEmax": "the smallest k with gap(k) >= gap(k+1) - {f} SE(k+1) "
    "(Tibshirani, Walther & Hastie 2001)",
    "globalSEmax": "the smallest k whose gap is within {f} SE of the largest gap",
    "firstmax": "the first local maximum of the gap",
    "globalmax": "the largest gap",
}

#: Distances per row block: 4M float64 = 32 MB at a time, whatever n.
_BLOCK_ENTRIES = 1 << 22

# Functions the gap statistic accepts in place of (method, metric), as R's FUNcluster.
FunCluster = Callable[[np.ndarray, int], object]
ProgressCallback = Callable[[float, str], None]


# --------------------------------------------------------------------------- checks


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{what} must be a whole number, got {value!r}")
    return int(value)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r}: choose one of {', '.join(METRICS)}")
    return metric


def _check_ks(ks: Iterable[int], n: int) -> np.ndarray:
    try:
        values = list(ks)
    except TypeError:
        raise DataError(f"ks must be a list of numbers of clusters, got {ks!r}") from None
    if not values:
        raise DataError("ks is empty: give the numbers of clusters to compare, e.g. 2..12")
    out = np.array([_whole(k, "every k") for k in values], dtype=np.int64)
    bad = out[(out < 2) | (out >= n)]
    if bad.size:
        raise DataError(
            f"every k must be at least 2 and below the number of rows ({n}), got {int(bad[0])}: "
            f"choose ks between 2 and {n - 1}"
        )
    if np.unique(out).size != out.size:
        raise DataError("ks has repeated values: give each number of clusters once")
    return out


def _check_k_max(k_max: object, n: int) -> int:
    k_max = _whole(k_max, "the largest number of clusters K")
    if k_max < 2:
        raise DataError(f"the largest number of clusters K must be at least 2, got {k_max}")
    if k_max >= n:
        raise DataError(
            f"the largest number of clusters K must be below the number of rows ({n}), "
            f"got {k_max}: choose K <= {n - 1}"
        )
    return k_max


def _check_seed(seed: object) -> int:
    seed = _whole(seed, "the seed")
    if seed < 0:
        raise DataError(f"the seed must be 0 or a positive whole number, got {seed}")
    return seed


def _check_d_power(d_power: object) -> float:
    try:
        value = float(d_power)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"d_power must be a positive number, got {d_power!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise DataError(f"d_power must be a positive number (clusGap's default is 1), got {d_power!r}")
    return value


def _check_condensed(D: object) -> tuple[np.ndarray, int]:
    """Condensed (or square) distances -> (array as given, n)."""
    arr = np.asarray(D, dtype=np.float64)
    if arr.ndim == 1:
        m = arr.size
        n = int(round((1 + math.sqrt(1 + 8 * m)) / 2))
        if n * (n - 1) // 2 != m or n < 2:
            raise DataError(
                f"a condensed distance vector has n(n-1)/2 entries for n rows; {m} is not such "
                "a number: pass scipy.spatial.distance.pdist's output or a square matrix"
            )
    elif arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
        n = arr.shape[0]
        if n < 2:
            raise DataError("the distance matrix needs at least 2 rows")
        if np.any(np.diag(arr) != 0):
            raise DataError("a distance matrix has zeros on its diagonal: this one does not")
        if not np.allclose(arr, arr.T, rtol=1e-12, atol=0):
            raise DataError("a distance matrix must be symmetric: this one is not")
    else:
        raise DataError(
            f"distances must be a condensed vector or a square matrix, got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise DataError("the distances contain missing or infinite values: fix or drop those rows")
    if (arr < 0).any():
        raise DataError("the distances contain negative values: distances are >= 0")
    return arr, n


# --------------------------------------------------------------------- distance blocks


class _Distances:
    """Rows of the n x n distance matrix, a block at a time, from features or from distances."""

    def __init__(self, X: np.ndarray | None, D: np.ndarray | None, metric: str, p: float,
                 power: float = 1.0) -> None:
        self.X, self.D, self.metric, self.power = X, D, metric, power
        if D is not None:
            self.n = D.shape[0] if D.ndim == 2 else int(round((1 + math.sqrt(1 + 8 * D.size)) / 2))
            self.kwargs: dict = {}
        else:
            assert X is not None
            self.n = X.shape[0]
            # V / VI from the whole of X so blocks equal pdist(X) (see linkage.distance_kwargs).
            self.kwargs = distance_kwargs(X, metric, p)

    def blocks(self) -> Iterable[tuple[int, int, np.ndarray]]:
        n = self.n
        step = max(1, min(n, _BLOCK_ENTRIES // n))
        for i0 in range(0, n, step):
            i1 = min(n, i0 + step)
            if self.D is None:
                blk = cdist(self.X[i0:i1], self.X, self.metric, **self.kwargs)
                if not np.isfinite(blk).all():
                    rows = i0 + np.flatnonzero(~np.isfinite(blk).all(axis=1))
                    raise DataError(
                        f"{self.metric} distances involving row(s) "
                        f"{', '.join(str(int(r) + 1) for r in rows[:5])} are not finite numbers "
                        "(e.g. a row of zeros under cosine): remove those rows or choose another "
                        "metric"
                    )
            elif self.D.ndim == 2:
                blk = np.array(self.D[i0:i1], dtype=np.float64)
            else:
                rows = np.arange(i0, i1)[:, None]
                cols = np.arange(n)[None, :]
                lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
                idx = n * lo - lo * (lo + 1) // 2 + (hi - lo - 1)
                np.clip(idx, 0, None, out=idx)  # the diagonal, zeroed below
                blk = self.D[idx]
            # cosine/correlation can leave 1e-16 on the diagonal; a row is no distance from itself.
            blk[np.arange(i1 - i0), np.arange(i0, i1)] = 0.0
            if self.power != 1.0:
                np.power(blk, self.power, out=blk)
            yield i0, i1, blk


def _codes(labelings: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[int], np.ndarray]:
    """Labelings -> 0-based codes each, their cluster counts, and column offsets."""
    codes, sizes = [], []
    for lab in labelings:
        _, code = np.unique(lab, return_inverse=True)
        codes.append(code.astype(np.int64))
        sizes.append(int(code.max()) + 1)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return codes, sizes, offsets


def _cluster_sums(dist: _Distances, codes: list[np.ndarray], offsets: np.ndarray) -> np.ndarray:
    """(n, sum k): entry [i, off_j + c] = sum of distances from row i to cluster c of labeling j.

    The cuts of one tree are nested, so their common refinement (the finest cut, r = max k
    clusters) determines them all: one product of each block of distances with the r one-hot
    columns, then a small (r, sum k) map to every labeling. Labelings that are not nested
    (a FUNcluster like k-means) fall back to all sum(k) one-hot columns. Either way every k
    shares the single pass over the n^2 distances.
    """
    n = dist.n
    total = int(offsets[-1])
    rows = np.arange(n)
    uniq, fine = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    fine = fine.ravel()
    expand = None
    if uniq.shape[0] < total:
        basis = np.zeros((n, uniq.shape[0]), dtype=np.float64)
        basis[rows, fine] = 1.0
        expand = np.zeros((uniq.shape[0], total), dtype=np.float64)
        for j in range(len(codes)):
            expand[np.arange(uniq.shape[0]), offsets[j] + uniq[:, j]] = 1.0
    else:
        basis = np.zeros((n, total), dtype=np.float64)
        for j, code in enumerate(codes):
            basis[rows, offsets[j] + code] = 1.0
    sums = np.empty((n, total), dtype=np.float64)
    for i0, i1, blk in dist.blocks():
        part = blk @ basis
        sums[i0:i1] = part if expand is None else part @ expand
    return sums


def _silhouette_from_sums(sums: np.ndarray, code: np.ndarray, k: int
                          ) -> tuple[np.ndarray, np.ndarray]:
    """s(i) and 0-based neighbour cluster, as R's sildist does it.

    a(i) = mean distance to the own cluster's other members, b(i) = the smallest mean
    distance to another cluster (the lowest-numbered one among ties, as R scans), and
    s(i) = (b - a) / max(a, b), but 0 for a singleton cluster or when a == b.
    """
    n = code.size
    counts = np.bincount(code, minlength=k).astype(np.float64)
    rows = np.arange(n)
    own = sums[rows, code]
    own_count = counts[code]
    singleton = own_count == 1
    a = np.where(singleton, 0.0, own / np.where(singleton, 1.0, own_count - 1))
    means = sums / counts
    means[rows, code] = np.inf
    neighbour = np.argmin(means, axis=1)  # first minimum, as R's strict '>' scan
    b = means[rows, neighbour]
    denom = np.maximum(a, b)
    ok = ~singleton & (a != b)
    s = np.zeros(n)
    s[ok] = (b[ok] - a[ok]) / denom[ok]
    return s, neighbour


def _ch_db(X: np.ndarray, code: np.ndarray, k: int) -> tuple[float, float]:
    """Calinski–Harabasz and Davies–Bouldin of one labeling, as scikit-learn computes them."""
    n = X.shape[0]
    counts = np.bincount(code, minlength=k).astype(np.float64)
    centroids = np.zeros((k, X.shape[1]))
    np.add.at(centroids, code, X)
    centroids /= counts[:, None]
    resid = X - centroids[code]
    sq = np.einsum("ij,ij->i", resid, resid)
    intra = float(sq.sum())
    extra = float((counts * ((centroids - X.mean(axis=0)) ** 2).sum(axis=1)).sum())
    ch = 1.0 if intra == 0.0 else extra * (n - k) / (intra * (k - 1.0))
    spread = np.bincount(code, weights=np.sqrt(sq), minlength=k) / counts
    diff = centroids[:, None, :] - centroids[None, :, :]
    between = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    if np.allclose(spread, 0) or np.allclose(between, 0):
        db = 0.0
    else:
        # scikit-learn sets coincident centroids (the diagonal too) to infinitely far apart.
        between[between == 0] = np.inf
        db = float(np.mean(np.max((spread[:, None] + spread[None, :]) / between, axis=1)))
    return ch, db


# ------------------------------------------------------------------- validity per k


@dataclass(frozen=True, eq=False)
class Validity:
    """Validity indices of the cuts of one tree.

    Attributes
    ----------
    table : DataFrame, m rows
        Columns ``k`` (asked), ``n_clusters`` (what ``fcluster(Z, k, 'maxclust')`` gave:
        fewer than k when tied merge heights leave no cut with exactly k), ``silhouette``
        (mean s(i) with the tree's metric), ``calinski_harabasz``, ``davies_bouldin``
        (euclidean on X; NaN without features or when the cut has one cluster).
    labels : ndarray, shape (m, n), int64, read-only
        The partition at each k, numbered 1..n_clusters in dendrogram leaf order.
    best : dict
        ``{'silhouette': k, 'calinski_harabasz': k, 'davies_bouldin': k}``: the k each index
        favours (max, max, min) among rows with ``n_clusters == k``; None when none qualifies.
    metric : str
        The metric the silhouette used.
    notes : tuple of str
        Sentences for the page: skipped indices and k the tree cannot give.
    """

    table: pd.DataFrame
    labels: np.ndarray
    best: dict[str, int | None]
    metric: str
    notes: tuple[str, ...] = field(default=())

    def labels_for(self, k: int) -> np.ndarray:
        """The partition used for ``k`` (one of the table's ks)."""
        hits = np.flatnonzero(self.table["k"].to_numpy() == k)
        if hits.size == 0:
            raise DataError(f"k = {k} was not computed: choose one of {self.table['k'].tolist()}")
        return self.labels[hits[0]]


_FAVOUR = {"silhouette": np.nanargmax, "calinski_harabasz": np.nanargmax,
           "davies_bouldin": np.nanargmin}


def validity_indices(
    X: object | None,
    Z: np.ndarray,
    ks: Iterable[int] = range(2, 13),
    *,
    metric: str = "euclidean",
    p: float = 2.0,
    distances: object | None = None,
) -> Validity:
    """Mean silhouette, Calinski–Harabasz and Davies–Bouldin for the k-cluster cuts of a tree.

    Parameters
    ----------
    X : array_like, shape (n, d), or None
        The features the tree was built on. Calinski–Harabasz and Davies–Bouldin need them
        (euclidean, as ``sklearn.metrics``); without them they are NaN.
    Z : ndarray, shape (n - 1, 4)
        SciPy linkage matrix of the n rows.
    ks : iterable of int
        Numbers of clusters, each ``2 <= k < n`` (default 2..12).
    metric : str
        The tree's metric (one of ``clustering.linkage.METRICS``), used for the silhouette
        when it is computed from X.
    p : float
        Minkowski exponent.
    distances : array_like, shape (n * (n - 1) // 2,) or (n, n), optional
        The tree's distances (condensed as ``pdist`` or square). When given, the silhouette
        uses them instead of recomputing from X (required when X is None).

    Returns
    -------
    Validity
        ``table`` with one row per k, ``labels`` (m, n), ``best`` k per index.

    Raises
    ------
    DataError
        Neither X nor distances, sizes that do not match Z, k outside ``2..n-1``, unknown metric.

    Notes
    -----
    The partition at k is ``fcluster(Z, k, 'maxclust')`` (via `clustering.cut_index.TreeIndex`):
    with tied merge heights (or inversions) no threshold may give exactly k, and SciPy then
    gives the largest achievable number below k. That row is computed on the partition it
    got (``n_clusters`` says so), is never chosen as ``best``, and is named in ``notes``.
    Cost: one pass over the n^2 distances for all ks together, O(n^2 (d + max(ks))) time,
    O(n sum(ks)) memory; CH and DB are O(n d) per k.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0], [0.2], [3.0], [3.1], [9.0], [9.3]])
    >>> v = validity_indices(X, linkage(X, "average", "cityblock"), [2, 3, 4], metric="cityblock")
    >>> v.best
    {'silhouette': 3, 'calinski_harabasz': 4, 'davies_bouldin': 4}
    """
    metric = _check_metric(metric)
    index = tree_index(Z)
    n = index.n
    Xv = None
    if X is not None:
        Xv = validate_matrix(X)
        if Xv.shape[0] != n:
            raise DataError(f"the data has {Xv.shape[0]} rows but the tree has {n} leaves: "
                            "pass the matrix the tree was built from")
    D = None
    if distances is not None:
        D, nd = _check_condensed(distances)
        if nd != n:
            raise DataError(f"the distances are for {nd} rows but the tree has {n} leaves")
    if Xv is None and D is None:
        raise DataError("validity indices need the features X or the distances: pass one")
    ks_arr = _check_ks(ks, n)

    labels = np.stack([index.labels_for_k(int(k)) for k in ks_arr])
    labels.setflags(write=False)
    got = np.array([int(lab.max()) for lab in labels], dtype=np.int64)
    usable = got >= 2
    sil = np.full(ks_arr.size, np.nan)
    ch = np.full(ks_arr.size, np.nan)
    db = np.full(ks_arr.size, np.nan)
    notes: list[str] = []
    if usable.any():
        which = np.flatnonzero(usable)
        codes, sizes, offsets = _codes([labels[j] for j in which])
        sums = _cluster_sums(_Distances(Xv, D, metric, p), codes, offsets)
        for pos, j in enumerate(which):
            part = sums[:, offsets[pos]:offsets[pos + 1]]
            s, _ = _silhouette_from_sums(part, codes[pos], sizes[pos])
            sil[j] = s.mean()
            if Xv is not None:
                ch[j], db[j] = _ch_db(Xv, codes[pos], sizes[pos])
    if Xv is None:
        notes.append("Calinski–Harabasz and Davies–Bouldin need the features, not only "
                     "distances: they are not shown.")
    short = ks_arr[got != ks_arr]
    if short.size:
        ks_text = ", ".join(str(int(k)) for k in short)
        notes.append(f"tied merge heights leave no cut with exactly k = {ks_text} clusters; "
                     "those rows show the nearest cut below (as fcluster's maxclust) and are "
                     "never suggested.")
    table = pd.DataFrame({"k": ks_arr, "n_clusters": got, "silhouette": sil,
                          "calinski_harabasz": ch, "davies_bouldin": db})
    exact = got == ks_arr
    best: dict[str, int | None] = {}
    for name, pick in _FAVOUR.items():
        values = np.where(exact, table[name].to_numpy(), np.nan)
        best[name] = None if np.isnan(values).all() else int(ks_arr[pick(values)])
    return Validity(table, labels, best, metric, tuple(notes))


# ------------------------------------------------------------------ silhouette at a cut


@dataclass(frozen=True, eq=False)
class Silhouette:
    """Silhouette widths of one partition, as R's ``cluster::silhouette``.

    Attributes
    ----------
    clusters : ndarray, shape (n,)
        The labels as given (row order). Arrays are read-only.
    neighbors : ndarray, shape (n,)
        Each row's neighbour cluster (the other cluster with the smallest mean distance;
        the lowest label among ties, as R), in the same label values.
    widths : ndarray, shape (n,), float64
        s(i) in row order; 0 for a row alone in its cluster and when a(i) == b(i).
    order : ndarray, shape (n,), int64
        Row positions sorted as R's ``sortSilhouette``: by cluster, then decreasing s(i),
        ties in row order (R's ``attr(, "iOrd")`` minus 1).
    summary : DataFrame
        Indexed by cluster (sorted): ``size``, ``mean_width`` (R's ``clus.avg.widths``).
    mean : float
        The mean of all s(i) (R's ``avg.width``, scikit-learn's ``silhouette_score``).
    """

    clusters: np.ndarray
    neighbors: np.ndarray
    widths: np.ndarray
    order: np.ndarray
    summary: pd.DataFrame
    mean: float

    def table(self) -> pd.DataFrame:
        """Rows in R's sorted order: ``row`` (0-based position), ``cluster``, ``neighbor``,
        ``sil_width`` (R's column names)."""
        o = self.order
        return pd.DataFrame({"row": o, "cluster": self.clusters[o],
                             "neighbor": self.neighbors[o], "sil_width": self.widths[o]})


def silhouette_widths(
    labels: object,
    X: object | None = None,
    *,
    distances: object | None = None,
    metric: str = "euclidean",
    p: float = 2.0,
) -> Silhouette:
    """Per-row silhouette widths, neighbours and per-cluster means at one cut.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Cluster labels (any integers or strings), between 2 and n - 1 distinct values.
    X : array_like, shape (n, d), optional
        Features; distances are computed with ``metric``.
    distances : array_like, shape (n * (n - 1) // 2,) or (n, n), optional
        Precomputed distances (used instead of X).
    metric : str
        One of ``clustering.linkage.METRICS`` (for X).
    p : float
        Minkowski exponent.

    Returns
    -------
    Silhouette

    Raises
    ------
    DataError
        Neither X nor distances, sizes that disagree, fewer than 2 or more than n - 1 clusters.

    Examples
    --------
    >>> s = silhouette_widths([1, 1, 2, 2, 3], [[0.0], [1.0], [5.0], [6.0], [20.0]])
    >>> s.table().round(3).values.tolist()
    [[0.0, 1.0, 2.0, 0.818], [1.0, 1.0, 2.0, 0.778], [3.0, 2.0, 1.0, 0.818], [2.0, 2.0, 1.0, 0.778], [4.0, 3.0, 2.0, 0.0]]
    >>> s.summary["mean_width"].round(3).tolist(), round(s.mean, 4)
    ([0.798, 0.798, 0.0], 0.6384)
    """
    metric = _check_metric(metric)
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise DataError(f"labels must be one value per row, got shape {lab.shape}")
    n = lab.size
    Xv = D = None
    if distances is not None:
        D, nd = _check_condensed(distances)
        if nd != n:
            raise DataError(f"there are {n} labels but distances for {nd} rows")
    elif X is not None:
        Xv = validate_matrix(X)
        if Xv.shape[0] != n:
            raise DataError(f"there are {n} labels but the data has {Xv.shape[0]} rows")
    else:
        raise DataError("the silhouette needs the features X or the distances: pass one")
    values, code = np.unique(lab, return_inverse=True)
    k = values.size
    if not 2 <= k <= n - 1:
        raise DataError(f"the silhouette needs between 2 and {n - 1} clusters (n - 1), got {k}: "
                        "choose another cut")
    code = code.astype(np.int64)
    sums = _cluster_sums(_Distances(Xv, D, metric, p), [code], np.array([0, k]))
    widths, neighbour = _silhouette_from_sums(sums, code, k)
    # np.lexsort is stable, so ties keep row order as R's order() does.
    order = np.lexsort((-widths, code)).astype(np.int64)
    counts = np.bincount(code, minlength=k)
    summary = pd.DataFrame(
        {"size": counts, "mean_width": np.bincount(code, weights=widths, minlength=k) / counts},
        index=pd.Index(values, name="cluster"))
    clusters, neighbours = lab.copy(), values[neighbour]
    for arr in (clusters, neighbours, widths, order):
        arr.setflags(write=False)
    return Silhouette(clusters, neighbours, widths, order, summary, float(widths.mean()))


# --------------------------------------------------------------------- gap statistic


def max_se(f: object, se_f: object, method: str = "firstSEmax", se_factor: float = 1.0) -> int:
    """The position (1-based, as R) that R's ``cluster::maxSE`` picks from f and its SEs.

    When ``f`` is the gap for k = 1..K (as `gap_statistic` gives it) the position is k.

    Parameters
    ----------
    f, se_f : array_like, shape (K,)
        Values (e.g. gap) and their standard errors (>= 0).
    method : str
        One of :data:`GAP_RULES`: "firstSEmax" (R's default), "Tibs2001SEmax",
        "globalSEmax", "firstmax", "globalmax".
    se_factor : float
        Multiplier of the SEs (>= 0).

    Returns
    -------
    int
        1-based position in ``f``.

    Examples
    --------
    >>> f = [0.1, 0.5, 0.45, 0.7, 0.6]
    >>> se = [0.1] * 5
    >>> [max_se(f, se, m) for m in GAP_RULES]
    [2, 2, 4, 2, 4]
    """
    if method not in GAP_RULES:
        raise DataError(f"unknown rule {method!r}: choose one of {', '.join(GAP_RULES)}")
    fv = np.asarray(f, dtype=np.float64).ravel()
    sv = np.asarray(se_f, dtype=np.float64).ravel()
    K = fv.size
    if K < 1 or sv.size != K:
        raise DataError(f"f and its standard errors must have the same length >= 1, "
                        f"got {fv.size} and {sv.size}")
    if not (np.isfinite(fv).all() and np.isfinite(sv).all()):
        raise DataError("f and its standard errors must be finite numbers (B >= 2 gives SEs)")
    if (sv < 0).any() or not se_factor >= 0:
        raise DataError("standard errors and se_factor must be >= 0")
    fse = se_factor * sv

    def first_true(mask: np.ndarray, otherwise: int) -> int:
        hits = np.flatnonzero(mask)
        return int(hits[0]) + 1 if hits.size else otherwise

    if method == "globalmax":
        return int(np.argmax(fv)) + 1
    if method == "firstmax":
        return first_true(np.diff(fv) <= 0, K)
    if method == "Tibs2001SEmax":
        return first_true(fv[:-1] >= (fv - fse)[1:], K)
    nc = first_true(np.diff(fv) <= 0, K) if method == "firstSEmax" else int(np.argmax(fv)) + 1
    return first_true(fv[: nc - 1] >= fv[nc - 1] - fse[nc - 1], nc)


@dataclass(frozen=True, eq=False)
class GapReference:
    """The null model of the gap statistic: a box to draw reference data from uniformly.

    With ``space_h0 = "scaledPCA"`` (clusGap's default) the box is aligned with the principal
    axes of the centred data (the rotation is the SVD's V; the columns are centred, not
    scaled, despite the name); with "original" it is the bounding box of the data.

    Attributes
    ----------
    center : ndarray, shape (d,)
        Column means of X.
    rotation : ndarray, shape (d, r) or None
        Principal axes (r = min(n, d)); None for "original".
    lower, upper : ndarray, shape (r,)
        Range of the (rotated) centred data along each axis.
    n : int
        Rows per reference set (the rows of X).
    space_h0 : str
    """

    center: np.ndarray
    rotation: np.ndarray | None
    lower: np.ndarray
    upper: np.ndarray
    n: int
    space_h0: str

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One reference set, shape (n, d)."""
        z = self.lower + (self.upper - self.lower) * rng.random((self.n, self.lower.size))
        if self.rotation is not None:
            z = z @ self.rotation.T
        return z + self.center


def gap_reference(X: object, space_h0: str = "scaledPCA") -> GapReference:
    """The reference box of `gap_statistic` for data X (deterministic).

    Examples
    --------
    >>> ref = gap_reference([[0.0, 0.0], [2.0, 2.0], [4.0, 4.0]])
    >>> ref.center.tolist(), (ref.upper - ref.lower).round(4).tolist()
    ([2.0, 2.0], [5.6569, 0.0])
    """
    if space_h0 not in SPACES_H0:
        raise DataError(f"unknown space_h0 {space_h0!r}: choose one of {', '.join(SPACES_H0)}")
    Xv = validate_matrix(X)
    center = Xv.mean(axis=0)
    xs = Xv - center
    rotation = None
    if space_h0 == "scaledPCA":
        rotation = np.linalg.svd(xs, full_matrices=False)[2].T
        xs = xs @ rotation
    return GapReference(center, rotation, xs.min(axis=0), xs.max(axis=0), Xv.shape[0], space_h0)


def within_dispersion(X: object, labelings: Sequence[object], d_power: float = 1.0) -> np.ndarray:
    """W for each labeling, as clusGap: sum over clusters of (sum of within pair distances^d_power) / (2 n_r).

    The pair sum counts each unordered pair once (R's ``dist``), distances are euclidean.

    Parameters
    ----------
    X : array_like, shape (n, d)
    labelings : sequence of array_like, each shape (n,)
    d_power : float

    Returns
    -------
    ndarray, shape (len(labelings),)

    Examples
    --------
    >>> within_dispersion([[0.0], [1.0], [5.0], [7.0]], [[1, 1, 1, 1], [1, 1, 2, 2]]).tolist()
    [3.125, 0.75]
    """
    Xv = validate_matrix(X)
    d_power = _check_d_power(d_power)
    labs = [np.asarray(lab).ravel() for lab in labelings]
    if any(lab.size != Xv.shape[0] for lab in labs):
        raise DataError(f"every labeling needs one label per row ({Xv.shape[0]})")
    return _within(Xv, labs, d_power)


def _within(X: np.ndarray, labelings: Sequence[np.ndarray], d_power: float) -> np.ndarray:
    codes, sizes, offsets = _codes(labelings)
    sums = _cluster_sums(_Distances(X, None, "euclidean", 2.0, d_power), codes, offsets)
    out = np.empty(len(codes))
    rows = np.arange(X.shape[0])
    for j, code in enumerate(codes):
        own = sums[rows, offsets[j] + code]  # each within pair counted from both ends
        counts = np.bincount(code, minlength=sizes[j])
        out[j] = 0.25 * float((np.bincount(code, weights=own, minlength=sizes[j]) / counts).sum())
    return out


def _check_clusterer(method: str | FunCluster, metric: str) -> None:
    if callable(method):
        return
    if not isinstance(method, str):
        raise DataError(f"method must be a linkage method name or a function (x, k) -> labels, "
                        f"got {method!r}")
    check_method_metric(method, metric)


def _labelings(x: np.ndarray, method: str | FunCluster, metric: str, p: float, k_max: int,
               Z: np.ndarray | None = None) -> list[np.ndarray]:
    """Labels for k = 1..k_max: one tree cut at every k (maxclust), or R-style FUNcluster(x, k)."""
    n = x.shape[0]
    out = [np.zeros(n, dtype=np.int64)]
    if callable(method) and Z is None:
        for k in range(2, k_max + 1):
            lab = np.asarray(method(x, k))
            if lab.shape != (n,):
                raise DataError(f"the clustering function returned labels of shape {lab.shape} "
                                f"for k = {k}; it must return one label per row ({n})")
            out.append(lab)
        return out
    if Z is None:
        Z = compute_linkage(x, method, metric, p=p).Z  # type: ignore[arg-type]
    index = tree_index(Z)
    if index.n != n:
        raise DataError(f"the tree has {index.n} leaves but the data has {n} rows")
    out.extend(index.labels_for_k(k) for k in range(2, k_max + 1))
    return out


def gap_observed(
    X: object,
    method: str | FunCluster = "ward",
    metric: str = "euclidean",
    k_max: int = 12,
    *,
    Z: np.ndarray | None = None,
    p: float = 2.0,
    d_power: float = 1.0,
) -> np.ndarray:
    """log W_k of the data for k = 1..k_max (clusGap's ``logW`` column).

    The partition at k is the tree of X (``Z`` when given, else built with method/metric)
    cut as ``fcluster(Z, k, 'maxclust')``, or ``method(X, k)`` when method is a function.

    Returns
    -------
    ndarray, shape (k_max,)

    Examples
    --------
    >>> gap_observed([[0.0], [1.0], [5.0], [7.0]], "single", k_max=2).round(4).tolist()
    [1.1394, -0.2877]
    """
    Xv = validate_matrix(X)
    k_max = _check_k_max(k_max, Xv.shape[0])
    _check_clusterer(method, metric)
    d_power = _check_d_power(d_power)
    w = _within(Xv, _labelings(Xv, method, metric, p, k_max, Z), d_power)
    if (w == 0).any():
        k0 = int(np.flatnonzero(w == 0)[0]) + 1
        raise DataError(
            f"at k = {k0} every cluster holds identical rows, so W is 0 and log W is -inf: "
            f"choose K below {k0}, or drop duplicate rows"
        )
    return np.log(w)


def _replicate_rng(seed: int, b: int) -> np.random.Generator:
    # The b-th child of SeedSequence(seed).spawn(...), built directly: chunking cannot matter.
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))


def gap_replicates(
    reference: GapReference,
    method: str | FunCluster = "ward",
    metric: str = "euclidean",
    k_max: int = 12,
    b0: int = 0,
    b1: int = 1,
    *,
    seed: int = 0,
    p: float = 2.0,
    d_power: float = 1.0,
) -> np.ndarray:
    """log W_k of reference sets ``b0 .. b1 - 1`` (one chunk of the Monte Carlo part).

    A pure function of its arguments: replicate b draws from
    ``SeedSequence(seed, spawn_key=(b,))`` (the b-th child of ``SeedSequence(seed).spawn``),
    so any split of ``0 .. B-1`` into chunks gives the same numbers. Each reference set is
    clustered as the data (same method and metric, a tree cut at each k).

    Returns
    -------
    ndarray, shape (b1 - b0, k_max)

    Examples
    --------
    >>> ref = gap_reference([[0.0, 1.0], [1.0, 0.0], [5.0, 5.0], [6.0, 5.0], [9.0, 1.0]])
    >>> whole = gap_replicates(ref, "average", "euclidean", 3, 0, 4, seed=7)
    >>> parts = [gap_replicates(ref, "average", "euclidean", 3, b, b + 2, seed=7) for b in (0, 2)]
    >>> bool((np.vstack(parts) == whole).all()), whole.shape
    (True, (4, 3))
    """
    if not isinstance(reference, GapReference):
        raise DataError("reference must come from gap_reference(X)")
    k_max = _check_k_max(k_max, reference.n)
    _check_clusterer(method, metric)
    d_power = _check_d_power(d_power)
    seed = _check_seed(seed)
    b0, b1 = _whole(b0, "b0"), _whole(b1, "b1")
    if not 0 <= b0 < b1:
        raise DataError(f"a chunk of replicates needs 0 <= b0 < b1, got b0 = {b0}, b1 = {b1}")
    out = np.empty((b1 - b0, k_max))
    for row, b in enumerate(range(b0, b1)):
        z = reference.draw(_replicate_rng(seed, b))
        out[row] = np.log(_within(z, _labelings(z, method, metric, p, k_max), d_power))
    return out


@dataclass(frozen=True, eq=False)
class GapStatistic:
    """The gap statistic table and the k its rule picks (R's ``clusGap`` + ``maxSE``).

    Attributes
    ----------
    table : DataFrame, K rows
        ``k`` (1..K), ``logW``, ``E_logW``, ``gap`` (= E_logW - logW), ``SE_sim``
        (= sqrt(1 + 1/B) * sd of the B reference log W_k), as clusGap's ``Tab``.
    k_best : int or None
        The k chosen by ``rule``; None when B = 1 leaves no standard error for an SE rule.
    rule : str
        One of :data:`GAP_RULES`.
    se_factor : float
    rule_text : str
        The rule in words, for the page.
    n_refs : int
        B.
    log_w_refs : ndarray, shape (B, K), read-only
        log W_k of every reference set, replicate order.
    """

    table: pd.DataFrame
    k_best: int | None
    rule: str
    se_factor: float
    rule_text: str
    n_refs: int
    log_w_refs: np.ndarray


def gap_reduce(
    log_w: object,
    chunks: Iterable[tuple[int, object]],
    *,
    rule: str = "firstSEmax",
    se_factor: float = 1.0,
) -> GapStatistic:
    """Combine the observed log W and chunks of replicates into the gap table and its k.

    Parameters
    ----------
    log_w : array_like, shape (K,)
        From `gap_observed`.
    chunks : iterable of (b0, array of shape (m, K))
        From `gap_replicates`, in any order; together they must cover ``0 .. B-1`` once.
    rule : str
        One of :data:`GAP_RULES` (clusGap's print default "firstSEmax").
    se_factor : float

    Returns
    -------
    GapStatistic

    Examples
    --------
    >>> g = gap_reduce([2.0, 1.0, 0.8], [(2, [[2.5, 2.0, 1.8]]), (0, [[2.4, 2.1, 1.9], [2.6, 2.0, 1.7]])])
    >>> g.table.round(3).values.tolist()[1], g.k_best
    ([2.0, 1.0, 2.033, 1.033, 0.067], 2)
    """
    if rule not in GAP_RULES:
        raise DataError(f"unknown rule {rule!r}: choose one of {', '.join(GAP_RULES)}")
    lw = np.asarray(log_w, dtype=np.float64).ravel()
    K = lw.size
    parts = sorted(((_whole(b0, "b0"), np.atleast_2d(np.asarray(a, dtype=np.float64)))
                    for b0, a in chunks), key=lambda t: t[0])
    if not parts:
        raise DataError("no replicates: run gap_replicates for at least one reference set")
    expect = 0
    for b0, arr in parts:
        if arr.shape[1] != K:
            raise DataError(f"a chunk has {arr.shape[1]} values of k, the data {K}")
        if b0 != expect:
            raise DataError(f"the chunks must cover replicates 0..B-1 once each: replicate "
                            f"{min(b0, expect)} is {'missing' if b0 > expect else 'repeated'}")
        expect = b0 + arr.shape[0]
    refs = np.vstack([a for _, a in parts])
    B = refs.shape[0]
    e_log_w = refs.mean(axis=0)
    se = np.sqrt((1 + 1 / B) * refs.var(axis=0, ddof=1)) if B > 1 else np.full(K, np.nan)
    gap = e_log_w - lw
    table = pd.DataFrame({"k": np.arange(1, K + 1), "logW": lw, "E_logW": e_log_w,
                          "gap": gap, "SE_sim": se})
    uses_se = rule.endswith("SEmax")
    k_best = None if (uses_se and B < 2) else max_se(gap, np.nan_to_num(se), rule, se_factor)
    text = _RULE_TEXT[rule].format(f=f"{se_factor:g}")
    refs.setflags(write=False)
    return GapStatistic(table, k_best, rule, float(se_factor), f"{rule}: {text}", B, refs)


def gap_statistic(
    X: object,
    method: str | FunCluster = "ward",
    metric: str = "euclidean",
    k_max: int = 12,
    n_refs: int = 100,
    seed: int = 0,
    *,
    Z: np.ndarray | None = None,
    p: float = 2.0,
    d_power: float = 1.0,
    space_h0: str = "scaledPCA",
    rule: str = "firstSEmax",
    se_factor: float = 1.0,
    chunk_size: int = 10,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
) -> GapStatistic:
    """The gap statistic of Tibshirani, Walther & Hastie (2001) as R's ``cluster::clusGap``.

    For k = 1..K: log W_k of the data, and of B reference sets drawn uniformly in the box
    of `gap_reference` and clustered the same way; gap = mean(log W*_k) - log W_k; the k
    is picked by `max_se` (default "firstSEmax", SE factor 1, clusGap's print default).

    Parameters
    ----------
    X : array_like, shape (n, d)
    method : str or callable
        Linkage method (the tree of each data set is cut at every k, as
        ``fcluster(Z, k, 'maxclust')``), or a function ``(x, k) -> labels (n,)`` as R's
        ``FUNcluster`` (must be picklable to run in other processes).
    metric : str
        Metric of the linkage. W_k itself always uses euclidean distances (as clusGap's
        ``dist(xs)``), raised to ``d_power``.
    k_max : int
        K, with ``2 <= K < n``.
    n_refs : int
        B >= 1 (B >= 2 for standard errors).
    seed : int
        Replicate b uses ``SeedSequence(seed, spawn_key=(b,))``.
    Z : ndarray, shape (n - 1, 4), optional
        The tree of X, when already built (saves one linkage).
    space_h0 : {"scaledPCA", "original"}
    rule, se_factor
        Passed to `max_se`.
    chunk_size : int
        Replicates per task.
    executor : concurrent.futures.Executor, optional
        Runs the chunks (e.g. a ProcessPoolExecutor); serially when None.
    progress : callable(fraction, text), optional

    Returns
    -------
    GapStatistic

    Notes
    -----
    Cost: (B + 1) x (one linkage of n rows + one O(n^2 (d + K)) pass for W_k).
    R's cutree gives exactly k clusters by merge order even with tied heights; maxclust
    (used here, as the page) may give fewer: with tie-free data both agree.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.vstack([rng.normal(c, 0.3, (20, 2)) for c in ((0, 0), (5, 0), (0, 5))])
    >>> g = gap_statistic(X, "ward", k_max=5, n_refs=10, seed=1)
    >>> g.k_best, g.rule
    (3, 'firstSEmax')
    """
    Xv = validate_matrix(X)
    n = Xv.shape[0]
    k_max = _check_k_max(k_max, n)
    _check_clusterer(method, metric)
    n_refs = _whole(n_refs, "the number of reference sets B")
    if n_refs < 1:
        raise DataError(f"the number of reference sets B must be at least 1, got {n_refs}")
    seed = _check_seed(seed)
    d_power = _check_d_power(d_power)
    if rule not in GAP_RULES:
        raise DataError(f"unknown rule {rule!r}: choose one of {', '.join(GAP_RULES)}")
    plan = replicate_chunks(n_refs, chunk_size)
    reference = gap_reference(Xv, space_h0)

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    report(0.0, "clustering the data")
    log_w = gap_observed(Xv, method, metric, k_max, Z=Z, p=p, d_power=d_power)
    args = (method, metric, k_max)
    done: list[tuple[int, np.ndarray]] = []
    if executor is None:
        for b0, b1 in plan:
            done.append((b0, gap_replicates(reference, *args, b0, b1, seed=seed, p=p,
                                            d_power=d_power)))
            report(b1 / n_refs, f"{b1} of {n_refs} reference sets")
    else:
        futures = {executor.submit(gap_replicates, reference, *args, b0, b1, seed=seed, p=p,
                                   d_power=d_power): b0 for b0, b1 in plan}
        for count, fut in enumerate(futures, start=1):
            done.append((futures[fut], fut.result()))
            report(count / len(plan), f"{count} of {len(plan)} chunks")
    return gap_reduce(log_w, done, rule=rule, se_factor=se_factor)
