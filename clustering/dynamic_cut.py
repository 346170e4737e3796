"""Dynamic tree cut: R's ``dynamicTreeCut::cutreeDynamic`` (Langfelder, Zhang and Horvath 2008).

Two methods, as version 1.63-1 of the R package (Debian's ``r-cran-dynamictreecut``)
implements them, quirks included, so the labels equal R's on the same tree:

- ``"tree"`` (``cutreeDynamicTree``): a static cut at ``cut_height``, then each branch is cut
  again where the sequence of leaf heights (the height at which each leaf first joins,
  read in dendrogram order) dips below its mean; ``deep_split=True`` repeats until stable.
- ``"hybrid"`` (``cutreeHybrid``): walks the merges bottom-up and keeps two branches apart
  when both are big enough, tight (core scatter) and well separated (gap); then, unless
  ``pam_stage=False``, assigns the leftover rows to the nearest cluster (by mean distance)
  as a PAM-like step. Needs the n x n distance matrix.

Label 0 means "unassigned"; clusters are numbered by size, largest = 1, as R numbers them.

R's tree from a SciPy Z
-----------------------
R's ``hclust`` writes each merge with a singleton before a cluster, two singletons
lower index first, two clusters earlier-formed first; in SciPy ids that is simply "smaller
id first", so each row's two children are sorted. R's ``$order`` is then the leaf order of
a depth-first walk from the root, first child first (``hcass2`` in R's ``hclust.f``), which
is ``leaves_list`` of the row-sorted Z. Both methods depend on it: "tree" reads leaf heights
in that order, "hybrid" breaks size ties between two branches by the first child. The merge
rows keep Z's order (increasing height), as hclust writes them when no heights are tied.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster
from scipy.spatial.distance import squareform

from clustering.errors import DataError
from clustering.linkage import METRICS, condensed_distances, validate_matrix
from clustering.tree_shape import _build_tree

__all__ = ["DYNAMIC_METHODS", "RTree", "dynamic_cut", "r_tree"]

logger = logging.getLogger(__name__)

DYNAMIC_METHODS = ("hybrid", "tree")

# cutreeHybrid's defaults per deepSplit 0..4: maximum core scatter and minimum gap, both as
# fractions of the height range between the 5% merge height and the cut height.
_DEFAULT_CORE_SCATTER = (0.64, 0.73, 0.82, 0.91, 0.95)
_DEFAULT_GAP = tuple((1 - s) * 3 / 4 for s in _DEFAULT_CORE_SCATTER)


@dataclass(frozen=True, eq=False)
class RTree:
    """A SciPy linkage tree in R's ``hclust`` conventions (1-based, as R prints them).

    Attributes
    ----------
    merge : ndarray, shape (n-1, 2), int64
        R's ``$merge``: ``-i`` is leaf ``i`` (1-based row), ``j > 0`` the cluster made by merge ``j``.
    height : ndarray, shape (n-1,), float64
        R's ``$height`` (= ``Z[:, 2]``).
    order : ndarray, shape (n,), int64
        R's ``$order``: 1-based rows in dendrogram order.
    """

    merge: np.ndarray
    height: np.ndarray
    order: np.ndarray

    @property
    def n(self) -> int:
        return int(self.order.shape[0])


def r_tree(Z: Any) -> RTree:
    """R's ``hclust`` ``merge``/``height``/``order`` for a SciPy linkage matrix.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        A SciPy linkage matrix.

    Returns
    -------
    RTree

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[3, 1, 1.0, 2], [0, 4, 2.0, 3], [2, 5, 4.0, 4]])
    >>> t = r_tree(Z)
    >>> t.merge.tolist(), t.order.tolist()
    ([[-2, -4], [-1, 1], [-3, 2]], [3, 1, 2, 4])
    """
    tree = _build_tree(Z)
    n = tree.n
    first = np.minimum(tree.left, tree.right)
    second = np.maximum(tree.left, tree.right)
    Zs = np.column_stack([first, second, tree.height, tree.count]).astype(np.float64)
    sorted_tree = _build_tree(Zs)
    order = np.empty(n, dtype=np.int64)
    order[sorted_tree.start[:n]] = np.arange(n)

    def to_r(ids: np.ndarray) -> np.ndarray:
        return np.where(ids < n, -(ids + 1), ids - n + 1)

    merge = np.column_stack([to_r(first), to_r(second)]).astype(np.int64)
    return RTree(merge, tree.height.copy(), order + 1)


# --------------------------------------------------------------------------- validation


def _check_int(name: str, value: Any, low: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{name} must be a whole number ({what}), got {value!r}")
    if value < low:
        raise DataError(f"{name} must be at least {low} ({what}), got {value}")
    return int(value)


def _check_float(name: str, value: Any, *, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{name} must be a number or None (R's default), got {value!r}")
    if not math.isfinite(float(value)):
        raise DataError(f"{name} must be a finite number or None (R's default), got {value!r}")
    return float(value)


def _symmetric(arr: np.ndarray, block: int = 256) -> bool:
    """``allclose(arr, arr.T)`` (rtol 1e-10) tile by tile: no n x n temporaries."""
    n = arr.shape[0]
    for i in range(0, n, block):
        for j in range(i, n, block):  # tile against mirrored tile: both stay in cache
            upper = arr[i:i + block, j:j + block]
            lower = arr[j:j + block, i:i + block].T
            if (np.abs(upper - lower) > 1e-12 + 1e-10 * np.abs(lower)).any():
                return False
    return True


def _square_distances(D: Any, n: int) -> np.ndarray:
    """D as a float64 (n, n) symmetric array with zero diagonal, or a DataError."""
    try:
        arr = np.asarray(D, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("the distance matrix must hold numbers only") from None
    if arr.ndim == 1:
        if arr.shape[0] != n * (n - 1) // 2:
            raise DataError(
                f"a condensed distance vector for {n} rows has {n * (n - 1) // 2} entries, "
                f"got {arr.shape[0]}: pass pdist(X) of the rows the tree was built from"
            )
        arr = squareform(arr)
    elif arr.ndim != 2 or arr.shape != (n, n):
        raise DataError(
            f"the distance matrix must be {n} x {n} (one row and column per leaf of the tree) "
            f"or condensed (pdist), or the rows {n} x d; got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise DataError("the distance matrix has missing or infinite values: fix them first")
    if (arr < 0).any():
        raise DataError("the distance matrix has negative entries: distances must be >= 0")
    if not _symmetric(arr):
        raise DataError("the distance matrix is not symmetric: D[i, j] must equal D[j, i] "
                        "(data with as many columns as rows: pass it as X=)")
    if np.any(np.diag(arr) != 0):
        arr = arr.copy()
        np.fill_diagonal(arr, 0.0)  # as cutreeHybrid does
    return arr


# --------------------------------------------------------------------------- "tree" method


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


def _rank_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel positive labels 1.. by size, largest first, ties by label (R's stable sort)."""
    out = np.zeros_like(labels)
    values, counts = np.unique(labels[labels > 0], return_counts=True)
    for rank, idx in enumerate(np.argsort(-counts, kind="stable"), start=1):
        out[labels == values[idx]] = rank
    return out


def _cut_tree_method(Z: np.ndarray, rt: RTree, cut_height: float | None,
                     deep_split: bool, min_size: int) -> np.ndarray:
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


# --------------------------------------------------------------------------- "hybrid" method


def _core_size(branch_size: int, min_cluster_size: int) -> int:
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


def _cut_hybrid(rt: RTree, D: np.ndarray, *, cut_height: float | None, min_cluster_size: int,
                deep_split: int, max_core_scatter: float | None, min_gap: float | None,
                max_abs_core_scatter: float | None, min_abs_gap: float | None,
                min_split_height: float | None, min_abs_split_height: float | None,
                pam_stage: bool, pam_respects_dendro: bool, max_pam_dist: float | None,
                respect_small_clusters: bool) -> np.ndarray:
    n = rt.n
    height = rt.height
    n_merge = n - 1
    ref_merge = max(1, round(n_merge * 0.05))  # R's round: half to even, as Python's
    ref_height = float(height[ref_merge - 1])
    top = float(height.max())
    user_cut = cut_height
    if cut_height is None:
        cut_height = 0.99 * (top - ref_height) + ref_height
    elif cut_height > top:
        cut_height = top
    if max_pam_dist is None:
        # cutreeDynamic passes its own cutHeight argument on: the user's, unclamped.
        max_pam_dist = user_cut if user_cut is not None else cut_height
    if int((height <= cut_height).sum()) < min_cluster_size:
        logger.info("dynamic cut: cut height %.3g too low, every row unassigned", cut_height)
        return np.zeros(n, dtype=np.int64)

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

    branches: list[_Branch] = [None]  # type: ignore[list-item]  # 1-based like R
    merge_branch = np.zeros(n_merge + 1, dtype=np.int64)
    on_branch = np.zeros(n, dtype=np.int64)
    mcs = min_cluster_size

    for m in range(1, n_merge + 1):
        h = float(height[m - 1])
        if h > cut_height:
            continue
        a, b = int(rt.merge[m - 1, 0]), int(rt.merge[m - 1, 1])
        if a < 0 and b < 0:
            branches.append(_Branch([-a - 1, -b - 1], None, 2))
            merge_branch[m] = len(branches) - 1
        elif (a < 0) != (b < 0):
            clust = int(merge_branch[max(a, b)])
            leaf = -min(a, b) - 1
            br = branches[clust]
            if br.basic:
                br.singletons.append(leaf)
            else:
                on_branch[leaf] = clust
            br.size += 1
            merge_branch[m] = clust
        else:
            c1, c2 = int(merge_branch[a]), int(merge_branch[b])
            # rank(sizes, ties.method = "first"): the first child is "small" on a tie
            small, large = (c1, c2) if branches[c1].size <= branches[c2].size else (c2, c1)
            S, L = branches[small], branches[large]

            limits = (mcs, max_abs_core_scatter, min_abs_gap, min_abs_split_height)
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
                merge_branch[m] = large
            else:
                if L.basic and not S.basic:
                    small, large, S, L = large, small, L, S
                if L.basic or (pam_stage and pam_respects_dendro):
                    S.attach_height = L.attach_height = h
                    add = [small] if S.basic else list(S.basics)
                    add += [large] if L.basic else list(L.basics)
                    branches.append(_Branch(None, add, S.size + L.size))
                    merge_branch[m] = len(branches) - 1
                else:
                    L.basics = L.basics + ([small] if S.basic else list(S.basics))
                    L.size += S.size
                    S.attach_height = h
                    merge_branch[m] = large

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
    if not respect_small_clusters:
        small_labels[:] = 0

    colours = np.zeros(n, dtype=np.int64)
    branch_label = np.zeros(n_branches + 1, dtype=np.int64)
    for colour, c in enumerate(np.flatnonzero(is_cluster), start=1):
        colours[branches[c].singletons] = colour
        small_labels[branches[c].singletons] = 0
        branch_label[c] = colour
    n_proper = int(colours.max()) if n else 0

    if pam_stage and (colours == 0).any() and n_proper > 0:
        colours = _pam_stage(D, colours, small_labels, on_branch, branches, branch_label,
                             n_proper, pam_respects_dendro, max_pam_dist,
                             respect_small_clusters)
    colours[colours < 0] = 0
    return _rank_by_size(colours)


def _pam_stage(D: np.ndarray, colours: np.ndarray, small_labels: np.ndarray,
               on_branch: np.ndarray, branches: list[_Branch], branch_label: np.ndarray,
               n_proper: int, respects_dendro: bool, max_pam_dist: float,
               respect_small: bool) -> np.ndarray:
    """cutreeHybrid's PAM stage without medoids: nearest cluster by mean distance."""
    before = colours.copy()
    diameter = np.zeros(n_proper + 1)
    for c in range(1, n_proper + 1):
        members = np.flatnonzero(before == c)
        if members.size > 1:
            diameter[c] = (D[np.ix_(members, members)].sum(axis=0) / (members.size - 1)).max()
    out = colours.copy()

    def candidates(branch: int) -> np.ndarray:
        """Cluster labels a row may join: those on its branch, or all when not respecting it.

        R also lets a branch's unlabelled rows compete as "cluster 0" and then stops with an
        error when they are nearest; they are left out here, which changes nothing else.
        """
        if not respects_dendro:
            return np.arange(1, n_proper + 1)
        labels = np.unique(branch_label[branches[branch].basics])
        return labels[labels > 0]

    def nearest(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each row, the closest of ``labels`` by mean distance to its members, and that mean."""
        means = np.empty((rows.size, labels.size))
        for j, lab in enumerate(labels):
            members = np.flatnonzero(before == lab)
            means[:, j] = D[np.ix_(rows, members)].mean(axis=1)
        best = means.argmin(axis=1)  # first minimum, as which.min
        return labels[best], means[np.arange(rows.size), best]

    if respect_small:
        for sc in np.unique(small_labels[small_labels != 0]):
            rows = np.flatnonzero(small_labels == sc)
            if respects_dendro:
                br = np.unique(on_branch[rows])
                if br.size > 1 or br[0] == 0:
                    continue
                labels = candidates(int(br[0]))
            else:
                labels = candidates(0)
            if labels.size == 0:
                continue
            # one decision for the whole small cluster: mean over its rows, then over members
            means = np.array([D[np.ix_(rows, np.flatnonzero(before == lab))].mean(axis=0).mean()
                              for lab in labels])
            best = int(means.argmin())
            lab, dist = int(labels[best]), float(means[best])
            out[rows] = lab if (dist < diameter[lab] or dist < max_pam_dist) else -1

    unlabelled = np.flatnonzero(out == 0)
    if unlabelled.size:
        if respects_dendro:
            groups = [(int(b), unlabelled[on_branch[unlabelled] == b])
                      for b in np.unique(on_branch[unlabelled]) if b > 0]
        else:
            groups = [(0, unlabelled)]
        for b, rows in groups:
            labels = candidates(b)
            if labels.size == 0 or rows.size == 0:
                continue
            lab, dist = nearest(rows, labels)
            ok = (dist < diameter[lab]) | (dist < max_pam_dist)
            out[rows[ok]] = lab[ok]
    return out


# --------------------------------------------------------------------------- public


def dynamic_cut(
    Z: Any,
    D: Any = None,
    *,
    X: Any = None,
    metric: str = "euclidean",
    p: float = 2.0,
    method: str = "hybrid",
    min_cluster_size: int = 20,
    deep_split: int | bool | None = None,
    cut_height: float | None = None,
    pam_stage: bool = True,
    pam_respects_dendro: bool = True,
    max_core_scatter: float | None = None,
    min_gap: float | None = None,
    max_abs_core_scatter: float | None = None,
    min_abs_gap: float | None = None,
    min_split_height: float | None = None,
    min_abs_split_height: float | None = None,
    max_pam_dist: float | None = None,
    respect_small_clusters: bool = True,
) -> np.ndarray:
    """Labels from R's ``cutreeDynamic(hclust, distM = D, ...)`` for a SciPy linkage matrix.

    Defaults are R's: ``min_cluster_size=20``; ``deep_split`` 1 for "hybrid", False for
    "tree"; ``cut_height`` for "hybrid" 99% of the range between the height of merge
    ``round(0.05 (n-1))`` and the top merge, for "tree" 99% of the top merge height.

    Parameters
    ----------
    Z : array_like, shape (n-1, 4)
        SciPy linkage matrix with non-decreasing heights (no inversions).
    D : array_like, shape (n, n) or (n(n-1)/2,), or (n, d), optional
        The distances the tree was built from (square or ``pdist`` form), or the rows
        themselves (the issue's ``D_or_X``): an (n, d) array with d != n is read as rows, as
        ``X``. Needed by "hybrid", which holds the distances as an n x n float64 matrix
        (8 n^2 bytes: 200 MB at n = 5,000). An (n, n) array is always read as distances:
        pass data with as many columns as rows as ``X=``.
    X : array_like, shape (n, d), optional
        Instead of D: the rows the tree was built from, with ``metric`` (one of
        `clustering.linkage.METRICS`) and ``p`` (minkowski), as `compute_linkage` takes them.
    method : {"hybrid", "tree"}
    min_cluster_size : int >= 1
    deep_split : int 0..4 for "hybrid" (a bool is read as R reads it: True = 3), bool for "tree".
    cut_height : float, optional
        Merges above it are never inside a cluster (R's ``cutHeight``).
    pam_stage, pam_respects_dendro, respect_small_clusters : bool
        "hybrid" only: assign leftover rows to the nearest cluster, only within their branch,
        and keep small branches together when doing so.
    max_core_scatter, min_gap, max_abs_core_scatter, min_abs_gap, min_split_height, \
min_abs_split_height, max_pam_dist : float, optional
        "hybrid" only: R's thresholds; None derives them from ``deep_split`` and ``cut_height``.

    Returns
    -------
    ndarray, shape (n,), int64
        0 = unassigned, clusters 1..K by decreasing size (ties as R breaks them).

    Raises
    ------
    DataError
        Bad arguments, an invalid Z, a Z with inversions, or a distance matrix of the wrong shape.

    Notes
    -----
    Not ported: R's ``useMedoids = TRUE`` and external split functions. R falls back to "tree"
    when "hybrid" gets no ``distM``; this raises instead.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> from scipy.spatial.distance import pdist
    >>> X = np.r_[np.arange(6.0), np.arange(6.0) + 20][:, None]
    >>> Z = linkage(X, "average")
    >>> dynamic_cut(Z, pdist(X), min_cluster_size=3).tolist()
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    >>> dynamic_cut(Z, X, min_cluster_size=3).tolist()  # the rows (n, d) instead of distances
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    """
    if method not in DYNAMIC_METHODS:
        raise DataError(f"method must be one of {', '.join(DYNAMIC_METHODS)}; got {method!r}")
    rt = r_tree(Z)
    n = rt.n
    if np.any(np.diff(rt.height) < 0):
        raise DataError(
            "dynamic tree cut needs merge heights that never decrease; this tree has inversions "
            "(centroid or median linkage): choose another linkage method"
        )
    min_cluster_size = _check_int("min_cluster_size", min_cluster_size, 1,
                                  "the smallest number of rows a cluster may have")
    cut_height = _check_float("cut_height", cut_height)
    for name, flag in (("pam_stage", pam_stage), ("pam_respects_dendro", pam_respects_dendro),
                       ("respect_small_clusters", respect_small_clusters)):
        if not isinstance(flag, (bool, np.bool_)):
            raise DataError(f"{name} must be True or False, got {flag!r}")
    thresholds = {
        "max_core_scatter": max_core_scatter, "min_gap": min_gap,
        "max_abs_core_scatter": max_abs_core_scatter, "min_abs_gap": min_abs_gap,
        "min_split_height": min_split_height, "min_abs_split_height": min_abs_split_height,
        "max_pam_dist": max_pam_dist,
    }
    thresholds = {k: _check_float(k, v) for k, v in thresholds.items()}

    if method == "tree":
        if D is not None:
            logger.debug("dynamic cut: the tree method does not use the distances")
        if deep_split is None:
            deep_split = False
        if not isinstance(deep_split, (bool, np.bool_)):
            raise DataError(f'deep_split must be True or False for method "tree", got {deep_split!r}')
        if min_cluster_size < 2:
            raise DataError("min_cluster_size must be at least 2 for method \"tree\" "
                            "(R's tree method fails on one-row modules)")
        return _cut_tree_method(np.asarray(Z, dtype=np.float64), rt, cut_height,
                                bool(deep_split), min_cluster_size)

    if D is not None and X is not None:
        raise DataError("give the distances D or the rows X, not both")
    if D is not None and X is None and np.ndim(D) == 2 and np.shape(D)[0] == n \
            and np.shape(D)[1] != n:
        D, X = None, D  # (n, d): the rows, not an n x n distance matrix
    if X is not None:
        if metric not in METRICS:
            raise DataError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
        X = validate_matrix(X)
        if X.shape[0] != n:
            raise DataError(f"X has {X.shape[0]} rows but the tree has {n} leaves: pass the rows "
                            "the tree was built from")
        D = condensed_distances(X, metric, _check_float("p", p, allow_none=False))
    if D is None:
        raise DataError(
            'method "hybrid" needs the distances the tree was built from (D, n x n or pdist '
            'form, or the rows X and their metric); pass them, or choose method "tree"'
        )
    if deep_split is None:
        deep_split = 1
    if isinstance(deep_split, (bool, np.bool_)):
        deep_split = 3 if deep_split else 0  # as cutreeHybrid reads a logical
    deep_split = _check_int("deep_split", deep_split, 0, "0 to 4, higher splits more")
    if deep_split > 4:
        raise DataError(f"deep_split must be 0, 1, 2, 3 or 4 (higher splits more), got {deep_split}")
    D = _square_distances(D, n)
    return _cut_hybrid(rt, D, cut_height=cut_height, min_cluster_size=min_cluster_size,
                       deep_split=deep_split, pam_stage=bool(pam_stage),
                       pam_respects_dendro=bool(pam_respects_dendro),
                       respect_small_clusters=bool(respect_small_clusters), **thresholds)
