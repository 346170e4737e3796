"""Issue 17, point 6: the "Reproduce in Python" script gives the page's clusters when the
view's clusters are not the height cut: a hand-edited partition (split and merged clades, a
minimum size leaving rows unassigned), SciPy's inconsistency criteria; a dynamic tree cut is
refused with the reason. Also the second built-in example and a matrix upload with hand edits,
each run in a fresh interpreter.

The oracle is the page's own labels (``components.state.partition.view_labels``, what the
labels CSV and every tab use), compared exactly: same numbers, not up to renumbering.
"""

from __future__ import annotations

import runpy

import numpy as np
import pytest
from dash import no_update
from scipy.spatial.distance import pdist, squareform

from clustering.partition import horizontal_partition, merge_clusters, split_cluster
from clustering.prepare import PrepareOptions
from components.analysis import export_trees as ex_trees
from components.state.partition import view_labels
from components.state.store import get_store
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from components.view_partition import PartitionSpec
from tests.components.analysis.test_exports_more import (
    SCRIPT,
    _run,
    blobs_spec,
    run_script,
    tree_data,
)


def download(spec: TreeSpec, cut: float, part: PartitionSpec | None) -> tuple:
    value = None if part is None else {**part.to_json(), "tree_key": spec.key}
    out, msg, shown = _run(ex_trees.download_tree, None, None, 1, "ape", "tree",
                           tree_data(spec, cut), cut, "none", 30, value, trigger=SCRIPT)
    if out is not no_update:
        assert shown == out["content"]
    return out, msg


def hand_edited(spec: TreeSpec, cut: float, min_size: int = 1) -> PartitionSpec:
    """The height cut's clades, the largest split twice, two small siblings merged."""
    tree = load_tree(spec)
    p = horizontal_partition(tree.index, height=cut)
    for _ in range(2):
        biggest = max(p.roots, key=lambda r: tree.index._tree.size[r])
        p = split_cluster(p, biggest)
    t = tree.index._tree
    siblings = [(a, b) for a in p.roots for b in p.roots
                if a < b and t.parent[a] == t.parent[b]]
    if siblings:
        p = merge_clusters(p, *siblings[0])
    return PartitionSpec("roots", roots=tuple(int(r) for r in p.roots), min_size=min_size)


def page_labels(spec: TreeSpec, cut: float, part: PartitionSpec | None) -> np.ndarray:
    return view_labels(load_tree(spec), cut, part)


def test_hand_edited_partition_runs_to_the_pages_labels(in_app, tmp_path):
    spec = blobs_spec("average")
    cut = 8.0
    part = hand_edited(spec, cut, min_size=3)
    page = page_labels(spec, cut, part)
    assert not np.array_equal(page, load_tree(spec).index.labels_at(cut))  # a real edit
    assert (page == 0).any()  # the minimum size leaves some rows unassigned
    out, msg = download(spec, cut, part)
    assert msg == "" and "PARTITION = 'roots'" in out["content"]
    got = run_script(out["content"], tmp_path)
    np.testing.assert_array_equal(got["clusters"]["cluster"].to_numpy(), page)
    assert f"roots partition: k = {page.max()}" in got["stdout"]


@pytest.mark.parametrize("part", [
    PartitionSpec("inconsistent", threshold=0.9, depth=2),
    PartitionSpec("inconsistent", threshold=1.1, depth=3),
    PartitionSpec("monocrit", k=4, depth=2),
    PartitionSpec("monocrit", k=7, depth=3),
])
@pytest.mark.parametrize("method", ["ward", "single"])
def test_inconsistency_partitions_are_the_pages(in_app, tmp_path, part, method):
    spec = blobs_spec(method)
    out, msg = download(spec, 5.0, part)
    assert msg == ""
    (tmp_path / "s.py").write_text(out["content"])
    ns = runpy.run_path(str(tmp_path / "s.py"))  # fast: the functions, not main()
    X, _, _ = ns["prepare"](ns["load_table"]())
    Z = ns["cluster"](X)
    np.testing.assert_array_equal(ns["clusters_of"](Z), page_labels(spec, 5.0, part))


@pytest.mark.parametrize("source", ["tree", "hybrid"])
def test_dynamic_cut_is_refused_with_the_reason(in_app, source):
    part = PartitionSpec(source, min_cluster_size=10)
    out, msg = download(blobs_spec(), 20.0, part)
    assert out is no_update
    assert f"dynamic tree cut ({source}) is R's dynamicTreeCut" in msg
    assert "height cut, an inconsistency cut or hand edits" in msg


def test_a_partition_of_another_tree_is_ignored(in_app):
    """The partition store still holds an older tree's roots: the script uses the cut."""
    spec = blobs_spec()
    value = {**PartitionSpec("roots", roots=(3, 4)).to_json(), "tree_key": "another tree"}
    out, msg, _ = _run(ex_trees.download_tree, None, None, 1, "ape", "tree",
                       tree_data(spec, 20.0), 20.0, "none", 30, value, trigger=SCRIPT)
    assert msg == "" and "PARTITION = 'height'" in out["content"]


def test_second_example_runs_to_the_pages_tree_and_labels(in_app, tmp_path):
    spec = TreeSpec(DatasetRef(example="tutorial-five"), PrepareOptions(), "ward", "euclidean")
    tree = load_tree(spec)
    cut = float(tree.Z[-5, 2]) + 1e-9
    out, msg = download(spec, cut, None)
    assert msg == ""
    got = run_script(out["content"], tmp_path)
    np.testing.assert_array_equal(got["Z"][:, [0, 1, 3]], tree.Z[:, [0, 1, 3]])
    np.testing.assert_allclose(got["Z"][:, 2], tree.Z[:, 2], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got["clusters"]["cluster"].to_numpy(),
                                  tree.index.labels_at(cut))
    assert tree.index.labels_at(cut).max() == 5


def test_matrix_upload_with_hand_edits_runs_to_the_pages_labels(in_app, tmp_path):
    rng = np.random.default_rng(17)
    X = np.concatenate([rng.normal(size=(12, 3)), rng.normal(size=(12, 3)) + 4])
    D = squareform(pdist(X))
    labels = [f"item {i}" for i in range(len(X))]
    text = "\n".join(["name," + ",".join(labels)] +
                     [f"{labels[i]}," + ",".join(repr(float(v)) for v in D[i])
                      for i in range(len(X))]) + "\n"
    dataset_id = get_store().put_dataset(text.encode(), "dist.csv")
    spec = TreeSpec(DatasetRef(dataset_id=dataset_id, filename="dist.csv", kind="distances"),
                    PrepareOptions(), "average", "precomputed")
    tree = load_tree(spec)
    cut = float(tree.Z[-2, 2]) - 1e-9
    part = hand_edited(spec, cut)
    page = page_labels(spec, cut, part)
    out, msg = download(spec, cut, part)
    assert msg == "", msg
    got = run_script(out["content"], tmp_path, {"dist.csv": text.encode()})
    np.testing.assert_allclose(got["Z"], tree.Z, rtol=1e-12, atol=0)
    assert got["clusters"]["label"].tolist() == labels
    np.testing.assert_array_equal(got["clusters"]["cluster"].to_numpy(), page)
