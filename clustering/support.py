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

One import for all of it, kept in modules by their job:

* ``clustering.support_checks``: the names (:data:`SUPPORT_METHODS`, :data:`SUPPORT_METRICS`,
  :func:`pvclust_arguments`, :data:`DEFAULT_SCALES`) and the argument checks;
* ``clustering.support_trees``: distances as pvclust defines them, a replicate's tree, clade keys;
* ``clustering.support_plan``: :func:`plan_support` (:class:`SupportPlan`);
* ``clustering.support_counts``: :func:`count_clades` (:class:`SupportCounts`);
* ``clustering.support_fit``: :func:`multiscale_fit` (pvclust's msfit);
* ``clustering.support_summary``: :func:`summarise_support` (:class:`MergeSupport`),
  :func:`pick_clades`.

The classes keep ``clustering.support`` as their module, so pickles name them as before.

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
from collections.abc import Callable, Sequence

import numpy as np

from clustering.sampling import replicate_chunks
from clustering.support_checks import (
    DEFAULT_SCALES,
    SUPPORT_METHODS,
    SUPPORT_METRICS,
    pvclust_arguments,
)
from clustering.support_counts import SupportCounts, count_clades
from clustering.support_fit import multiscale_fit
from clustering.support_plan import SupportPlan, plan_support
from clustering.support_summary import MergeSupport, pick_clades, summarise_support

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
