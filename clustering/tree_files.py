"""The tree as files for other tools: Newick and a JSON tree, of the whole tree or the view.

Builds on :mod:`clustering.newick` (``to_newick``), :mod:`clustering.tree_views` (``to_json_tree``, ``lastp_linkage``) and
adds what a downloaded file needs: the truncated view a dendrogram shows
(:func:`view_linkage`, SciPy's ``truncate_mode`` rules), and a sentence inside the file saying
what the leaves are and which branch-length convention it uses (:func:`newick_file`, a
leading Newick comment ``[...]`` that ``ape::read.tree`` and :func:`clustering.newick.from_newick`
skip; :func:`json_tree_file`, an ``"about"`` key on the root object that d3.hierarchy ignores).

Leaf labels in files must survive other readers: ``ape::read.tree`` cannot read quoted labels
holding parentheses or commas, so a contracted leaf is named ``node152_12rows`` (cluster id
152 of Z, 12 rows under it), not SciPy's ``(12)``; micro-cluster leaves of an approximate tree
``micro7_310rows``.

Examples
--------
>>> import numpy as np
>>> Z = np.array([[0, 1, 1.0, 2], [2, 4, 2.0, 3], [3, 5, 4.0, 4]])
>>> Zv, labels, nodes = view_linkage(Z, "lastp", 2, list("abcd"))
>>> Zv.tolist(), labels, nodes.tolist()
([[0.0, 1.0, 4.0, 2.0]], ['d', 'node5_3rows'], [3, 5])
>>> newick_file(Zv, labels, about="two leaves")
'[two leaves] (d:2.0,node5_3rows:2.0);'
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.newick import NEWICK_CONVENTIONS, to_newick
from clustering.tree_views import to_json_tree
from clustering.trees_in import check_linkage

__all__ = [
    "CONVENTION_SENTENCES",
    "json_tree_file",
    "micro_labels",
    "newick_file",
    "view_linkage",
]

#: What each Newick convention means, for the file and the page.
CONVENTION_SENTENCES: dict[str, str] = {
    "ape": ("branch lengths follow ape::as.phylo(hclust) in R: each branch is half the height "
            "difference between its two ends, so the path between two leaves equals the height "
            "at which they merge (ape::cophenetic.phylo gives SciPy's cophenet), and every leaf "
            "is half the root's height from the root"),
    "height": ("branch lengths are the full height differences: every leaf is the root's height "
               "from the root, as the dendrogram draws it, and the path between two leaves is "
               "twice their merge height"),
}

_TRUNCATE = ("none", "lastp", "level")


def _about_text(about: str) -> str:
    # A Newick comment ends at the first ']' (no nesting), and ape::read.tree splits trees at
    # ';' and counts single quotes before it drops comments: none of these may appear.
    return (about.replace("[", "(").replace("]", ")").replace("'", '"')
            .replace(";", ","))


def micro_labels(weights: Sequence[int] | np.ndarray) -> list[str]:
    """Leaf labels for the micro-clusters of an approximate tree.

    >>> micro_labels([310, 12])
    ['micro0_310rows', 'micro1_12rows']
    """
    return [f"micro{i}_{int(w)}rows" for i, w in enumerate(np.asarray(weights).tolist())]


def view_linkage(Z: np.ndarray, truncate_mode: str = "none", p: int = 30,
                 labels: Sequence[object] | None = None,
                 leaf_rows: Sequence[int] | np.ndarray | None = None
                 ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The tree a truncated dendrogram shows, as a linkage of its own leaves.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    truncate_mode : {"none", "lastp", "level"}
        As the page (and ``scipy.cluster.hierarchy.dendrogram``): "lastp" keeps the last p
        merges, "level" at most p levels below the root.
    p : int
        The truncation parameter, clipped as SciPy clips it.
    labels : sequence of n labels, optional
        Leaf i's label; default "0".."n-1".
    leaf_rows : sequence of n ints, optional
        Rows behind each leaf (micro-cluster sizes); default 1 each.

    Returns
    -------
    (Zv, leaf_labels, nodes)
        ``Zv`` (m - 1, 4) a valid linkage of the m leaves drawn (sizes count those leaves;
        heights are Z's); ``leaf_labels`` a leaf's own label, or ``node<id>_<rows>rows`` for a
        contracted cluster; ``nodes`` (m,) the id in Z of each leaf of ``Zv`` (ascending).
        With "lastp" this is :func:`clustering.tree_views.lastp_linkage` up to those labels.

    Examples
    --------
    >>> Z = np.array([[0, 1, 1, 2], [2, 3, 2, 2], [6, 7, 3, 4], [4, 8, 4, 5], [5, 9, 5, 6]])
    >>> Zv, labels, nodes = view_linkage(Z, "level", 1, list("abcdef"))
    >>> Zv.tolist(), labels   # SciPy's dendrogram shows f, e, (4)
    ([[0.0, 2.0, 4.0, 2.0], [1.0, 3.0, 5.0, 3.0]], ['e', 'f', 'node8_4rows'])
    """
    if truncate_mode not in _TRUNCATE:
        raise DataError(f"truncate_mode must be one of {', '.join(_TRUNCATE)}, not "
                        f"{truncate_mode!r}")
    Z = check_linkage(Z)
    n = Z.shape[0] + 1
    names = [str(i) for i in range(n)] if labels is None else [str(x) for x in labels]
    if len(names) != n:
        raise DataError(f"{len(names):,} labels for a tree of {n:,} leaves")
    rows = np.ones(2 * n - 1, dtype=np.int64)
    if leaf_rows is not None:
        w = np.asarray(leaf_rows, dtype=np.int64)
        if w.shape != (n,):
            raise DataError(f"leaf_rows must give one count per leaf ({n:,}), not {w.shape}")
        rows[:n] = w
    for r in range(n - 1):
        rows[n + r] = rows[int(Z[r, 0])] + rows[int(Z[r, 1])]
    if truncate_mode == "none":
        nodes = np.arange(n)
    else:
        # The drawn leaves, by the same rule the page's dendrogram uses.
        nodes = np.sort(np.asarray(dendrogram_geometry(Z, truncate_mode=truncate_mode, p=p).leaves,
                                   dtype=np.int64))
    m = nodes.size
    if m < 2:
        raise DataError("the view shows a single leaf; there is no tree to export")
    # Merges drawn = ancestors of the drawn leaves: every row neither a drawn leaf nor under one.
    hidden = np.zeros(2 * n - 1, dtype=bool)
    hidden[nodes] = True
    for r in range(n - 2, -1, -1):
        if hidden[n + r]:
            hidden[int(Z[r, 0])] = hidden[int(Z[r, 1])] = True
    kept = np.flatnonzero(~hidden[n:]).tolist()
    new = {int(c): i for i, c in enumerate(nodes)}
    new.update({n + r: m + i for i, r in enumerate(kept)})
    Zv = np.empty((len(kept), 4))
    size = np.ones(2 * m - 1)
    for i, r in enumerate(kept):
        a, b = new[int(Z[r, 0])], new[int(Z[r, 1])]
        Zv[i] = (a, b, Z[r, 2], 0.0)
        size[m + i] = size[a] + size[b]
    Zv[:, 3] = size[m:]
    if Zv.shape[0] != m - 1:  # pragma: no cover - the drawn leaves always cover the tree
        raise DataError("the view's leaves do not cover the tree")
    out = [names[c] if c < n else f"node{int(c)}_{int(rows[c])}rows" for c in nodes.tolist()]
    Zv.setflags(write=False)
    return Zv, out, nodes


def newick_file(Z: np.ndarray, labels: Sequence[object], *, convention: str = "ape",
                about: str = "") -> str:
    """``to_newick(Z, labels, convention)`` preceded by ``[about]`` (when given).

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    labels : sequence of n labels
    convention : {"ape", "height"}
        See :data:`CONVENTION_SENTENCES`.
    about : str
        A sentence or two for the file's opening comment (brackets become parentheses,
        single quotes double quotes, semicolons commas: ape would trip on them).

    Returns
    -------
    str
        One line ending in ``;`` and a newline-free comment before it.

    Examples
    --------
    >>> newick_file(np.array([[0, 1, 0.5, 2]]), ["a", "b"], convention="height")
    '(a:0.5,b:0.5);'
    """
    if convention not in NEWICK_CONVENTIONS:
        raise DataError(f"convention must be one of {', '.join(NEWICK_CONVENTIONS)}, not "
                        f"{convention!r}")
    text = to_newick(Z, labels, convention=convention)
    about = " ".join(_about_text(about).split())
    return f"[{about}] {text}" if about else text


def json_tree_file(Z: np.ndarray, labels: Sequence[object],
                   clusters: Sequence[int] | np.ndarray | None = None, *,
                   about: str = "") -> str:
    """``to_json_tree(Z, labels, clusters)`` with an ``"about"`` key first on the root.

    Parsing is not needed (and a deep chain would exceed ``json.loads``' recursion), so the
    key is spliced into the text.

    Examples
    --------
    >>> json_tree_file(np.array([[0, 1, 0.5, 2]]), ["a", "b"], about="x")[:40]
    '{"about": "x", "id": 2, "height": 0.5, "'
    """
    text = to_json_tree(Z, labels, clusters)
    if not about:
        return text
    return "{" + f'"about": {json.dumps(about, ensure_ascii=False)}, ' + text[1:]
