"""Samples of rows that keep every group visible (for scatters and heatmaps of big tables)."""

from __future__ import annotations

import numpy as np

from clustering.errors import DataError

__all__ = ["replicate_chunks", "sample_per_group"]


def sample_per_group(groups: np.ndarray, max_points: int, *, seed: int = 0) -> np.ndarray:
    """Row indices of a sample of at most ``max_points`` rows that keeps every group visible.

    Each group gets at least one row (while there is room: with more groups than
    ``max_points``, the largest groups get one each), the rest of the budget is shared in
    proportion to group size, and the rows within a group are drawn at random with a fixed
    seed, so the same data gives the same picture.

    Parameters
    ----------
    groups : ndarray, shape (n,), int
        Stratum of each row: a cluster, or a micro-cluster (every cluster at every cut is a
        union of micro-clusters, so a sample with every micro-cluster shows every cluster).
    max_points : int
        Sample size cap (>= 1).
    seed : int

    Returns
    -------
    ndarray, shape (s,), int64
        Sorted row indices, ``s = min(n, max_points)``; ``arange(n)`` when everything fits.

    Examples
    --------
    >>> g = np.r_[np.zeros(1000, int), np.ones(3, int)]
    >>> idx = sample_per_group(g, 100)
    >>> len(idx), sorted(set(g[idx].tolist()))
    (100, [0, 1])
    """
    groups = np.asarray(groups)
    n = groups.size
    max_points = int(max_points)
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    uniq, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    g = uniq.size
    if g >= max_points:
        quota = np.zeros(g, dtype=np.int64)
        # Largest groups first; ties by group order so the result is deterministic.
        quota[np.argsort(-counts, kind="stable")[:max_points]] = 1
    else:
        spare = counts - 1
        room = max_points - g
        share = spare * (room / spare.sum())
        quota = 1 + np.floor(share).astype(np.int64)
        # Largest remainders take the few points that flooring left over.
        left = max_points - int(quota.sum())
        if left > 0:
            order = np.argsort(-(share - np.floor(share)), kind="stable")
            order = order[quota[order] < counts[order]][:left]
            quota[order] += 1
        quota = np.minimum(quota, counts)
    keys = np.random.default_rng(seed).random(n)
    order = np.lexsort((keys, inverse))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n) - np.repeat(starts, counts)
    keep = order[rank < np.repeat(quota, counts)]
    return np.sort(keep).astype(np.int64)


def replicate_chunks(n_replicates: int, chunk_size: int) -> list[tuple[int, int]]:
    """Split replicates ``0 .. n_replicates - 1`` into ``[b0, b1)`` chunks of at most
    ``chunk_size``: the units a job manager spreads over processes or workers (the gap
    statistic, bootstrap support, cluster stability seed each replicate by its index, so the
    chunking never changes a result).

    >>> replicate_chunks(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    for value, name in ((n_replicates, "the number of replicates"), (chunk_size, "chunk_size")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise DataError(f"{name} must be a whole number of at least 1, not {value!r}")
    n, size = int(n_replicates), int(chunk_size)
    return [(b, min(b + size, n)) for b in range(0, n, size)]
