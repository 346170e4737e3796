"""Writing a linkage matrix as Newick text: :func:`to_newick`, with :func:`newick_label` and
:func:`leaf_labels_for`.

Split by job from :mod:`clustering.newick`, the public entry point, whose docstring states the
branch-length conventions (:data:`NEWICK_CONVENTIONS`), when labels are quoted, and why each
length is picked within a few ulps of the exact difference (:func:`_exact_step`). Reading is in
:mod:`clustering.newick_to_linkage`, which checks its convention argument with
:func:`_check_convention` from here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from clustering.errors import DataError
from clustering.trees_in import check_linkage

__all__ = ["NEWICK_CONVENTIONS", "leaf_labels_for", "newick_label", "to_newick"]

NEWICK_CONVENTIONS: tuple[str, ...] = ("ape", "height")

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
