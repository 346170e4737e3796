"""Merge support's plan: the checked arguments, the original tree and its clades
(:func:`plan_support`, :class:`SupportPlan`). Part of :mod:`clustering.support`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import fastcluster
import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.linkage import compute_linkage, validate_matrix
from clustering.support_checks import (
    DEFAULT_SCALES,
    _check_count,
    _check_method_metric,
    _check_scales,
    _check_seed,
    _check_width,
)
from clustering.support_trees import _clade_keys, _distances


@dataclass(frozen=True, eq=False)
class SupportPlan:
    """Everything a chunk of :func:`count_clades` needs (picklable, read-only arrays).

    Attributes
    ----------
    X : ndarray, shape (n, d)
    method, metric : str
        Our names (SciPy's; "abscor" = 1 - |Pearson r|).
    Z : ndarray, shape (n - 1, 4)
        The original tree; support is reported per row of it.
    scales : ndarray, shape (s,)
        The scales actually used, ``sizes / d`` (pvclust's ``$r``).
    sizes : ndarray, shape (s,) int
        Features drawn per replicate at each scale.
    requested : tuple of float
        The scales asked for.
    n_boot : int
        Replicates per scale.
    seed : int
    clades : dict
        Clade key (rows as bits of an int) -> row of Z.
    """

    # Pickles (background jobs, Celery, caches) name the class by module: keep the one it
    # was defined in before support.py was split, which re-exports it.
    __module__ = "clustering.support"

    X: np.ndarray
    method: str
    metric: str
    Z: np.ndarray
    scales: np.ndarray
    sizes: np.ndarray
    requested: tuple[float, ...]
    n_boot: int
    seed: int
    clades: dict[int, int] = field(repr=False)

    @property
    def n(self) -> int:
        return self.X.shape[0]


def plan_support(
    X: object,
    method: str = "average",
    metric: str = "euclidean",
    *,
    n_boot: int = 1000,
    scales: Sequence[float] = DEFAULT_SCALES,
    seed: int = 0,
    Z: np.ndarray | None = None,
) -> SupportPlan:
    """Validate the arguments and prepare the multiscale bootstrap of the features.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Rows are clustered, features (columns, d >= 2) are resampled.
    method : str
        One of :data:`SUPPORT_METHODS` (pvclust's names "mcquitty", "ward.D2" also accepted).
    metric : str
        One of :data:`SUPPORT_METRICS` ("manhattan", "maximum", "uncentered" also accepted);
        "correlation" is 1 - Pearson r and "abscor" 1 - |r|, as pvclust defines them.
    n_boot : int
        Replicates per scale, >= 1.
    scales : sequence of float
        Relative sample sizes r > 0; as pvclust, the sizes are ``unique(floor(d * r))``
        (each >= 1) and the scales used are ``size / d``.
    seed : int
        >= 0; the same seed gives the same counts however the replicates are chunked.
    Z : ndarray, shape (n - 1, 4), optional
        The tree to support (e.g. the page's); default ``compute_linkage(X, method, metric)``.

    Returns
    -------
    SupportPlan

    Examples
    --------
    >>> import numpy as np
    >>> plan = plan_support(np.eye(5, 15), "average", "euclidean", n_boot=10)
    >>> plan.sizes.tolist()
    [7, 9, 10, 12, 13, 15, 16, 18, 19, 21]
    >>> plan_support(np.eye(5, 3), "ward", "correlation")
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: ward linkage needs the euclidean metric; ...
    """
    method, metric = _check_method_metric(method, metric)
    X = validate_matrix(X)
    n, d = X.shape
    _check_width(d)
    n_boot = _check_count(n_boot, "n_boot")
    seed = _check_seed(seed)
    req = _check_scales(scales)
    sizes = _feature_sizes(req, d)
    Z = _original_tree(X, method, metric) if Z is None else Z
    Z, clades = _tree_clades(Z, n)
    return SupportPlan(_read_only(X), method, metric, _read_only(Z), _read_only(sizes / d),
                       _read_only(sizes), tuple(req.tolist()), n_boot, seed, clades)


def _feature_sizes(req: np.ndarray, d: int) -> np.ndarray:
    """Features drawn per replicate at each scale: pvclust's ``unique(floor(d * r))``."""
    raw = np.floor(d * req).astype(np.int64)
    if np.any(raw < 1):
        small = req[raw < 1].min()
        raise DataError(
            f"scale {small:g} draws no feature from {d} columns: every scale must be at least "
            f"1/{d} = {1 / d:.3g}"
        )
    sizes = pd.unique(raw)  # first occurrences, in order, as R's unique()
    if sizes.size == 1:
        # pvclust then bootstraps at r = 1 only (and warns that AU cannot be computed)
        sizes = np.array([d], dtype=np.int64)
    return np.asarray(sizes, dtype=np.int64)


def _original_tree(X: np.ndarray, method: str, metric: str) -> np.ndarray:
    """The tree to support when none is given: ``compute_linkage``, or abscor's own."""
    if metric == "abscor":
        D = _distances(X, metric)
        if not np.isfinite(D).all():
            raise DataError("the abscor distance is undefined for rows that are constant; "
                            "drop those rows or choose another metric")
        return fastcluster.linkage(D, method=method)
    return compute_linkage(X, method, metric).Z


def _tree_clades(Z: object, n: int) -> tuple[np.ndarray, dict[int, int]]:
    """Z as float64, checked, and its clades: clade key (rows as bits) -> row of Z."""
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape != (n - 1, 4):
        raise DataError(f"Z must have shape ({n - 1}, 4) for {n} rows, not {Z.shape}")
    leaf_keys = [1 << i for i in range(n)]
    clades = {key: row for row, key in enumerate(_clade_keys(Z, leaf_keys))}
    if len(clades) != n - 1:
        raise DataError("Z is not a valid linkage matrix: some merges repeat a cluster")
    return Z, clades


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only copy (the plan travels to workers and must not change on the way)."""
    a = a.copy()
    a.flags.writeable = False
    return a
