"""The labels the page uses for each partition source equal the service's on the same view.

``components.state.partition.view_labels`` (every consumer's one function) against
``partition_from_roots``, ``dynamic_cut`` and SciPy's ``fcluster`` ('inconsistent',
'maxclust_monocrit') on the tree the page loads; the link round-trips each spec; the page's
hand edits (``components.page.partition.edit``) split, merge and undo as the service does.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, inconsistent, maxinconsts

from clustering.dynamic_cut import dynamic_cut
from clustering.errors import DataError
from clustering.partition import horizontal_partition, partition_from_roots, split_cluster
from components.page import partition as page_partition
from components.settings import Settings
from components.state import hand_edits
from components.state import partition as P
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec, View
from components.view_partition import PartitionSpec
from tests.partitions import same_partition


@pytest.fixture(scope="module")
def tree(app):
    with app.server.app_context():
        yield load_tree(View.from_query("?dataset=tutorial-five").tree)


def test_height_is_the_cut(tree, in_app):
    assert np.array_equal(P.view_labels(tree, 175.0), tree.index.labels_at(175.0))
    assert np.array_equal(P.view_labels(tree, 175.0, PartitionSpec()), tree.index.labels_at(175.0))


@pytest.mark.parametrize(("t", "depth"), [(0.8, 2), (1.0, 2), (1.15, 3), (2.0, 1)])
def test_inconsistent_equals_fcluster(tree, in_app, t, depth):
    got = P.view_labels(tree, None, PartitionSpec("inconsistent", threshold=t, depth=depth))
    assert same_partition(got, fcluster(np.asarray(tree.Z), t, "inconsistent", depth=depth))


@pytest.mark.parametrize(("k", "depth"), [(2, 2), (5, 2), (8, 3)])
def test_monocrit_equals_fcluster(tree, in_app, k, depth):
    Z = np.asarray(tree.Z)
    mono = maxinconsts(Z, inconsistent(Z, depth))
    got = P.view_labels(tree, None, PartitionSpec("monocrit", k=k, depth=depth))
    assert same_partition(got, fcluster(Z, k, "maxclust_monocrit", monocrit=mono))


@pytest.mark.parametrize(("mcs", "deep"), [(5, 0), (20, 1)])
def test_dynamic_tree_equals_the_service(tree, in_app, mcs, deep):
    got = P.view_labels(tree, None, PartitionSpec("tree", min_cluster_size=mcs, deep_split=deep))
    want = dynamic_cut(tree.Z, method="tree", min_cluster_size=mcs, deep_split=bool(deep))
    assert same_partition(got, want) and np.array_equal(got == 0, want == 0)


@pytest.mark.parametrize(("mcs", "deep", "pam"), [(10, 1, True), (20, 2, False), (5, 4, True)])
def test_dynamic_hybrid_equals_the_service(tree, in_app, mcs, deep, pam):
    spec = PartitionSpec("hybrid", min_cluster_size=mcs, deep_split=deep, pam_stage=pam)
    got = P.view_labels(tree, None, spec)
    want = dynamic_cut(tree.Z, X=tree.prepared.matrix, method="hybrid", min_cluster_size=mcs,
                       deep_split=deep, pam_stage=pam)
    assert same_partition(got, want) and np.array_equal(got == 0, want == 0)
    # Memoised: the second ask is the stored result.
    assert P.is_memoised(tree, spec)


def test_hand_edits_equal_partition_from_roots(tree, in_app):
    p = split_cluster(horizontal_partition(tree.index, k=3), horizontal_partition(
        tree.index, k=3).roots[0])
    small = min(p.size(r) for r in p.roots) + 1
    spec = PartitionSpec("roots", roots=p.roots, min_size=small)
    want = partition_from_roots(tree.Z, p.roots, min_size=small).labels()
    got = P.view_labels(tree, None, spec)
    assert np.array_equal(got, want)
    assert (got == 0).any()  # the smallest clade is unassigned


def test_labels_are_numbered_left_to_right(tree, in_app):
    labels = P.view_labels(tree, None, PartitionSpec("hybrid", min_cluster_size=10))
    seen = [c for c in dict.fromkeys(labels[tree.index.leaves].tolist()) if c]
    assert seen == list(range(1, len(seen) + 1))


def test_roots_of_another_tree_are_refused(tree, in_app):
    with pytest.raises(DataError, match="cover|overlap|node ids"):
        P.view_labels(tree, None, PartitionSpec("roots", roots=(1, 2)))


def test_hybrid_beyond_the_memory_budget_says_why(tmp_path):
    from app import create_app

    app = create_app(Settings.from_env(data_dir=str(tmp_path), memory_budget_mb=1))
    with app.server.app_context():
        t = load_tree(View.from_query("?dataset=tutorial-five").tree)
        problem = P.hybrid_problem(t)
        assert problem and "memory budget" in problem and "tree method" in problem
        with pytest.raises(DataError, match="memory budget"):
            P.view_labels(t, None, PartitionSpec("hybrid"))


@pytest.mark.parametrize("spec", [
    PartitionSpec("inconsistent", threshold=1.25, depth=3),
    PartitionSpec("monocrit", k=4),
    PartitionSpec("tree", min_cluster_size=5, deep_split=1),
    PartitionSpec("hybrid", min_cluster_size=7, deep_split=3, pam_stage=False),
    PartitionSpec("roots", roots=(296, 12, 40), min_size=3),
])
def test_the_link_and_the_view_file_carry_the_partition(spec):
    from components.view_file import query_from_view_file, view_file_from_query

    view = View(TreeSpec(DatasetRef(example="tutorial-five")), cut=175.0, partition=spec)
    back = View.from_query(view.to_query())
    assert back == view and back.partition == spec
    assert View.from_query(query_from_view_file(view_file_from_query(view.to_query()))) == view


def test_old_links_still_open_at_their_height():
    view = View.from_query("?dataset=tutorial-blobs&method=ward&cut=50")
    assert view.partition is None and view.cut == 50.0


def test_a_bad_partition_in_a_link_says_what_to_fix():
    with pytest.raises(DataError, match="part must be one of"):
        View.from_query("?dataset=mpg&part=kmeans")
    with pytest.raises(DataError, match="roots must be node ids"):
        View.from_query("?dataset=mpg&part=roots&roots=a.b")
    with pytest.raises(DataError, match="deepSplit"):
        View.from_query("?dataset=mpg&part=hybrid&deep=7")


def test_page_edits_split_merge_undo_as_the_service(tree, in_app):
    hist = hand_edits.start_history(tree, 175.0)
    p0 = partition_from_roots(tree.index, hist["states"][0])
    root = max(p0.roots)
    hist, note = hand_edits.edit(tree, hist, "click", root, "split")
    p1 = partition_from_roots(tree.index, hist["states"][-1])
    assert p1.k == p0.k + 1 and "Split" in note
    assert p1.roots == split_cluster(p0, root).roots
    # Select the grey merge above the two halves: both are selected; merge them back.
    hist, note = hand_edits.edit(tree, hist, "click", root, "select")
    assert sorted(hist["selected"]) == sorted(set(p1.roots) - set(p0.roots))
    hist, _ = hand_edits.edit(tree, hist, "merge")
    assert partition_from_roots(tree.index, hist["states"][-1]).roots == p0.roots
    hist, _ = hand_edits.edit(tree, hist, "undo")
    assert partition_from_roots(tree.index, hist["states"][hist["position"]]).roots == p1.roots
    hist, _ = hand_edits.edit(tree, hist, "redo")
    assert hist["position"] == 2
    # A click above the clusters splits nothing and says so.
    top = 2 * tree.index.n - 2
    same, note = hand_edits.edit(tree, hist, "click", top, "split")
    assert same is hist and "above the clusters" in note


def test_partition_data_is_the_labels_along_the_leaves(tree, in_app):
    from components.figures.tree_data import decode_b64

    spec = PartitionSpec("hybrid", min_cluster_size=10)
    data = page_partition.partition_data(tree, spec, None)
    labels = P.view_labels(tree, None, spec)
    assert np.array_equal(decode_b64(data["labels"]), labels[tree.index.leaves])
    assert data["k"] == int(labels.max()) and data["query"].startswith("part=hybrid")



def test_labels_csv_and_view_file_follow_the_partition(app):
    import io
    import json

    import pandas as pd

    from components.analysis import export as ex
    from tests.components.analysis.test_tabs import _run, blobs_tree_data, blobs_Z

    td = blobs_tree_data()
    X, Z = blobs_Z()
    spec = PartitionSpec("inconsistent", threshold=0.9, depth=2)
    part = dict(spec.to_json(), tree_key=td["tree_key"])
    with app.server.app_context():
        out = _run(ex.download, 1, None, None, td, 20, "none", 30, None, "top", True, "x", "y",
                   part, trigger="export-labels.n_clicks")
        back = pd.read_csv(io.StringIO(out["content"]))
        assert same_partition(back["cluster"].to_numpy(), fcluster(Z, 0.9, "inconsistent", 2))
        out = _run(ex.download, None, None, 1, td, 20, "none", 30, None, "top", True, "x", "y",
                   part, trigger="export-view.n_clicks")
        view = json.loads(out["content"])
        assert view["part"] == "inconsistent" and view["pt"] == 0.9 and view["depth"] == 2
