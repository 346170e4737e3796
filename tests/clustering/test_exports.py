"""clustering.exports (CSV safety, labelled rows, Z as CSV, view JSON) and the pure helpers of
the merge inspector, against SciPy on random data and on the tutorial's fixed numbers."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage, to_tree

from clustering.cut import tree_index
from clustering.datasets import EXAMPLES, load_example
from clustering.errors import DataError
from clustering.exports import (
    csv_safe,
    export_filename,
    labelled_rows_csv,
    linkage_csv,
    neutralise_cell,
)
from clustering.linkage import compute_linkage
from clustering.merges import describe_node, explain_merge, explain_node, node_members
from clustering.prepare import PrepareOptions, prepare
from tests.partitions import same_partition


# ---------------------------------------------------------------- CSV injection
@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("-1e-3", "-1e-3"),
        ("a=b", "a=b"),
        ("", ""),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_neutralise_cell(cell, expected):
    assert neutralise_cell(cell) == expected


def test_formula_labels_file_is_neutralised_in_the_export():
    """The awkward-file fixture with formula labels: no exported cell starts a formula."""
    from pathlib import Path

    from clustering.tables import read_table

    path = Path(__file__).resolve().parents[1] / "data" / "bad" / "formula_labels.csv"
    df = read_table(path.read_bytes(), path.name)
    text = labelled_rows_csv(df, np.arange(len(df)), np.ones(len(df), dtype=int))
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for col in back.columns:
        assert not str(col).startswith(("=", "+", "@")), col
        for v in back[col]:
            if v and v[0] in "=+-@\t\r":
                float(v)  # only a plain number may start with a sign


def test_csv_safe_leaves_numbers_alone():
    df = pd.DataFrame({"x": [-1.5, 2.0], "s": ["=A1", "-4"], "@h": [1, 2]})
    out = csv_safe(df)
    assert out["x"].tolist() == [-1.5, 2.0]
    assert out["s"].tolist() == ["'=A1", "-4"]
    assert list(out.columns) == ["x", "s", "'@h"]


# ---------------------------------------------------------------- labelled rows
def test_labelled_rows_match_fcluster_on_random_tables():
    rng = np.random.default_rng(3)
    for trial in range(15):
        n = int(rng.integers(5, 80))
        X = rng.normal(size=(n, 3))
        df = pd.DataFrame(X, columns=["a", "b", "c"])
        df["name"] = [f"r{i}" for i in range(n)]
        missing = rng.random(n) < 0.15
        df.loc[missing, "b"] = np.nan
        method = ["ward", "average", "single", "complete"][trial % 4]
        prep = prepare(df, PrepareOptions(features=("a", "b", "c"), label_column="name"))
        Z = compute_linkage(prep.matrix, method).Z
        t = float(np.quantile(Z[:, 2], rng.uniform(0.5, 0.98)))
        labels = tree_index(Z).labels_at(t)
        back = pd.read_csv(io.StringIO(labelled_rows_csv(df, prep.row_ids, labels)))
        assert len(back) == n
        assert back["name"].tolist() == df["name"].tolist()
        kept = back["cluster"].notna().to_numpy()
        assert kept.sum() == len(prep.row_ids)
        np.testing.assert_array_equal(np.flatnonzero(kept), prep.row_ids)
        ref = fcluster(linkage(prep.matrix, method), t, "distance")
        assert same_partition(back["cluster"][kept].astype(int).to_numpy(), ref)
        if missing.any():
            assert set(back.loc[~kept, "cluster_note"]) == {
                "dropped by preprocessing (missing values)"}
        else:
            assert "cluster_note" not in back.columns


def test_labels_are_numbered_in_leaf_order_and_never_clash_with_a_cluster_column():
    X = np.array([[0.0], [10.0], [0.5], [10.5]])
    Z = linkage(X, "single")
    labels = tree_index(Z).labels_at(5.0)
    df = pd.DataFrame({"x": X[:, 0], "cluster": ["a", "b", "c", "d"]})
    back = pd.read_csv(io.StringIO(labelled_rows_csv(df, np.arange(4), labels)))
    assert list(back.columns) == ["x", "cluster", "cluster_2"]
    # leftmost leaf's cluster is 1
    first_leaf = leaves_list(Z)[0]
    assert back["cluster_2"][first_leaf] == 1


def test_labelled_rows_refuse_mismatched_arrays():
    with pytest.raises(DataError):
        labelled_rows_csv(pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), np.array([1]))
    with pytest.raises(DataError):
        labelled_rows_csv(pd.DataFrame({"x": [1, 2]}), np.array([0, 5]), np.array([1, 1]))


# ---------------------------------------------------------------- Z as CSV
def test_linkage_csv_round_trips_exactly():
    rng = np.random.default_rng(0)
    for method in ("ward", "average", "centroid"):
        Z = linkage(rng.normal(size=(60, 4)), method)
        back = np.loadtxt(io.StringIO(linkage_csv(Z)), delimiter=",", skiprows=1)
        np.testing.assert_array_equal(back, Z)
    assert linkage_csv(Z).splitlines()[0] == "idx1,idx2,height,size"
    with pytest.raises(DataError):
        linkage_csv(np.zeros((3, 3)))


def test_export_filename():
    assert export_filename("dendrogram", "tutorial-blobs", "ward", "euclidean") == (
        "dendrogram-tutorial-blobs-ward-euclidean")
    assert export_filename("x", "<script>.csv", "ward", "euclidean", "png") == (
        "x-script-ward-euclidean.png")


# ---------------------------------------------------------------- the merge in words
def _tutorial_Z():
    ex = EXAMPLES["tutorial-blobs"]
    prep = prepare(load_example("tutorial-blobs"), ex.options)
    return linkage(prep.matrix, "ward")


def test_tutorial_merge_14_sentence():
    Z = _tutorial_Z()
    leaves = leaves_list(Z)
    # The tutorial's row: Z[13] = [62, 152, 0.1726, 3], and cluster 152 = Z[2] = [33, 68].
    assert Z[13, :2].tolist() == [62, 152] and Z[2, :2].tolist() == [33, 68]
    assert explain_merge(Z, leaves, 13) == (
        "merge 13 (row 13 of Z) joined sample 62 and cluster 152 (samples 33, 68) into "
        "cluster 163 at height 0.1726; ids of n and above refer to earlier merges")
    assert explain_node(Z, leaves, 62) == "leaf: sample 62"
    assert explain_node(Z, leaves, 163).startswith(
        "truncated leaf (3 samples) = merge 13 (row 13 of Z)")
    big = explain_merge(Z, leaves, 148)
    assert big.startswith("merge 148 (row 148 of Z) joined cluster ") and "samples)" in big
    assert "into cluster 298 at height" in big


def test_node_members_equal_scipy_to_tree_on_random_trees():
    rng = np.random.default_rng(11)
    for trial in range(20):
        n = int(rng.integers(2, 120))
        method = ["single", "complete", "average", "ward", "centroid", "median"][trial % 6]
        Z = linkage(rng.normal(size=(n, 2)), method)
        leaves = leaves_list(Z)
        _, nodes = to_tree(Z, rd=True)
        for node in rng.choice(2 * n - 1, size=min(10, 2 * n - 1), replace=False):
            got = node_members(Z, leaves, int(node))
            want = nodes[int(node)].pre_order()
            assert sorted(got.tolist()) == sorted(want)
            # contiguous in leaf order, in that order
            assert got.tolist() == [x for x in leaves.tolist() if x in set(want)]
        row = int(rng.integers(0, n - 1))
        s = explain_merge(Z, leaves, row)
        assert s.startswith(f"merge {row} (row {row} of Z) joined ")
        assert f" into cluster {n + row} at height " in s
        for child in Z[row, :2].astype(int):
            assert (f"sample {child}" if child < n else f"cluster {child} (") in s
    with pytest.raises(DataError):
        node_members(Z, leaves, 2 * n - 1)
    with pytest.raises(DataError):
        explain_merge(Z, leaves, n - 1)


def test_micro_cluster_sentences_count_rows_on_random_trees():
    """Leaves are micro-clusters with row counts: sizes are sums of the members' weights."""
    rng = np.random.default_rng(12)
    for _ in range(15):
        m = int(rng.integers(2, 60))
        Z = linkage(rng.normal(size=(m, 2)), "ward")
        leaves = leaves_list(Z)
        w = rng.integers(1, 500, size=m)
        _, nodes = to_tree(Z, rd=True)
        row = int(rng.integers(0, m - 1))
        s = explain_merge(Z, leaves, row, weights=w)
        assert s.startswith(f"merge {row} (row {row} of Z) joined ")
        assert s.endswith(f"ids of m and above refer to earlier merges (m = {m} micro-clusters)")
        for child in Z[row, :2].astype(int):
            rows = int(w[nodes[child].pre_order()].sum())
            part = describe_node(Z, leaves, int(child), weights=w)
            assert part in s and f"{rows:,} rows)" in part
            assert part.startswith("micro-cluster " if child < m else f"cluster {child} (")
        root = 2 * m - 2
        assert explain_node(Z, leaves, root, weights=w).startswith(
            f"truncated leaf ({m} micro-clusters; {int(w.sum()):,} rows) = merge {m - 2} (row {m - 2} of Z)")
    with pytest.raises(DataError, match="one row count per leaf"):
        describe_node(Z, leaves, 0, weights=w[:-1])
