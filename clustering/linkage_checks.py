"""The names of the linkage methods and metrics, and the checks on them and on the data.

:func:`method_metric_problem` says why a (method, metric) pair is refused and
:func:`validate_matrix` turns a table into the float64 matrix every linkage takes, or raises a
:class:`~clustering.errors.DataError` naming the 1-based rows at fault. Used by
:func:`clustering.linkage.compute_linkage`, which re-exports every name here (``from
clustering.linkage import METHODS`` still works), and by :mod:`clustering.linkage_distances`.
"""

from __future__ import annotations

import numpy as np

from clustering.errors import DataError

__all__ = [
    "EUCLIDEAN_ONLY",
    "METHODS",
    "METRICS",
    "check_method_metric",
    "method_metric_problem",
    "validate_matrix",
]

METHODS: tuple[str, ...] = (
    "single",
    "complete",
    "average",
    "weighted",
    "centroid",
    "median",
    "ward",
)
METRICS: tuple[str, ...] = (
    "euclidean",
    "sqeuclidean",
    "cityblock",
    "chebyshev",
    "minkowski",
    "cosine",
    "correlation",
    "canberra",
    "braycurtis",
    "seuclidean",
    "mahalanobis",
    "hamming",
    "jaccard",
)
EUCLIDEAN_ONLY: tuple[str, ...] = ("centroid", "median", "ward")

_MAX_ROWS_LISTED = 5

_WHY_EUCLIDEAN = {
    "ward": "ward merges the pair of clusters that least increases the within-cluster "
    "sum of squares, which is only defined for euclidean distances",
    "centroid": "centroid linkage measures the distance between cluster means, which "
    "is only defined for euclidean distances",
    "median": "median linkage measures the distance between cluster midpoints, which "
    "is only defined for euclidean distances",
}


def method_metric_problem(method: str, metric: str) -> str | None:
    """Say why a (method, metric) pair is refused, or ``None`` when it is valid.

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    metric : str
        One of :data:`METRICS`.

    Returns
    -------
    str or None
        A sentence for a person: what is wrong and what to pick instead.

    Examples
    --------
    >>> method_metric_problem("average", "cosine") is None
    True
    >>> print(method_metric_problem("ward", "cosine"))  # doctest: +ELLIPSIS
    ward linkage needs the euclidean metric: ward merges ... or keep 'cosine' and use average, complete, single or weighted linkage.
    """
    if method not in METHODS:
        return f"unknown linkage method {method!r}: choose one of {', '.join(METHODS)}"
    if metric not in METRICS:
        return f"unknown distance metric {metric!r}: choose one of {', '.join(METRICS)}"
    if method in EUCLIDEAN_ONLY and metric != "euclidean":
        return (
            f"{method} linkage needs the euclidean metric: {_WHY_EUCLIDEAN[method]}. "
            f"Choose metric 'euclidean' (scale the columns first if their units differ), "
            f"or keep {metric!r} and use average, complete, single or weighted linkage."
        )
    return None


def check_method_metric(method: str, metric: str) -> None:
    """Raise :class:`DataError` when :func:`method_metric_problem` finds a problem.

    Examples
    --------
    >>> check_method_metric("ward", "euclidean")
    >>> check_method_metric("median", "cityblock")
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: median linkage needs the euclidean metric: ...
    """
    problem = method_metric_problem(method, metric)
    if problem is not None:
        raise DataError(problem)


def _rows_text(rows: np.ndarray) -> str:
    """1-based row numbers, at most a few, e.g. ``'rows 3, 9 and 12 more'``."""
    rows = np.asarray(rows, dtype=np.int64) + 1
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_ROWS_LISTED])
    word = "row" if len(rows) == 1 else "rows"
    if len(rows) > _MAX_ROWS_LISTED:
        return f"{word} {shown} and {len(rows) - _MAX_ROWS_LISTED} more"
    return f"{word} {shown}"


def validate_matrix(X: object) -> np.ndarray:
    """Return X as a C-contiguous float64 (n, d) array, or raise :class:`DataError`.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Real numbers, every one finite, at least 2 rows and 1 column.

    Returns
    -------
    ndarray, shape (n, d), float64
        X itself when it already has that form (no copy).

    Examples
    --------
    >>> validate_matrix([[1, 2], [3, 4]]).dtype
    dtype('float64')
    >>> validate_matrix([[1.0, float("nan")], [3.0, 4.0]])
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: the data has 1 missing or infinite value (row 1): drop those rows or impute them before clustering
    """
    arr = np.asarray(X)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ) or np.issubdtype(arr.dtype, np.complexfloating):
        raise DataError(
            f"the data must be a table of real numbers, got values of type {arr.dtype}: "
            "convert or drop the non-numeric columns"
        )
    if arr.ndim != 2:
        raise DataError(
            f"the data must be a 2-D table (rows x columns), got {arr.ndim} dimension(s)"
        )
    n, d = arr.shape
    if n < 2:
        raise DataError(f"clustering needs at least 2 rows, the data has {n}")
    if d < 1:
        raise DataError("the data has no columns: choose at least one feature")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        bad_rows = np.flatnonzero(~finite.all(axis=1))
        n_bad = int((~finite).sum())
        values = "value" if n_bad == 1 else "values"
        raise DataError(
            f"the data has {n_bad} missing or infinite {values} ({_rows_text(bad_rows)}): "
            "drop those rows or impute them before clustering"
        )
    return arr

