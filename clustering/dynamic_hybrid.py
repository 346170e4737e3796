"""The dynamic tree cut's "hybrid" method: R's ``cutreeHybrid`` (dynamicTreeCut 1.63-1).

It walks the merges bottom-up and keeps two branches apart when both are big enough, tight
(core scatter) and well separated (gap); then, unless ``pam_stage=False``, assigns the
leftover rows to the nearest cluster (:mod:`clustering.dynamic_pam`). Needs the n x n
distance matrix. The entry point is :func:`clustering.dynamic_cut.dynamic_cut`, which checks
the arguments first.

The steps of :func:`_cut_hybrid`: the reference and cut heights (:func:`_cut_and_reference`),
the absolute thresholds (:func:`_absolute_limits`), the branches (:func:`_grow_branches`, one
merge at a time: :func:`_add_leaf`, :func:`_join_branches`), which branches are clusters
(:func:`_judge_branches`, :func:`_colour_clusters`), the PAM stage, R's numbering.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from clustering.dynamic_pam import _pam_stage
from clustering.dynamic_rtree import RTree, _rank_by_size

__all__: list[str] = []  # helpers of clustering.dynamic_cut only

# The entry point's logger, as before the method had a module of its own.
logger = logging.getLogger("clustering.dynamic_cut")

# cutreeHybrid's defaults per deepSplit 0..4: maximum core scatter and minimum gap, both as
# fractions of the height range between the 5% merge height and the cut height.
_DEFAULT_CORE_SCATTER = (0.64, 0.73, 0.82, 0.91, 0.95)
_DEFAULT_GAP = tuple((1 - s) * 3 / 4 for s in _DEFAULT_CORE_SCATTER)

#: (min_cluster_size, max_abs_core_scatter, min_abs_gap, min_abs_split_height), as _fails takes them
_Limits = tuple[int, float, float, float]


# --------------------------------------------------------------------------- branches


def _core_size(branch_size: int, min_cluster_size: int) -> int:
    """How many of a branch's first-joined leaves make its core."""
    base = min_cluster_size / 2 + 1
    if base < branch_size:
        return int(base + math.sqrt(branch_size - base))
    return branch_size


def _core_scatter(D: np.ndarray, singletons: list[int], min_cluster_size: int) -> float:
    """Mean distance within a branch's core: its first-joined leaves."""
    c = _core_size(len(singletons), min_cluster_size)
    core = np.asarray(singletons[:c])
    return float(D[np.ix_(core, core)].sum() / (c * (c - 1)))


class _Branch:
    """One of cutreeHybrid's branches; leaves are 0-based rows."""

    __slots__ = ("basic", "top_basic", "fail_size", "size", "singletons", "basics",
                 "attach_height")

    def __init__(self, singletons: list[int] | None, basics: list[int] | None, size: int):
        self.basic = singletons is not None
        self.top_basic = self.basic
        self.fail_size = False
        self.size = size
        self.singletons = singletons if singletons is not None else []
        self.basics = basics if basics is not None else []
        self.attach_height: float | None = None


def _fails(D: np.ndarray, br: _Branch, h: float, mcs: int, max_abs_core_scatter: float,
           min_abs_gap: float, min_abs_split_height: float) -> tuple[bool, bool]:
    """Must a basic branch be merged at height h? And is its only fault size or split height?"""
    if not br.basic:
        return False, False
    scatter = _core_scatter(D, br.singletons, mcs)
    loose = scatter > max_abs_core_scatter
    no_gap = h - scatter < min_abs_gap
    failing = (br.size < mcs) or loose or no_gap or (h < min_abs_split_height)
    return failing, not (loose or no_gap)


def _add_leaf(branches: list[_Branch], on_branch: np.ndarray, clust: int, leaf: int) -> int:
    """A merge of one leaf into branch ``clust``; returns the branch the merge belongs to."""
    br = branches[clust]
    if br.basic:
        br.singletons.append(leaf)
    else:
        on_branch[leaf] = clust
    br.size += 1
    return clust


def _join_branches(D: np.ndarray, branches: list[_Branch], on_branch: np.ndarray,
                   c1: int, c2: int, h: float, limits: _Limits,
                   pam_respects_branches: bool) -> int:
    """A merge of branches ``c1`` and ``c2`` (first child first) at height h.

    The smaller one is merged into the larger when either fails (:func:`_fails`); else both
    are kept apart, under a new composite branch when one of them is basic or when the PAM
    stage respects the dendrogram (``pam_respects_branches``), else under the larger one.
    Returns the branch the merge belongs to (``branches`` may grow by one).
    """
    # rank(sizes, ties.method = "first"): the first child is "small" on a tie
    small, large = (c1, c2) if branches[c1].size <= branches[c2].size else (c2, c1)
    S, L = branches[small], branches[large]

    do_merge, fail_size = _fails(D, S, h, *limits)
    if not do_merge:
        do_merge, fail_size = _fails(D, L, h, *limits)
        if do_merge:
            small, large, S, L = large, small, L, S
    if do_merge:
        S.fail_size = fail_size
        S.attach_height = h
        S.top_basic = False
        if L.basic:
            L.singletons = L.singletons + S.singletons
        else:
            on_branch[S.singletons] = large
        L.size += S.size
        return large
    if L.basic and not S.basic:
        small, large, S, L = large, small, L, S
    if L.basic or pam_respects_branches:
        S.attach_height = L.attach_height = h
        add = [small] if S.basic else list(S.basics)
        add += [large] if L.basic else list(L.basics)
        branches.append(_Branch(None, add, S.size + L.size))
        return len(branches) - 1
    L.basics = L.basics + ([small] if S.basic else list(S.basics))
    L.size += S.size
    S.attach_height = h
    return large


def _grow_branches(rt: RTree, D: np.ndarray, cut_height: float, limits: _Limits,
                   pam_respects_branches: bool) -> tuple[list[_Branch], np.ndarray]:
    """cutreeHybrid's branches from the merges at or below ``cut_height``, bottom-up.

    Returns the branches (1-based like R: entry 0 is None) and, per row, the composite
    branch it joined as a single leaf (0 = none).
    """
    n = rt.n
    height = rt.height
    n_merge = n - 1
    branches: list[_Branch] = [None]  # type: ignore[list-item]  # 1-based like R
    merge_branch = np.zeros(n_merge + 1, dtype=np.int64)
    on_branch = np.zeros(n, dtype=np.int64)

    for m in range(1, n_merge + 1):
        h = float(height[m - 1])
        if h > cut_height:
            continue
        a, b = int(rt.merge[m - 1, 0]), int(rt.merge[m - 1, 1])
        if a < 0 and b < 0:
            branches.append(_Branch([-a - 1, -b - 1], None, 2))
            merge_branch[m] = len(branches) - 1
        elif (a < 0) != (b < 0):
            merge_branch[m] = _add_leaf(branches, on_branch, int(merge_branch[max(a, b)]),
                                        -min(a, b) - 1)
        else:
            merge_branch[m] = _join_branches(D, branches, on_branch, int(merge_branch[a]),
                                             int(merge_branch[b]), h, limits,
                                             pam_respects_branches)
    return branches, on_branch


# --------------------------------------------------------------------------- heights and limits


def _cut_and_reference(rt: RTree, cut_height: float | None) -> tuple[float, float]:
    """The cut height (R's default, or the user's clamped to the top merge) and the reference
    height (the height of merge ``round(5%)``) that the default thresholds are scaled from."""
    height = rt.height
    n_merge = rt.n - 1
    ref_merge = max(1, round(n_merge * 0.05))  # R's round: half to even, as Python's
    ref_height = float(height[ref_merge - 1])
    top = float(height.max())
    if cut_height is None:
        cut_height = 0.99 * (top - ref_height) + ref_height
    elif cut_height > top:
        cut_height = top
    return cut_height, ref_height


def _absolute_limits(deep_split: int, cut_height: float, ref_height: float,
                     max_core_scatter: float | None, min_gap: float | None,
                     max_abs_core_scatter: float | None, min_abs_gap: float | None,
                     min_split_height: float | None, min_abs_split_height: float | None
                     ) -> tuple[float, float, float]:
    """``max_abs_core_scatter``, ``min_abs_gap``, ``min_abs_split_height``: the user's, or
    derived as R does from the relative ones (the user's, or R's defaults per ``deep_split``)."""
    if max_core_scatter is None:
        max_core_scatter = _DEFAULT_CORE_SCATTER[deep_split]
    if min_gap is None:
        min_gap = _DEFAULT_GAP[deep_split]
    if max_abs_core_scatter is None:
        max_abs_core_scatter = ref_height + max_core_scatter * (cut_height - ref_height)
    if min_abs_gap is None:
        min_abs_gap = min_gap * (cut_height - ref_height)
    if min_split_height is None:
        min_split_height = 0.0
    if min_abs_split_height is None:
        min_abs_split_height = ref_height + min_split_height * (cut_height - ref_height)
    return max_abs_core_scatter, min_abs_gap, min_abs_split_height


# --------------------------------------------------------------------------- clusters


def _judge_branches(D: np.ndarray, branches: list[_Branch], n: int, cut_height: float,
                    limits: _Limits) -> tuple[np.ndarray, np.ndarray]:
    """Which branches are clusters (big, tight, well apart), and the rows of the branches that
    were merged away for their size only (per row, its branch; 0 = none).

    Branches never merged get ``cut_height`` as their attach height.
    """
    mcs, max_abs_core_scatter, min_abs_gap, _ = limits
    n_branches = len(branches) - 1
    small_labels = np.zeros(n, dtype=np.int64)
    is_cluster = np.zeros(n_branches + 1, dtype=bool)
    for c in range(1, n_branches + 1):
        br = branches[c]
        if br.attach_height is None:
            br.attach_height = cut_height
        if br.top_basic:
            scatter = _core_scatter(D, br.singletons, mcs)
            is_cluster[c] = (br.size >= mcs and scatter < max_abs_core_scatter
                             and br.attach_height - scatter > min_abs_gap)
        if br.fail_size:
            small_labels[br.singletons] = c
    return is_cluster, small_labels


def _colour_clusters(branches: list[_Branch], is_cluster: np.ndarray,
                     small_labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows labelled 1.. by cluster branch in branch order (0 = none), and each branch's label.

    A cluster's rows are taken out of ``small_labels`` (in place).
    """
    colours = np.zeros(n, dtype=np.int64)
    branch_label = np.zeros(len(branches), dtype=np.int64)
    for colour, c in enumerate(np.flatnonzero(is_cluster), start=1):
        colours[branches[c].singletons] = colour
        small_labels[branches[c].singletons] = 0
        branch_label[c] = colour
    return colours, branch_label


# --------------------------------------------------------------------------- the method


def _cut_hybrid(rt: RTree, D: np.ndarray, *, cut_height: float | None, min_cluster_size: int,
                deep_split: int, max_core_scatter: float | None, min_gap: float | None,
                max_abs_core_scatter: float | None, min_abs_gap: float | None,
                min_split_height: float | None, min_abs_split_height: float | None,
                pam_stage: bool, pam_respects_dendro: bool, max_pam_dist: float | None,
                respect_small_clusters: bool) -> np.ndarray:
    """R's ``cutreeHybrid`` on checked arguments: labels 0..K (0 = unassigned, 1 = largest)."""
    n = rt.n
    height = rt.height
    user_cut = cut_height
    cut_height, ref_height = _cut_and_reference(rt, cut_height)
    if max_pam_dist is None:
        # cutreeDynamic passes its own cutHeight argument on: the user's, unclamped.
        max_pam_dist = user_cut if user_cut is not None else cut_height
    if int((height <= cut_height).sum()) < min_cluster_size:
        logger.info("dynamic cut: cut height %.3g too low, every row unassigned", cut_height)
        return np.zeros(n, dtype=np.int64)

    limits: _Limits = (min_cluster_size, *_absolute_limits(
        deep_split, cut_height, ref_height, max_core_scatter, min_gap, max_abs_core_scatter,
        min_abs_gap, min_split_height, min_abs_split_height))
    branches, on_branch = _grow_branches(rt, D, cut_height, limits,
                                         pam_stage and pam_respects_dendro)
    is_cluster, small_labels = _judge_branches(D, branches, n, cut_height, limits)
    if not respect_small_clusters:
        small_labels[:] = 0
    colours, branch_label = _colour_clusters(branches, is_cluster, small_labels, n)
    n_proper = int(colours.max()) if n else 0

    if pam_stage and (colours == 0).any() and n_proper > 0:
        colours = _pam_stage(D, colours, small_labels, on_branch, branches, branch_label,
                             n_proper, pam_respects_dendro, max_pam_dist,
                             respect_small_clusters)
    colours[colours < 0] = 0
    return _rank_by_size(colours)
