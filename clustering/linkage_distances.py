"""Pairwise distances for the linkage: ``pdist``'s keywords, and the condensed matrix checked.

:func:`distance_kwargs` gives the ``p`` / ``V`` / ``VI`` that make ``cdist`` on row blocks
equal ``pdist(X)`` and refuses a metric undefined on X; :func:`condensed_distances` is
``pdist`` refused, with the 1-based rows named, when some distance is not a finite number.
Used by :func:`clustering.linkage.compute_linkage`, which re-exports both names (``from
clustering.linkage import distance_kwargs`` still works).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

from clustering.errors import DataError
from clustering.linkage_checks import _MAX_ROWS_LISTED, _rows_text

__all__ = ["condensed_distances", "distance_kwargs"]


def distance_kwargs(X: np.ndarray, metric: str, p: float = 2.0) -> dict:
    """Extra keyword arguments for ``pdist`` / ``cdist`` so both use the same metric.

    ``cdist`` on row blocks would estimate seuclidean's variances and
    mahalanobis' covariance from the block only; passing ``V`` / ``VI`` computed
    on the whole of X (exactly as ``pdist`` does) keeps block distances equal to
    ``pdist(X)``. Raises :class:`DataError` when the metric is undefined on X
    (a constant column under seuclidean, a singular covariance under mahalanobis).

    Parameters
    ----------
    X : ndarray, shape (n, d), float64
    metric : str
    p : float
        Minkowski exponent.

    Returns
    -------
    dict

    Examples
    --------
    >>> distance_kwargs(np.eye(3), "minkowski", p=3)
    {'p': 3.0}
    """
    n, d = X.shape
    if metric == "minkowski":
        if not np.isfinite(p) or p <= 0:
            raise DataError(f"the minkowski exponent p must be a positive number, got {p}")
        return {"p": float(p)}
    if metric == "seuclidean":
        V = np.var(X, axis=0, ddof=1)
        zero = np.flatnonzero(V == 0)
        if zero.size:
            cols = ", ".join(str(int(c) + 1) for c in zero[:_MAX_ROWS_LISTED])
            more = f" and {zero.size - _MAX_ROWS_LISTED} more" if zero.size > _MAX_ROWS_LISTED else ""
            raise DataError(
                f"seuclidean divides by each column's variance, and column(s) {cols}{more} "
                "are constant: drop them, or use 'euclidean' on z-scored data"
            )
        return {"V": V}
    if metric == "mahalanobis":
        if n <= d:
            raise DataError(
                f"mahalanobis needs more rows than columns to estimate the covariance, "
                f"the data has {n} rows and {d} columns: use fewer features, or "
                "'seuclidean' / 'euclidean' on whitened data"
            )
        cov = np.atleast_2d(np.cov(X.T))
        s = np.linalg.svd(cov, compute_uv=False)
        if s[-1] <= s[0] * d * np.finfo(float).eps * 1e3:
            raise DataError(
                "mahalanobis needs an invertible covariance matrix, but some columns are "
                "constant or (nearly) linear combinations of others: drop redundant columns, "
                "or use 'seuclidean' / 'euclidean' on whitened data"
            )
        # Same expression as scipy.spatial.distance.pdist, so the numbers agree exactly.
        return {"VI": np.linalg.inv(cov).T.copy()}
    return {}


_WHY_NONFINITE = {
    "cosine": "the cosine distance is undefined for a row of all zeros (it has no direction)",
    "correlation": "the correlation distance is undefined for a row whose values are all "
    "equal (it has no variance)",
    "braycurtis": "the Bray-Curtis distance is undefined when the sum of two rows is zero",
}


def _raise_nonfinite(D: np.ndarray, n: int, metric: str) -> None:
    """Raise DataError naming the rows behind the non-finite entries of condensed D."""
    counts = np.zeros(n, dtype=np.int64)
    # Rows of the condensed matrix are visited one slice at a time, so no n^2 mask.
    start = 0
    for i in range(n - 1):
        stop = start + n - 1 - i
        bad = np.flatnonzero(~np.isfinite(D[start:stop]))
        if bad.size:
            counts[i] += bad.size
            counts[i + 1 + bad] += 1
        start = stop
    # A row whose distance to most others is undefined (an all-zero row under cosine)
    # is the culprit; otherwise name every row involved in an undefined pair.
    culprits = np.flatnonzero(counts * 2 > n - 1)
    if culprits.size == 0:
        culprits = np.flatnonzero(counts)
    # X is finite, so for the other metrics only overflow can make a distance infinite.
    why = _WHY_NONFINITE.get(metric, f"the values are too large for the {metric} distance, "
                             "which overflows to infinity; scale the columns (e.g. z-score) first")
    raise DataError(
        f"{metric} distances involving {_rows_text(culprits)} are not finite numbers: {why}. "
        "Remove those rows or choose another metric."
    )


def _precheck_rows(X: np.ndarray, metric: str) -> None:
    """O(n·d) checks that name the rows before an n^2 matrix is computed."""
    if metric == "cosine":
        bad = np.flatnonzero(~np.any(X != 0, axis=1))
    elif metric == "correlation":
        bad = np.flatnonzero(np.all(X == X[:, :1], axis=1))
    else:
        return
    if bad.size:
        raise DataError(
            f"{metric} distances involving {_rows_text(bad)} are not finite numbers: "
            f"{_WHY_NONFINITE[metric]}. Remove those rows or choose another metric."
        )


def condensed_distances(X: np.ndarray, metric: str, p: float = 2.0) -> np.ndarray:
    """``pdist(X, metric)`` checked for non-finite values, without extra n^2 memory.

    Parameters
    ----------
    X : ndarray, shape (n, d), float64 (already validated)
    metric : str
    p : float

    Returns
    -------
    ndarray, shape (n * (n - 1) // 2,), float64, C-contiguous

    Examples
    --------
    >>> condensed_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), "euclidean")
    array([5.])
    """
    _precheck_rows(X, metric)
    D = pdist(X, metric=metric, **distance_kwargs(X, metric, p))
    # The sum is finite exactly when every entry is (bar overflow, caught below
    # by the slow scan) and, unlike np.isfinite(D).all(), needs no n^2 temporary.
    if not np.isfinite(np.sum(D)):
        n = X.shape[0]
        if not np.isfinite(D).all():
            _raise_nonfinite(D, n, metric)
    return D
