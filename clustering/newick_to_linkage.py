"""Reading Newick text into a linkage matrix: :func:`from_newick` gives a :class:`NewickTree`.

Split by job from :mod:`clustering.newick`, the public entry point, whose docstring states the
rules (a rooted, ultrametric tree within a tolerance; single-child nodes merged; polytomies
resolved or refused; how merges and leaves are numbered). The text is tokenized, parsed and
checked by :mod:`clustering.newick_read`; here the parsed tree becomes node heights
(:func:`_heights`), leaf numbers (:func:`_leaf_ids`), binary merges (:func:`_binary_merges`)
and SciPy's Z (:func:`_linkage_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.errors import DataError
from clustering.newick_read import ParsedNewick, check_branches, check_ultrametric, parse_newick
from clustering.newick_write import _check_convention

__all__ = ["POLYTOMY_CHOICES", "ULTRAMETRIC_TOLERANCE", "NewickTree", "from_newick"]

POLYTOMY_CHOICES: tuple[str, ...] = ("resolve", "refuse")
#: Default ultrametric tolerance, relative to the root-to-leaf distance.
ULTRAMETRIC_TOLERANCE = 1e-9


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
