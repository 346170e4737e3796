"""Other views of a tree, for export: its top p clusters as a tree of p leaves (SciPy's
``truncate_mode="lastp"``), the subtree under one merge, and a nested JSON tree for web
viewers. Split from :mod:`clustering.newick`, which reads and writes the Newick text.

Examples
--------
>>> import numpy as np
>>> Z = np.array([[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 3.0, 3.0]])
>>> Zp, names, leaves = lastp_linkage(Z, 2)
>>> Zp.tolist(), names
([[0.0, 1.0, 3.0, 2.0]], ['2', '(2)'])
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from clustering.errors import DataError
from clustering.newick import leaf_labels_for
from clustering.trees_in import check_linkage

__all__ = ["lastp_linkage", "subtree_linkage", "to_json_tree"]


def lastp_linkage(Z: np.ndarray, p: int, labels: Sequence[object] | None = None
                  ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The top of a tree with p leaves, as a truncated dendrogram (``truncate_mode='lastp'``) shows it.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    p : int
        Leaves to keep, 2 <= p (p >= n gives the whole tree).
    labels : sequence of n labels, optional

    Returns
    -------
    (Zp, leaf_labels, members)
        ``Zp`` (p - 1, 4) a valid linkage of the p leaves (sizes count those leaves, the
        heights are Z's last p - 1 heights); ``leaf_labels`` a leaf's own label, or
        ``"(k)"`` for a contracted cluster of k rows as SciPy's dendrogram writes it;
        ``members`` (p,) the cluster id in Z of each leaf of ``Zp``. Pass
        ``to_newick(Zp, leaf_labels)`` to export the view.

    Examples
    --------
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 4, 2.0, 3], [3, 5, 4.0, 4]])
    >>> Zp, labs, ids = lastp_linkage(Z, 2, list("abcd"))
    >>> Zp.tolist(), labs, ids.tolist()
    ([[0.0, 1.0, 4.0, 2.0]], ['d', '(3)'], [3, 5])
    """
    Z = check_linkage(Z)
    n = Z.shape[0] + 1
    names = leaf_labels_for(labels, n)
    if not isinstance(p, int | np.integer) or p < 2:
        raise DataError(f"p must be a whole number of leaves, at least 2, not {p!r}")
    p = int(min(p, n))
    top = Z[n - p:]
    used = top[:, :2].astype(np.int64).ravel()
    members = np.sort(used[used < 2 * n - p])  # clusters formed before the top rows
    new = {int(c): i for i, c in enumerate(members)}
    Zp = np.empty((p - 1, 4))
    for r, (a, b, h, _) in enumerate(top):
        Zp[r, 0] = new.get(int(a), p + int(a) - (2 * n - p))
        Zp[r, 1] = new.get(int(b), p + int(b) - (2 * n - p))
        Zp[r, 2] = h
    sizes = np.ones(2 * p - 1)
    for r in range(p - 1):
        sizes[p + r] = sizes[int(Zp[r, 0])] + sizes[int(Zp[r, 1])]
    Zp[:, 3] = sizes[p:]
    leaf_labels = [names[c] if c < n else f"({int(Z[c - n, 3])})" for c in members]
    Zp.setflags(write=False)
    return Zp, leaf_labels, members


def subtree_linkage(Z: np.ndarray, node: int, labels: Sequence[object] | None = None
                    ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The subtree under one cluster, renumbered as a linkage of its own (a zoomed view).

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    node : int
        A cluster id n..2n-2 (SciPy's numbering).
    labels : sequence of n labels, optional

    Returns
    -------
    (Zs, leaf_labels, rows)
        ``Zs`` (k - 1, 4) for the k leaves under ``node`` (same heights, merge order kept);
        ``leaf_labels`` their labels; ``rows`` (k,) their leaf ids in Z.

    Examples
    --------
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 4, 2.0, 3], [3, 5, 4.0, 4]])
    >>> Zs, labs, rows = subtree_linkage(Z, 5, list("abcd"))
    >>> Zs.tolist(), labs, rows.tolist()
    ([[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 2.0, 3.0]], ['a', 'b', 'c'], [0, 1, 2])
    """
    Z = check_linkage(Z)
    n = Z.shape[0] + 1
    names = leaf_labels_for(labels, n)
    if not isinstance(node, int | np.integer) or not n <= node <= 2 * n - 2:
        raise DataError(f"node must be a cluster id from {n} to {2 * n - 2}, not {node!r}")
    inside = np.zeros(2 * n - 1, dtype=bool)
    inside[node] = True
    for r in range(node - n, -1, -1):
        if inside[n + r]:
            inside[int(Z[r, 0])] = inside[int(Z[r, 1])] = True
    rows = np.flatnonzero(inside[:n])
    merge_rows = np.flatnonzero(inside[n:])
    k = rows.size
    new = {int(c): i for i, c in enumerate(rows)}
    new.update({int(n + r): k + i for i, r in enumerate(merge_rows)})
    Zs = np.array([[new[int(Z[r, 0])], new[int(Z[r, 1])], Z[r, 2], Z[r, 3]] for r in merge_rows])
    Zs.setflags(write=False)
    return Zs, [names[i] for i in rows], rows


# ---------------------------------------------------------------- JSON
def to_json_tree(Z: np.ndarray, labels: Sequence[object] | None = None,
                 clusters: Sequence[int] | np.ndarray | None = None) -> str:
    """The tree as nested JSON for web tree viewers (d3.hierarchy and the like).

    Every node is ``{"id", "height", "size", "cluster", "children"}``; leaves have
    ``"label"`` instead of ``"children"``. ``id`` is SciPy's (leaf i, merge row r is n + r),
    ``height`` the merge height (0 for leaves), ``cluster`` the cut's label when every leaf
    under the node has the same one, else null (null everywhere without ``clusters``).
    Written without recursion, so chains of any depth serialise.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    labels : sequence of n labels, optional (default "0".."n-1")
    clusters : sequence of n ints, optional (e.g. ``fcluster`` labels)

    Returns
    -------
    str
        JSON text.

    Examples
    --------
    >>> print(to_json_tree(np.array([[0, 1, 0.5, 2]]), ["a", "b"], clusters=[1, 1]))
    {"id": 2, "height": 0.5, "size": 2, "cluster": 1, "children": [{"id": 0, "height": 0.0, "size": 1, "cluster": 1, "label": "a"}, {"id": 1, "height": 0.0, "size": 1, "cluster": 1, "label": "b"}]}
    """
    Z = check_linkage(Z)
    n = Z.shape[0] + 1
    names = leaf_labels_for(labels, n)
    node_cluster: list[int | None] = [None] * (2 * n - 1)
    if clusters is not None:
        cl = np.asarray(clusters)
        if cl.shape != (n,):
            raise DataError(f"clusters must give one label per leaf ({n:,}), not shape {cl.shape}")
        for i in range(n):
            node_cluster[i] = int(cl[i])
        for r in range(n - 1):
            a, b = node_cluster[int(Z[r, 0])], node_cluster[int(Z[r, 1])]
            node_cluster[n + r] = a if a is not None and a == b else None
    out: list[str] = []
    stack: list[object] = [2 * n - 2]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node = int(item)  # type: ignore[call-overload]
        c = json.dumps(node_cluster[node])
        if node < n:
            out.append(f'{{"id": {node}, "height": 0.0, "size": 1, "cluster": {c}, '
                       f'"label": {json.dumps(names[node])}}}')
            continue
        r = node - n
        out.append(f'{{"id": {node}, "height": {json.dumps(float(Z[r, 2]))}, '
                   f'"size": {int(Z[r, 3])}, "cluster": {c}, "children": [')
        stack.extend(["]}", int(Z[r, 1]), ", ", int(Z[r, 0])])
    return "".join(out)
