"""Two trees over the same rows, compared: Baker's gamma, cophenetic correlation, untangling.

The numbers are R dendextend's (``cor_bakers_gamma``, ``cor_cophenetic``, ``entanglement``,
``untangle(method = "step1side")``) for two ``hclust`` objects built from the two linkage
matrices, leaves matched by row (leaf ``i`` of ``Z1`` is leaf ``i`` of ``Z2``).

Every pair of rows ``i < j`` is visited once, in blocks, so memory stays O(n) per block
whatever n is; time is O(n^2) (the definitions are over all pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import cophenet

from clustering.cut_index import tree_index
from clustering.errors import DataError
from clustering.tree_shape import _range_max

__all__ = [
    "Untangled",
    "bakers_gamma",
    "cophenetic_between",
    "crossings",
    "entanglement",
    "untangle",
]

#: Pairs per block in the pair loops: a few arrays of this many int64/float64 alive at once.
_BLOCK_PAIRS = 1_000_000


def _two_trees(Z1: Any, Z2: Any) -> tuple[Any, Any]:
    i1, i2 = tree_index(Z1), tree_index(Z2)
    if i1.n != i2.n:
        raise DataError(
            f"the two trees must have the same rows: the first has {i1.n} leaves, "
            f"the second {i2.n}"
        )
    return i1, i2


def _lca_rows(index: Any, pos: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Row of Z that first joins leaves ``i`` and ``j`` (``i != j``), elementwise.

    The lowest common ancestor of two leaves is the latest merge among the gaps between
    their positions, because a parent's row always comes after its children's.
    """
    pi, pj = pos[i], pos[j]
    lo = np.minimum(pi, pj)
    hi = np.maximum(pi, pj)
    return _range_max(index._tree.gap_row, lo, hi)


def _with_heights(index: Any, values: np.ndarray) -> np.ndarray:
    tree = index._tree
    return np.column_stack([tree.left, tree.right, values, tree.count]).astype(np.float64)


def _pair_correlation(Z1: Any, Z2: Any, value1: Any, value2: Any) -> float:
    """Pearson correlation over all pairs ``i < j`` of ``value1[lca1(i, j)]`` and
    ``value2[lca2(i, j)]`` (values per row of Z), streamed with Chan's update."""
    i1, i2 = _two_trees(Z1, Z2)
    n = i1.n
    v1, v2 = value1(i1), value2(i2)
    if n * (n - 1) // 2 <= 4 * _BLOCK_PAIRS:
        # Small enough to hold every pair: SciPy's cophenet (C) on Z with the values as
        # heights gives value[lca(i, j)] for all pairs at once, ~100x faster than blocks.
        a, b = (cophenet(_with_heights(ix, v)) for ix, v in ((i1, v1), (i2, v2)))
        a = a - a.mean()
        b = b - b.mean()
        denom = float(np.sqrt((a @ a) * (b @ b)))
        return float("nan") if denom <= 0 else float(np.clip((a @ b) / denom, -1.0, 1.0))
    pos1 = np.empty(n, dtype=np.int64)
    pos1[i1.leaves] = np.arange(n)
    pos2 = np.empty(n, dtype=np.int64)
    pos2[i2.leaves] = np.arange(n)
    count = 0
    mean_a = mean_b = m_aa = m_bb = m_ab = 0.0
    start = 0
    while start < n - 1:
        # Rows start..stop-1 paired with every later row: about _BLOCK_PAIRS pairs.
        stop = start + 1
        pairs = n - 1 - start
        while stop < n - 1 and pairs + (n - 1 - stop) <= _BLOCK_PAIRS:
            pairs += n - 1 - stop
            stop += 1
        rows = np.arange(start, stop)
        per_row = n - 1 - rows
        ii = np.repeat(rows, per_row)
        # j runs from i + 1 to n - 1 for each i: an arange per row, built without a loop.
        offsets = np.arange(ii.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        jj = ii + 1 + offsets
        a = v1[_lca_rows(i1, pos1, ii, jj)]
        b = v2[_lca_rows(i2, pos2, ii, jj)]
        m = a.size
        ma, mb = float(a.mean()), float(b.mean())
        da, db = a - ma, b - mb
        baa, bbb, bab = float(da @ da), float(db @ db), float(da @ db)
        total = count + m
        dma, dmb = ma - mean_a, mb - mean_b
        w = count * m / total
        m_aa += baa + dma * dma * w
        m_bb += bbb + dmb * dmb * w
        m_ab += bab + dma * dmb * w
        mean_a += dma * m / total
        mean_b += dmb * m / total
        count = total
        start = stop
    if m_aa <= 0 or m_bb <= 0:
        return float("nan")
    return float(np.clip(m_ab / np.sqrt(m_aa * m_bb), -1.0, 1.0))


def cophenetic_between(Z1: Any, Z2: Any) -> float:
    """Pearson correlation between the cophenetic distances of two trees over the same rows.

    Equals R's ``dendextend::cor_cophenetic(hc1, hc2)`` (and
    ``cor(cophenetic(hc1), cophenetic(hc2))``): the cophenetic distance of two rows is the
    height of the merge that first joins them (inversions included, as ``cophenet``).

    Parameters
    ----------
    Z1, Z2 : array_like, shape (n-1, 4)
        Linkage matrices over the same n rows (leaf ``i`` is row ``i`` in both).

    Returns
    -------
    float
        In [-1, 1]; NaN when one tree's cophenetic distances are all equal (e.g. n = 2).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0], [2.0], [3.0], [7.0], [8.5], [9.0], [5.0]])
    >>> round(cophenetic_between(linkage(X, "single"), linkage(X, "complete")), 6)
    0.638974
    """
    return _pair_correlation(Z1, Z2, lambda ix: ix._tree.height, lambda ix: ix._tree.height)


def _merge_step_ranks(index: Any) -> np.ndarray:
    """Average rank, among all pairs of leaves, of the merge step that first joins a pair.

    Row r of Z first joins size(left) x size(right) pairs; ranking pairs by the row that
    joins them (ties averaged) is ranking them by dendextend's k-level in reverse.
    """
    tree = index._tree
    n = tree.n
    size = np.concatenate([np.ones(n, dtype=np.int64), tree.count])
    joined = (size[tree.left] * size[tree.right]).astype(np.float64)
    before = np.cumsum(joined) - joined
    return before + (joined + 1.0) / 2.0


def bakers_gamma(Z1: Any, Z2: Any) -> float:
    """Baker's gamma between two trees over the same rows, as R's ``dendextend::cor_bakers_gamma``.

    For every pair of rows, the k-level at which it is first joined is the largest k for
    which ``cutree(tree, k)`` keeps the pair together (k counts merges in the order of
    Z's rows, as ``stats::cutree`` does); Baker's gamma is the Spearman correlation of
    those k-levels between the two trees, ties given their average rank. As dendextend,
    1.0 when it is undefined (n = 2).

    Parameters
    ----------
    Z1, Z2 : array_like, shape (n-1, 4)
        Linkage matrices over the same n rows (leaf ``i`` is row ``i`` in both).

    Returns
    -------
    float
        In [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0], [2.0], [3.0], [7.0], [8.5], [9.0], [5.0]])
    >>> round(bakers_gamma(linkage(X, "single"), linkage(X, "complete")), 6)
    0.608994
    """
    value = _pair_correlation(Z1, Z2, _merge_step_ranks, _merge_step_ranks)
    return 1.0 if np.isnan(value) else value


def _orders(order1: Any, order2: Any) -> tuple[np.ndarray, np.ndarray]:
    o1 = np.asarray(order1)
    o2 = np.asarray(order2)
    n = o1.shape[0] if o1.ndim == 1 else -1
    if o1.ndim != 1 or o2.shape != o1.shape or n < 1:
        raise DataError("the two leaf orders must be 1-D and of the same length")
    if o1.dtype.kind not in "iu" or o2.dtype.kind not in "iu":
        raise DataError("leaf orders must hold whole row numbers")
    expected = np.arange(n)
    if not (np.array_equal(np.sort(o1), expected) and np.array_equal(np.sort(o2), expected)):
        raise DataError(f"each leaf order must list every row 0..{n - 1} exactly once")
    return o1.astype(np.int64), o2.astype(np.int64)


def entanglement(order1: Any, order2: Any, *, L: float = 1.5) -> float:
    """dendextend's ``entanglement``: how far the lines of a tanglegram run from level.

    ``sum |p - q(p)|^L`` over positions p of the second tree, where q(p) is the position in
    the first tree of the row drawn at p, divided by the same sum for a reversed order.
    0 = no crossing, 1 = worst.

    Parameters
    ----------
    order1, order2 : array_like of int, shape (n,)
        Rows in the leaf order of each tree (``leaves_list``).
    L : float, default 1.5

    Examples
    --------
    >>> entanglement([0, 1, 2, 3], [0, 1, 2, 3]), entanglement([0, 1, 2, 3], [3, 2, 1, 0])
    (0.0, 1.0)
    """
    o1, o2 = _orders(order1, order2)
    n = o1.size
    if L == 0:
        L = 1e-50  # dendextend's guard: 0^0 would count unmoved rows
    pos1 = np.empty(n, dtype=np.int64)
    pos1[o1] = np.arange(n)
    p = np.arange(n)
    worst = float(np.sum(np.abs(p - p[::-1]).astype(np.float64) ** L))
    if worst == 0:
        return 0.0
    return float(np.sum(np.abs(p - pos1[o2]).astype(np.float64) ** L)) / worst


def crossings(order1: Any, order2: Any) -> int:
    """Number of pairs of lines that cross in a tanglegram of two leaf orders.

    Pairs of rows drawn in one order on the left and the other order on the right
    (inversions of one permutation relative to the other), counted by a bottom-up merge
    sort in numpy: O(n log^2 n).

    Examples
    --------
    >>> crossings([0, 1, 2, 3], [0, 1, 2, 3]), crossings([0, 1, 2, 3], [1, 0, 3, 2])
    (0, 2)
    >>> crossings([0, 1, 2, 3], [3, 2, 1, 0])
    6
    """
    o1, o2 = _orders(order1, order2)
    n = o1.size
    pos1 = np.empty(n, dtype=np.int64)
    pos1[o1] = np.arange(n)
    a = pos1[o2]
    total = 0
    width = 1
    idx = np.arange(n)
    while width < n:
        group = idx // (2 * width)
        keys = group * n + a  # each run of `width` is sorted, so keys are sorted per half
        is_left = (idx // width) % 2 == 0
        left_keys = keys[is_left]
        right = ~is_left
        # For each right element: left elements of its group that are larger.
        end_of_group = np.searchsorted(left_keys, group[right] * n + n, side="left")
        not_larger = np.searchsorted(left_keys, keys[right], side="right")
        total += int(np.sum(end_of_group - not_larger))
        a = np.sort(keys) - group * n  # groups are contiguous, so sorting keys merges each
        width *= 2
    return total


@dataclass(frozen=True, eq=False)
class Untangled:
    """Result of `untangle`.

    Attributes
    ----------
    Z : ndarray, shape (n-1, 4)
        The moving tree with the children of the rotated merges swapped: the same tree
        (same clusters, heights, cophenetic distances), drawn in ``leaves_list(Z)`` order.
    order : ndarray, shape (n,)
        Its rows in leaf order after rotation.
    rotated : ndarray of int
        Rows of Z whose two children were swapped.
    entanglement_before, entanglement_after : float
        dendextend's entanglement (L = 1.5) against the fixed order.
    """

    Z: np.ndarray
    order: np.ndarray
    rotated: np.ndarray
    entanglement_before: float
    entanglement_after: float


def untangle(Z_moving: Any, fixed_order: Any, *, L: float = 1.5) -> Untangled:
    """Rotate the merges of one tree so its leaves line up with a fixed leaf order.

    dendextend's ``untangle(dend1, dend2_fixed, method = "step1side")`` (direction
    "forward"): for k = 2 .. n, the merge that splits when going from k - 1 to k clusters
    (the rows of Z from the last to the first) has its two children swapped when that
    lowers the entanglement against ``fixed_order``; ties keep the current order. Only
    the rotated merge's leaves move, so each step costs the size of that merge.

    Parameters
    ----------
    Z_moving : array_like, shape (n-1, 4)
    fixed_order : array_like of int, shape (n,)
        Rows in the leaf order of the other tree, which does not move.
    L : float, default 1.5

    Returns
    -------
    Untangled

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.5, 2], [4, 5, 3.0, 4]])
    >>> u = untangle(Z, [3, 2, 1, 0])
    >>> u.order.tolist(), u.entanglement_after
    ([3, 2, 1, 0], 0.0)
    """
    index = tree_index(Z_moving)
    tree = index._tree
    n = tree.n
    fixed = _orders(index.leaves, fixed_order)[1]
    if L == 0:
        L = 1e-50
    target = np.empty(n, dtype=np.float64)
    target[fixed] = np.arange(n)
    # Leaves under each node, in the unrotated order: a contiguous run of index.leaves.
    orig_start = tree.start
    size = tree.size
    start = np.zeros(2 * n - 1, dtype=np.int64)  # position of each node's run after rotation
    left = tree.left.copy()
    right = tree.right.copy()
    rotated = []
    for row in range(n - 2, -1, -1):
        node = n + row
        s = start[node]
        lo = orig_start[node]
        a, b = size[left[row]], size[right[row]]
        leaves_l = index.leaves[lo : lo + a]
        leaves_r = index.leaves[lo + a : lo + a + b]
        # Descendants are not rotated yet, so each child's leaves keep their first order.
        pos_l = np.arange(s, s + a, dtype=np.float64)
        pos_r = np.arange(s + a, s + a + b, dtype=np.float64)
        t_l, t_r = target[leaves_l], target[leaves_r]
        keep = np.sum(np.abs(pos_l - t_l) ** L) + np.sum(np.abs(pos_r - t_r) ** L)
        swap = np.sum(np.abs(pos_l + b - t_l) ** L) + np.sum(np.abs(pos_r - a - t_r) ** L)
        if swap < keep:
            rotated.append(row)
            start[right[row]] = s
            start[left[row]] = s + b
        else:
            start[left[row]] = s
            start[right[row]] = s + a
    rot = np.zeros(n - 1, dtype=bool)
    rot[rotated] = True
    Z = np.column_stack([tree.left, tree.right, tree.height, tree.count]).astype(np.float64)
    Z[rot, 0], Z[rot, 1] = tree.right[rot], tree.left[rot]
    order = tree_index(Z).leaves.copy()
    rotated_rows = np.array(sorted(rotated), dtype=np.int64)
    return Untangled(Z=Z, order=order, rotated=rotated_rows,
                     entanglement_before=entanglement(fixed, index.leaves, L=L),
                     entanglement_after=entanglement(fixed, order, L=L))
