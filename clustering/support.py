"""Bootstrap support on every merge, as R's ``pvclust`` computes it.

The rows of X are clustered; like ``pvclust(t(X), ...)`` the bootstrap resamples the
FEATURES (columns of X). At each scale r the replicate draws ``floor(r·d)`` columns with
replacement (pvclust takes ``unique(floor(d * r))`` and reports ``r = size / d``),
recomputes the distances and the tree, and every merge of the original tree (a clade: a set
of rows) scores a hit when the replicate tree has exactly that clade. The share of hits is
the bootstrap probability at that scale; ``msfit`` then fits the z-values
``z_r = -qnorm(bp_r)`` by weighted least squares on ``(sqrt(r), 1/sqrt(r))`` (weights
``1 / var(z_r)``, scales with ``0.001 < bp_r < 0.999`` only, at least 3 of them) and reads

* AU (approximately unbiased p-value) ``= 1 - pnorm(v - c)``,
* BP (bootstrap probability at r = 1, as pvclust reports it: the fitted value)
  ``= 1 - pnorm(v + c)``,

with their delta-method standard errors, exactly as ``pvclust:::msfit``.

The Monte Carlo part is split so that a job manager can fan it out:

* :func:`plan_support` validates everything, builds the original tree and its clades;
* :func:`count_clades` (pure) counts the hits of replicates ``[b0, b1)`` at every scale; each
  replicate draws from its own ``SeedSequence(seed, spawn_key=(scale, b))`` (what
  ``SeedSequence(seed).spawn(...)`` gives child by child), so the counts do not depend on how
  the replicates are chunked, and the chunks' counts simply add up;
* :func:`summarise_support` turns the summed counts into the AU/BP table per row of Z.

:func:`merge_support` does all three in one call.

Examples
--------
>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(12, 8))
>>> X[:6] += 3.0
>>> ms = merge_support(X, "average", "euclidean", n_boot=50, seed=1)
>>> ms.table.columns[:4].tolist()
['au', 'bp', 'se_au', 'se_bp']
>>> float(ms.table["au"].iloc[-1])  # the root is in every replicate
1.0
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import fastcluster
import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist
from scipy.special import ndtr, ndtri
from scipy.stats import chi2

from clustering.errors import DataError
from clustering.linkage import (
    EUCLIDEAN_ONLY,
    METHODS,
    VECTOR_METHODS,
    compute_linkage,
    validate_matrix,
)
from clustering.sampling import replicate_chunks

__all__ = [
    "DEFAULT_SCALES",
    "SUPPORT_METHODS",
    "SUPPORT_METRICS",
    "MergeSupport",
    "SupportCounts",
    "SupportPlan",
    "count_clades",
    "merge_support",
    "multiscale_fit",
    "pick_clades",
    "plan_support",
    "pvclust_arguments",
    "summarise_support",
]

logger = logging.getLogger(__name__)

try:  # the C entry point behind fastcluster.linkage (see clustering.linkage)
    from _fastcluster import linkage_wrap as _linkage_wrap
except ImportError:  # pragma: no cover
    _linkage_wrap = None

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

#: Metrics that are undefined (NaN) for a row that is constant or zero on the drawn features.
_MAY_BE_UNDEFINED = frozenset({"correlation", "cosine", "abscor"})

_EPS = 0.001  # pvclust's msfit: scales with bp within eps of 0 or 1 are left out of the fit
_MIN_USE = 3  # ... and at least this many scales are needed for a fit


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


def _distances(X: np.ndarray, metric: str) -> np.ndarray:
    """Condensed distances between the rows of X as pvclust's ``dist.pvclust`` defines them."""
    if metric not in _MAY_BE_UNDEFINED:
        return pdist(X, metric)
    with np.errstate(all="ignore"):  # a constant row: NaN, which the caller handles
        if metric == "abscor":
            return 1.0 - np.abs(1.0 - pdist(X, "correlation"))
        return pdist(X, metric)


def _tree(X: np.ndarray, method: str, metric: str) -> np.ndarray | None:
    """SciPy-convention linkage of the rows of X, or None when a distance is undefined
    (pvclust leaves such a replicate out of the counts but not out of nboot)."""
    if metric == "euclidean" and method in VECTOR_METHODS:
        return fastcluster.linkage_vector(X, method=method, metric="euclidean")
    D = _distances(X, metric)
    if metric in _MAY_BE_UNDEFINED and not np.isfinite(D).all():
        return None
    n = X.shape[0]
    if _linkage_wrap is None:  # pragma: no cover - a fastcluster build without it
        return fastcluster.linkage(D, method=method)
    Z = np.empty((n - 1, 4), dtype=np.float64)
    _linkage_wrap(n, D, Z, fastcluster.mthidx[method])  # consumes D: no copy, unlike linkage()
    return Z


def _clade_keys(Z: np.ndarray, leaf_keys: list[int]) -> list[int]:
    """One exact key per merge: the set of its rows as the bits of a Python int."""
    keys = leaf_keys.copy()
    for a, b in Z[:, :2].astype(np.int64).tolist():
        keys.append(keys[a] | keys[b])
    return keys[len(leaf_keys):]


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


@dataclass(frozen=True, eq=False)
class SupportCounts:
    """Clade hits of a range of replicates; ``a + b`` adds two disjoint ranges.

    Attributes
    ----------
    hits : ndarray, shape (s, n - 1) int64
        Replicates (per scale) whose tree holds the clade of each row of Z.
    done : ndarray, shape (s,) int64
        Replicates drawn per scale (pvclust's ``nboot``, undefined ones included).
    failed : ndarray, shape (s,) int64
        Replicates whose distances were undefined (e.g. a row constant over the drawn
        features under the correlation metric): counted in ``done``, never a hit, as pvclust.
    ranges : tuple of (b0, b1)
        The replicate ranges summed in, to check that none is missing or counted twice.
    """

    hits: np.ndarray
    done: np.ndarray
    failed: np.ndarray
    ranges: tuple[tuple[int, int], ...]

    def __add__(self, other: SupportCounts) -> SupportCounts:
        if self.hits.shape != other.hits.shape:
            raise DataError("these support counts come from different plans and cannot be added")
        return SupportCounts(
            self.hits + other.hits,
            self.done + other.done,
            self.failed + other.failed,
            tuple(sorted(self.ranges + other.ranges)),
        )


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
    if d < 2:
        raise DataError(
            "merge support resamples the features, so it needs at least 2 columns "
            f"(this table has {d}); add features, or use a row-based check such as stability"
        )
    n_boot = _check_count(n_boot, "n_boot")
    seed = _check_seed(seed)
    try:
        req = np.asarray(scales, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise DataError(f"scales must be a list of numbers > 0, not {scales!r}") from None
    if req.size == 0 or not np.all(np.isfinite(req)) or np.any(req <= 0):
        raise DataError(f"scales must be a non-empty list of numbers > 0, e.g. 0.5 ... 1.4, "
                        f"not {scales!r}")
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
    if Z is None:
        if metric == "abscor":
            D = _distances(X, metric)
            if not np.isfinite(D).all():
                raise DataError("the abscor distance is undefined for rows that are constant; "
                                "drop those rows or choose another metric")
            Z = fastcluster.linkage(D, method=method)
        else:
            Z = compute_linkage(X, method, metric).Z
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape != (n - 1, 4):
        raise DataError(f"Z must have shape ({n - 1}, 4) for {n} rows, not {Z.shape}")
    leaf_keys = [1 << i for i in range(n)]
    clades = {key: row for row, key in enumerate(_clade_keys(Z, leaf_keys))}
    if len(clades) != n - 1:
        raise DataError("Z is not a valid linkage matrix: some merges repeat a cluster")
    X = X.copy()
    X.flags.writeable = False
    Z = Z.copy()
    Z.flags.writeable = False
    sizes = np.asarray(sizes, dtype=np.int64)
    sizes.flags.writeable = False
    used = sizes / d
    used.flags.writeable = False
    return SupportPlan(X, method, metric, Z, used, sizes, tuple(req.tolist()), n_boot, seed,
                       clades)


def _replicate_columns(plan: SupportPlan, scale: int, b: int) -> np.ndarray:
    """The features replicate ``b`` draws at scale index ``scale`` (with replacement)."""
    ss = np.random.SeedSequence(plan.seed, spawn_key=(scale, b))
    return np.random.default_rng(ss).integers(0, plan.X.shape[1], size=int(plan.sizes[scale]))


def count_clades(plan: SupportPlan, b0: int, b1: int) -> SupportCounts:
    """Count clade hits of replicates ``b0 .. b1-1`` at every scale (pure; one chunk).

    Parameters
    ----------
    plan : SupportPlan
    b0, b1 : int
        ``0 <= b0 < b1 <= plan.n_boot``.

    Returns
    -------
    SupportCounts
        ``hits`` shape (s, n - 1); summing the counts of chunks that cover
        ``0 .. n_boot-1`` gives exactly the counts of one call over all of it.

    Examples
    --------
    >>> import numpy as np
    >>> plan = plan_support(np.random.default_rng(0).normal(size=(6, 5)), n_boot=8)
    >>> a = count_clades(plan, 0, 3) + count_clades(plan, 3, 8)
    >>> bool((a.hits == count_clades(plan, 0, 8).hits).all())
    True
    """
    if not (isinstance(b0, (int, np.integer)) and isinstance(b1, (int, np.integer))
            and 0 <= b0 < b1 <= plan.n_boot):
        raise DataError(f"replicate range [{b0}, {b1}) must lie within [0, {plan.n_boot})")
    n_scales, n = len(plan.sizes), plan.n
    hits = np.zeros((n_scales, n - 1), dtype=np.int64)
    failed = np.zeros(n_scales, dtype=np.int64)
    leaf_keys = [1 << i for i in range(n)]
    clades = plan.clades
    wanted = clades.keys()
    for s in range(n_scales):
        row_hits = hits[s]
        for b in range(int(b0), int(b1)):
            Zb = _tree(plan.X[:, _replicate_columns(plan, s, b)], plan.method, plan.metric)
            if Zb is None:
                failed[s] += 1
                continue
            found = wanted & set(_clade_keys(Zb, leaf_keys))
            row_hits[[clades[key] for key in found]] += 1
    done = np.full(n_scales, int(b1) - int(b0), dtype=np.int64)
    return SupportCounts(hits, done, failed, ((int(b0), int(b1)),))


def multiscale_fit(
    counts: np.ndarray, scales: np.ndarray, n_boot: np.ndarray | int
) -> pd.DataFrame:
    """pvclust's ``msfit`` for many clades at once.

    Parameters
    ----------
    counts : array_like, shape (m, s)
        Hits of each of m clades at each of s scales.
    scales : array_like, shape (s,)
        The scales used (pvclust's ``$r``).
    n_boot : int or array_like, shape (s,)
        Replicates per scale.

    Returns
    -------
    DataFrame, m rows
        ``au, bp, se_au, se_bp, si, se_si, v, c, pchi, n_used`` as pvclust's ``$edges``
        (``n_used``: scales that entered the fit). With fewer than 3 scales where
        ``0.001 < bp < 0.999``, pvclust gives up the fit: all p-values 0 (mean bp < 0.5)
        or 1, standard errors, v, c and pchi 0.

    Examples
    --------
    >>> fit = multiscale_fit([[60, 52, 45, 40]], [0.5, 0.8, 1.1, 1.4], 100)  # R: 0.1634, 0.4688
    >>> fit[["au", "bp"]].round(3).values.tolist()
    [[0.163, 0.469]]
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    r = np.asarray(scales, dtype=np.float64).ravel()
    nb = np.broadcast_to(np.asarray(n_boot, dtype=np.float64), r.shape)
    if counts.shape[1] != r.size:
        raise DataError(f"counts have {counts.shape[1]} scales but {r.size} scales were given")
    bp = counts / nb
    use = (bp > _EPS) & (bp < 1 - _EPS)
    n_use = use.sum(axis=1)
    bq = np.where(use, bp, 0.5)  # placeholders keep the masked arithmetic finite
    zz = -ndtri(bq)
    dens = np.exp(-0.5 * zz**2) / math.sqrt(2 * math.pi)
    vv = (1 - bq) * bq / (dens**2 * nb)
    w = np.where(use, 1.0 / vv, 0.0)  # a zero weight is the same as leaving the scale out
    x1, x2 = np.sqrt(r), 1.0 / np.sqrt(r)
    a11, a12, a22 = w @ (x1 * x1), w @ (x1 * x2), w @ (x2 * x2)
    b1, b2 = (w * zz) @ x1, (w * zz) @ x2
    fit = n_use >= _MIN_USE
    det = np.where(fit, a11 * a22 - a12 * a12, 1.0)
    # V = (X' W X)^-1, the covariance of (v, c) in msfit
    v11, v12, v22 = a22 / det, -a12 / det, a11 / det
    v = v11 * b1 + v12 * b2
    c = v12 * b1 + v22 * b2
    z_au, z_bp = v - c, v + c
    p_au, p_bp = ndtr(-z_au), ndtr(-z_bp)
    d0 = ndtr(-c)
    p_iau = ndtr(z_au)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_si = np.clip(1 - p_iau / d0, 0.0, 1.0)
        vz_au = v11 - 2 * v12 + v22
        vz_bp = v11 + 2 * v12 + v22
        phi = lambda z: np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)  # noqa: E731
        se_au = phi(z_au) * np.sqrt(vz_au)
        se_bp = phi(z_bp) * np.sqrt(vz_bp)
        d1 = phi(z_au) / d0
        d2 = p_iau * phi(c) / d0**2
        h1, h2 = d1, -d1 + d2
        v_si = h1 * h1 * v11 + 2 * h1 * h2 * v12 + h2 * h2 * v22
        se_si = np.where((p_si > 0) & (p_si < 1), np.sqrt(v_si), 0.0)
        resid = zz - np.outer(v, x1) - np.outer(c, x2)
        rss = np.sum(w * resid**2, axis=1)
    df = n_use - 2
    pchi = np.where(df > 0, chi2.sf(rss, np.maximum(df, 1)), 1.0)
    fallback = np.where(bp.mean(axis=1) < 0.5, 0.0, 1.0)
    out = pd.DataFrame({
        "au": np.where(fit, p_au, fallback),
        "bp": np.where(fit, p_bp, fallback),
        "se_au": np.where(fit, se_au, 0.0),
        "se_bp": np.where(fit, se_bp, 0.0),
        "si": np.where(fit, p_si, fallback),
        "se_si": np.where(fit, se_si, 0.0),
        "v": np.where(fit, v, 0.0),
        "c": np.where(fit, c, 0.0),
        "pchi": np.where(fit, pchi, 0.0),
        "n_used": np.where(fit, n_use, 0).astype(np.int64),
    })
    return out


@dataclass(frozen=True, eq=False)
class MergeSupport:
    """Support on every merge of the tree.

    Attributes
    ----------
    table : DataFrame, n - 1 rows (index = row of Z)
        ``au, bp, se_au, se_bp`` (pvclust's ``$edges``: bp is the fitted value at r = 1),
        ``si, se_si, v, c, pchi, n_used`` (the rest of msfit), ``bp_raw`` (the plain share
        of hits at the scale r = 1, NaN when no scale has size d), ``size`` (rows in the clade).
        An AU fitted on few scales (``n_used`` 3 or 4: bp within 0.001 of 0 or 1 at the
        others, i.e. a handful of hits) is unstable in pvclust too: another seed may drop a
        scale below the threshold and turn AU 0.9996 into the fallback 0 (seen at n = 200,
        nboot = 1000: 1 clade of 199); treat such clades as unsupported.
    counts : ndarray, shape (s, n - 1) int64
        Hits per scale (pvclust's ``$count``, transposed).
    scales : ndarray, shape (s,)
        Scales used (pvclust's ``$r``).
    sizes : ndarray, shape (s,)
        Features drawn per replicate.
    n_boot : ndarray, shape (s,)
        Replicates per scale (pvclust's ``$nboot``).
    failed : ndarray, shape (s,)
        Replicates with undefined distances (counted in n_boot, never a hit).
    method, metric : str
    seed : int
    """

    table: pd.DataFrame
    counts: np.ndarray
    scales: np.ndarray
    sizes: np.ndarray
    n_boot: np.ndarray
    failed: np.ndarray
    method: str
    metric: str
    seed: int


def summarise_support(plan: SupportPlan, counts: SupportCounts) -> MergeSupport:
    """Reduce: the summed counts of all chunks -> AU/BP per row of Z.

    Parameters
    ----------
    plan : SupportPlan
    counts : SupportCounts
        The sum of :func:`count_clades` over chunks covering ``0 .. n_boot-1`` exactly once.

    Returns
    -------
    MergeSupport

    Examples
    --------
    >>> import numpy as np
    >>> plan = plan_support(np.random.default_rng(0).normal(size=(6, 5)), n_boot=8)
    >>> ms = summarise_support(plan, count_clades(plan, 0, 4) + count_clades(plan, 4, 8))
    >>> ms.n_boot.tolist()[:3]
    [8, 8, 8]
    """
    covered = 0
    for b0, b1 in counts.ranges:
        if b0 != covered:
            break
        covered = b1
    if covered != plan.n_boot or counts.hits.shape != (len(plan.sizes), plan.n - 1):
        raise DataError(
            f"the chunks cover replicates {list(counts.ranges)}, not 0 .. {plan.n_boot - 1} "
            "exactly once: run the missing chunks (or drop the repeated ones) before summarising"
        )
    table = multiscale_fit(counts.hits.T, plan.scales, counts.done)
    at_one = np.flatnonzero(plan.sizes == plan.X.shape[1])
    table["bp_raw"] = (counts.hits[at_one[0]] / counts.done[at_one[0]]
                       if at_one.size else np.nan)
    table["size"] = plan.Z[:, 3].astype(np.int64)
    table.index.name = "row"
    return MergeSupport(table, counts.hits, plan.scales, plan.sizes, counts.done,
                        counts.failed, plan.method, plan.metric, plan.seed)


def merge_support(
    X: object,
    method: str = "average",
    metric: str = "euclidean",
    n_boot: int = 1000,
    scales: Sequence[float] = DEFAULT_SCALES,
    seed: int = 0,
    *,
    Z: np.ndarray | None = None,
    chunk_size: int = 100,
    progress: Callable[[float, str], None] | None = None,
) -> MergeSupport:
    """AU and BP on every merge, as ``pvclust(t(X), method.hclust, method.dist, r = scales)``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    method, metric, n_boot, scales, seed, Z
        As :func:`plan_support`.
    chunk_size : int
        Replicates per chunk (the results do not depend on it).
    progress : callable(fraction, text), optional
        Called after each chunk.

    Returns
    -------
    MergeSupport
        ``table`` has one row per row of Z: au, bp, se_au, se_bp, ...

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(3).normal(size=(10, 6))
    >>> ms = merge_support(X, "ward", "euclidean", n_boot=20, seed=0)
    >>> ms.table.shape[0], ms.counts.shape
    (9, (6, 9))
    """
    plan = plan_support(X, method, metric, n_boot=n_boot, scales=scales, seed=seed, Z=Z)
    chunks = replicate_chunks(plan.n_boot, chunk_size)
    total: SupportCounts | None = None
    for i, (b0, b1) in enumerate(chunks):
        part = count_clades(plan, b0, b1)
        total = part if total is None else total + part
        if progress is not None:
            progress((i + 1) / len(chunks), f"bootstrap replicates {b1:,} of {plan.n_boot:,}")
    assert total is not None
    return summarise_support(plan, total)


def pick_clades(Z: np.ndarray, values: Sequence[float], alpha: float = 0.95) -> list[int]:
    """Rows of Z whose value (e.g. AU) is at least ``alpha`` and that lie inside no other such
    merge, the root left out: the clades ``pvclust::pvpick``/``pvrect`` outline (their
    defaults ``type = "geq"``, ``max.only = TRUE``).

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    values : array_like, shape (n - 1,)
        One value per row of Z; NaN never qualifies.
    alpha : float

    Returns
    -------
    list of int
        Rows of Z, ascending (pvpick's ``$edges`` minus one).

    Examples
    --------
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [5, 6, 3.0, 4], [4, 7, 4.0, 5]])
    >>> pick_clades(Z, [0.99, 0.97, 0.96, 1.0])  # row 2 holds rows 0 and 1; row 3 is the root
    [2]
    """
    Z = np.asarray(Z, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    n = Z.shape[0] + 1
    if v.shape != (n - 1,):
        raise DataError(f"give one value per row of Z ({n - 1}), not shape {v.shape}")
    inside = np.zeros(2 * n - 1, dtype=bool)  # node lies under a picked merge
    picked = []
    children = Z[:, :2].astype(np.int64)
    for r in range(n - 3, -1, -1):  # top down, below the root, as pvpick's (len - 1):1
        node = n + r
        if inside[node]:
            inside[children[r]] = True
        elif v[r] >= alpha:
            picked.append(r)
            inside[children[r]] = True
    return sorted(picked)
