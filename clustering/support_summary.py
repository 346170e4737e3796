"""Merge support's result: the summed counts as AU/BP per merge (:func:`summarise_support`,
:class:`MergeSupport`) and the clades pvpick outlines (:func:`pick_clades`).
Part of :mod:`clustering.support`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.support_counts import SupportCounts
from clustering.support_fit import multiscale_fit
from clustering.support_plan import SupportPlan


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

    # Pickles (background jobs, Celery, caches) name the class by module: keep the one it
    # was defined in before support.py was split, which re-exports it.
    __module__ = "clustering.support"

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
    >>> from clustering.support import count_clades, plan_support
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
