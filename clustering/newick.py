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

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.errors import DataError
from clustering.newick_read import ParsedNewick, check_branches, check_ultrametric, parse_newick
from clustering.trees_in import check_linkage

__all__ = [
    "NEWICK_CONVENTIONS",
    "POLYTOMY_CHOICES",
    "ULTRAMETRIC_TOLERANCE",
    "NewickTree",
    "from_newick",
    "leaf_labels_for",
    "newick_label",
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


def leaf_labels_for(labels: Sequence[object] | None, n: int) -> list[str]:
    """The n leaf labels as text: ``labels`` (one per leaf, in row order) or the row numbers.

    >>> leaf_labels_for(None, 3), leaf_labels_for(["a", 2], 2)
    (['0', '1', '2'], ['a', '2'])
    """
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
    names = [newick_label(x) for x in leaf_labels_for(labels, n)]
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
    leaves = t.leaves()
    if len(leaves) < 2:
        raise DataError("the tree has fewer than 2 leaves; a dendrogram needs at least 2")
    notes = check_branches(t)
    check_ultrametric(t, tolerance)
    factor = 2.0 if convention == "ape" else 1.0
    leaf_id, out_labels = _leaf_ids(t, leaves, labels)
    merges, resolved = _binary_merges(t, _heights(t, factor), leaf_id, polytomies, notes)
    notes = resolved[:3] + ([f"... and {len(resolved) - 3:,} more such nodes."] if len(resolved) > 3
                            else []) + notes
    Z = _linkage_of(merges, len(leaves), factor)
    return NewickTree(Z, tuple(out_labels), convention, tuple(notes))


def _heights(t: ParsedNewick, factor: float) -> list[float]:
    """Each node's height above its leaves (in the text's units, before ``factor``), children
    first; ultrametric within tolerance, so the largest path down is taken."""
    height = [0.0] * len(t.parent)
    for k in range(len(t.parent) - 1, -1, -1):
        if not t.is_leaf[k]:
            height[k] = max(height[c] + float(t.length[c]) for c in t.children[k])
            given = t.exact.get(k)
            # our own export's exact height, when summing lengths cannot give it bit for bit
            if given is not None and abs(given / factor - height[k]) <= 1e-12 * max(abs(given), 1e-300):
                height[k] = given / factor
    return height


def _leaf_ids(t: ParsedNewick, leaves: list[int], labels: Sequence[object] | None
              ) -> tuple[dict[int, int], list[str]]:
    """Node -> observation number of each leaf, and the labels in that order: the order of
    appearance, or the order ``labels`` gives (each must name exactly one leaf)."""
    leaf_labels = [t.label[k] for k in leaves]
    n = len(leaves)
    if labels is None:
        return {k: i for i, k in enumerate(leaves)}, leaf_labels
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
    return {k: pos[t.label[k]] for k in leaves}, wanted


Merge = tuple[tuple[str, int], tuple[str, int], float]


def _binary_merges(t: ParsedNewick, height: list[float], leaf_id: dict[int, int], polytomies: str,
                   notes: list[str]) -> tuple[list[Merge], list[str]]:
    """The tree as binary merges (left, right, height) in post-order, a leaf as ("leaf", id)
    and a merge by its index; single-child nodes folded (noted in ``notes``), polytomies
    resolved first children first (the notes returned) or refused."""
    merges: list[Merge] = []
    ref: dict[int, tuple[str, int]] = {}
    singles = 0
    resolved: list[str] = []
    for k in _postorder(t.children):
        if t.is_leaf[k]:
            ref[k] = ("leaf", leaf_id[k])
            continue
        kids = t.children[k]
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
    return merges, resolved


def _linkage_of(merges: list[Merge], n: int, factor: float) -> np.ndarray:
    """SciPy's Z of the binary merges: rows by height, post-order breaking ties; read-only."""
    m = len(merges)
    rank = sorted(range(m), key=lambda r: (merges[r][2], r))
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
    return Z


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
