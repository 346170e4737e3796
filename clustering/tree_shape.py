"""The shape of a linkage tree: Z checked, its leaves laid out, and the vectorised sweeps on it.

Split by job from :mod:`clustering.cut_index`, which builds the cut index (`TreeIndex`) on
this shape. :func:`_build_tree` checks a linkage matrix is a proper binary tree and gives each
node's range of leaf positions in dendrogram order (``leaves_list``), which is contiguous for
every subtree, and the row of Z that joins each pair of neighbouring leaves. The private
helpers are shared within the package: ``dynamic_rtree`` builds trees with ``_build_tree``,
``geometry`` sums along paths with ``_pointer_jump_sum``, ``tanglegram`` takes range maxima
with ``_range_max``.

Nothing here recurses: trees of 100,000 leaves of any shape (chains included) work.

Examples
--------
>>> import numpy as np
>>> tree = _build_tree(np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]))
>>> tree.start.tolist(), tree.size.tolist(), tree.gap_row.tolist()
([1, 2, 0, 1, 0], [1, 1, 1, 2, 3], [1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.errors import DataError


@dataclass(frozen=True, eq=False)
class _Tree:
    """Shape of a validated linkage tree, node ids as SciPy numbers them.

    Leaves are ``0..n-1``; row ``r`` of Z makes node ``n + r``. Arrays over nodes have
    length ``2n - 1``; ``start``/``size`` give each subtree's range of leaf positions in
    dendrogram order (``leaves_list``), which is contiguous for every subtree.
    """

    n: int
    left: np.ndarray  # (n-1,) int64, Z[:, 0]
    right: np.ndarray  # (n-1,) int64, Z[:, 1]
    height: np.ndarray  # (n-1,) float64, Z[:, 2]
    count: np.ndarray  # (n-1,) int64, Z[:, 3]
    start: np.ndarray  # (2n-1,) first leaf position of each node's subtree
    size: np.ndarray  # (2n-1,) number of leaves under each node
    parent: np.ndarray  # (2n-1,) parent node; the root is its own parent
    gap_row: np.ndarray  # (n-1,) row of Z that joins leaf positions i and i+1


def _as_linkage(Z: np.ndarray) -> np.ndarray:
    """Z as a float64 C-contiguous (n-1, 4) array, or a `DataError` saying what is wrong."""
    try:
        Z = np.ascontiguousarray(Z, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"the linkage matrix is not numeric: {err}") from None
    if Z.ndim != 2 or Z.shape[1] != 4:
        raise DataError(
            f"a linkage matrix has 4 columns and one row per merge; got shape {Z.shape}"
        )
    if Z.shape[0] < 1:
        raise DataError("the linkage matrix has no rows: a tree needs at least 2 leaves")
    if not np.isfinite(Z).all():
        raise DataError("the linkage matrix contains NaN or infinite values")
    return Z


def _pointer_jump_sum(parent: np.ndarray, value: np.ndarray, root: int) -> np.ndarray:
    """Sum of ``value`` over each node and all its ancestors, in O(n log depth) numpy.

    ``parent[root] == root`` and ``value[root]`` is added once. Pointer jumping keeps
    this vectorised even for chains, where a per-level sweep would take n steps.
    """
    acc = value.copy()
    acc_root = acc[root]
    acc[root] = 0
    anc = parent.copy()
    while True:
        pending = anc != root
        if not pending.any():
            break
        idx = np.flatnonzero(pending)
        nxt = anc[idx]
        acc[idx] += acc[nxt]
        anc[idx] = anc[nxt]
    return acc + acc_root


def _build_tree(Z: np.ndarray) -> _Tree:
    """Check Z is a proper binary tree and lay out its leaves, all vectorised."""
    Z = _as_linkage(Z)
    m = Z.shape[0]
    n = m + 1
    kids = Z[:, :2]
    if not (kids == np.floor(kids)).all():
        raise DataError("the linkage matrix has non-integer cluster ids in columns 0 and 1")
    left = kids[:, 0].astype(np.int64)
    right = kids[:, 1].astype(np.int64)
    rows = np.arange(m, dtype=np.int64)
    if (left < 0).any() or (right < 0).any():
        raise DataError("the linkage matrix has negative cluster ids")
    formed = n + rows
    if (left >= formed).any() or (right >= formed).any():
        bad = int(np.flatnonzero((left >= formed) | (right >= formed))[0])
        raise DataError(f"row {bad} of the linkage matrix uses a cluster before it is formed")
    used = np.bincount(np.concatenate([left, right]), minlength=2 * n - 2)
    if (used != 1).any():
        node = int(np.flatnonzero(used != 1)[0])
        raise DataError(
            f"cluster {node} is merged {int(used[node])} times in the linkage matrix "
            "(every cluster but the root must be merged exactly once)"
        )
    height = Z[:, 2].copy()
    if (height < 0).any():
        raise DataError("the linkage matrix has negative merge heights")
    count = Z[:, 3].astype(np.int64)
    size = np.concatenate([np.ones(n, dtype=np.int64), count])
    if not (Z[:, 3] == size[left] + size[right]).all():
        bad = int(np.flatnonzero(Z[:, 3] != size[left] + size[right])[0])
        raise DataError(
            f"row {bad} of the linkage matrix has count {Z[bad, 3]:g}, "
            f"but its two clusters hold {int(size[left[bad]] + size[right[bad]])} samples"
        )

    root = 2 * n - 2
    parent = np.empty(2 * n - 1, dtype=np.int64)
    parent[left] = formed
    parent[right] = formed
    parent[root] = root
    # A right child starts after its left sibling's leaves; a node's first position is
    # the sum of those offsets along its path to the root.
    offset = np.zeros(2 * n - 1, dtype=np.int64)
    offset[right] = size[left]
    start = _pointer_jump_sum(parent, offset, root)
    gap_row = np.empty(m, dtype=np.int64)
    gap_row[start[right] - 1] = rows
    for arr in (left, right, height, count, start, size, parent, gap_row):
        arr.setflags(write=False)
    return _Tree(n, left, right, height, count, start, size, parent, gap_row)


def _range_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``max(values[lo[j]:hi[j]])`` for every j (all ranges non-empty), by a sparse table."""
    out = np.empty(lo.shape, dtype=values.dtype)
    length = hi - lo
    level = np.zeros(lo.shape, dtype=np.int64)
    nz = length > 1
    level[nz] = np.floor(np.log2(length[nz])).astype(np.int64)
    # log2 of an exact power of two can round just below it: fix both directions.
    level[(1 << (level + 1)) <= length] += 1
    level[(1 << level) > length] -= 1
    table = values
    for k in range(int(level.max()) + 1):
        if k:
            half = 1 << (k - 1)
            table = np.maximum(table[:-half], table[half:])
        sel = np.flatnonzero(level == k)
        if sel.size:
            width = 1 << k
            out[sel] = np.maximum(table[lo[sel]], table[hi[sel] - width])
    return out


def _subtree_max(tree: _Tree, per_row: np.ndarray) -> np.ndarray:
    """For each row of Z, the maximum of ``per_row`` over that node and its descendants.

    A subtree's internal nodes are exactly the gaps inside its leaf range, so this is a
    range maximum over ``per_row[gap_row]``. When ``per_row`` already grows toward the
    root (no inversions) the answer is ``per_row`` itself, which is the common case.
    """
    n = tree.n
    kid_val_l = np.where(tree.left >= n, per_row[np.maximum(tree.left - n, 0)], -np.inf)
    kid_val_r = np.where(tree.right >= n, per_row[np.maximum(tree.right - n, 0)], -np.inf)
    if (per_row >= kid_val_l).all() and (per_row >= kid_val_r).all():
        return per_row.copy()
    nodes = n + np.arange(n - 1)
    lo = tree.start[nodes]
    hi = lo + tree.size[nodes] - 1
    return _range_max(per_row[tree.gap_row], lo, hi)
