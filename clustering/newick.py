"""Trees out and in as text: Newick (both ways) and a JSON tree for web viewers.

Branch lengths follow one of two conventions (:data:`NEWICK_CONVENTIONS`):

``"ape"`` (the default)
    R's ``ape::as.phylo(hclust)``: a branch is *half* the height difference between its
    node and the parent (a leaf's branch is half its parent's height), so the path between
    two leaves through their lowest common ancestor has length equal to that merge height,
    and ``ape::cophenetic.phylo`` gives SciPy's ``cophenet`` matrix. Leaf-to-root = root
    height / 2.
``"height"``
    a branch is the full height difference, so every leaf is at the root's height from the
    root (what most tree viewers draw as the dendrogram) and leaf-to-leaf paths are twice
    the merge heights.

Labels are written bare when they are made of characters Newick allows there, else in single
quotes with ``'`` doubled (``'it''s (x)'``). Underscores are left bare and read back as
underscores (as ape does; strict Newick would read them as spaces). ape's ``read.tree``
keeps the quotes of quoted labels in the label and cannot read quoted labels holding
parentheses or commas; plain labels round-trip through ape unchanged.

Reading (:func:`from_newick`) needs a rooted tree with a length on every branch whose
leaves all lie at the same distance from the root, within a tolerance (relative to that
distance); otherwise it refuses, naming the two leaves furthest apart. Nodes with one child
are merged into it (lengths added, as ``ape::collapse.singles``). Nodes with more than two
children are resolved into successive merges at the same height, first two children first
(as ``ape::multi2di(random = FALSE)``), or refused with ``polytomies="refuse"``. Merges are
numbered by height (ties: children before parents, then left to right), leaves by
``labels`` when given, else in order of appearance; each row of Z keeps the Newick's child
order. ``from_newick(to_newick(Z, labels), labels=labels)`` gives Z back bit for bit when the
merge heights are distinct (with ties, the same tree: the rows of a tie may come in another
order). To make that hold, :func:`to_newick` picks each length within a few ulps of the exact
difference so that child height + length gives the parent's height in floating point; where
no such length exists (rare: the child's height sits half an ulp off the parent's grid) it
adds the merge height as a comment, ``)[&height=0.961555244902918]:...``, which Newick
readers skip (ape included) and :func:`from_newick` uses when it agrees with the lengths.

Examples
--------
>>> import numpy as np
>>> Z = np.array([[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 3.0, 3.0]])
>>> to_newick(Z, ["a", "b", "c"])
'(c:1.5,(a:0.5,b:0.5):1.0);'
>>> to_newick(Z, ["a", "b", "c"], convention="height")
'(c:3.0,(a:1.0,b:1.0):2.0);'
>>> back = from_newick('(c:1.5,(a:0.5,b:0.5):1.0);', labels=["a", "b", "c"])
>>> back.Z.tolist()
[[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 3.0, 3.0]]
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.errors import DataError
from clustering.newick_read import check_branches, check_ultrametric, parse_newick
from clustering.trees_in import check_linkage

__all__ = [
    "NEWICK_CONVENTIONS",
    "POLYTOMY_CHOICES",
    "ULTRAMETRIC_TOLERANCE",
    "NewickTree",
    "from_newick",
    "lastp_linkage",
    "newick_label",
    "subtree_linkage",
    "to_json_tree",
    "to_newick",
]

NEWICK_CONVENTIONS: tuple[str, ...] = ("ape", "height")
POLYTOMY_CHOICES: tuple[str, ...] = ("resolve", "refuse")
#: Default ultrametric tolerance, relative to the root-to-leaf distance.
ULTRAMETRIC_TOLERANCE = 1e-9

_BARE_OK = re.compile(r"^[^\s()\[\]':;,]+$")


def newick_label(label: object) -> str:
    """A label as Newick text: bare when allowed, else single-quoted with ``'`` doubled.

    Examples
    --------
    >>> newick_label("sample_1"), newick_label("a b"), newick_label("it's"), newick_label("")
    ('sample_1', "'a b'", "'it''s'", '')
    """
    text = str(label)
    if text == "" or _BARE_OK.match(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _check_convention(convention: str) -> None:
    if convention not in NEWICK_CONVENTIONS:
        raise DataError(f"unknown Newick convention {convention!r}; choose one of "
                        f"{', '.join(NEWICK_CONVENTIONS)} (ape: branch = half the height "
                        "difference; height: the full difference)")


def _labels_for(labels: Sequence[object] | None, n: int) -> list[str]:
    if labels is None:
        return [str(i) for i in range(n)]
    out = [str(x) for x in labels]
    if len(out) != n:
        raise DataError(f"{len(out):,} labels for a tree of {n:,} leaves; give one label per "
                        "leaf, in the order of the rows clustered")
    return out


def to_newick(Z: np.ndarray, labels: Sequence[object] | None = None, *,
              convention: str = "ape") -> str:
    """Write a SciPy linkage matrix as a Newick tree (one line, ending in ``;``).

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
        A valid linkage matrix (checked as :func:`clustering.trees_in.check_linkage`).
    labels : sequence of n labels, optional
        Leaf i's label; default the leaf ids "0".."n-1" (as SciPy's dendrogram).
    convention : {"ape", "height"}
        How branch lengths follow from heights (module docstring). Children are written in
        Z's order (``Z[i, 0]`` first), lengths with ``repr`` (shortest exact text). With
        inversions (centroid / median) some lengths are negative.

    Returns
    -------
    str

    Examples
    --------
    >>> to_newick(np.array([[0, 1, 0.25, 2]]), ["x y", "z"])
    "('x y':0.125,z:0.125);"
    """
    _check_convention(convention)
    Z = check_linkage(Z)
    n = Z.shape[0] + 1
    names = [newick_label(x) for x in _labels_for(labels, n)]
    heights = Z[:, 2]
    half = convention == "ape"

    def length(child: int, parent_height: float) -> str:
        h_child = 0.0 if child < n else float(heights[child - n])
        if half:
            return repr(_exact_step(h_child / 2, parent_height / 2))
        return repr(_exact_step(h_child, parent_height))

    def rebuilt(child: int, parent_height: float) -> float:
        # what from_newick computes: child height + written length (on its scale)
        scale = 0.5 if half else 1.0
        h_child = 0.0 if child < n else float(heights[child - n])
        return h_child * scale + float(length(child, parent_height))

    def rebuilds(a: int, b: int, h: float) -> bool:
        scale = 0.5 if half else 1.0
        return max(rebuilt(a, h), rebuilt(b, h)) == h * scale

    out: list[str] = []
    # each stack entry: ("node", id) to write a subtree, or ("text", literal)
    stack: list[tuple[str, object]] = [("node", 2 * n - 2)]
    while stack:
        kind, item = stack.pop()
        if kind == "text":
            out.append(item)  # type: ignore[arg-type]
            continue
        node = int(item)  # type: ignore[call-overload]
        if node < n:
            out.append(names[node])
            continue
        a, b = int(Z[node - n, 0]), int(Z[node - n, 1])
        h = float(heights[node - n])
        out.append("(")
        stack.append(("text", ")" + ("" if rebuilds(a, b, h) else f"[&height={h!r}]")))
        stack.append(("text", ":" + length(b, h)))
        stack.append(("node", b))
        stack.append(("text", ","))
        stack.append(("text", ":" + length(a, h)))
        stack.append(("node", a))
    return "".join(out) + ";"


def _exact_step(base: float, target: float) -> float:
    """The branch length b nearest target − base with base + b == target in floating point.

    A reader adds lengths from the leaves up (child height + branch), so choosing b this way
    (at most a few ulps from the plain difference) gives the heights back bit for bit.
    """
    b = target - base
    for _ in range(8):
        got = base + b
        if got == target:
            return b
        b = math.nextafter(b, math.inf if got < target else -math.inf)
    return target - base


# ---------------------------------------------------------------- reading
@dataclass(frozen=True, eq=False)
class NewickTree:
    """A Newick tree read as a dendrogram.

    Attributes
    ----------
    Z : ndarray, shape (n - 1, 4), read-only
        Valid (``scipy.cluster.hierarchy.is_valid_linkage``) and monotone.
    labels : tuple of str, length n
        Leaf i's label.
    convention : str
        The convention used to turn branch lengths into heights.
    notes : tuple of str
        What was done on the way (polytomies resolved, single-child nodes merged, ...).
    """

    Z: np.ndarray
    labels: tuple[str, ...]
    convention: str
    notes: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.labels)


def from_newick(
    text: str | bytes,
    *,
    labels: Sequence[object] | None = None,
    convention: str = "ape",
    tolerance: float = ULTRAMETRIC_TOLERANCE,
    polytomies: str = "resolve",
) -> NewickTree:
    """Read a rooted, ultrametric Newick tree into a SciPy linkage matrix.

    Parameters
    ----------
    text : str or bytes
        One tree (UTF-8 when bytes). Comments in ``[...]`` are skipped; internal node
        labels are ignored.
    labels : sequence of n labels, optional
        Number leaves by this order (e.g. the labels given to :func:`to_newick`); each must
        name exactly one leaf. Default: order of appearance.
    convention : {"ape", "height"}
        How branch lengths become heights: ``"ape"`` doubles the distance to the leaves
        (undoing :func:`to_newick`'s halving), ``"height"`` takes it as is.
    tolerance : float
        Largest allowed spread of root-to-leaf distances, relative to the largest one.
    polytomies : {"resolve", "refuse"}

    Returns
    -------
    NewickTree

    Raises
    ------
    DataError
        Syntax errors (with line and character), more than one tree, fewer than 2 leaves,
        a missing or negative branch length (naming the node), not ultrametric (naming the
        two leaves), polytomies when refused, ``labels`` not matching the leaves.

    Examples
    --------
    >>> t = from_newick("((a:1,b:1,c:1):2,d:3);", convention="height")
    >>> t.Z.tolist(), t.labels, t.notes[0]
    ([[0.0, 1.0, 1.0, 2.0], [4.0, 2.0, 1.0, 3.0], [5.0, 3.0, 3.0, 4.0]], ('a', 'b', 'c', 'd'), 'A node with 3 children (leaves a, b, c) was resolved into 2 merges at the same height (zero-length branches, first children first).')
    """
    _check_convention(convention)
    if polytomies not in POLYTOMY_CHOICES:
        raise DataError(f"polytomies must be one of {', '.join(POLYTOMY_CHOICES)}, not {polytomies!r}")
    if not (isinstance(tolerance, int | float) and 0 <= tolerance < 1):
        raise DataError(f"tolerance must be a number in [0, 1), not {tolerance!r}")
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    t = parse_newick(text)
    parent, children, label, length, is_leaf = t.parent, t.children, t.label, t.length, t.is_leaf
    leaves = t.leaves()
    if len(leaves) < 2:
        raise DataError("the tree has fewer than 2 leaves; a dendrogram needs at least 2")
    notes = check_branches(t)
    check_ultrametric(t, tolerance)

    # heights above the leaves, children first; ultrametric within tolerance, so take the max
    factor = 2.0 if convention == "ape" else 1.0
    height = [0.0] * len(parent)
    for k in range(len(parent) - 1, -1, -1):
        if not is_leaf[k]:
            height[k] = max(height[c] + float(length[c]) for c in children[k])  # type: ignore[arg-type]
            given = t.exact.get(k)
            # our own export's exact height, when summing lengths cannot give it bit for bit
            if given is not None and abs(given / factor - height[k]) <= 1e-12 * max(abs(given), 1e-300):
                height[k] = given / factor

    # ids of leaves
    leaf_labels = [label[k] for k in leaves]
    n = len(leaves)
    if labels is not None:
        wanted = [str(x) for x in labels]
        if len(wanted) != n or len(set(wanted)) != n:
            raise DataError(f"labels must name each of the tree's {n:,} leaves once; got "
                            f"{len(wanted):,} labels ({len(set(wanted)):,} distinct)")
        seen: dict[str, int] = {}
        for x in leaf_labels:
            seen[x] = seen.get(x, 0) + 1
        dup = [x for x, c in seen.items() if c > 1]
        if dup:
            raise DataError(f"leaf label {dup[0]!r} appears {seen[dup[0]]} times in the tree; "
                            "leaves can only be matched to labels when each is unique")
        pos = {x: i for i, x in enumerate(wanted)}
        unknown = [x for x in leaf_labels if x not in pos]
        if unknown:
            raise DataError(f"the tree has leaves not among the labels: "
                            f"{', '.join(map(repr, unknown[:5]))}")
        leaf_id = {k: pos[label[k]] for k in leaves}
        out_labels = wanted
    else:
        leaf_id = {k: i for i, k in enumerate(leaves)}
        out_labels = leaf_labels

    # binary merges: (left, right, height) in post-order, leaves as ("leaf", k), merges by index
    merges: list[tuple[tuple[str, int], tuple[str, int], float]] = []
    ref: dict[int, tuple[str, int]] = {}
    singles = 0
    resolved: list[str] = []
    order = _postorder(children)
    for k in order:
        if is_leaf[k]:
            ref[k] = ("leaf", leaf_id[k])
            continue
        kids = children[k]
        if len(kids) == 1:
            singles += 1
            ref[k] = ref[kids[0]]
            continue
        if len(kids) > 2:
            if polytomies == "refuse":
                raise DataError(f"{t.describe(k)} has {len(kids)} children; a dendrogram merges two "
                                "at a time. Resolve it (e.g. ape::multi2di) or let the app resolve it.")
            resolved.append(f"A node with {len(kids)} children ({t.short(k)}) "
                            f"was resolved into {len(kids) - 1} merges at the same height "
                            "(zero-length branches, first children first).")
        acc = ref[kids[0]]
        for c in kids[1:]:
            merges.append((acc, ref[c], height[k]))
            acc = ("merge", len(merges) - 1)
        ref[k] = acc
    if singles:
        notes.append(f"{singles:,} node(s) with a single child were merged into it (lengths added).")
    notes = resolved[:3] + ([f"... and {len(resolved) - 3:,} more such nodes."] if len(resolved) > 3
                            else []) + notes

    m = len(merges)
    rank = sorted(range(m), key=lambda r: (merges[r][2], r))  # post-order breaks ties
    new_id = {r: n + i for i, r in enumerate(rank)}
    size_of: dict[int, int] = {}
    Z = np.empty((m, 4))
    for i, r in enumerate(rank):
        a, b, h = merges[r]
        ids = []
        sizes = 0
        for kind, v in (a, b):
            if kind == "leaf":
                ids.append(v)
                sizes += 1
            else:
                ids.append(new_id[v])
                sizes += size_of[v]
        size_of[r] = sizes
        Z[i] = (ids[0], ids[1], h * factor, sizes)
    Z.setflags(write=False)
    return NewickTree(Z, tuple(out_labels), convention, tuple(notes))


def _postorder(children: list[list[int]]) -> list[int]:
    out: list[int] = []
    stack = [(0, False)]
    while stack:
        k, done = stack.pop()
        if done or not children[k]:
            out.append(k)
            continue
        stack.append((k, True))
        for c in reversed(children[k]):
            stack.append((c, False))
    return out


# ---------------------------------------------------------------- views of a tree
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
    names = _labels_for(labels, n)
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
    names = _labels_for(labels, n)
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
    names = _labels_for(labels, n)
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
