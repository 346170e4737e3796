"""One node of the tree in words: which samples (or micro-clusters) it holds and what a merge did.

Pure tree logic on Z (numpy only), so a notebook, the app's "Merge" tab and the tests say the
same thing. Every subtree is a contiguous run of the dendrogram's leaf order, so the members of
a node are a slice of ``leaves_list(Z)`` starting at the node's leftmost leaf position.

Exact trees speak of samples: ``merge 14 of 149 joined sample 62 and cluster 152 (samples 33,
68) at height 0.1726; ids of n and above refer to earlier merges``. Approximate trees
(``clustering.approximate``) have micro-clusters for leaves and ``Z[:, 3]`` counts
micro-clusters, so pass ``weights`` (rows per micro-cluster) and the sentences count rows:
``merge 2 (row 2 of Z) joined micro-cluster 4 (120 rows) and cluster 11 (micro-clusters 0, 7;
310 rows) into cluster 12 at height 2.5; ids of m and above refer to earlier merges (m = 10 micro-clusters)``.

Examples
--------
>>> from scipy.cluster.hierarchy import linkage, leaves_list
>>> Z = linkage([[0.0], [1.0], [5.0]], "single")
>>> explain_merge(Z, leaves_list(Z), 1)
'merge 1 (row 1 of Z) joined sample 2 and cluster 3 (samples 0, 1) into cluster 4 at height 4; ids of n and above refer to earlier merges'
>>> explain_merge(Z, leaves_list(Z), 0, weights=[10, 20, 5])
'merge 0 (row 0 of Z) joined micro-cluster 0 (10 rows) and micro-cluster 1 (20 rows) into cluster 3 at height 1; ids of m and above refer to earlier merges (m = 3 micro-clusters)'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clustering.errors import DataError

__all__ = [
    "IDS_NOTE",
    "SENTENCE_LIST_MAX",
    "describe_node",
    "explain_merge",
    "explain_node",
    "node_members",
    "subtree_first_position",
]

#: Samples written out inside a sentence; bigger clusters are given by their size.
SENTENCE_LIST_MAX = 6
IDS_NOTE = "ids of n and above refer to earlier merges"


def _height(t: float) -> str:
    # 4 significant digits, as the page writes heights everywhere (components.figures).
    return f"{t:.4g}"


def subtree_first_position(Z: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """Leftmost leaf position (in dendrogram order) under each merge.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray, shape (n,)
        ``leaves_list(Z)``.

    Returns
    -------
    ndarray of int64, shape (n - 1,)

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> leaves_list(Z).tolist(), subtree_first_position(Z, leaves_list(Z)).tolist()
    ([2, 0, 1], [1, 0])
    """
    Z = np.asarray(Z, dtype=float)
    n = len(leaves)
    first = np.empty(2 * n - 1, dtype=np.int64)
    first[np.asarray(leaves, dtype=np.int64)] = np.arange(n)
    a = Z[:, 0].astype(np.int64)
    b = Z[:, 1].astype(np.int64)
    # Children always precede their parent in Z, so one pass in row order suffices.
    for r in range(n - 1):
        fa, fb = first[a[r]], first[b[r]]
        first[n + r] = fa if fa < fb else fb
    return first[n:]


def node_members(Z: np.ndarray, leaves: np.ndarray, node: int,
                 first: np.ndarray | None = None) -> np.ndarray:
    """Leaf ids under ``node`` (a leaf id < n, or n + row of Z), in leaf order.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray, shape (n,)
        ``leaves_list(Z)``.
    node : int
    first : ndarray, shape (n - 1,), optional
        ``subtree_first_position(Z, leaves)`` when already at hand.

    Returns
    -------
    ndarray of int64, shape (size,)

    Raises
    ------
    DataError
        ``node`` is not in the tree.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> node_members(Z, leaves_list(Z), 3).tolist(), node_members(Z, leaves_list(Z), 2).tolist()
    ([0, 1], [2])
    """
    Z = np.asarray(Z, dtype=float)
    leaves = np.asarray(leaves, dtype=np.int64)
    n = leaves.size
    node = int(node)
    if not 0 <= node < 2 * n - 1:
        raise DataError(f"node {node} is not in a tree of {n} samples")
    if node < n:
        return np.array([node], dtype=np.int64)
    if first is None:
        first = subtree_first_position(Z, leaves)
    start = int(first[node - n])
    return leaves[start: start + int(Z[node - n, 3])].copy()


def describe_node(Z: np.ndarray, leaves: np.ndarray, node: int, *,
                  list_max: int = SENTENCE_LIST_MAX, first: np.ndarray | None = None,
                  weights: Sequence[int] | np.ndarray | None = None) -> str:
    """``sample 62``, ``cluster 152 (samples 33, 68)`` or ``cluster 290 (48 samples)``.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray, shape (n,)
    node : int
    list_max : int
        Members written out up to this many; above, the count.
    first : ndarray, shape (n - 1,), optional
    weights : array of int, shape (n,), optional
        Rows per leaf when the leaves are micro-clusters (approximate trees): the text then
        says ``micro-cluster 4 (120 rows)`` / ``cluster 11 (micro-clusters 0, 7; 310 rows)``.

    Returns
    -------
    str

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> describe_node(Z, leaves_list(Z), 3), describe_node(Z, leaves_list(Z), 2)
    ('cluster 3 (samples 0, 1)', 'sample 2')
    >>> describe_node(Z, leaves_list(Z), 3, weights=[1000, 234, 5], list_max=1)
    'cluster 3 (2 micro-clusters; 1,234 rows)'
    """
    n = len(leaves)
    node = int(node)
    if weights is None:
        if node < n:
            return f"sample {node}"
        members = node_members(Z, leaves, node, first)
        if members.size <= list_max:
            return f"cluster {node} (samples {', '.join(str(int(s)) for s in np.sort(members))})"
        return f"cluster {node} ({members.size:,} samples)"
    w = np.asarray(weights, dtype=np.int64)
    if w.shape != (n,):
        raise DataError(f"weights must have one row count per leaf ({n}), not shape {w.shape}")
    members = node_members(Z, leaves, node, first)
    rows = int(w[members].sum())
    if node < n:
        return f"micro-cluster {node} ({rows:,} rows)"
    if members.size <= list_max:
        listed = ", ".join(str(int(s)) for s in np.sort(members))
        return f"cluster {node} (micro-clusters {listed}; {rows:,} rows)"
    return f"cluster {node} ({members.size:,} micro-clusters; {rows:,} rows)"


def explain_merge(Z: np.ndarray, leaves: np.ndarray, row: int, *,
                  list_max: int = SENTENCE_LIST_MAX, first: np.ndarray | None = None,
                  weights: Sequence[int] | np.ndarray | None = None) -> str:
    """The merge in words, numbered as SciPy numbers it: merge ``i`` is row ``i`` of Z and
    forms cluster ``n + i`` (samples are ``0..n-1``, as in ``fcluster`` and ``ivl``).

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray, shape (n,)
    row : int
        0-based row of Z.
    list_max, first, weights
        As :func:`describe_node`; with ``weights`` the leaves are micro-clusters.

    Returns
    -------
    str
        e.g. ``merge 13 (row 13 of Z) joined sample 62 and cluster 152 (samples 33, 68)
        into cluster 163 at height 0.1726; ids of n and above refer to earlier merges``.

    Raises
    ------
    DataError
        ``row`` is not a row of Z.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> explain_merge(Z, leaves_list(Z), 0)
    'merge 0 (row 0 of Z) joined sample 0 and sample 1 into cluster 3 at height 1; ids of n and above refer to earlier merges'
    """
    Z = np.asarray(Z, dtype=float)
    row = int(row)
    if not 0 <= row < Z.shape[0]:
        raise DataError(f"merge row {row} is not in a linkage of {Z.shape[0]} rows")
    a, b = int(Z[row, 0]), int(Z[row, 1])
    left = describe_node(Z, leaves, a, list_max=list_max, first=first, weights=weights)
    right = describe_node(Z, leaves, b, list_max=list_max, first=first, weights=weights)
    if weights is None:
        note = IDS_NOTE
    else:
        note = (f"ids of m and above refer to earlier merges (m = {len(leaves):,} "
                "micro-clusters)")
    return (f"merge {row} (row {row} of Z) joined {left} and {right} into cluster "
            f"{Z.shape[0] + 1 + row} at height {_height(float(Z[row, 2]))}; {note}")


def explain_node(Z: np.ndarray, leaves: np.ndarray, node: int, *,
                 first: np.ndarray | None = None,
                 weights: Sequence[int] | np.ndarray | None = None) -> str:
    """A clicked leaf: a sample (or micro-cluster), or a truncated leaf standing for a merge.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage, leaves_list
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> explain_node(Z, leaves_list(Z), 0)
    'leaf: sample 0'
    >>> explain_node(Z, leaves_list(Z), 3)[:47]
    'truncated leaf (2 samples) = merge 0 (row 0 of '
    >>> explain_node(Z, leaves_list(Z), 3, weights=[10, 20, 5])[:58]
    'truncated leaf (2 micro-clusters; 30 rows) = merge 0 (row '
    """
    n = len(leaves)
    node = int(node)
    if not 0 <= node < 2 * n - 1:
        raise DataError(f"node {node} is not in a tree of {n} samples")
    if weights is not None:
        if node < n:
            return "leaf: " + describe_node(Z, leaves, node, first=first, weights=weights)
        members = node_members(Z, leaves, node, first)
        rows = int(np.asarray(weights, dtype=np.int64)[members].sum())
        head = f"truncated leaf ({members.size:,} micro-clusters; {rows:,} rows) = "
        return head + explain_merge(Z, leaves, node - n, first=first, weights=weights)
    if node < n:
        return f"leaf: sample {node}"
    size = int(np.asarray(Z)[node - n, 3])
    return f"truncated leaf ({size:,} samples) = " + explain_merge(Z, leaves, node - n,
                                                                   first=first)
