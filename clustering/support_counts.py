"""Merge support's Monte Carlo part: the clade hits of a range of replicates
(:func:`count_clades`, :class:`SupportCounts`). Part of :mod:`clustering.support`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.errors import DataError
from clustering.support_plan import SupportPlan
from clustering.support_trees import _clade_keys, _tree


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

    # Pickles (background jobs, Celery, caches) name the class by module: keep the one it
    # was defined in before support.py was split, which re-exports it.
    __module__ = "clustering.support"

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
    >>> from clustering.support import plan_support
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
