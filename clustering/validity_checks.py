"""Argument checks shared by the validity indices and the gap statistic.

Used by :mod:`clustering.validity`, :mod:`clustering.gap_dispersion` and :mod:`clustering.gap`.
Each check raises a :class:`~clustering.errors.DataError` that names the argument, what is
valid and what was given: whole numbers, the metric, the ks of the validity indices, K, the
seed and d_power of the gap statistic, given distances (condensed or square), and the
clusterer (a linkage method, or a function as R's ``FUNcluster``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from clustering.errors import DataError
from clustering.linkage import METRICS, check_method_metric

__all__: list[str] = []  # helpers of clustering.validity and the gap statistic only

# Functions the gap statistic accepts in place of (method, metric), as R's FUNcluster.
FunCluster = Callable[[np.ndarray, int], object]


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


def _check_clusterer(method: str | FunCluster, metric: str) -> None:
    if callable(method):
        return
    if not isinstance(method, str):
        raise DataError(f"method must be a linkage method name or a function (x, k) -> labels, "
                        f"got {method!r}")
    check_method_metric(method, metric)
