"""Reading Newick text, split by job for :func:`clustering.newick.from_newick`: the tokenizer
(:func:`tokens`: punctuation, labels, branch lengths, the ``[&height=...]`` comments our own
export writes), the parser (:func:`parse_newick`: nodes, parents before children) and the
checks on what was read (:func:`check_branches`, :func:`check_ultrametric`). Each error says
where (line and character) or which node (the leaves under it).

Examples
--------
>>> [(t.kind, t.value) for t in tokens("(a:1,'b c':2)[&height=4];")]
[('(', '('), ('label', 'a'), ('length', '1'), (',', ','), ('label', 'b c'), ('length', '2'), (')', ')'), ('height', 4.0), (';', ';')]
>>> t = parse_newick("((a:1,b:1):1,c:2);")
>>> t.leaves(), t.describe(1), check_branches(t)
([2, 3, 4], 'the node above leaves a, b', [])
>>> check_ultrametric(parse_newick("((a:1,b:1):1,c:2.5);"), 1e-9)
Traceback (most recent call last):
...
clustering.errors.DataError: the tree is not ultrametric: leaf 'c' is 2.5 from the root but leaf 'a' is 2.0 (difference 0.5, tolerance 1e-09 of the distance). A dendrogram needs every leaf at the same distance from the root; this looks like a phylogram (e.g. neighbour joining), which has no merge heights.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from clustering.errors import DataError

__all__ = ["ParsedNewick", "Token", "check_branches", "check_ultrametric", "parse_newick",
           "tokens"]

_NUMBER_END = re.compile(r"[\s,();\[]")
_LABEL_END = re.compile(r"[\s()\[\]':;,]")
_HEIGHT_COMMENT = re.compile(r"\[&height=([-+0-9.eE]+|[-+]?inf|nan)\]")


def _where(text: str, i: int) -> str:
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    near = text[max(0, i - 15): i + 15].replace("\n", " ")
    return f"line {line}, character {col} (near {near!r})"


# ---------------------------------------------------------------- tokenizer
@dataclass(frozen=True)
class Token:
    """One piece of Newick text.

    ``kind`` is one of ``( , ) ;``, ``label`` (value: the name, quotes undone; ``at``: the
    character after it), ``length`` (value: the text after ':', converted by the parser, which
    first checks there is a node to attach it to; ``at``: the ':'), ``height`` (value: the
    float of a ``[&height=...]`` comment) or ``after`` (value: the first character after the
    tree's ';' that is neither space nor comment).
    """

    kind: str
    value: object
    at: int


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The quoted label starting at text[i] == "'" ('' is a quote), and the index after it."""
    buf = []
    j = i + 1
    while True:
        k = text.find("'", j)
        if k < 0:
            raise DataError(f"a quoted label is never closed, at {_where(text, i)}")
        buf.append(text[j:k])
        if k + 1 < len(text) and text[k + 1] == "'":
            buf.append("'")
            j = k + 2
            continue
        return "".join(buf), k + 1


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text``, lazily (the parser's errors come at the first bad token).

    Raises
    ------
    DataError
        A comment or a quoted label never closed.
    """
    i, end = 0, len(text)
    ended = False
    while i < end:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "[":
            j = text.find("]", i)
            if j < 0:
                raise DataError(f"a comment '[' is never closed, at {_where(text, i)}")
            m = _HEIGHT_COMMENT.match(text, i, j + 1)
            if m:
                yield Token("height", float(m.group(1)), i)
            i = j + 1
            continue
        if ended:
            yield Token("after", c, i)
            return
        if c in "(),;":
            ended = c == ";"
            yield Token(c, c, i)
            i += 1
        elif c == ":":
            m = _NUMBER_END.search(text, i + 1)
            j = m.start() if m else end
            yield Token("length", text[i + 1:j].strip(), i)
            i = j
        else:
            if c == "'":
                name, i = _quoted(text, i)
            else:
                m = _LABEL_END.search(text, i)
                j = m.start() if m else end
                name, i = text[i:j], j
            yield Token("label", name, i)


# ---------------------------------------------------------------- parser
@dataclass
class ParsedNewick:
    """Nodes in creation order (parents before children; node 0 is the root)."""

    parent: list[int] = field(default_factory=list)
    children: list[list[int]] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    length: list[float | None] = field(default_factory=list)
    is_leaf: list[bool] = field(default_factory=list)
    exact: dict[int, float] = field(default_factory=dict)  # [&height=...] of internal nodes

    def new(self, par: int, leaf: bool) -> int:
        k = len(self.parent)
        self.parent.append(par)
        self.children.append([])
        self.label.append("")
        self.length.append(None)
        self.is_leaf.append(leaf)
        if par >= 0:
            self.children[par].append(k)
        return k

    def leaves(self) -> list[int]:
        return [k for k in range(len(self.parent)) if self.is_leaf[k]]

    def leaves_under(self, k: int) -> list[int]:
        out, stack = [], [k]
        while stack:
            x = stack.pop()
            if self.is_leaf[x]:
                out.append(x)
            else:
                stack.extend(reversed(self.children[x]))
        return out

    def describe(self, k: int) -> str:
        """A node in words, for messages."""
        if self.is_leaf[k]:
            return f"leaf {self.label[k]!r}" if self.label[k] else "an unnamed leaf"
        under = [self.label[x] for x in self.leaves_under(k)]
        shown = ", ".join(under[:4]) + (f" and {len(under) - 4} more" if len(under) > 4 else "")
        return f"the node above leaves {shown}"

    def short(self, k: int) -> str:
        under = [self.label[x] or "(unnamed)" for x in self.leaves_under(k)]
        return "leaves " + ", ".join(under[:4]) + (f" and {len(under) - 4} more"
                                                   if len(under) > 4 else "")


def _length(text: str, tok: Token) -> float:
    raw = str(tok.value)
    try:
        value = float(raw)
    except ValueError:
        raise DataError(f"branch length {raw[:30]!r} is not a number, at "
                        f"{_where(text, tok.at)}") from None
    if not math.isfinite(value):
        raise DataError(f"branch length {raw!r} is not finite, at {_where(text, tok.at)}")
    return value


def parse_newick(text: str) -> ParsedNewick:
    """The nodes of the one tree in ``text``.

    Raises
    ------
    DataError
        Syntax errors with line and character: unbalanced parentheses, a length that is not a
        number, two labels for one node, text after the tree (another tree), no tree at all.
    """
    t = ParsedNewick()
    stack: list[int] = []
    last: int | None = None  # the node that a label or ':length' attaches to
    labelled: set[int] = set()
    for tok in tokens(text):
        kind, i = tok.kind, tok.at
        if kind == "height":
            if last is not None and not t.is_leaf[last]:
                t.exact[last] = float(tok.value)  # type: ignore[arg-type]
        elif kind == "after":
            if tok.value == "(":
                raise DataError("the file holds more than one tree (text after the first ';'); "
                                "upload one tree")
            raise DataError(f"unexpected text after the tree's ';' at {_where(text, i)}")
        elif kind == "(":
            if last is not None or (not stack and t.parent):
                raise DataError(f"'(' cannot follow a label or a closed group, at "
                                f"{_where(text, i)}")
            stack.append(t.new(stack[-1] if stack else -1, False))
            last = None
        elif kind in ",)":
            if not stack:
                raise DataError(f"unbalanced parentheses: {kind!r} outside any group, at "
                                f"{_where(text, i)}")
            if last is None:
                t.new(stack[-1], True)  # an empty leaf, as in "(,);"
            last = None if kind == "," else stack.pop()
        elif kind == "length":
            if last is None and stack:
                last = t.new(stack[-1], True)  # an unnamed leaf, as in "(:1,b:1);"
            if last is None:
                raise DataError(f"a branch length with no node before it, at {_where(text, i)}")
            t.length[last] = _length(text, tok)
        elif kind == ";":
            if stack:
                raise DataError(f"unbalanced parentheses: {len(stack)} group(s) still open at "
                                "the ';'")
        else:  # a label
            name = str(tok.value)
            if last is None:
                if not stack:
                    if t.parent:
                        raise DataError(f"unexpected label {name!r} at {_where(text, i)}")
                    last = t.new(-1, True)  # a tree of one leaf: refused later
                else:
                    last = t.new(stack[-1], True)
            elif last in labelled:
                raise DataError(f"two labels for one node ({t.label[last]!r}, {name!r}) at "
                                f"{_where(text, i)}")
            t.label[last] = name
            labelled.add(last)
    if stack:
        raise DataError(f"unbalanced parentheses: {len(stack)} group(s) never closed "
                        "(is the file cut short?)")
    if not t.parent:
        raise DataError("the file holds no tree (Newick looks like '((a:1,b:1):1,c:2);')")
    return t


# ---------------------------------------------------------------- checks
def check_branches(t: ParsedNewick) -> list[str]:
    """Refuse what has no merge heights (a branch without a length, a negative one, an empty
    group); the notes on what is ignored (the root's own branch, internal labels)."""
    nodes = range(len(t.parent))
    missing = [k for k in nodes if k != 0 and t.length[k] is None]
    if missing:
        raise DataError(f"{len(missing):,} branch(es) have no length, e.g. above "
                        f"{t.describe(missing[0])}; a dendrogram needs merge heights: export "
                        "the tree with branch lengths")
    negative = [k for k in nodes if k != 0 and t.length[k] < 0]  # type: ignore[operator]
    if negative:
        k = negative[0]
        raise DataError(f"the branch above {t.describe(k)} has negative length "
                        f"{t.length[k]!r}; a dendrogram's merges are never below their children")
    notes = []
    if t.length[0] not in (None, 0.0):
        notes.append(f"The root's own branch (length {t.length[0]!r}) was ignored.")
    if any(t.label[k] for k in nodes if not t.is_leaf[k]):
        notes.append("Internal node labels were ignored.")
    if any(not t.is_leaf[k] and not t.children[k] for k in nodes):
        raise DataError("a group '()' with no children; remove it")
    return notes


def check_ultrametric(t: ParsedNewick, tolerance: float) -> None:
    """Refuse a tree whose leaves are not all at the same distance from the root, within
    ``tolerance`` of the largest distance, naming the furthest and the nearest leaf."""
    depth = [0.0] * len(t.parent)
    for k in range(1, len(t.parent)):  # parents first (creation order)
        depth[k] = depth[t.parent[k]] + float(t.length[k])  # type: ignore[arg-type]
    leaves = t.leaves()
    d = np.array([depth[k] for k in leaves])
    far, near = int(np.argmax(d)), int(np.argmin(d))
    spread = float(d[far] - d[near])
    if spread > tolerance * float(d[far]):
        raise DataError(
            f"the tree is not ultrametric: {t.describe(leaves[far])} is {float(d[far])!r} from "
            f"the root but {t.describe(leaves[near])} is {float(d[near])!r} (difference "
            f"{spread:.6g}, tolerance {tolerance:g} of the distance). A dendrogram needs every "
            "leaf at the same distance from the root; this looks like a phylogram (e.g. "
            "neighbour joining), which has no merge heights.")
