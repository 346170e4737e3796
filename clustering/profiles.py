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
    groups = numeric.groupby(labels, sort=True)
    means = groups.mean()
    sizes = pd.Series(labels).value_counts().sort_index()
    table = pd.DataFrame({"size": sizes.to_numpy(), "share": sizes.to_numpy() / labels.size},
                         index=sizes.index)
    table = pd.concat([table, means.reindex(table.index)], axis=1)
    table.index.name = "cluster"

    sums = groups.sum(min_count=0)
    counts = groups.count()
    total_sum = numeric.sum()
    total_count = numeric.count()
    std = numeric.std(ddof=0)
    records = []
    for cluster in table.index:
        rest_count = total_count - counts.loc[cluster]
        with np.errstate(invalid="ignore", divide="ignore"):
            rest_mean = (total_sum - sums.loc[cluster]) / rest_count
            effect = (means.loc[cluster] - rest_mean) / std
        effect = effect.replace([np.inf, -np.inf], np.nan).dropna()
        effect = effect[effect != 0]
        ranked = effect.reindex(effect.abs().sort_values(ascending=False).index)[: int(top)]
        for rank, (feature, value) in enumerate(ranked.items(), start=1):
            records.append(
                {
                    "cluster": cluster,
                    "rank": rank,
                    "feature": feature,
                    "cluster_mean": float(means.loc[cluster, feature]),
                    "rest_mean": float(rest_mean[feature]),
                    "effect": float(value),
                }
            )
    distinguishing = pd.DataFrame(
        records, columns=["cluster", "rank", "feature", "cluster_mean", "rest_mean", "effect"]
    )
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
