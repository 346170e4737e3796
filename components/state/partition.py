"""The one place the page's cluster labels come from: :func:`view_labels`.

Every consumer of "the current clustering" (the tree's colours and the scatter through
``partition-data``, the Profiles, Heatmap and Evidence tabs, the labels CSV) asks here, with
the cut height and the view's :class:`~components.view_partition.PartitionSpec`. The maths is
the service's: ``TreeIndex.labels_at`` (height), ``cut_inconsistent``, ``cut_maxclust_monocrit``,
``dynamic_cut`` (R's cutreeDynamic) and ``partition_from_roots`` (hand edits). Labels are
renumbered 1..K by first appearance in leaf order (leftmost cluster = 1, as the height cut
numbers them, so the colours read left to right); 0 is "unassigned".

Approximate trees (leaves are micro-clusters): every source but "hybrid" works on the
micro-cluster tree and each row takes its micro-cluster's label; "hybrid" needs the exact
distances of every row and is refused with the reason.
"""

from __future__ import annotations

import logging

import numpy as np

from clustering.budget import nbytes
from clustering.cut import cut_inconsistent, cut_maxclust_monocrit
from clustering.dynamic_cut import dynamic_cut
from clustering.errors import DataError
from clustering.partition import partition_from_roots
from components.state import approximate as approx_mode
from components.state.store import get_settings, get_store
from components.state.trees import Tree, tree_memo_key
from components.view import LINKAGE_P
from components.view_partition import PartitionSpec

log = logging.getLogger(__name__)

#: Bytes per n^2 the hybrid method holds at its peak: the n x n float64 matrix it works on,
#: the condensed distances it is made from (half as big) and row-sized temporaries.
HYBRID_BYTES_PER_N2 = 16


def hybrid_bytes(n: int) -> int:
    """Peak memory of the hybrid dynamic cut on ``n`` rows (see :data:`HYBRID_BYTES_PER_N2`).

    >>> nbytes(hybrid_bytes(10_000))
    '1.6 GB'
    """
    return HYBRID_BYTES_PER_N2 * int(n) * int(n)


def hybrid_problem(tree: Tree) -> str | None:
    """Why the hybrid dynamic cut is not offered for ``tree`` (None when it is)."""
    if tree.approximate is not None:
        return ("The hybrid dynamic cut needs the distances between every pair of rows; this "
                "tree is approximate (its leaves are micro-clusters). Use the tree method, or "
                "fewer rows.")
    n = tree.prepared.matrix.shape[0]
    need = hybrid_bytes(n)
    budget = get_settings().memory_budget_mb * 2**20
    if need > budget:
        return (f"The hybrid dynamic cut needs the {n:,} x {n:,} distance matrix ({nbytes(need)}), "
                f"more than this server's memory budget ({nbytes(budget)}). Use the tree "
                "method, or fewer rows.")
    return None


def leaf_order_numbering(labels: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """``labels`` renumbered 1..K by first appearance along ``leaves`` (0 stays 0).

    >>> leaf_order_numbering(np.array([2, 0, 1, 2]), np.array([3, 2, 1, 0])).tolist()
    [1, 0, 2, 1]
    """
    labels = np.asarray(labels, dtype=np.int64)
    ordered = labels[np.asarray(leaves, dtype=np.int64)]
    values, first = np.unique(ordered, return_index=True)
    keep = values != 0
    values, first = values[keep], first[keep]
    new = np.zeros(int(labels.max(initial=0)) + 1, dtype=np.int64)
    new[values[np.argsort(first)]] = np.arange(1, values.size + 1)
    return new[labels]


def _dynamic(tree: Tree, spec: PartitionSpec) -> np.ndarray:
    if spec.source == "tree":
        return dynamic_cut(tree.Z, method="tree", min_cluster_size=spec.min_cluster_size,
                           deep_split=bool(spec.deep_split))
    problem = hybrid_problem(tree)
    if problem:
        raise DataError(problem)
    return dynamic_cut(tree.Z, X=tree.prepared.matrix, metric=tree.spec.metric, p=LINKAGE_P,
                       method="hybrid", min_cluster_size=spec.min_cluster_size,
                       deep_split=spec.deep_split, pam_stage=spec.pam_stage)


def dynamic_key(tree: Tree, spec: PartitionSpec) -> tuple:
    """The memo key of a dynamic cut of ``tree`` (its parameters in a fixed order)."""
    return ("dynamic-cut", *tree_memo_key(tree.spec), tree.approximate is not None,
            tuple(sorted(spec.params().items())), spec.source)


def leaf_labels(tree: Tree, cut: float | None, spec: PartitionSpec | None = None) -> np.ndarray:
    """One label per leaf of ``tree.Z`` (rows; micro-clusters in approximate mode).

    Parameters
    ----------
    tree : Tree
    cut : float or None
        The cut height (used by the height source only).
    spec : PartitionSpec, optional
        None or "height": the horizontal cut at ``cut``.

    Returns
    -------
    ndarray, shape (n_leaves,), int64
        1..K numbered by first appearance in leaf order; 0 = unassigned.

    Raises
    ------
    DataError
        Parameters the source refuses, roots that are not this tree's, the hybrid method
        beyond the memory budget.
    """
    index = tree.index
    if spec is None or spec.is_height:
        if cut is None:
            raise DataError("no cut height to cluster at")
        return index.labels_at(float(cut))
    Z = tree.Z
    if spec.source == "roots":
        return partition_from_roots(index, spec.roots, min_size=spec.min_size).labels()
    if spec.source == "inconsistent":
        return cut_inconsistent(Z, spec.threshold, spec.depth)
    if spec.source == "monocrit":
        return leaf_order_numbering(cut_maxclust_monocrit(Z, spec.k, spec.depth), index.leaves)
    raw = get_store().memo(dynamic_key(tree, spec), lambda: _dynamic(tree, spec))
    return leaf_order_numbering(raw, index.leaves)


def is_memoised(tree: Tree, spec: PartitionSpec) -> bool:
    """True when ``spec``'s labels cost nothing now (all but a dynamic cut not yet computed)."""
    if spec.source not in ("tree", "hybrid"):
        return True
    return get_store().has_result(dynamic_key(tree, spec))


def view_labels(tree: Tree, cut: float | None, spec: PartitionSpec | None = None) -> np.ndarray:
    """One label per prepared row: the current clustering of the view (0 = unassigned).

    What every consumer uses (tabs, the labels CSV); ``leaf_labels`` mapped through the
    micro-clusters in approximate mode.
    """
    labels = leaf_labels(tree, cut, spec)
    approx = approx_mode.approx_of(tree)
    return labels if approx is None else labels[approx.micro.assignment]
