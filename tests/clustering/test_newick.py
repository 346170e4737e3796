"""Newick out and in: exact round trips, and R's ape (read.tree, cophenetic.phylo, as.phylo) as oracle."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import (
    cophenet,
    fcluster,
    is_monotonic,
    is_valid_linkage,
    linkage,
)
from scipy.spatial.distance import squareform

from clustering.errors import DataError
from clustering.newick import (
    NEWICK_CONVENTIONS,
    from_newick,
    newick_label,
    to_newick,
)
from clustering.tree_views import to_json_tree
from tests.oracles import run_r
from tests.partitions import same_partition

MONOTONE = ("single", "complete", "average", "weighted", "ward")


def tree(n: int, seed: int, method: str = "average", integer: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, 3)).astype(float) if integer else rng.normal(size=(n, 3))
    return linkage(X, method)


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("convention", NEWICK_CONVENTIONS)
@pytest.mark.parametrize("method", MONOTONE)
@pytest.mark.parametrize("seed", [0, 1])
def test_round_trip_is_exact(method, convention, seed):
    Z = tree(60, seed, method)
    labels = [f"s{i}" for i in range(60)]
    back = from_newick(to_newick(Z, labels, convention=convention), labels=labels,
                       convention=convention)
    np.testing.assert_array_equal(back.Z, Z)
    assert back.labels == tuple(labels)
    assert is_valid_linkage(back.Z) and is_monotonic(back.Z)


def test_round_trip_with_heights_over_many_magnitudes():
    rng = np.random.default_rng(3)
    X = rng.lognormal(sigma=6, size=(80, 2))  # heights from ~1e-5 to ~1e5
    Z = linkage(X, "single")
    for convention in NEWICK_CONVENTIONS:
        back = from_newick(to_newick(Z, convention=convention), labels=[str(i) for i in range(80)],
                           convention=convention)
        np.testing.assert_array_equal(back.Z, Z)


def test_round_trip_with_ties_is_the_same_tree():
    for seed in range(5):
        Z = tree(40, seed, "complete", integer=True)
        back = from_newick(to_newick(Z), labels=[str(i) for i in range(40)])
        assert is_valid_linkage(back.Z) and is_monotonic(back.Z)
        np.testing.assert_array_equal(cophenet(back.Z), cophenet(Z))
        for t in np.unique(Z[:, 2]):
            assert same_partition(fcluster(back.Z, t, "distance"), fcluster(Z, t, "distance"))


def test_deep_chain_needs_no_recursion():
    x = np.cumsum(np.arange(1, 3001, dtype=float))[:, None]  # growing gaps: a 3,000-deep chain
    Z = linkage(x, "single")
    text = to_newick(Z)
    back = from_newick(text, labels=[str(i) for i in range(3000)])
    np.testing.assert_array_equal(back.Z, Z)
    doc = to_json_tree(Z)
    assert doc.count('"label"') == 3000


def test_without_labels_leaves_are_numbered_in_order_of_appearance():
    t = from_newick("((b:1,a:1):1,c:2);")
    assert t.labels == ("b", "a", "c")
    assert t.Z.tolist() == [[0.0, 1.0, 2.0, 2.0], [3.0, 2.0, 4.0, 3.0]]


# ---------------------------------------------------------------- labels and syntax
@pytest.mark.parametrize("label", ["a b", "it's", "x(1)", "p,q", "semi;colon", "[c]", "tab\tx",
                                   "under_score", "ünï", "", "colon:x"])
def test_awkward_labels_round_trip(label):
    labels = [label, "plain", "other"]
    Z = linkage(np.array([[0.0], [1.0], [5.0]]), "average")
    back = from_newick(to_newick(Z, labels))
    assert sorted(back.labels) == sorted(labels)


def test_newick_label_quotes_only_when_needed():
    assert newick_label("abc_1.5") == "abc_1.5"
    assert newick_label("a'b c") == "'a''b c'"


def test_comments_internal_labels_root_length_and_whitespace():
    t = from_newick("[&R] (\n (a:1, b:1)inner[&&NHX:x=1]:2 ,\n c:3 )root:0.5 ;\n",
                    convention="height")
    assert t.Z.tolist() == [[0.0, 1.0, 1.0, 2.0], [3.0, 2.0, 3.0, 3.0]]
    assert any("Internal node labels were ignored" in s for s in t.notes)
    assert any("root's own branch" in s for s in t.notes)


def test_single_child_nodes_are_merged():
    t = from_newick("(((a:1,b:1):0.5):0.5,c:2);", convention="height")
    assert t.Z.tolist() == [[0.0, 1.0, 1.0, 2.0], [3.0, 2.0, 2.0, 3.0]]
    assert any("single child" in s for s in t.notes)


def test_polytomy_resolved_or_refused():
    text = "((a:1,b:1,c:1,d:1):1,e:2);"
    t = from_newick(text, convention="height")
    assert is_valid_linkage(t.Z) and is_monotonic(t.Z)
    assert t.Z[:3, 2].tolist() == [1.0, 1.0, 1.0]
    assert "4 children (leaves a, b, c, d) was resolved into 3 merges" in t.notes[0]
    with pytest.raises(DataError, match="the node above leaves a, b, c, d has 4 children"):
        from_newick(text, polytomies="refuse")


@pytest.mark.parametrize("text, words", [
    ("((a:1,b:1):1,c:2.5);", "not ultrametric: leaf 'c' is 2.5 from the root but leaf 'a' is 2.0"),
    ("((a:1,b):1,c:2);", "have no length, e.g. above leaf 'b'"),
    ("((a:1,b:1):-1,c:0);", "negative length -1.0"),
    ("((a:1,b:1):1,c:2));", "unbalanced parentheses: ')' outside any group, at line 1, character 18"),
    ("((a:1,b:1):1,c:2;", "group(s) still open"),
    ("((a:1,b:1):1,c:x);", "branch length 'x' is not a number"),
    ("(a:1,b:1);(c:1,d:1);", "more than one tree"),
    ("(a:1);", "fewer than 2 leaves"),
    ("'unclosed", "quoted label is never closed"),
    ("", "holds no tree"),
    ("((a:1,b:1)[open:1,c:2);", "comment '[' is never closed"),
])
def test_bad_trees_are_refused_with_the_reason(text, words):
    with pytest.raises(DataError) as err:
        from_newick(text)
    assert words in str(err.value)


def test_labels_must_match_the_leaves():
    text = to_newick(tree(4, 0), ["a", "b", "c", "d"])
    with pytest.raises(DataError, match="not among the labels: 'd'"):
        from_newick(text, labels=["a", "b", "c", "e"])
    with pytest.raises(DataError, match="name each of the tree's 4 leaves once"):
        from_newick(text, labels=["a", "b", "c"])
    with pytest.raises(DataError, match="appears 2 times"):
        from_newick("((a:1,a:1):1,c:2);", labels=["a", "b", "c"])


def test_bad_arguments_say_the_choices():
    Z = tree(3, 0)
    with pytest.raises(DataError, match="choose one of ape, height"):
        to_newick(Z, convention="half")
    with pytest.raises(DataError, match="2 labels for a tree of 3 leaves"):
        to_newick(Z, ["a", "b"])
    with pytest.raises(DataError, match="polytomies must be one of resolve, refuse"):
        from_newick("(a:1,b:1);", polytomies="ignore")


# ---------------------------------------------------------------- JSON tree
def test_json_tree_matches_z_and_clusters():
    Z = tree(30, 2, "ward")
    labels = [f"r{i}" for i in range(30)]
    clusters = fcluster(Z, 4, "maxclust")
    doc = json.loads(to_json_tree(Z, labels, clusters))
    seen, stack = {}, [doc]
    while stack:
        node = stack.pop()
        seen[node["id"]] = node
        stack.extend(node.get("children", []))
    assert len(seen) == 59
    for r in range(29):
        node = seen[30 + r]
        assert [c["id"] for c in node["children"]] == [int(Z[r, 0]), int(Z[r, 1])]
        assert node["height"] == Z[r, 2] and node["size"] == Z[r, 3]
    for i in range(30):
        assert seen[i]["label"] == labels[i] and seen[i]["cluster"] == clusters[i]
    assert doc["cluster"] is None
    assert sum(1 for v in seen.values() if v["cluster"] is not None) >= 30


# ---------------------------------------------------------------- R's ape, the oracle
def ape_cophenetic(texts: list[str], labels: list[str]) -> list[np.ndarray]:
    out = run_r("""
        texts <- read.csv(file.path(dir, "t.csv"), stringsAsFactors = FALSE)$t
        labs <- read.csv(file.path(dir, "labs.csv"), stringsAsFactors = FALSE)$label
        for (k in seq_along(texts)) {
            C <- cophenetic(read.tree(text = texts[k]))[labs, labs]
            write.csv(as.data.frame(C), file.path(dir, paste0("C", k, ".csv")), row.names = FALSE)
        }
    """, inputs={"t": pd.DataFrame({"t": texts}), "labs": pd.DataFrame({"label": labels})},
        outputs=[f"C{k + 1}" for k in range(len(texts))], packages=["ape"])
    return [out[f"C{k + 1}"].to_numpy(dtype=float) for k in range(len(texts))]


@pytest.mark.oracle
@pytest.mark.parametrize("method, seed, n", [("average", 5, 40), ("ward", 5, 40),
                                             ("single", 5, 40), ("complete", 0, 60)])
def test_ape_reads_our_newick_with_scipys_cophenetic_distances(method, seed, n):
    Z = tree(n, seed, method)
    labels = [f"leaf{i}" for i in range(n)]
    C = squareform(cophenet(Z))
    texts = [to_newick(Z, labels, convention=c) for c in ("ape", "height")]
    if (method, seed) == ("complete", 0):
        assert "[&height=" in texts[0]  # ape must skip our exact-height comment
    C_ape, C_height = ape_cophenetic(texts, labels)
    np.testing.assert_allclose(C_ape, C, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(C_height, 2 * C, rtol=1e-12, atol=1e-13)


def clades(text: str) -> dict[frozenset, float]:
    """Each subtree's leaf set -> its branch length, whatever the child order."""
    t = from_newick(text, convention="height", tolerance=1e-6)
    n = t.n
    members = {i: frozenset([t.labels[i]]) for i in range(n)}
    height = dict.fromkeys(range(n), 0.0)
    out = {}
    for r, (a, b, h, _) in enumerate(t.Z):
        for c in (int(a), int(b)):
            out[members[c]] = h - height[c]
        members[n + r] = members[int(a)] | members[int(b)]
        height[n + r] = h
    return out


@pytest.mark.oracle
@pytest.mark.parametrize("method, r_method", [("average", "average"), ("complete", "complete"),
                                              ("ward", "ward.D2")])
def test_same_text_as_ape_as_phylo_hclust_up_to_child_order(method, r_method):
    X = np.random.default_rng(9).normal(size=(25, 3))
    labels = [f"s{i + 1}" for i in range(25)]
    out = run_r(f"""
        X <- as.matrix(read.csv(file.path(dir, "X.csv")))
        rownames(X) <- paste0("s", seq_len(nrow(X)))
        h <- hclust(dist(X), "{r_method}")
        write.csv(data.frame(t = write.tree(as.phylo(h), digits = 17)),
                  file.path(dir, "t.csv"), row.names = FALSE)
    """, inputs={"X": pd.DataFrame(X)}, outputs=["t"], packages=["ape"])
    theirs = clades(out["t"]["t"][0])
    ours = clades(to_newick(linkage(X, method), labels, convention="ape"))
    assert theirs.keys() == ours.keys()
    for k, v in ours.items():
        assert theirs[k] == pytest.approx(v, rel=1e-10, abs=1e-12)


# ---------------------------------------------------------------- views: lastp and subtrees
@pytest.mark.parametrize("p", [2, 5, 12, 40])
def test_lastp_view_is_scipys_truncated_dendrogram(p):
    from scipy.cluster.hierarchy import dendrogram

    from clustering.tree_views import lastp_linkage
    Z = tree(40, 8, "average")
    labels = [f"s{i}" for i in range(40)]
    Zp, leaf_labels, members = lastp_linkage(Z, p, labels)
    assert is_valid_linkage(Zp) and Zp.shape == (min(p, 40) - 1, 4)
    ivl = dendrogram(Z, truncate_mode="lastp", p=p, labels=labels, no_plot=True)["ivl"]
    assert sorted(ivl) == sorted(leaf_labels)
    # the view's cophenetic distance between two leaves = Z's between their members
    full = squareform(cophenet(Z))
    view = squareform(cophenet(Zp)) if len(members) > 2 else np.array([[0, Zp[0, 2]], [Zp[0, 2], 0]])
    rep = [int(m) if m < 40 else int(Z[int(m) - 40, 0]) for m in members]
    while any(r >= 40 for r in rep):
        rep = [r if r < 40 else int(Z[r - 40, 0]) for r in rep]
    np.testing.assert_array_equal(view, full[np.ix_(rep, rep)] * (1 - np.eye(len(rep))))
    assert from_newick(to_newick(Zp, leaf_labels)).n == len(members)


def test_subtree_view_keeps_the_merges_under_a_node():
    from clustering.tree_views import subtree_linkage
    Z = tree(30, 9, "complete")
    node = 30 + 25
    Zs, labs, rows = subtree_linkage(Z, node, [f"s{i}" for i in range(30)])
    assert is_valid_linkage(Zs) and Zs.shape[0] == rows.size - 1 == Z[25, 3] - 1
    np.testing.assert_array_equal(squareform(cophenet(Zs)),
                                  squareform(cophenet(Z))[np.ix_(rows, rows)])
    assert labs == [f"s{i}" for i in rows]
    with pytest.raises(DataError, match="cluster id from 30 to 58"):
        subtree_linkage(Z, 3)
