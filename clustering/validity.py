"""How many clusters? Validity indices per k and silhouettes at a cut.

Two kinds of evidence for the number of clusters ``k`` of one tree (the third, the gap
statistic, is :mod:`clustering.gap`):

* `validity_indices`: for every k in ``ks``, the partition ``fcluster(Z, k, 'maxclust')``
  and its mean silhouette (with the tree's own metric, from distances), Calinski–Harabasz
  and Davies–Bouldin (on the features, euclidean, as scikit-learn defines them), each with
  the k it favours.
* `silhouette_widths`: per row s(i), its neighbour cluster and the per-cluster means at one
  cut, ordered as R's ``cluster::silhouette`` sorts them (``sortSilhouette``).

All distance sums come from one pass over the distances in row blocks, shared by every k
(:mod:`clustering.validity_sums`): O(n^2 (d + K)) time, O(n sum(ks)) memory, no n x n matrix.

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
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clustering.cut_index import TreeIndex, tree_index
from clustering.errors import DataError
from clustering.gap import GapStatistic  # noqa: F401 -- old pickles, see below __all__
from clustering.linkage import validate_matrix
from clustering.validity_checks import _check_condensed, _check_ks, _check_metric
from clustering.validity_sums import _cluster_sums, _codes, _Distances

__all__ = [
    "Silhouette",
    "Validity",
    "silhouette_widths",
    "validity_indices",
]
# GapStatistic (imported above) is not part of this module's API: gap results memoised
# (pickled) before the gap statistic moved to clustering.gap name the class
# clustering.validity.GapStatistic, and must still load from the results store.

logger = logging.getLogger(__name__)


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
    index, Xv, D = _tree_and_inputs(X, Z, distances)
    ks_arr = _check_ks(ks, index.n)

    labels = np.stack([index.labels_for_k(int(k)) for k in ks_arr])
    labels.setflags(write=False)
    got = np.array([int(lab.max()) for lab in labels], dtype=np.int64)
    sil, ch, db = _indices_per_k(labels, got >= 2, Xv, D, metric, p)
    notes = _validity_notes(Xv is None, ks_arr, got)
    table = pd.DataFrame({"k": ks_arr, "n_clusters": got, "silhouette": sil,
                          "calinski_harabasz": ch, "davies_bouldin": db})
    best = _favoured(table, ks_arr, got)
    return Validity(table, labels, best, metric, tuple(notes))


def _tree_and_inputs(X: object | None, Z: np.ndarray, distances: object | None
                     ) -> tuple[TreeIndex, np.ndarray | None, np.ndarray | None]:
    """The tree's cut index, the checked features and distances (either may be None, not both).

    Checked in this order: the tree, X against its leaves, the distances against its leaves.
    """
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
    return index, Xv, D


def _indices_per_k(labels: np.ndarray, usable: np.ndarray, Xv: np.ndarray | None,
                   D: np.ndarray | None, metric: str, p: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean silhouette, CH and DB for each row of ``labels`` (NaN where not ``usable``).

    The silhouettes of all usable cuts share one pass over the distances; CH and DB are NaN
    without features.
    """
    sil = np.full(labels.shape[0], np.nan)
    ch = np.full(labels.shape[0], np.nan)
    db = np.full(labels.shape[0], np.nan)
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
    return sil, ch, db


def _validity_notes(no_features: bool, ks_arr: np.ndarray, got: np.ndarray) -> list[str]:
    """Sentences for the page: indices skipped without features, ks the tree cannot give."""
    notes: list[str] = []
    if no_features:
        notes.append("Calinski–Harabasz and Davies–Bouldin need the features, not only "
                     "distances: they are not shown.")
    short = ks_arr[got != ks_arr]
    if short.size:
        ks_text = ", ".join(str(int(k)) for k in short)
        notes.append(f"tied merge heights leave no cut with exactly k = {ks_text} clusters; "
                     "those rows show the nearest cut below (as fcluster's maxclust) and are "
                     "never suggested.")
    return notes


def _favoured(table: pd.DataFrame, ks_arr: np.ndarray, got: np.ndarray) -> dict[str, int | None]:
    """The k each index favours (first among ties) among rows whose cut has exactly k clusters."""
    exact = got == ks_arr
    best: dict[str, int | None] = {}
    for name, pick in _FAVOUR.items():
        values = np.where(exact, table[name].to_numpy(), np.nan)
        best[name] = None if np.isnan(values).all() else int(ks_arr[pick(values)])
    return best


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
    Xv, D = _silhouette_inputs(n, X, distances)
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


def _silhouette_inputs(n: int, X: object | None, distances: object | None
                       ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(features, distances) for n labels: the distances when given (X is then unused), else X."""
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
    return Xv, D
