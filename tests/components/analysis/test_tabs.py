"""The analysis tabs without a browser: figure builders, candidate cuts, and the callbacks
called as plain functions inside the app's Flask context (real disk store, no mocks).

The callbacks read ``tree-data`` through its ``params`` and ``tree_key`` (what ``render``
writes); the tests build that dict directly so they do not depend on render's signature.
"""

from __future__ import annotations

import base64
import contextvars
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import fcluster, inconsistent, leaves_list, linkage

from clustering.cut import tree_index
from clustering.datasets import load_example
from clustering.geometry import dendrogram_geometry
from clustering.prepare import PrepareOptions
from clustering.profiles import profile_effects
from clustering.suggest import candidate_cuts, tidy_height
from components import ids
from components.analysis import cophenetic as coph_tab
from components.analysis import diagnostics as diag_tab
from components.analysis import export as ex
from components.analysis import linkage as link_tab
from components.analysis import merge as ip
from components.figures.analysis import (
    candidate_trace,
    leaves_trace,
    make_clustermap_figure,
    make_profile_figure,
    make_scree_figure,
    runs,
)
from components.page import sharing
from components.view import TreeSpec, View
from tests.partitions import same_partition


def _run(fn, *args, trigger: str = "", value=None):
    """Call a callback as Dash does: a fresh context saying what fired."""
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": value}]))
        return fn(*args)

    return contextvars.copy_context().run(go)


def blobs_tree_data(method: str = "ward", orientation: str = "top") -> dict:
    spec = TreeSpec.from_json({"dataset": {"example": "tutorial-blobs"},
                               "options": PrepareOptions(features=("x", "y")).to_dict(),
                               "method": method, "metric": "euclidean"})
    return {
        "params": spec.to_json(),
        "tree_key": spec.key,
        "orientation": orientation,
        "cut": 50.0,
    }


def blobs_Z(method: str = "ward") -> tuple[np.ndarray, np.ndarray]:
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    return X, linkage(X, method)


# ---------------------------------------------------------------- candidates
def test_candidate_cuts_give_their_k_like_fcluster_on_random_data():
    rng = np.random.default_rng(2)
    for trial in range(25):
        n = int(rng.integers(4, 150))
        method = ["ward", "average", "single", "complete", "centroid"][trial % 5]
        Z = linkage(rng.normal(size=(n, 3)) * rng.uniform(0.5, 5), method)
        cands = candidate_cuts(Z, tree_index(Z))
        assert [c["k"] for c in cands] == sorted({c["k"] for c in cands})
        for c in cands:
            got = fcluster(Z, c["height"], "distance")
            assert got.max() == c["k"], (method, n, c)
            assert c["why"] in ("largest gap", "elbow", "largest gap, elbow")


def test_tutorial_candidates():
    _, Z = blobs_Z()
    cands = candidate_cuts(Z, tree_index(Z))
    assert [(c["k"], c["height"]) for c in cands] == [(2, 100.0), (3, 20.0), (5, 14.0)]
    assert cands[0]["why"] == "largest gap, elbow"


def test_tidy_height_stays_inside_the_band():
    rng = np.random.default_rng(1)
    for _ in range(200):
        lo = float(rng.uniform(0, 100))
        hi = lo + float(rng.uniform(1e-9, 50))
        t = tidy_height(lo, hi)
        assert lo < t < hi


# ---------------------------------------------------------------- figure builders
@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_candidate_and_leaf_traces_follow_orientation(orientation):
    cands = [{"height": 3.0, "k": 2, "why": "elbow"}, {"height": 1.5, "k": 4, "why": "gap"}]
    tr = candidate_trace(cands, 10, orientation)
    heights = tr["y"] if orientation in ("top", "bottom") else tr["x"]
    along = tr["x"] if orientation in ("top", "bottom") else tr["y"]
    assert {h for h in heights if h is not None} == {3.0, 1.5}
    assert min(a for a in along if a is not None) == 0.0
    assert max(a for a in along if a is not None) == 100.0
    assert all(cd is None or cd[0] in (3.0, 1.5) for cd in tr["customdata"])
    lt = leaves_trace(np.array([5.0, 15.0]), np.array([1, 0]), ["<b>x</b>", "y"], np.array([1, 1]),
                      orientation)
    assert lt["text"][0] == "&lt;b&gt;x&lt;/b&gt;"
    along = lt["x"] if orientation in ("top", "bottom") else lt["y"]
    assert along == [5.0, 15.0]


def test_scree_marks_suggested_and_current_k():
    from clustering.diagnostics import elbow

    _, Z = blobs_Z()
    e = elbow(Z, last=10)
    fig = make_scree_figure(e.ks, e.heights, e.acceleration, e.suggested_k, current_k=3)
    assert list(fig.data[0].y) == pytest.approx(Z[-10:, 2][::-1].tolist())
    xs = sorted(s.x0 for s in fig.layout.shapes)
    assert xs == [2, 3]


def test_clustermap_rows_in_leaf_order_with_exact_side_bar():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    Z = linkage(X, "average")
    idx = tree_index(Z)
    t = float(np.median(Z[:, 2]))
    fig = make_clustermap_figure(X, idx.leaves, ["a", "b", "c"], idx.labels_by_position(t),
                                 standardise=False)
    side, heat = fig.data
    np.testing.assert_allclose(np.asarray(heat.z), X[leaves_list(Z)])
    np.testing.assert_array_equal(np.asarray(side.z)[:, 0], idx.labels_by_position(t))
    # columns reordered
    fig2 = make_clustermap_figure(X, idx.leaves, ["a", "b", "c"], idx.labels_by_position(t),
                                  column_order=[2, 0, 1], standardise=True)
    assert list(fig2.data[1].x) == ["c", "a", "b"]
    z = np.asarray(fig2.data[1].z)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)


def test_clustermap_runs_never_cross_clusters():
    rng = np.random.default_rng(0)
    lab = np.sort(rng.integers(1, 9, size=5000))
    starts = runs(lab, max_rows=300)
    assert starts.size <= 300 + 8
    ends = np.append(starts[1:], lab.size)
    for s, e in zip(starts, ends, strict=True):
        assert len(set(lab[s:e].tolist())) == 1
    X = rng.normal(size=(5000, 2))
    fig = make_clustermap_figure(X, np.arange(5000), ["a", "b"], lab, max_rows=300,
                                 standardise=False)
    heat = np.asarray(fig.data[1].z)
    np.testing.assert_allclose(heat[0], X[starts[0]:ends[0]].mean(axis=0))
    np.testing.assert_array_equal(np.asarray(fig.data[0].z)[:, 0], lab[starts])


def test_profile_effects_and_figure():
    rng = np.random.default_rng(9)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=["p", "q", "r"])
    labels = rng.integers(1, 4, size=60)
    means, effects = profile_effects(df, labels)
    for i, c in enumerate(np.unique(labels)):
        np.testing.assert_allclose(means[i], df[labels == c].mean().to_numpy())
        np.testing.assert_allclose(effects[i], (df[labels == c].mean() - df.mean()) / df.std(ddof=0))
    fig = make_profile_figure(means, effects, [1, 2, 3], ["p", "q", "<i>r</i>"], [20, 20, 20])
    assert list(fig.data[0].x)[2] == "&lt;i&gt;r&lt;/i&gt;"
    # each profile row carries its cluster's colour
    from components.figures.palette import cluster_color
    assert [cluster_color(c) in y for c, y in zip([1, 2, 3], fig.data[0].y, strict=True)] == [True] * 3


def test_image_config_keeps_the_graph_settings():
    params = blobs_tree_data()["params"]
    c = ex.image_config({"displaylogo": False, "scrollZoom": True}, "dendrogram",
                        params, "svg")
    assert c["displaylogo"] is False and c["scrollZoom"] is True
    assert c["toImageButtonOptions"]["filename"] == "dendrogram-tutorial-blobs-ward-euclidean"
    assert c["toImageButtonOptions"]["format"] == "svg"
    assert ex.image_config(None, "scatter", params, "bmp")["toImageButtonOptions"]["format"] == "png"


# ---------------------------------------------------------------- callbacks
def test_decorate_dendrogram_appends_candidates_and_leaves(in_app):
    td = blobs_tree_data()
    store, patch = _run(diag_tab.decorate_dendrogram, td, "lastp", 12, trigger="tree-data.data")
    assert store["tree_key"] == td["tree_key"]
    assert [c["k"] for c in store["cuts"]] == [2, 3, 5]
    ops = patch.to_plotly_json()["operations"]
    assert len(ops) == 1 and ops[0]["operation"] == "Extend"
    cand, leaves = ops[0]["params"]["value"]
    assert cand["meta"] == "candidates" and leaves["meta"] == "leaves"
    _, Z = blobs_Z()
    g = dendrogram_geometry(Z, truncate_mode="lastp", p=12)
    assert [cd[1] for cd in leaves["customdata"]] == g.leaves.tolist()
    assert [cd[2] for cd in leaves["customdata"]] == g.leaf_counts.tolist()
    assert _run(diag_tab.decorate_dendrogram, None, "none", 30) == (None, no_update)


_SNAP_JS = r"""
const fs = require('fs');
global.window = {dash_clientside: {no_update: {nu: 1}}};
eval(fs.readFileSync(process.argv[2], 'utf8'));
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(input.calls.map((c) => {
  window.dash_clientside.callback_context = {triggered: c.triggered};
  return window.dash_clientside.inspect.snap(c.clicks, input.candidates);
})));
"""


@pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("CI"),
                    reason="needs Node.js to run assets/inspect.js")
def test_snap_moves_the_cut_only_when_clicked(tmp_path):
    cands = {"cuts": [{"height": 100.0, "k": 2}, {"height": 20.0, "k": 3}], "tree_key": "x"}
    pid = json.dumps({"index": 1, "type": ids.SNAP}, separators=(",", ":")) + ".n_clicks"
    calls = [
        {"clicks": [None, 1], "triggered": [{"prop_id": pid, "value": 1}]},
        # buttons re-created by a new summary fire with n_clicks None: no move
        {"clicks": [None, None], "triggered": [{"prop_id": pid, "value": None}]},
        {"clicks": [None, None], "triggered": []},
    ]
    script = tmp_path / "snap.js"
    script.write_text(_SNAP_JS)
    done = subprocess.run([shutil.which("node") or "node", str(script),
                           str(Path(__file__).resolve().parents[3] / "assets" / "inspect.js")],
                          input=json.dumps({"candidates": cands, "calls": calls}),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [20.0, {"nu": 1}, {"nu": 1}]


def test_fill_diagnostics_matches_scipy(in_app):
    td = blobs_tree_data()
    store, _ = _run(diag_tab.decorate_dendrogram, td, "none", 30)
    summary, fig, table, now = _run(diag_tab.fill_diagnostics, store, 20, 10, 3,
                                    "tab-diagnostics", td)
    _, Z = blobs_Z()
    R = inconsistent(Z, 3)
    rows = table.rowData
    # SciPy's numbering: merge i is row i of Z
    assert [r["merge"] for r in rows] == list(range(148, 138, -1))
    np.testing.assert_allclose([r["coefficient"] for r in rows], R[::-1][:10, 3])
    np.testing.assert_allclose([r["height"] for r in rows], Z[::-1][:10, 2])
    assert "suggests k = 2" in str(summary) and now == "Now: k = 3 at max_d = 20."
    # The current snap button is the candidate with the cut's k (fcluster's count at 20).
    k = int(fcluster(Z, 20, "distance").max())
    buttons = summary[-1].children
    assert [b.color for b in buttons] == ["primary" if c["k"] == k else "secondary"
                                          for c in store["cuts"]]
    # The scree tells the browser what it needs to move the k line (assets/diagnostics.js).
    assert fig.layout.meta["tree_key"] == td["tree_key"] and fig.layout.meta["elbow"] == 2
    assert [s.x0 for s in fig.layout.shapes if s.name == "k-now"] == [k]
    # hidden tab: no work
    assert _run(diag_tab.fill_diagnostics, store, 20, 10, 3, "tab-heatmap", td) == (no_update,) * 4


def test_cophenetic_by_method_table(in_app):
    from scipy.cluster.hierarchy import cophenet
    from scipy.spatial.distance import pdist

    td = blobs_tree_data()
    table = _run(coph_tab.cophenetic_methods, td, trigger="tree-data.data")
    X, _ = blobs_Z()
    got = {r["method"]: r["cophenetic correlation"] for r in table.rowData}
    for method, value in got.items():
        assert value == pytest.approx(cophenet(linkage(X, method), pdist(X))[0], rel=1e-9)
    assert set(got) == {"single", "complete", "average", "weighted", "centroid", "median", "ward"}


def test_explain_and_linkage_table(in_app):
    td = blobs_tree_data()
    picked = {"kind": "merge", "row": 13, "tree_key": td["tree_key"]}
    text, members, hl, tab = _run(ip.explain, picked, td, "tab-diagnostics",
                                  trigger="inspect.data")
    assert text.startswith("merge 13 (row 13 of Z) joined sample 62 and cluster 152 "
                           "(samples 33, 68) into cluster 163")
    assert sorted(hl["rows"]) == [33, 62, 68] and tab == "tab-inspect"
    # A stale pick (another tree) clears everything.
    assert _run(ip.explain, {**picked, "tree_key": "old"}, td, None)[:3] == ("", "", None)
    # The Z grid scrolls to the picked row, highlighted, in the order it shows.
    picked = {"kind": "merge", "row": 100, "tree_key": td["tree_key"]}
    request = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "height", "sort": "desc"}]}
    style, scroll, note, _ = _run(link_tab.linkage_highlight, "tab-linkage", picked, td, request,
                               trigger="inspect.data")
    assert note == ""  # exact tree: Z's ids and sizes need no note
    assert scroll == {"rowIndex": 148 - 100, "rowPosition": "middle"}
    assert "params.data.row === 100" in style["styleConditions"][0]["condition"]
    block = _run(link_tab.linkage_block, request, td, trigger="linkage-table.getRowsRequest")
    assert block["rowCount"] == 149 and block["rowData"][48]["row"] == 100
    # a truncated leaf = its merge
    leaf = {"kind": "leaf", "node": 150 + 140, "tree_key": td["tree_key"]}
    text, _, hl, _ = _run(ip.explain, leaf, td, None, trigger="inspect.data")
    assert text.startswith("truncated leaf (") and "merge 140 (row 140 of Z)" in text
    _, Z = blobs_Z()
    assert len(hl["rows"]) == int(Z[140, 3])


def test_download_labels_equal_fcluster(in_app):
    td = blobs_tree_data()
    out = _run(ex.download, 1, None, None, td, 20, "none", 30, None, "top", True, "x", "y",
               trigger="export-labels.n_clicks")
    assert out["filename"] == "clusters-tutorial-blobs-ward-euclidean.csv"
    back = pd.read_csv(io.StringIO(out["content"]))
    X, Z = blobs_Z()
    assert same_partition(back["cluster"].to_numpy(), fcluster(Z, 20, "distance"))
    np.testing.assert_allclose(back[["x", "y"]].to_numpy(), X)
    out = _run(ex.download, None, 1, None, td, 20, "none", 30, None, "top", True, "x", "y",
               trigger="export-linkage.n_clicks")
    np.testing.assert_allclose(np.loadtxt(io.StringIO(out["content"]), delimiter=",",
                                          skiprows=1), Z)
    out = _run(ex.download, None, None, 1, td, 20, "lastp", 25, 5.0, "left", False, "x", "y",
               trigger="export-view.n_clicks")
    assert out["filename"] == "view-tutorial-blobs-ward-euclidean.json"
    view = json.loads(out["content"])
    assert view["version"] == 2 and view["dataset"] == "tutorial-blobs"
    assert view["cut"] == 20.0 and view["truncate"] == "lastp" and view["p"] == 25
    assert view["orientation"] == "left" and view["contracted"] is False
    assert view["col"] == ["x", "y"] and view["method"] == "ward"
    # The file is the link: reading it back gives the query the page's link would have.
    from components.view_file import query_from_view_file

    back = View.from_query(query_from_view_file(out["content"]))
    assert back.cut == 20.0 and back.truncate_mode == "lastp" and back.truncate_p == 25
    assert back.tree.options.to_dict() == td["params"]["options"] and back.annotate_above == 5.0


def test_load_view_opens_its_link(in_app):
    """A view file becomes the page's URL; the link's restore path does the rest."""
    td = blobs_tree_data(method="ward")
    view = {"version": 2, "dataset": "tutorial-blobs", "col": ["x", "y"], "method": "average",
            "metric": "euclidean", "cut": 7.5, "orientation": "right"}
    contents = "data:application/json;base64," + base64.b64encode(json.dumps(view).encode()).decode()
    search, msg = _run(sharing.load_view, contents, "v.json", td, trigger="load-view.contents")
    assert search == ("?dataset=tutorial-blobs&col=x&col=y&method=average&metric=euclidean"
                      "&orientation=right&cut=7.5")
    assert "Loading view v.json" in str(msg)
    v = View.from_query(search)
    assert v.tree.method == "average" and v.cut == 7.5 and v.orientation == "right"
    # ... read as any link: the same dataset, another tree -> the pickers now, the cut later.
    out = _run(sharing.apply_url, {"search": search}, {"example": "tutorial-blobs"}, td,
               *([None] * 14), trigger="url-request.data")
    pending = out[2]
    assert pending["stage"] == "controls" and View.from_query(pending["query"]).cut == 7.5
    assert _run(sharing.apply_view_cut, blobs_tree_data("ward"), pending) == (no_update,) * 3
    cut, cleared, done = _run(sharing.apply_view_cut, blobs_tree_data("average"), pending,
                              trigger="tree-data.data")
    assert cut == 7.5 and cleared is None and "View loaded" in str(done)
    # The same tree: loaded as soon as the link is read.
    same = dict(view, method="ward")
    contents = "data:application/json;base64," + base64.b64encode(json.dumps(same).encode()).decode()
    _, msg = _run(sharing.load_view, contents, "same.json", td, trigger="load-view.contents")
    assert "View loaded" in str(msg)
    # A version-1 file (the older layout) opens the same link as its version-2 twin.
    old = {"version": 1, "dataset": {"example": "tutorial-blobs"},
           "options": td["params"]["options"], "method": "average", "metric": "euclidean",
           "cut": 7.5, "orientation": "right"}
    contents = "data:application/json;base64," + base64.b64encode(json.dumps(old).encode()).decode()
    search1, _ = _run(sharing.load_view, contents, "old.json", td, trigger="load-view.contents")
    assert View.from_query(search1) == View.from_query(search)
    # A bad file says why and changes nothing.
    bad = "data:application/json;base64," + base64.b64encode(
        b'{"version": 2, "dataset": "tutorial-blobs", "method": "ward", "metric": "cosine"}').decode()
    search, msg = _run(sharing.load_view, bad, "bad.json", td, trigger="load-view.contents")
    assert search is no_update and "ward" in str(msg) and "bad.json" in str(msg)
    missing = {"version": 1, "dataset": {"dataset_id": "f" * 64, "filename": "gone.csv"}}
    contents = "data:application/json;base64," + base64.b64encode(json.dumps(missing).encode()).decode()
    search, msg = _run(sharing.load_view, contents, "m.json", td, trigger="load-view.contents")
    assert search is no_update and "upload gone.csv first" in str(msg)
