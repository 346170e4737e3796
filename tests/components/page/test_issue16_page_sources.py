"""Issue 16, "How we know": each source of a partition gives labels equal to the service's on
the same view, a test per source, through the page's own callback.

``components.page.partition.edit_partition`` is called as Dash calls it (the cut panel's
fields, a click, Merge/Undo/Redo) and the labels it sends the browser (``partition-data``:
one label per leaf position, what ``assets/partition.js`` paints in the tree and the scatter)
are compared with the service on the tree the page loads: ``fcluster`` (height,
'inconsistent', 'maxclust_monocrit'), ``dynamic_cut`` ("tree", "hybrid") and
``partition_from_roots`` / ``split_cluster`` / ``merge_clusters`` / ``with_min_size`` (hand
edits). Unassigned rows (0) must match exactly; the rest up to renumbering.
"""

from __future__ import annotations

import contextvars

import numpy as np
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import fcluster, inconsistent, maxinconsts

from clustering.dynamic_cut import dynamic_cut
from clustering.partition import (
    horizontal_partition,
    merge_clusters,
    partition_from_roots,
    split_cluster,
)
from components import ids
from components.figures.tree_data import decode_b64
from components.page import partition as page
from components.settings import Settings
from components.state.trees import load_tree
from components.view import View
from tests.partitions import same_partition

CUT = 175.0
QUERY = "?dataset=tutorial-five"


@pytest.fixture(scope="module")
def tree(app):
    with app.server.app_context():
        yield load_tree(View.from_query(QUERY).tree)


def _ref(tree) -> dict:
    return {"params": tree.spec.to_json(), "tree_key": tree.spec.key}


def call(tree, source, *, threshold=1.0, k=2, depth=2, mcs=20, deep=1, deep_tree=False,
         pam=True, min_size=1, click=None, history=None, tool="split",
         trigger=f"{ids.CUT_SOURCE}.value"):
    """edit_partition as Dash calls it; returns (history, spec, labels by row, note)."""
    args = (source, threshold, k, depth, mcs, deep, deep_tree, pam, min_size,
            click, None, None, None, None, _ref(tree), history, tool, CUT, None)

    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": None}]))
        return page.edit_partition(*args)

    out = contextvars.copy_context().run(go)
    history, spec, data, note = out[9], out[10], out[11], out[12]
    labels = None
    if data and "labels" in data:
        by_position = decode_b64(data["labels"])
        labels = np.empty_like(by_position)
        labels[tree.index.leaves] = by_position
        assert data["k"] == int(np.unique(labels[labels > 0]).size)
    return history, spec, labels, note


def same(got, want) -> bool:
    return same_partition(got, want) and np.array_equal(got == 0, np.asarray(want) == 0)


def test_height(tree, app):
    with app.server.app_context():
        _, spec, got, _ = call(tree, "height")
    assert spec["source"] == "height"
    assert same(got, fcluster(np.asarray(tree.Z), CUT, "distance"))


@pytest.mark.parametrize(("t", "depth"), [(0.9, 2), (1.2, 3)])
def test_inconsistent(tree, app, t, depth):
    with app.server.app_context():
        _, spec, got, _ = call(tree, "inconsistent", threshold=t, depth=depth)
    assert spec == {"source": "inconsistent", "pt": t, "depth": depth,
                    "tree_key": tree.spec.key}
    assert same(got, fcluster(np.asarray(tree.Z), t, "inconsistent", depth=depth))


@pytest.mark.parametrize(("k", "depth"), [(3, 2), (6, 3)])
def test_monocrit(tree, app, k, depth):
    Z = np.asarray(tree.Z)
    with app.server.app_context():
        _, _, got, _ = call(tree, "monocrit", k=k, depth=depth)
    want = fcluster(Z, k, "maxclust_monocrit", monocrit=maxinconsts(Z, inconsistent(Z, depth)))
    assert same(got, want)


@pytest.mark.parametrize(("mcs", "deep_tree"), [(10, False), (20, True)])
def test_dynamic_tree(tree, app, mcs, deep_tree):
    with app.server.app_context():
        _, spec, got, _ = call(tree, "tree", mcs=mcs, deep_tree=deep_tree, deep=3)
    want = dynamic_cut(tree.Z, method="tree", min_cluster_size=mcs, deep_split=deep_tree)
    assert spec["deep"] == int(deep_tree)  # the hybrid's deepSplit field is not read
    assert same(got, want)
    if mcs == 10:
        assert (got == 0).any()  # this case has unassigned rows: they must match exactly


@pytest.mark.parametrize(("mcs", "deep", "pam"), [(10, 0, True), (15, 4, False), (30, 2, True)])
def test_dynamic_hybrid(tree, app, mcs, deep, pam):
    with app.server.app_context():
        _, _, got, _ = call(tree, "hybrid", mcs=mcs, deep=deep, pam=pam)
    want = dynamic_cut(tree.Z, tree.prepared.matrix, method="hybrid", min_cluster_size=mcs,
                       deep_split=deep, pam_stage=pam)
    assert same(got, want)


def test_hand_edits_split_merge_undo_redo_and_min_size(tree, app):
    with app.server.app_context():
        hist, spec, got, _ = call(tree, "roots")
        p0 = horizontal_partition(tree.index, height=CUT)
        assert spec["source"] == "roots" and same(got, p0.labels())
        # A click on the largest cluster's root splits it.
        root = max(p0.roots, key=p0.size)
        click = {"node": root, "tree_key": tree.spec.key, "at": 1}
        hist, spec, got, note = call(tree, "roots", click=click, history=hist,
                                     trigger=f"{ids.PART_CLICK}.data")
        p1 = split_cluster(p0, root)
        assert "Split" in str(note) and same(got, p1.labels())
        assert tuple(int(r) for r in spec["roots"].split(".")) == tuple(sorted(p1.roots))
        # Select the merge above the two halves (both selected), then Merge.
        hist, _, _, _ = call(tree, "roots", click=dict(click, at=2), history=hist,
                             tool="select", trigger=f"{ids.PART_CLICK}.data")
        assert len(hist["selected"]) == 2
        hist, _, got, _ = call(tree, "roots", history=hist, trigger=f"{ids.PART_MERGE}.n_clicks")
        halves = sorted(set(p1.roots) - set(p0.roots))
        assert sorted(hist["states"][-2]) == sorted(p1.roots)
        assert same(got, merge_clusters(p1, *halves).labels()) and same(got, p0.labels())
        hist, _, got, _ = call(tree, "roots", history=hist, trigger=f"{ids.PART_UNDO}.n_clicks")
        assert same(got, p1.labels())
        hist, _, got, _ = call(tree, "roots", history=hist, trigger=f"{ids.PART_REDO}.n_clicks")
        assert same(got, p0.labels())
        hist, _, got, _ = call(tree, "roots", history=hist, trigger=f"{ids.PART_UNDO}.n_clicks")
        # The minimum size: clades smaller than it are unassigned, the roots are kept.
        small = min(p1.size(r) for r in p1.roots) + 1
        _, spec, got, _ = call(tree, "roots", history=hist, min_size=small,
                               trigger=f"{ids.PART_MIN_SIZE}.value")
        want = partition_from_roots(tree.index, p1.roots, min_size=small).labels()
        assert (want == 0).any() and same(got, want)
        assert spec["minsize"] == small


def test_hybrid_beyond_the_memory_budget_is_refused_on_the_page(tmp_path):
    from app import create_app

    small = create_app(Settings.from_env(data_dir=str(tmp_path), memory_budget_mb=1))
    with small.server.app_context():
        t = load_tree(View.from_query(QUERY).tree)
        _, spec, got, note = call(t, "hybrid", mcs=10)
    text = str(note)
    assert "memory budget" in text and "750 x 750" in text and "tree method" in text
    assert spec["source"] == "height" and got is None
