"""How a reproduce script turns Z into the page's clusters: the height cut, or the partition
in force (hand-edited clades, SciPy's inconsistency criteria).

Shared by :func:`clustering.reproduce.reproduce_script` (feature tables) and
:func:`clustering.reproduce_distances.reproduce_distances_script` (matrix uploads). The page's
labels are numbered 1..K by first appearance in leaf order, 0 = unassigned (clades smaller than
the minimum size of a hand-edited partition); the script's ``clusters_of`` numbers them the
same way, so its clusters CSV equals the page's labels exactly, not up to renumbering.

Dynamic tree cuts (R's ``dynamicTreeCut``) have no pandas / SciPy equivalent: the writer
refuses them with the reason, and the Export tab shows that sentence.

Examples
--------
>>> text = partition_constants(partition="roots", roots=[7, 3], min_size=2)
>>> "PARTITION = 'roots'" in text and "ROOTS = [3, 7]" in text
True
>>> partition_constants(partition="hybrid")
Traceback (most recent call last):
...
clustering.errors.DataError: No script for this partition: the dynamic tree cut (hybrid) is R's dynamicTreeCut, which pandas and SciPy do not have. Switch the clusters to the height cut, an inconsistency cut or hand edits for a script, or take the clusters CSV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from clustering.errors import DataError

__all__ = ["SCRIPT_PARTITIONS", "partition_constants"]

#: Partition sources a script can rebuild with SciPy alone.
SCRIPT_PARTITIONS = ("height", "roots", "inconsistent", "monocrit")


def _whole(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise DataError(f"{name} must be a whole number >= {low}, not {value!r}")
    return int(value)


def partition_constants(
    *,
    partition: str = "height",
    roots: Sequence[int] = (),
    min_size: int = 1,
    threshold: float = 1.0,
    k: int = 2,
    depth: int = 2,
) -> str:
    """The script's constants that say where its clusters come from.

    Parameters
    ----------
    partition : {'height', 'roots', 'inconsistent', 'monocrit'}
        'height': ``fcluster(Z, CUT, 'distance')``; 'roots': the clades under ``roots``
        (hand edits); 'inconsistent': ``fcluster(Z, threshold, 'inconsistent', depth)``;
        'monocrit': ``fcluster(Z, k, 'maxclust_monocrit', maxinconsts(...))``.
    roots : sequence of int
        Node ids of Z (leaves 0..n-1, row r is n + r), one per clade; 'roots' only.
    min_size : int
        Clades with fewer rows are unassigned (cluster 0); 'roots' only.
    threshold : float
    k, depth : int

    Returns
    -------
    str
        Python lines (``PARTITION = ...`` and its parameters) for the script's header.

    Raises
    ------
    DataError
        A dynamic tree cut (no SciPy equivalent) or an invalid parameter.
    """
    if partition in ("tree", "hybrid"):
        raise DataError(
            f"No script for this partition: the dynamic tree cut ({partition}) is R's "
            "dynamicTreeCut, which pandas and SciPy do not have. Switch the clusters to the "
            "height cut, an inconsistency cut or hand edits for a script, or take the clusters "
            "CSV.")
    if partition not in SCRIPT_PARTITIONS:
        raise DataError(f"partition must be one of {', '.join(SCRIPT_PARTITIONS)}, "
                        f"not {partition!r}")
    lines = [f"PARTITION = {partition!r}  # where the clusters come from (see clusters_of)"]
    if partition == "roots":
        ids = sorted(_whole("a cluster root", r, 0) for r in roots)
        if not ids:
            raise DataError("hand edits need their cluster roots (node ids of the tree)")
        lines += [f"ROOTS = {ids!r}  # hand-edited clades: node ids of Z (row r of Z is n + r)",
                  f"MIN_SIZE = {_whole('min_size', min_size, 1)}  # smaller clades: cluster 0"]
    elif partition == "inconsistent":
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
                or not math.isfinite(threshold) or threshold < 0:
            raise DataError(f"the inconsistency threshold must be a number >= 0, not "
                            f"{threshold!r}")
        lines += [f"THRESHOLD = {float(threshold)!r}  # largest inconsistency inside a cluster",
                  f"DEPTH = {_whole('depth', depth, 1)}"]
    elif partition == "monocrit":
        lines += [f"K = {_whole('k', k, 1)}  # at most K clusters",
                  f"DEPTH = {_whole('depth', depth, 1)}"]
    return "\n".join(lines)


#: The script's functions (plain text, no format fields): ``clusters_of(Z)`` gives the page's
#: clusters for any of :data:`SCRIPT_PARTITIONS`.
CLUSTER_CODE = '''\
def leaf_order_numbers(raw, Z):
    """`raw` cluster ids renumbered 1..k from the left of the dendrogram (0 stays 0)."""
    raw = np.asarray(raw, dtype=np.int64)
    first = {}
    for c in raw[leaves_list(Z)]:
        if c != 0:
            first.setdefault(int(c), len(first) + 1)
    return np.array([first.get(int(c), 0) for c in raw], dtype=np.int64)


def cut(Z, height):
    """fcluster's flat clusters at `height`, renumbered 1..k from the left of the dendrogram."""
    return leaf_order_numbers(fcluster(Z, height, criterion="distance"), Z)


def leaves_under(Z, node):
    """The leaves (0..n-1) under a node id of Z."""
    n = len(Z) + 1
    out, stack = [], [int(node)]
    while stack:
        c = stack.pop()
        if c < n:
            out.append(c)
        else:
            stack += [int(Z[c - n, 0]), int(Z[c - n, 1])]
    return out


def clusters_of(Z):
    """The page's clusters: 1..k from the left of the dendrogram, 0 = unassigned."""
    if PARTITION == "height":
        return cut(Z, CUT)
    if PARTITION == "roots":
        raw = np.zeros(len(Z) + 1, dtype=np.int64)
        for i, root in enumerate(ROOTS, start=1):
            rows = leaves_under(Z, root)
            if len(rows) >= MIN_SIZE:
                raw[rows] = i
        return leaf_order_numbers(raw, Z)
    if PARTITION == "inconsistent":
        return leaf_order_numbers(fcluster(Z, THRESHOLD, "inconsistent", depth=DEPTH), Z)
    # "monocrit": at most K clusters by the largest inconsistency below each merge
    mono = maxinconsts(Z, inconsistent(Z, DEPTH))
    return leaf_order_numbers(fcluster(Z, K, "maxclust_monocrit", monocrit=mono), Z)
'''
