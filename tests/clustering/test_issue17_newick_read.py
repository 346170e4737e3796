"""clustering.newick_read (the tokenizer, parser and checks split out of clustering.newick):
each job on its own, and seeded damaged Newick texts that either read as a valid, monotone
linkage or are refused with a DataError, never another exception. (At the split, 11,100 such
texts gave the same Z or the same message before and after it.)"""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.cluster.hierarchy import is_monotonic, is_valid_linkage, linkage

from clustering.errors import DataError
from clustering.newick import from_newick, to_newick
from clustering.newick_read import check_branches, check_ultrametric, parse_newick, tokens


def test_tokens_undo_quotes_and_keep_positions():
    text = "('it''s (x)':1.5,b:2)[comment][&height=3.0];"
    got = [(t.kind, t.value) for t in tokens(text)]
    assert got == [("(", "("), ("label", "it's (x)"), ("length", "1.5"), (",", ","),
                   ("label", "b"), ("length", "2"), (")", ")"), ("height", 3.0), (";", ";")]
    assert [t.at for t in tokens("(a:1);")] == [0, 2, 2, 4, 5]


def test_tokens_after_the_tree_are_one_after_token():
    got = [(t.kind, t.value) for t in tokens("(a,b); [ok] (c,d);")]
    assert got[-1] == ("after", "(") and len(got) == 7


def test_parser_nodes_in_creation_order():
    t = parse_newick("((a:1,b:1)n1:1,:2);")
    assert t.parent == [-1, 0, 1, 1, 0] and t.children[0] == [1, 4]
    assert t.label == ["", "n1", "a", "b", ""] and t.is_leaf == [False, False, True, True, True]
    assert t.length == [None, 1.0, 1.0, 1.0, 2.0]
    assert check_branches(t) == ["Internal node labels were ignored."]


@pytest.mark.parametrize("text, words", [
    (":x", "a branch length with no node before it"),  # checked before the number
    ("(a:x);", "branch length 'x' is not a number, at line 1, character 3"),
    ("(a:inf,b:1);", "branch length 'inf' is not finite"),
    ("(a b,c);", "two labels for one node ('a', 'b')"),
    ("(a,b)c(d);", "'(' cannot follow a label or a closed group"),
])
def test_parser_errors_say_where(text, words):
    with pytest.raises(DataError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_newick(text)


def test_ultrametric_within_the_tolerance_passes():
    check_ultrametric(parse_newick("((a:1,b:1.0000000001):1,c:2);"), 1e-9)
    with pytest.raises(DataError, match="leaf 'b' is 2.001 from the root but leaf 'a' is 2.0"):
        check_ultrametric(parse_newick("((a:1,b:1.001):1,c:2);"), 1e-9)


def test_damaged_trees_read_or_are_refused_in_words():
    rng = random.Random(17)
    bases = ["((a:1,b:1):1,c:2);", "((a:1,b:1,c:1):2,d:3);", "('it''s':1,'x(1)':1)[&height=2];"]
    for seed in range(8):
        X = np.random.default_rng(seed).normal(size=(8, 2))
        bases.append(to_newick(linkage(X, "average"), [f"l{i}" for i in range(8)]))
    read = refused = 0
    for base in bases:
        for _ in range(150):
            s = list(base)
            for _ in range(rng.randint(1, 3)):
                pos = rng.randrange(len(s))
                op = rng.random()
                if op < 0.4:
                    del s[pos]
                elif op < 0.8:
                    s.insert(pos, rng.choice("(),:;'[] ab1.-&=\n"))
                else:
                    s[pos] = rng.choice("(),:;'[] ab1.-&=\n")
            try:
                t = from_newick("".join(s))
            except DataError as err:
                assert str(err)  # a sentence, never empty
                refused += 1
                continue
            assert is_valid_linkage(t.Z) and is_monotonic(t.Z)
            read += 1
    assert read > 50 and refused > 500  # both paths exercised
