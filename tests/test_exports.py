"""clustering.exports (CSV safety, labelled rows, Z as CSV, view JSON) and the pure helpers of
the merge inspector, against SciPy on random data and on the tutorial's fixed numbers."""

from __future__ import annotations

import io
import json

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
    query_from_view_file,
    validate_view,
)
from clustering.linkage import compute_linkage
from clustering.merges import describe_node, explain_merge, explain_node, node_members
from clustering.prepare import PrepareOptions, prepare
from components.inspect_panel import linkage_rows
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

    path = Path(__file__).parent / "data" / "bad" / "formula_labels.csv"
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


# ---------------------------------------------------------------- view JSON
def _view(**kw):
    v = {"dataset": {"example": "tutorial-blobs"},
         "options": PrepareOptions(features=("x", "y")).to_dict(), "method": "ward",
         "metric": "euclidean", "cut": 50.0, "truncate_mode": "lastp", "truncate_p": 20,
         "orientation": "left", "scatter_x": "x", "scatter_y": "y", "show_contracted": False,
         "annotate_above": 10.0}
    v.update(kw)
    return v


def _through_json(view):
    """A validated view written as a version-1 file and read back."""
    return validate_view(json.loads(json.dumps(validate_view(view))))


def test_view_round_trip():
    v = _view()
    back = _through_json(v)
    assert back == {**v, "version": 1}
    upload = _view(dataset={"dataset_id": "a" * 64, "filename": "x.csv"})
    assert _through_json(upload)["dataset"]["filename"] == "x.csv"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"method": "nope"}, "method must be one of"),
        ({"method": "ward", "metric": "cityblock"}, "ward"),
        ({"orientation": "up"}, "orientation"),
        ({"cut": -1.0}, "cut must be"),
        ({"cut": float("nan")}, "cut must be"),
        ({"cut": True}, "wrong type"),
        ({"truncate_p": 0}, "truncate_p"),
        ({"truncate_mode": "all"}, "truncate_mode"),
        ({"dataset": {"dataset_id": "../../etc/passwd"}}, "64 lowercase hex"),
        ({"dataset": {"example": "x", "extra": 1}}, "dataset must be"),
        ({"dataset": None}, "no dataset"),
        ({"options": {"scaling": "none", "bogus": 1}}, "unknown option"),
        ({"version": 2}, "version"),
        ({"colour": "red"}, "unknown view parameter"),
    ],
)
def test_view_validation_says_what_is_wrong(change, message):
    v = _view(**change)
    if change.get("dataset", 1) is None:
        v["dataset"] = None
    with pytest.raises(DataError, match=message):
        validate_view(v)


def test_view_file_is_the_link_and_reads_back_to_it():
    from clustering.exports import VIEW_QUERY_FIELDS, query_from_view_file, view_file_from_query
    from components.url_state import KEYS, query_to_view, view_to_query

    assert tuple(VIEW_QUERY_FIELDS) == KEYS  # one schema: the link's parameters
    rng = np.random.default_rng(8)
    for _ in range(30):
        v = _view(cut=float(rng.uniform(0, 100)), truncate_p=int(rng.integers(1, 80)),
                  annotate_above=None if rng.random() < 0.5 else float(rng.uniform(0, 9)),
                  show_contracted=bool(rng.random() < 0.5),
                  options={"features": ["x", "y"] if rng.random() < 0.5 else None,
                           "scaling": str(rng.choice(["none", "zscore", "minmax"]))})
        query = view_to_query(validate_view(v))
        text = view_file_from_query(query)
        assert json.loads(text)["version"] == 2
        assert query_from_view_file(text) == query
        assert query_to_view(query_from_view_file(text.encode("utf-8-sig"))) == query_to_view(query)


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"version": 2, "dataset": "mpg", "cut": "high"}, "cut must be a number"),
        ({"version": 2, "dataset": "mpg", "p": 2.5}, "whole number"),
        ({"version": 2, "dataset": "mpg", "onehot": 1}, "true or false"),
        ({"version": 2, "dataset": "mpg", "col": [1]}, "list of column names"),
        ({"version": 2, "dataset": "mpg", "colour": "red"}, "unknown view parameter"),
        ({"version": 2, "method": "ward"}, "no dataset"),
        ({"version": 3, "dataset": "mpg"}, "version 2, not 3"),
        ({"version": 1, "dataset": {"example": "mpg"}}, "version 2, not 1"),  # no legacy reader
        ([1], "JSON object"),
    ],
)
def test_view_file_says_what_is_wrong(doc, message):
    from clustering.exports import query_from_view_file

    with pytest.raises(DataError, match=message):
        query_from_view_file(json.dumps(doc))


def test_view_file_refuses_non_json():
    with pytest.raises(DataError, match="not valid JSON"):
        query_from_view_file("{nope")
    with pytest.raises(DataError, match="UTF-8"):
        query_from_view_file(b"\xff\xfe\x00{")
    with pytest.raises(DataError, match="JSON object"):
        query_from_view_file(json.dumps([1, 2]))


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
        "merge 14 of 149 joined sample 62 and cluster 152 (samples 33, 68) at height 0.1726; "
        "ids of n and above refer to earlier merges")
    assert explain_node(Z, leaves, 62) == "leaf: sample 62"
    assert explain_node(Z, leaves, 163).startswith("truncated leaf (3 samples) = merge 14 of 149")
    big = explain_merge(Z, leaves, 148)
    assert big.startswith("merge 149 of 149 joined cluster ") and "samples)" in big


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
        assert s.startswith(f"merge {row + 1} of {n - 1} joined ")
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
        assert s.startswith(f"merge {row + 1} of {m - 1} joined ")
        assert s.endswith(f"ids of m and above refer to earlier merges (m = {m} micro-clusters)")
        for child in Z[row, :2].astype(int):
            rows = int(w[nodes[child].pre_order()].sum())
            part = describe_node(Z, leaves, int(child), weights=w)
            assert part in s and f"{rows:,} rows)" in part
            assert part.startswith("micro-cluster " if child < m else f"cluster {child} (")
        root = 2 * m - 2
        assert explain_node(Z, leaves, root, weights=w).startswith(
            f"truncated leaf ({m} micro-clusters; {int(w.sum()):,} rows) = merge {m - 1} of")
    with pytest.raises(DataError, match="one row count per leaf"):
        describe_node(Z, leaves, 0, weights=w[:-1])


def test_linkage_rows_sorting_and_pages():
    rng = np.random.default_rng(5)
    Z = linkage(rng.normal(size=(40, 2)), "average")
    recs, order = linkage_rows(Z, [{"column_id": "height", "direction": "desc"}], 0, page_size=5)
    assert [r["height"] for r in recs] == sorted(Z[:, 2], reverse=True)[:5]
    assert order.size == 39
    recs, _ = linkage_rows(Z, [], 7, page_size=5)
    assert [r["row"] for r in recs] == [35, 36, 37, 38]
    assert recs[0]["id"] == 40 + 35 and recs[0]["merge"] == 36
    assert recs[0]["idx1"] == int(Z[35, 0]) and recs[0]["size"] == int(Z[35, 3])
