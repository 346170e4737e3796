"""What the clusters at a cut are like: sizes, feature means, what sets each apart, and the
column order of a clustermap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = ["Profiles", "cluster_profiles", "column_order", "profile_effects"]


@dataclass(frozen=True, eq=False)
class Profiles:
    """What each cluster looks like in the original units.

    Attributes
    ----------
    table : DataFrame
        One row per cluster label (sorted): ``size``, ``share`` (of rows) and the
        mean of each feature.
    distinguishing : DataFrame
        Long form, ``top`` rows per cluster: ``cluster``, ``rank`` (1 = most
        distinctive), ``feature``, ``cluster_mean``, ``rest_mean``, ``effect`` =
        (cluster mean - mean of the other rows) / the feature's standard
        deviation over all rows. Ranked by ``|effect|``; constant features and a
        single cluster give no rows.
    """

    table: pd.DataFrame
    distinguishing: pd.DataFrame


def cluster_profiles(original: pd.DataFrame, labels: object, top: int = 3) -> Profiles:
    """Per-cluster sizes and feature means, and the features that set each cluster apart.

    Parameters
    ----------
    original : DataFrame, shape (n, d)
        Numeric features in their original units (``Prepared.original``);
        missing values are skipped.
    labels : array_like, shape (n,)
        Cluster label of each row.
    top : int
        How many distinguishing features to list per cluster.

    Returns
    -------
    Profiles

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 10.0, 11.0], "y": [5.0, 5.0, 5.0, 6.0]})
    >>> prof = cluster_profiles(df, [1, 1, 2, 2], top=1)
    >>> prof.table["size"].tolist(), prof.distinguishing["feature"].tolist()
    ([2, 2], ['x', 'x'])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size != len(original):
        raise DataError(
            f"need one cluster label per row: {len(original)} rows, {labels.size} labels"
        )
    numeric = original.select_dtypes(include=["number", "bool"]).astype(np.float64)
    clusters, codes = np.unique(labels, return_inverse=True)
    X = numeric.to_numpy()
    present = ~np.isnan(X)
    # Per-cluster sums and counts of the values present, in one pass over rows sorted by
    # cluster (a pandas groupby per cut was most of the Profiles tab's time).
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(clusters.size))
    sizes = np.bincount(codes, minlength=clusters.size)
    # Values near the float limit overflow to inf in the sums; such an effect is dropped below.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if clusters.size:
            sums = np.add.reduceat(np.where(present, X, 0.0)[order], starts, axis=0)
            counts = np.add.reduceat(present[order].astype(np.int64), starts, axis=0)
        else:
            sums = np.zeros((0, X.shape[1]))
            counts = np.zeros((0, X.shape[1]), dtype=np.int64)
        means = sums / counts
        rest_mean = (sums.sum(axis=0) - sums) / (counts.sum(axis=0) - counts)
        effect = (means - rest_mean) / numeric.std(ddof=0).to_numpy()
    index = pd.Index(clusters, name="cluster")
    table = pd.concat([pd.DataFrame({"size": sizes, "share": sizes / labels.size}, index=index),
                       pd.DataFrame(means, index=index, columns=numeric.columns)], axis=1)

    # Ranked by |effect| (ties: column order); constant features (inf/NaN) and 0 set nothing apart.
    valid = np.isfinite(effect) & (effect != 0)
    top_n = max(int(top), 0)
    ranked = np.argsort(np.where(valid, -np.abs(effect), np.inf), axis=1, kind="stable")[:, :top_n]
    rows, rank = np.nonzero(np.take_along_axis(valid, ranked, axis=1))
    cols = ranked[rows, rank]
    distinguishing = pd.DataFrame({
        "cluster": clusters[rows], "rank": rank + 1,
        "feature": np.asarray(numeric.columns, dtype=object)[cols],
        "cluster_mean": means[rows, cols], "rest_mean": rest_mean[rows, cols],
        "effect": effect[rows, cols],
    }, columns=["cluster", "rank", "feature", "cluster_mean", "rest_mean", "effect"])
    return Profiles(table=table, distinguishing=distinguishing)


def profile_effects(original: pd.DataFrame, labels: object) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster (sorted) and feature: the mean, and (mean - overall mean) / overall SD.

    Parameters
    ----------
    original : pandas.DataFrame, (n, d)
        The features in original units (``Prepared.original``).
    labels : array_like, shape (n,)
        Cluster of each row.

    Returns
    -------
    means, effects : ndarray, shape (k, d)
        Rows follow ``np.unique(labels)``; a constant feature's effect is NaN.

    Examples
    --------
    >>> m, e = profile_effects(pd.DataFrame({"x": [0.0, 2.0, 4.0, 6.0]}), np.array([1, 1, 2, 2]))
    >>> m.ravel().tolist(), np.round(e.ravel(), 3).tolist()
    ([1.0, 5.0], [-0.894, 0.894])
    """
    X = original.to_numpy(dtype=float)
    labels = np.asarray(labels)
    clusters = np.unique(labels)
    means = np.vstack([np.nanmean(X[labels == c], axis=0) for c in clusters])
    sd = np.nanstd(X, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        effects = (means - np.nanmean(X, axis=0)) / np.where(sd > 0, sd, np.nan)
    return means, effects


def column_order(X: object) -> list[int]:
    """Columns in the leaf order of an average-linkage tree over the z-scored columns.

    What a clustermap does to its columns: similar features end up side by side.

    Parameters
    ----------
    X : array_like, shape (n, d)

    Returns
    -------
    list of int, length d
        A permutation of ``range(d)`` (``[0]`` for one column).

    Examples
    --------
    >>> X = np.array([[0.0, 5.0, 0.1], [1.0, 3.0, 1.1], [2.0, 1.0, 2.0]])
    >>> sorted(column_order(X)) == [0, 1, 2]
    True
    """
    from scipy.cluster.hierarchy import leaves_list

    from clustering.linkage import compute_linkage

    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 2:
        return list(range(X.shape[1] if X.ndim == 2 else 0))
    sd = X.std(axis=0)
    cols = ((X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)).T
    Z = compute_linkage(np.ascontiguousarray(cols), "average", "euclidean").Z
    return leaves_list(Z).tolist()
