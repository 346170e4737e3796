"""Merge support's names and argument checks: pvclust's method and metric names, the scales.

Part of :mod:`clustering.support` (import from there); also used by
:mod:`clustering.stability` and :mod:`clustering.subsampling` for their counts and seeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clustering.errors import DataError
from clustering.linkage import EUCLIDEAN_ONLY, METHODS

#: pvclust's default scales, ``seq(0.5, 1.4, by = 0.1)`` computed as R does (from + i * by).
DEFAULT_SCALES: tuple[float, ...] = tuple((0.5 + np.arange(10) * 0.1).tolist())

#: Our (SciPy) method name -> pvclust's ``method.hclust``. Centroid and median: R's hclust
#: applies the Lance-Williams update to whatever it is given, SciPy's works on squared
#: euclidean distances and reports their square roots, so the same tree comes from
#: pvclust only with squared distances (see :func:`pvclust_arguments`).
_HCLUST = {
    "average": "average",
    "complete": "complete",
    "single": "single",
    "weighted": "mcquitty",
    "ward": "ward.D2",
    "centroid": "centroid",
    "median": "median",
}
#: Our metric name -> pvclust's ``method.dist``; "abscor" (1 - |r|) has no SciPy name.
_DIST = {
    "euclidean": "euclidean",
    "cityblock": "manhattan",
    "chebyshev": "maximum",
    "canberra": "canberra",
    "correlation": "correlation",
    "cosine": "uncentered",
    "abscor": "abscor",
}
#: pvclust's names accepted as aliases of ours.
_ALIASES = {
    "mcquitty": "weighted",
    "ward.D2": "ward",
    "manhattan": "cityblock",
    "maximum": "chebyshev",
    "uncentered": "cosine",
}
SUPPORT_METHODS: tuple[str, ...] = tuple(m for m in METHODS if m in _HCLUST)
SUPPORT_METRICS: tuple[str, ...] = tuple(_DIST)


def pvclust_arguments(method: str, metric: str) -> dict[str, str]:
    """The pvclust call that builds the same trees as ``(method, metric)`` here.

    Parameters
    ----------
    method, metric : str
        One of :data:`SUPPORT_METHODS` / :data:`SUPPORT_METRICS` (or pvclust's own names).

    Returns
    -------
    dict
        ``method.hclust`` (a string) and ``method.dist`` (an R string literal, or an R
        function for centroid and median, which need squared euclidean distances in R).

    Examples
    --------
    >>> pvclust_arguments("ward", "euclidean")
    {'method.hclust': '"ward.D2"', 'method.dist': '"euclidean"'}
    >>> pvclust_arguments("centroid", "euclidean")["method.dist"]
    'function(x) dist(t(x))^2'
    """
    method, metric = _check_method_metric(method, metric)
    dist = f'"{_DIST[metric]}"'
    if method in ("centroid", "median"):
        dist = "function(x) dist(t(x))^2"
    return {"method.hclust": f'"{_HCLUST[method]}"', "method.dist": dist}


def _check_method_metric(method: object, metric: object) -> tuple[str, str]:
    method = _ALIASES.get(method, method) if isinstance(method, str) else method
    metric = _ALIASES.get(metric, metric) if isinstance(metric, str) else metric
    if method not in _HCLUST:
        raise DataError(
            f"unknown linkage method {method!r} for merge support: choose one of "
            f"{', '.join(SUPPORT_METHODS)}"
        )
    if metric not in _DIST:
        raise DataError(
            f"merge support cannot use the metric {metric!r} (pvclust has no equivalent): "
            f"choose one of {', '.join(SUPPORT_METRICS)}"
        )
    if method in EUCLIDEAN_ONLY and metric != "euclidean":
        raise DataError(
            f"{method} linkage needs the euclidean metric; choose metric 'euclidean', or keep "
            f"{metric!r} and use average, complete, single or weighted linkage"
        )
    return method, metric


def _check_count(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return int(value)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a whole number >= 0, not {seed!r}")
    return int(seed)


def _check_width(d: int) -> None:
    """Refuse fewer than 2 features: there would be nothing to resample."""
    if d < 2:
        raise DataError(
            "merge support resamples the features, so it needs at least 2 columns "
            f"(this table has {d}); add features, or use a row-based check such as stability"
        )


def _check_scales(scales: Sequence[float]) -> np.ndarray:
    """The scales asked for, as a float array: non-empty, finite and > 0."""
    try:
        req = np.asarray(scales, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise DataError(f"scales must be a list of numbers > 0, not {scales!r}") from None
    if req.size == 0 or not np.all(np.isfinite(req)) or np.any(req <= 0):
        raise DataError(f"scales must be a non-empty list of numbers > 0, e.g. 0.5 ... 1.4, "
                        f"not {scales!r}")
    return req
