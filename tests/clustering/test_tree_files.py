"""clustering.tree_files: the view's tree against SciPy's dendrogram, file comments that
survive readers, JSON that parses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.cluster.hierarchy import cophenet, dendrogram, linkage
from scipy.spatial.distance import squareform

from clustering.errors import DataError
from clustering.newick import from_newick
from clustering.tree_files import json_tree_file, micro_labels, newick_file, view_linkage
from clustering.tree_views import lastp_linkage
from clustering.trees_in import check_linkage


def test_lastp_view_equals_lastp_linkage():
    rng = np.random.default_rng(5)
    for n, p in [(10, 2), (40, 7), (60, 60), (25, 100)]:
        Z = linkage(rng.normal(size=(n, 3)), "average")
        a = view_linkage(Z, "lastp", p)
        b = lastp_linkage(Z, p)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[2], b[2])


@pytest.mark.parametrize("mode", ["lastp", "level"])
def test_view_leaves_are_scipys_and_heights_keep_the_cophenetic(mode):
    """The drawn leaves are SciPy's (same nodes, same count labels); the view's cophenetic
    distance between two drawn leaves is Z's between any of their rows."""
    rng = np.random.default_rng(11)
    for trial in range(12):
        n = int(rng.integers(5, 120))
        method = ["ward", "average", "single", "complete"][trial % 4]
        Z = linkage(rng.normal(size=(n, 2)) * rng.uniform(0.5, 3), method)
        p = int(rng.integers(1, 12))
        d = dendrogram(Z, truncate_mode=mode, p=p, no_plot=True)
        if len(d["leaves"]) < 2:
            with pytest.raises(DataError, match="single leaf"):
                view_linkage(Z, mode, p)
            continue
        Zv, labels, nodes = view_linkage(Z, mode, p)
        assert sorted(nodes.tolist()) == sorted(d["leaves"])
        counts = {f"({int(Z[c - n, 3])})" for c in nodes if c >= n}
        assert counts <= set(d["ivl"])
        check_linkage(Zv)
        rep = []
        for c in nodes.tolist():
            while c >= n:
                c = int(Z[c - n, 0])
            rep.append(c)
        full = cophenet(Z)
        iu = np.triu_indices(len(rep), 1)
        want = squareform(full)[np.ix_(rep, rep)][iu]
        np.testing.assert_array_equal(squareform(cophenet(Zv))[iu], want)


def test_view_none_is_the_tree_and_bad_arguments_say_what_to_fix():
    Z = linkage(np.arange(10.0).reshape(5, 2) ** 1.5, "single")
    Zv, labels, nodes = view_linkage(Z, "none", 3, list("abcde"))
    np.testing.assert_array_equal(Zv, Z)
    assert labels == list("abcde") and nodes.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(DataError, match="truncate_mode must be one of none, lastp, level"):
        view_linkage(Z, "mtica", 3)
    with pytest.raises(DataError, match="3 labels for a tree of 5 leaves"):
        view_linkage(Z, "none", 3, list("abc"))
    with pytest.raises(DataError, match="one count per leaf"):
        view_linkage(Z, "lastp", 3, leaf_rows=[1, 2])
    with pytest.raises(DataError, match="convention must be one of ape, height"):
        newick_file(Z, list("abcde"), convention="half")


def test_leaf_rows_name_contracted_nodes_by_rows():
    Z = np.array([[0, 1, 1.0, 2], [2, 4, 2.0, 3], [3, 5, 4.0, 4]])
    _, labels, _ = view_linkage(Z, "lastp", 2, micro_labels([5, 6, 7, 8]), leaf_rows=[5, 6, 7, 8])
    assert labels == ["micro3_8rows", "node5_18rows"]


def test_comments_with_awkward_text_still_read_back():
    Z = linkage(np.random.default_rng(3).normal(size=(30, 3)), "average")
    labels = [f"r{i}" for i in range(30)]
    text = newick_file(Z, labels, about="it's [odd]; a,b (c): d")
    assert text.startswith('[it"s (odd), a,b (c): d] (')
    back = from_newick(text, labels=labels)
    np.testing.assert_array_equal(back.Z, Z)


def test_json_about_is_on_the_root_and_deep_chains_serialise():
    n = 3000  # deeper than json.loads' default recursion would allow to build by nesting
    Z = np.array([[0 if i == 0 else n + i - 1, i + 1, float(i + 1), i + 2] for i in range(n - 1)])
    text = json_tree_file(Z, [str(i) for i in range(n)], about='a "quoted" note')
    assert text.startswith('{"about": "a \\"quoted\\" note", "id": ')
    small = json.loads(json_tree_file(np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]), list("abc"),
                                      about="x"))
    assert small["about"] == "x" and small["size"] == 3


@pytest.mark.oracle
def test_ape_reads_the_files_of_random_trees(tmp_path):
    """ape::read.tree + cophenetic.phylo on seeded random trees (every method, inversions of
    centroid/median included: negative branches still telescope), whole and lastp views, both
    conventions, equal SciPy's cophenet (1e-9 relative: ape sums lengths in its own order)."""
    from tests.oracles import run_r

    rng = np.random.default_rng(17)
    cases = []
    for i, method in enumerate(["single", "complete", "average", "weighted", "centroid",
                                "median", "ward"]):
        n = int(rng.integers(8, 60))
        Z = linkage(rng.normal(size=(n, 3)) * rng.uniform(0.1, 10), method)
        labels = [f"s{j}" for j in range(n)]
        mode, p = ("lastp", int(rng.integers(2, n))) if i % 2 else ("none", 0)
        Zv, names, _ = view_linkage(Z, mode, p, labels)
        convention = "height" if i % 3 == 0 else "ape"
        (tmp_path / f"t{i}.nwk").write_text(
            newick_file(Zv, names, convention=convention, about=f"case {i}; {method}'s tree"))
        cases.append((i, Zv, names, 2.0 if convention == "height" else 1.0))
    out = run_r(f'''
        for (i in 0:{len(cases) - 1}) {{
            t <- read.tree(file.path("{tmp_path.as_posix()}", paste0("t", i, ".nwk")))
            d <- cophenetic.phylo(t)
            write.csv(data.frame(label = rownames(d), d, check.names = FALSE),
                      file.path(dir, paste0("c", i, ".csv")), row.names = FALSE)
        }}
    ''', outputs=[f"c{i}" for i, *_ in cases], packages=["ape"])
    for i, Zv, names, factor in cases:
        got = out[f"c{i}"]
        got.index = got.pop("label").astype(str)
        want = factor * squareform(cophenet(Zv))
        np.testing.assert_allclose(got.loc[names, names].to_numpy(), want, rtol=1e-9,
                                   atol=1e-12 * want.max())
