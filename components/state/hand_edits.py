"""Hand edits of a partition on the page: the ``part-history`` store and one edit on it.

The store is plain JSON, ``{"tree_key", "states": [[root, ...], ...], "position",
"selected": [root, ...]}``: each state is the cluster roots of a
:class:`clustering.partition.Partition`, ``position`` the one shown (undo/redo move it). The
edits themselves are the service's (``split_cluster``, ``merge_clusters``, ``cluster_of``).
No Dash here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clustering.partition import (
    cluster_of,
    horizontal_partition,
    merge_clusters,
    partition_from_roots,
    split_cluster,
)
from components.state.trees import Tree

__all__ = ["HISTORY_MAX", "edit", "start_history"]

#: Undo steps kept per tree.
HISTORY_MAX = 100


def start_history(tree: Tree, cut: float | None) -> dict[str, Any]:
    """Hand edits start from the clusters of the height cut on screen."""
    p = horizontal_partition(tree.index, height=float(cut if cut is not None else np.inf))
    return {"tree_key": tree.spec.key, "states": [list(p.roots)], "position": 0, "selected": []}


def _push(history: dict[str, Any], roots: tuple[int, ...]) -> dict[str, Any]:
    states = history["states"][:history["position"] + 1] + [list(roots)]
    states = states[-HISTORY_MAX:]
    return dict(history, states=states, position=len(states) - 1, selected=[])


def edit(tree: Tree, history: dict[str, Any], action: str, node: int | None = None,
         tool: str = "split") -> tuple[dict[str, Any], str]:
    """One hand edit on the history: ``action`` in click, merge, undo, redo; the new history
    and a sentence saying what happened (or why nothing did).

    The service does the edit (``split_cluster``, ``merge_clusters``); a click finds the
    cluster holding the clicked node (``cluster_of``).
    """
    roots = history["states"][history["position"]]
    p = partition_from_roots(tree.index, roots)
    if action == "undo" and history["position"] > 0:
        return dict(history, position=history["position"] - 1, selected=[]), "Undone."
    if action == "redo" and history["position"] < len(history["states"]) - 1:
        return dict(history, position=history["position"] + 1, selected=[]), "Redone."
    if action == "merge":
        sel = history.get("selected") or []
        if len(sel) != 2:
            return history, "Select two sibling clusters first (click them with 'select')."
        merged = merge_clusters(p, int(sel[0]), int(sel[1]))
        return _push(history, merged.roots), f"Merged two clusters: {merged.k} now."
    if action != "click" or node is None:
        return history, ""
    root = cluster_of(p, int(node))
    if tool == "split":
        if root is None:
            return history, "That merge is above the clusters: click inside a coloured cluster."
        out = split_cluster(p, root)
        return _push(history, out.roots), f"Split a cluster of {p.size(root):,} rows: {out.k} now."
    # Selecting: a cluster, or the grey merge right above two clusters (both its children).
    sel = [int(s) for s in history.get("selected") or [] if int(s) in p.roots]
    if root is None:
        n = tree.index.n
        row = int(node) - n
        kids = [int(tree.Z[row, 0]), int(tree.Z[row, 1])] if row >= 0 else []
        if kids and all(c in p.roots for c in kids):
            return dict(history, selected=kids), "Selected the two clusters under that merge."
        return history, "That merge is above several clusters: click one cluster at a time."
    if root in sel:
        sel.remove(root)
    else:
        sel = (sel + [root])[-2:]
    return dict(history, selected=sel), f"{len(sel)} cluster(s) selected."
