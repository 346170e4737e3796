"""The dynamic tree cut's "tree" method: R's ``cutreeDynamicTree`` (dynamicTreeCut 1.63-1).

A static cut at ``cut_height``, then each branch is cut again where the sequence of leaf
heights (the height at which each leaf first joins, read in dendrogram order) dips below its
mean; ``deep_split=True`` repeats until stable. The entry point is
:func:`clustering.dynamic_cut.dynamic_cut`, which checks the arguments first.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster

from clustering.dynamic_rtree import RTree, _rank_by_size

__all__: list[str] = []  # helpers of clustering.dynamic_cut only


def _locate_clusters(labels: np.ndarray) -> list[tuple[int, int]]:
    """R's ``.locateCluster``: runs of positive labels as 1-based (start, end) positions."""
    N = labels.shape[0]
    shifted = np.concatenate([labels[:1], labels[:-1]])
    diff = np.abs(labels - shifted)
    if labels[0] > 0:
        diff[0] = 1
    if labels[-1] > 0:
        diff[-1] = 1
    flags = np.flatnonzero(diff > 0) + 1
    if flags.size == 0:
        return []
    if flags.size == 1:  # R fails here (a one-leaf module at the very end); keep it
        return [(int(flags[0]), N)] if labels[flags[0] - 1] > 0 else []
    runs = []
    for i in range(flags.size - 1):
        idx = int(flags[i])
        if labels[idx - 1] > 0:
            if flags[i + 1] == N:
                runs.append((idx, N))
                break
            runs.append((idx, int(flags[i + 1]) - 1))
    return runs


def _trailing_non_positive(seq: np.ndarray) -> int:
    """R's ``.runlengthSign(seq, -1, -1)``: how many values at the end are <= 0."""
    positive = np.flatnonzero(seq[::-1] > 0)
    return int(positive[0]) if positive.size else 0


def _split_branch(h: np.ndarray, min_size: int, use_mean: int = 0) -> list[tuple[int, int]]:
    """R's ``.processIndividualCluster`` on one branch's leaf heights; 1-based (start, end)."""
    N = h.shape[0]
    if N < 2:
        return [(1, N)]
    attach = 2 * min_size
    min_tail = int(min_size / 3) + 1
    mean = h.mean()
    ref = {0: mean, 1: (mean + h.max()) / 2, -1: (mean + h.min()) / 2}[use_mean]
    d = h - ref
    nxt = np.concatenate([d[1:], d[-1:]])
    cuts = (d < 0) & (nxt > 0)
    cuts[0] = True
    cuts[-1] = True

    def retry() -> list[tuple[int, int]]:
        if use_mean == 0:
            return _split_branch(h, min_size, 1)
        if use_mean == 1:
            return _split_branch(h, min_size, -1)
        return [(1, N)]

    if cuts.sum() == 2:
        return retry()
    pos = np.flatnonzero(cuts) + 1  # 1-based, as R
    cuts2 = cuts.copy()
    for i in range(1, pos.size - 1):
        if _trailing_non_positive(d[pos[i - 1]:pos[i]]) < min_tail:
            cuts2[pos[i] - 1] = False
    if cuts2.sum() > 3:
        j = 2  # R's curj: modules are (P[j-1], P[j]] and (P[j], P[j+1]]
        while True:
            P = np.flatnonzero(cuts2) + 1
            if j > P.size - 1:
                break
            pre_s, pre_e = P[j - 2] + 1, P[j - 1]
            cur_s, cur_e = P[j - 1] + 1, P[j]
            pre_h = h[pre_s - 1:pre_e].mean()
            cur_h = h[cur_s - 1:cur_e].mean()
            if cur_h < pre_h and (cur_e - cur_s + 1) < attach:
                cuts2[P[j - 1] - 1] = False
            else:
                j += 1
    P = np.flatnonzero(cuts2) + 1
    if P.size > 2 and (P[-1] - P[-2] + 1) < min_size:
        cuts2[P[-2] - 1] = False
    P = np.flatnonzero(cuts2) + 1
    P[0] -= 1
    if P.size > 2:
        runs = [(int(P[j]) + 1, int(P[j + 1])) for j in range(P.size - 1)]
    else:
        runs = [(1, N)]
    if len(runs) == 1 and use_mean != -1:
        return retry()
    return runs


def _cut_tree_method(Z: np.ndarray, rt: RTree, cut_height: float | None,
                     deep_split: bool, min_size: int) -> np.ndarray:
    """R's ``cutreeDynamicTree``: labels 0..K (0 = unassigned, 1 = largest), one per row."""
    n = rt.n
    top = float(rt.height.max())
    if cut_height is None or cut_height > top:
        cut_height = 0.99 * top
    static = fcluster(Z, cut_height, criterion="distance")  # = R's cutree(h=) on monotone trees
    sizes = np.bincount(static)
    static = np.where(sizes[static] >= min_size, static, -1)
    leaf_height = np.empty(n)
    for col in (0, 1):
        leaves = rt.merge[:, col] < 0
        leaf_height[-rt.merge[leaves, col] - 1] = rt.height[leaves]
    order = rt.order - 1
    h = leaf_height[order]
    static_runs = _locate_clusters(static[order].astype(np.float64))
    if not static_runs:
        return np.zeros(n, dtype=np.int64)
    while True:
        runs = []
        for s, e in static_runs:
            runs += [(a + s - 1, b + s - 1) for a, b in _split_branch(h[s - 1:e], min_size)]
        if not deep_split or len(runs) == len(static_runs):
            break
        static_runs = runs
    by_position = np.zeros(n, dtype=np.int64)
    count = 0
    for s, e in runs:
        if e - s + 1 >= min_size:
            count += 1
            by_position[s - 1:e] = count
    # R returns NA for every row when no module survives; unassigned says the same here.
    labels = np.empty(n, dtype=np.int64)
    labels[order] = _rank_by_size(by_position)
    return labels
