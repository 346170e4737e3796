"""The Known columns tab and the colour bars without a browser (issue 16, point 3): callbacks
called as plain functions in the app's Flask context (a real disk store), numbers checked
against scikit-learn and SciPy on the same tree (mpg, ward on z-scores, label column name)."""

from __future__ import annotations

import contextvars

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
from sklearn import metrics

from clustering.datasets import EXAMPLES, load_example
from clustering.partition import partition_from_roots
from clustering.prepare import prepare
from components.analysis import agreement as tab
from components.view import TreeSpec

TAB = "tab-agreement"


def _run(fn, *args, trigger: str = ""):
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": None}]))
        return fn(*args)

    return contextvars.copy_context().run(go)


def mpg_ref() -> dict:
    ex = EXAMPLES["mpg"]
    spec = TreeSpec.from_json({"dataset": {"example": "mpg"}, "options": ex.options.to_dict(),
                               "method": "ward", "metric": "euclidean"})
    return {"params": spec.to_json(), "tree_key": spec.key, "orientation": "top"}


@pytest.fixture(scope="module")
def mpg():
    df = load_example("mpg")
    prep = prepare(df, EXAMPLES["mpg"].options)
    Z = linkage(prep.matrix, "ward")
    origin = df["origin"].iloc[prep.row_ids].to_numpy()
    return df, prep, Z, origin


def test_scores_and_table_equal_sklearn_at_the_cut(in_app, mpg):
    _, _, Z, origin = mpg
    ref = mpg_ref()
    cut = 15.0
    summary, table, snap_label, snap_style, snap_height = _run(
        tab.fill_agreement, TAB, {"cut": cut, "tree_key": ref["tree_key"]}, "origin", 4, ref)
    labels = fcluster(Z, cut, "distance")
    text = str(summary)
    for key, fn in (("ari", metrics.adjusted_rand_score), ("ami", metrics.adjusted_mutual_info_score),
                    ("nmi", metrics.normalized_mutual_info_score),
                    ("homogeneity", metrics.homogeneity_score),
                    ("completeness", metrics.completeness_score)):
        assert f"{fn(origin, labels):.3f}" in text, key
    assert "'origin' is not a clustering feature" in text
    # The contingency table: clusters x the three classes.
    grid = table.children[1]
    rows = pd.DataFrame(grid.rowData)
    assert [c for c in rows.columns if c not in ("cluster", "total")] == ["europe", "japan", "usa"]
    cm = metrics.cluster.contingency_matrix(labels, origin)
    assert rows[["europe", "japan", "usa"]].to_numpy().tolist() == cm.tolist()
    # The hint names the k = 2..20 with the best ARI, and the snap height gives that k.
    aris = {k: metrics.adjusted_rand_score(origin, fcluster(Z, k, "maxclust")) for k in range(2, 21)}
    best = max(aris, key=lambda k: (aris[k], -k))
    assert f"k = {best} (ARI {aris[best]:.3f})" in text
    assert fcluster(Z, snap_height, "distance").max() == best
    assert _run(tab.snap_to_best, 1, snap_height) == snap_height


def test_a_feature_column_is_named_as_one(in_app, mpg):
    ref = mpg_ref()
    summary, *_ = _run(tab.fill_agreement, TAB, {"cut": 15.0, "tree_key": ref["tree_key"]},
                       "cylinders", 4, ref)
    assert "'cylinders' is also a clustering feature" in str(summary)
    # five values (3, 4, 5, 6, 8): classes as they are, not quantile bins
    assert "quantile bins" not in str(summary)
    summary, *_ = _run(tab.fill_agreement, TAB, {"cut": 15.0, "tree_key": ref["tree_key"]},
                       "weight", 4, ref)
    assert "'weight' in 4 quantile bins" in str(summary)
    # a hidden tab computes nothing
    out = _run(tab.fill_agreement, "tab-heatmap", {"cut": 15.0}, "origin", 4, ref)
    assert all(o is no_update for o in out)


def test_colour_bars_follow_the_leaves(in_app, mpg):
    _, _, Z, origin = mpg
    ref = mpg_ref()
    fig, style, note = _run(tab.draw_bars, ref, ["origin", "mpg"], 4, "none", 30, "top")
    assert style == {} and note == ""
    bars = [t for t in fig.data if t.meta == "bar:origin"]
    assert sorted(t.name for t in bars) == ["europe", "japan", "usa"]
    # Leaf j (x = 5 + 10 j) shows the origin of the row at leaf position j.
    order = leaves_list(Z)
    by_x = {float(x): t.name for t in bars for x in t.x}
    assert [by_x[5.0 + 10 * j] for j in range(len(order))] == origin[order].tolist()
    mpg_bars = [t for t in fig.data if t.meta == "bar:mpg"]
    assert len(mpg_bars) == 4  # quartiles
    # Truncated to the last 12 merges: 12 leaves, each showing its rows' majority.
    fig, _, _ = _run(tab.draw_bars, ref, ["origin"], 4, "lastp", 12, "top")
    xs = sorted(float(x) for t in fig.data for x in t.x)
    assert xs == [5.0 + 10 * j for j in range(12)]
    # Left/right orientations say why there are no bars.
    _, style, note = _run(tab.draw_bars, ref, ["origin"], 4, "none", 30, "left")
    assert style == {"display": "none"} and "Orientation" in note


# ---------------------------------------------------------------- the Compare tab (point 4)
def test_compare_tab_numbers_equal_the_library_and_sklearn(in_app, mpg):
    from scipy.cluster.hierarchy import cophenet

    from clustering.tanglegram import bakers_gamma, crossings
    from components.analysis import compare

    _, prep, Z, _ = mpg
    Z2 = linkage(prep.matrix, "average")
    ref = mpg_ref()
    summary, fig = _run(compare.fill_compare, "tab-compare",
                        {"cut": 15.0, "tree_key": ref["tree_key"]}, "average", "euclidean", ref)
    text = str(summary)
    assert f"{bakers_gamma(Z, Z2):.4f}" in text
    assert f"{np.corrcoef(cophenet(Z), cophenet(Z2))[0, 1]:.4f}" in text
    k = fcluster(Z, 15.0, "distance").max()
    ari = metrics.adjusted_rand_score(fcluster(Z, 15.0, "distance"), fcluster(Z2, k, "maxclust"))
    assert f"ARI of their partitions at k = {k}" in text and f"{ari:.4f}" in text
    # Untangling never adds crossings; the figure has both trees and a line per row.
    assert {t.meta for t in fig.data} == {"left", "right", "lines"}
    lines = [t for t in fig.data if t.meta == "lines"]
    assert sum(len(t.x) for t in lines) == 3 * prep.matrix.shape[0]
    assert f"{crossings(leaves_list(Z), leaves_list(Z2)):,} as drawn" in text
    # A pair SciPy refuses says so.
    summary, _ = _run(compare.fill_compare, "tab-compare", {"cut": 15.0}, "ward", "cityblock", ref)
    assert "ward" in str(summary).lower() and "euclidean" in str(summary).lower()


def test_scores_follow_a_hand_edited_partition(in_app, mpg):
    """The tab scores the partition in force, not the height: hand-edit roots (two clades of
    the tree) against origin equal scikit-learn's on the same rows."""
    _, _, Z, origin = mpg
    ref = mpg_ref()
    n = Z.shape[0] + 1
    # The root's two children, then the left one split again: three clades of Z.
    left, right = int(Z[-1, 0]), int(Z[-1, 1])
    roots = sorted([int(Z[left - n, 0]), int(Z[left - n, 1]), right])
    gated = {"cut": 15.0, "tree_key": ref["tree_key"],
             "partition": {"source": "roots", "roots": ".".join(map(str, roots)),
                           "tree_key": ref["tree_key"]}}
    summary, table, *_ = _run(tab.fill_agreement, TAB, gated, "origin", 4, ref)
    labels = partition_from_roots(Z, roots).labels()
    text = str(summary)
    assert "k = 3 clusters in the partition" in text
    assert f"{metrics.adjusted_rand_score(origin, labels):.3f}" in text
    rows = pd.DataFrame(table.children[1].rowData)
    assert rows[["europe", "japan", "usa"]].to_numpy().tolist() == \
        metrics.cluster.contingency_matrix(labels, origin).tolist()
