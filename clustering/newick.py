"""Trees out and in as Newick text, both ways: the entry point for writing and reading.

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

This module is the public entry point; the work is split by job. Writing is in
:mod:`clustering.newick_write` (:func:`to_newick`, :func:`newick_label`,
:func:`leaf_labels_for`, :data:`NEWICK_CONVENTIONS`); reading in
:mod:`clustering.newick_to_linkage` (:func:`from_newick`, :class:`NewickTree`,
:data:`POLYTOMY_CHOICES`, :data:`ULTRAMETRIC_TOLERANCE`), on the tokenizer, parser and checks
of :mod:`clustering.newick_read`. The JSON tree for web viewers is in :mod:`clustering.tree_views`.

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

from clustering.newick_to_linkage import (
    POLYTOMY_CHOICES,
    ULTRAMETRIC_TOLERANCE,
    NewickTree,
    from_newick,
)
from clustering.newick_write import NEWICK_CONVENTIONS, leaf_labels_for, newick_label, to_newick

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
