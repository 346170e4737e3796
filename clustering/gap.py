"""The gap statistic exactly as R's ``cluster::clusGap`` computes it by default, and the k it picks.

`gap_statistic` does all of it. For a job manager that runs the Monte Carlo part in parallel,
the parts are in :mod:`clustering.gap_dispersion` (`gap_reference`, `gap_observed`,
`gap_replicates` per chunk of replicates) and `gap_reduce` here combines them (chunks -> table
and chosen k). `max_se` is R's ``cluster::maxSE`` with its five rules. Cost: B + 1 linkages
and B + 1 passes over the distances, O(n^2 (d + K)) each (:mod:`clustering.validity_sums`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.gap_dispersion import (
    GapReference,
    gap_observed,
    gap_reference,
    gap_replicates,
)
from clustering.linkage import validate_matrix
from clustering.sampling import replicate_chunks
from clustering.validity_checks import (
    FunCluster,
    _check_clusterer,
    _check_d_power,
    _check_k_max,
    _check_seed,
    _whole,
)

__all__ = [
    "GAP_RULES",
    "GapStatistic",
    "gap_reduce",
    "gap_statistic",
    "max_se",
]

#: R's ``cluster::maxSE`` methods, its default first.
GAP_RULES: tuple[str, ...] = (
    "firstSEmax",
    "Tibs2001SEmax",
    "globalSEmax",
    "firstmax",
    "globalmax",
)

_RULE_TEXT = {
    "firstSEmax": "the smallest k whose gap is within {f} SE of the first local maximum's gap",
    "Tibs2001SEmax": "the smallest k with gap(k) >= gap(k+1) - {f} SE(k+1) "
    "(Tibshirani, Walther & Hastie 2001)",
    "globalSEmax": "the smallest k whose gap is within {f} SE of the largest gap",
    "firstmax": "the first local maximum of the gap",
    "globalmax": "the largest gap",
}

ProgressCallback = Callable[[float, str], None]


def max_se(f: object, se_f: object, method: str = "firstSEmax", se_factor: float = 1.0) -> int:
    """The position (1-based, as R) that R's ``cluster::maxSE`` picks from f and its SEs.

    When ``f`` is the gap for k = 1..K (as `gap_statistic` gives it) the position is k.

    Parameters
    ----------
    f, se_f : array_like, shape (K,)
        Values (e.g. gap) and their standard errors (>= 0).
    method : str
        One of :data:`GAP_RULES`: "firstSEmax" (R's default), "Tibs2001SEmax",
        "globalSEmax", "firstmax", "globalmax".
    se_factor : float
        Multiplier of the SEs (>= 0).

    Returns
    -------
    int
        1-based position in ``f``.

    Examples
    --------
    >>> f = [0.1, 0.5, 0.45, 0.7, 0.6]
    >>> se = [0.1] * 5
    >>> [max_se(f, se, m) for m in GAP_RULES]
    [2, 2, 4, 2, 4]
    """
    if method not in GAP_RULES:
        raise DataError(f"unknown rule {method!r}: choose one of {', '.join(GAP_RULES)}")
    fv = np.asarray(f, dtype=np.float64).ravel()
    sv = np.asarray(se_f, dtype=np.float64).ravel()
    K = fv.size
    if K < 1 or sv.size != K:
        raise DataError(f"f and its standard errors must have the same length >= 1, "
                        f"got {fv.size} and {sv.size}")
    if not (np.isfinite(fv).all() and np.isfinite(sv).all()):
        raise DataError("f and its standard errors must be finite numbers (B >= 2 gives SEs)")
    if (sv < 0).any() or not se_factor >= 0:
        raise DataError("standard errors and se_factor must be >= 0")
    fse = se_factor * sv

    def first_true(mask: np.ndarray, otherwise: int) -> int:
        hits = np.flatnonzero(mask)
        return int(hits[0]) + 1 if hits.size else otherwise

    if method == "globalmax":
        return int(np.argmax(fv)) + 1
    if method == "firstmax":
        return first_true(np.diff(fv) <= 0, K)
    if method == "Tibs2001SEmax":
        return first_true(fv[:-1] >= (fv - fse)[1:], K)
    nc = first_true(np.diff(fv) <= 0, K) if method == "firstSEmax" else int(np.argmax(fv)) + 1
    return first_true(fv[: nc - 1] >= fv[nc - 1] - fse[nc - 1], nc)


@dataclass(frozen=True, eq=False)
class GapStatistic:
    """The gap statistic table and the k its rule picks (R's ``clusGap`` + ``maxSE``).

    Attributes
    ----------
    table : DataFrame, K rows
        ``k`` (1..K), ``logW``, ``E_logW``, ``gap`` (= E_logW - logW), ``SE_sim``
        (= sqrt(1 + 1/B) * sd of the B reference log W_k), as clusGap's ``Tab``.
    k_best : int or None
        The k chosen by ``rule``; None when B = 1 leaves no standard error for an SE rule.
    rule : str
        One of :data:`GAP_RULES`.
    se_factor : float
    rule_text : str
        The rule in words, for the page.
    n_refs : int
        B.
    log_w_refs : ndarray, shape (B, K), read-only
        log W_k of every reference set, replicate order.
    """

    table: pd.DataFrame
    k_best: int | None
    rule: str
    se_factor: float
    rule_text: str
    n_refs: int
    log_w_refs: np.ndarray


def gap_reduce(
    log_w: object,
    chunks: Iterable[tuple[int, object]],
    *,
    rule: str = "firstSEmax",
    se_factor: float = 1.0,
) -> GapStatistic:
    """Combine the observed log W and chunks of replicates into the gap table and its k.

    Parameters
    ----------
    log_w : array_like, shape (K,)
        From `gap_observed`.
    chunks : iterable of (b0, array of shape (m, K))
        From `gap_replicates`, in any order; together they must cover ``0 .. B-1`` once.
    rule : str
        One of :data:`GAP_RULES` (clusGap's print default "firstSEmax").
    se_factor : float

    Returns
    -------
    GapStatistic

    Examples
    --------
    >>> g = gap_reduce([2.0, 1.0, 0.8], [(2, [[2.5, 2.0, 1.8]]), (0, [[2.4, 2.1, 1.9], [2.6, 2.0, 1.7]])])
    >>> g.table.round(3).values.tolist()[1], g.k_best
    ([2.0, 1.0, 2.033, 1.033, 0.067], 2)
    """
    if rule not in GAP_RULES:
        raise DataError(f"unknown rule {rule!r}: choose one of {', '.join(GAP_RULES)}")
    lw = np.asarray(log_w, dtype=np.float64).ravel()
    K = lw.size
    refs = _stack_chunks(chunks, K)
    B = refs.shape[0]
    e_log_w = refs.mean(axis=0)
    se = np.sqrt((1 + 1 / B) * refs.var(axis=0, ddof=1)) if B > 1 else np.full(K, np.nan)
    gap = e_log_w - lw
    table = pd.DataFrame({"k": np.arange(1, K + 1), "logW": lw, "E_logW": e_log_w,
                          "gap": gap, "SE_sim": se})
    uses_se = rule.endswith("SEmax")
    k_best = None if (uses_se and B < 2) else max_se(gap, np.nan_to_num(se), rule, se_factor)
    text = _RULE_TEXT[rule].format(f=f"{se_factor:g}")
    refs.setflags(write=False)
    return GapStatistic(table, k_best, rule, float(se_factor), f"{rule}: {text}", B, refs)


def _stack_chunks(chunks: Iterable[tuple[int, object]], K: int) -> np.ndarray:
    """Chunks of replicates -> one (B, K) array in replicate order.

    Refuses chunks with another number of k, and sets that leave a replicate out or repeat one.
    """
    parts = sorted(((_whole(b0, "b0"), np.atleast_2d(np.asarray(a, dtype=np.float64)))
                    for b0, a in chunks), key=lambda t: t[0])
    if not parts:
        raise DataError("no replicates: run gap_replicates for at least one reference set")
    expect = 0
    for b0, arr in parts:
        if arr.shape[1] != K:
            raise DataError(f"a chunk has {arr.shape[1]} values of k, the data {K}")
        if b0 != expect:
            raise DataError(f"the chunks must cover replicates 0..B-1 once each: replicate "
                            f"{min(b0, expect)} is {'missing' if b0 > expect else 'repeated'}")
        expect = b0 + arr.shape[0]
    return np.vstack([a for _, a in parts])


def gap_statistic(
    X: object,
    method: str | FunCluster = "ward",
    metric: str = "euclidean",
    k_max: int = 12,
    n_refs: int = 100,
    seed: int = 0,
    *,
    Z: np.ndarray | None = None,
    p: float = 2.0,
    d_power: float = 1.0,
    space_h0: str = "scaledPCA",
    rule: str = "firstSEmax",
    se_factor: float = 1.0,
    chunk_size: int = 10,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
) -> GapStatistic:
    """The gap statistic of Tibshirani, Walther & Hastie (2001) as R's ``cluster::clusGap``.

    For k = 1..K: log W_k of the data, and of B reference sets drawn uniformly in the box
    of `gap_reference` and clustered the same way; gap = mean(log W*_k) - log W_k; the k
    is picked by `max_se` (default "firstSEmax", SE factor 1, clusGap's print default).

    Parameters
    ----------
    X : array_like, shape (n, d)
    method : str or callable
        Linkage method (the tree of each data set is cut at every k, as
        ``fcluster(Z, k, 'maxclust')``), or a function ``(x, k) -> labels (n,)`` as R's
        ``FUNcluster`` (must be picklable to run in other processes).
    metric : str
        Metric of the linkage. W_k itself always uses euclidean distances (as clusGap's
        ``dist(xs)``), raised to ``d_power``.
    k_max : int
        K, with ``2 <= K < n``.
    n_refs : int
        B >= 1 (B >= 2 for standard errors).
    seed : int
        Replicate b uses ``SeedSequence(seed, spawn_key=(b,))``.
    Z : ndarray, shape (n - 1, 4), optional
        The tree of X, when already built (saves one linkage).
    space_h0 : {"scaledPCA", "original"}
    rule, se_factor
        Passed to `max_se`.
    chunk_size : int
        Replicates per task.
    executor : concurrent.futures.Executor, optional
        Runs the chunks (e.g. a ProcessPoolExecutor); serially when None.
    progress : callable(fraction, text), optional

    Returns
    -------
    GapStatistic

    Notes
    -----
    Cost: (B + 1) x (one linkage of n rows + one O(n^2 (d + K)) pass for W_k).
    R's cutree gives exactly k clusters by merge order even with tied heights; maxclust
    (used here, as the page) may give fewer: with tie-free data both agree.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.vstack([rng.normal(c, 0.3, (20, 2)) for c in ((0, 0), (5, 0), (0, 5))])
    >>> g = gap_statistic(X, "ward", k_max=5, n_refs=10, seed=1)
    >>> g.k_best, g.rule
    (3, 'firstSEmax')
    """
    Xv = validate_matrix(X)
    n = Xv.shape[0]
    k_max = _check_k_max(k_max, n)
    _check_clusterer(method, metric)
    n_refs = _whole(n_refs, "the number of reference sets B")
    if n_refs < 1:
        raise DataError(f"the number of reference sets B must be at least 1, got {n_refs}")
    seed = _check_seed(seed)
    d_power = _check_d_power(d_power)
    if rule not in GAP_RULES:
        raise DataError(f"unknown rule {rule!r}: choose one of {', '.join(GAP_RULES)}")
    plan = replicate_chunks(n_refs, chunk_size)
    reference = gap_reference(Xv, space_h0)

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    report(0.0, "clustering the data")
    log_w = gap_observed(Xv, method, metric, k_max, Z=Z, p=p, d_power=d_power)
    args = (method, metric, k_max)
    done = _run_chunks(reference, args, plan, n_refs, seed, p, d_power, executor, report)
    return gap_reduce(log_w, done, rule=rule, se_factor=se_factor)


def _run_chunks(reference: GapReference, args: tuple, plan: list[tuple[int, int]], n_refs: int,
                seed: int, p: float, d_power: float, executor: Executor | None,
                report: ProgressCallback) -> list[tuple[int, np.ndarray]]:
    """`gap_replicates` for every chunk ``(b0, b1)`` of the plan -> ``[(b0, log W), ...]``.

    Serially in plan order when ``executor`` is None (progress per reference set), else all
    chunks submitted at once and collected in plan order (progress per chunk).
    """
    done: list[tuple[int, np.ndarray]] = []
    if executor is None:
        for b0, b1 in plan:
            done.append((b0, gap_replicates(reference, *args, b0, b1, seed=seed, p=p,
                                            d_power=d_power)))
            report(b1 / n_refs, f"{b1} of {n_refs} reference sets")
    else:
        futures = {executor.submit(gap_replicates, reference, *args, b0, b1, seed=seed, p=p,
                                   d_power=d_power): b0 for b0, b1 in plan}
        for count, fut in enumerate(futures, start=1):
            done.append((futures[fut], fut.result()))
            report(count / len(plan), f"{count} of {len(plan)} chunks")
    return done
