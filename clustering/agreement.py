"""How well a clustering agrees with a column the analyst already knows (e.g. mpg's ``origin``).

Scores are scikit-learn's, on the rows that have both a cluster and a known value:
rows the clustering left unassigned (label 0, e.g. dynamic tree cut's grey group or clades
below a minimum size) and rows whose known value is missing are *excluded* from every score
and from the contingency table, and counted separately (``n_unassigned``, ``n_missing``,
``unassigned_by_class``), so a cut cannot look better by leaving hard rows out unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics

from clustering.cut_index import tree_index
from clustering.errors import DataError

__all__ = ["SCORES", "Agreement", "agreement", "best_agreeing_k"]

# name -> scikit-learn function of (known classes, cluster labels)
SCORES = {
    "ari": metrics.adjusted_rand_score,
    "nmi": metrics.normalized_mutual_info_score,  # arithmetic mean, sklearn's default
    "ami": metrics.adjusted_mutual_info_score,
    "fowlkes_mallows": metrics.fowlkes_mallows_score,
    "homogeneity": metrics.homogeneity_score,
    "completeness": metrics.completeness_score,
}


@dataclass(frozen=True, eq=False)
class Agreement:
    """Scores of one labelling against one known column (see `agreement`).

    Attributes
    ----------
    ari, nmi, ami, fowlkes_mallows, homogeneity, completeness, purity : float
        On the ``n_used`` rows only. Purity: the share of rows in their cluster's commonest class.
    contingency : pandas.DataFrame, shape (clusters, classes)
        Row counts; index = cluster labels (0 excluded), columns = known classes, both sorted.
    n_used, n_unassigned, n_missing : int
        Rows scored; rows with label 0; rows with no known value (any label).
    unassigned_by_class : pandas.Series
        Known classes of the unassigned rows (rows with a known value only).
    """

    ari: float
    nmi: float
    ami: float
    fowlkes_mallows: float
    homogeneity: float
    completeness: float
    purity: float
    contingency: pd.DataFrame
    n_used: int
    n_unassigned: int
    n_missing: int
    unassigned_by_class: pd.Series

    def scores(self) -> dict[str, float]:
        """The scores by name (``SCORES`` order, then purity)."""
        return {name: getattr(self, name) for name in (*SCORES, "purity")}


def _labels(labels: Any) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise DataError(f"cluster labels must be one label per row (1-D), got shape {arr.shape}")
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.floor(arr)).all():
            return arr.astype(np.int64)
        raise DataError("cluster labels must be whole numbers (0 = unassigned), "
                        f"got values of type {arr.dtype}")
    return arr.astype(np.int64)


def agreement(labels: Any, reference: Any, *, unassigned: int = 0) -> Agreement:
    """Agreement of cluster ``labels`` with a known ``reference`` column.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Cluster per row; ``unassigned`` (0) marks rows in no cluster.
    reference : array_like, shape (n,)
        Known class per row, any values (strings, numbers, categories); missing values
        (None, NaN, pandas NA) are allowed. Bin a numeric column before passing it.
    unassigned : int, default 0

    Returns
    -------
    Agreement

    Raises
    ------
    DataError
        Lengths differ, labels are not whole numbers, or no row has both a cluster and a value.

    Examples
    --------
    >>> a = agreement([1, 1, 2, 2, 0], ["a", "a", "b", None, "b"])
    >>> round(a.ari, 3), a.n_used, a.n_unassigned, a.n_missing
    (1.0, 3, 1, 1)
    >>> a.contingency.to_dict()
    {'a': {1: 2, 2: 0}, 'b': {1: 0, 2: 1}}
    """
    lab = _labels(labels)
    if np.ndim(reference) != 1:
        raise DataError(
            f"the known column must be one value per row (1-D), got {np.ndim(reference)}-D"
        )
    ref = pd.Series(reference).reset_index(drop=True)
    if ref.shape[0] != lab.shape[0]:
        raise DataError(
            f"the known column has {ref.shape[0]} values but there are {lab.shape[0]} cluster "
            "labels: pass the column for the same rows, in the same order"
        )
    missing = ref.isna().to_numpy()
    is_unassigned = lab == unassigned
    used = ~missing & ~is_unassigned
    if not used.any():
        raise DataError(
            "no row has both a cluster and a known value: every row is unassigned or its known "
            "value is missing"
        )
    classes = ref[used].to_numpy()
    clusters = lab[used]
    # Factorise so mixed types (e.g. 1 and "1") count as distinct classes, as sklearn would.
    try:
        codes, uniques = pd.factorize(pd.Series(classes), sort=True)
    except TypeError:  # mixed types that do not sort: first-seen order
        codes, uniques = pd.factorize(pd.Series(classes), sort=False)
    scores = {name: float(fn(codes, clusters)) for name, fn in SCORES.items()}
    table = pd.crosstab(pd.Series(clusters, name="cluster"),
                        pd.Series(pd.Categorical.from_codes(codes, uniques), name="class"),
                        dropna=False)
    table.columns = list(uniques)
    table = table.sort_index()
    purity = float(table.max(axis=1).sum() / used.sum())
    by_class = ref[~missing & is_unassigned].value_counts().sort_index()
    return Agreement(contingency=table, purity=purity, n_used=int(used.sum()),
                     n_unassigned=int(is_unassigned.sum()), n_missing=int(missing.sum()),
                     unassigned_by_class=by_class, **scores)


def best_agreeing_k(Z: Any, reference: Any, *, ks: Any = range(2, 21),
                    score: str = "ari") -> tuple[int, dict[int, float]]:
    """The k (horizontal cut, ``fcluster`` maxclust) whose clusters agree best with ``reference``.

    A hint for the analyst, never applied by itself. Ties go to the smallest k.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
    reference : array_like, shape (n,)
    ks : iterable of int, default 2..20 (clipped to 1..n)
    score : one of ``SCORES`` or "purity"

    Returns
    -------
    (best k, {k: score})

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2], [9.0], [9.1]])
    >>> best_agreeing_k(linkage(X, "average"), list("aabbcc"), ks=[2, 3, 4])[0]
    3
    """
    valid = (*SCORES, "purity")
    if score not in valid:
        raise DataError(f"score must be one of {', '.join(valid)}; got {score!r}")
    index = tree_index(Z)
    try:
        kk = sorted({int(k) for k in ks if 1 <= int(k) <= index.n})
    except (TypeError, ValueError):
        raise DataError("ks must be whole numbers of clusters") from None
    if not kk:
        raise DataError(f"ks must include at least one k from 1 to {index.n}")
    values = {k: getattr(agreement(index.labels_for_k(k), reference), score) for k in kk}
    best = max(kk, key=lambda k: (values[k], -k))
    return best, values
