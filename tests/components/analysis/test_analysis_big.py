"""The analysis tabs on an approximate tree, and cophenetic correlation by method as a
background job, at page level: the app's own callbacks over HTTP (``tests/dash_page.py`` on the
Flask test client, background jobs included) with a real disk store, no mocks.

``exact_max_rows=2000`` makes the 5,000-row example go approximate (500 micro-clusters) in a
few seconds; ``background_rows`` is high so its tree is computed inline, and the cophenetic
job is the only background job.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import cophenet, inconsistent, linkage
from scipy.spatial.distance import pdist

from clustering.datasets import load_example
from clustering.merges import explain_merge
from clustering.prepare import PrepareOptions
from components import ids
from components.analysis import cophenetic as coph_tab
from components.analysis import heatmap as heat_tab
from components.analysis import linkage as link_tab
from components.jobs.cophenetic import cophenetic_plan
from components.settings import Settings
from components.state import approximate as big
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from tests.dash_page import DashPage, flask_transport, fresh_app
from tests.partitions import same_partition

BLOBS = {"example": "blobs-5k"}


def _run(fn, *args, trigger: str = ""):
    """Call a callback as Dash does: a fresh context saying what fired."""
    import contextvars

    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": None}]))
        return fn(*args)

    return contextvars.copy_context().run(go)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = str(tmp_path_factory.mktemp("data"))
    return fresh_app(Settings.from_env(data_dir=data, exact_max_rows=2000,
                                       background_rows=100_000))


@pytest.fixture(scope="module")
def page(app) -> DashPage:
    """One analyst on blobs-5k, drawn approximately."""
    p = DashPage(*flask_transport(app.server.test_client()))
    p.load()
    p.set({f"{ids.EXAMPLE}.value": "blobs-5k"})
    td = p.get(f"{ids.TREE_DATA}.data")
    assert td and td["params"]["dataset"] == BLOBS and td.get("approx_note")
    # What the browser's clientside cut (dendro.js) writes once the tree is drawn.
    p.set({f"{ids.CUT_HEIGHT}.value": td["cut"]})
    return p


@pytest.fixture(scope="module")
def tree(app, page):
    with app.server.app_context():
        return load_tree(TreeSpec.from_json(page.get(f"{ids.TREE_DATA}.data")["params"]))


def test_diagnostics_describe_the_micro_cluster_tree(page, tree) -> None:
    approx = big.approx_of(tree)
    assert approx is not None and approx.m == 500
    page.set({f"{ids.DIAG_DEPTH}.value": 3})
    summary = json.dumps(page.get(f"{ids.DIAG_SUMMARY}.children"))
    assert "tree of 500 micro-clusters (5,000 rows)" in summary
    assert page.get(f"{ids.CANDIDATES}.data")["cuts"], "candidate cuts on the micro tree"
    rows = page.get(f"{ids.DIAG_INCONSISTENCY}.children")["props"]["rowData"]
    Z = np.asarray(approx.Z)
    R = inconsistent(Z, 3)
    assert [r["forms id"] for r in rows] == [500 + i for i in range(498, 488, -1)]
    np.testing.assert_allclose([r["coefficient"] for r in rows], R[::-1][:10, 3])
    # Cophenetic by method: refused with the reason, not run on 5,000 rows per method.
    text = json.dumps(page.get(f"{ids.COPHENETIC_METHODS}.children"))
    assert "clustered approximately" in text


def test_merge_tab_speaks_of_micro_clusters_and_rows(page, tree) -> None:
    approx = big.approx_of(tree)
    td = page.get(f"{ids.TREE_DATA}.data")
    row = approx.m - 2  # the root: every row
    page.set({f"{ids.INSPECT}.data": {"kind": "merge", "row": row, "tree_key": td["tree_key"]}})
    text = page.get(f"{ids.INSPECT_TEXT}.children")
    assert text == explain_merge(approx.Z, tree.index.leaves, row, weights=approx.micro.weights)
    assert text.startswith("merge 498 (row 498 of Z) joined cluster ") and " rows)" in text
    assert "(m = 500 micro-clusters)" in text
    counts = [int(s.replace(",", "")) for s in
              __import__("re").findall(r"; ([\d,]+) rows\)", text)]
    assert sum(counts) == 5000
    assert sorted(page.get(f"{ids.HIGHLIGHT}.data")["rows"]) == list(range(5000))
    # A small merge lights up exactly the rows of its micro-clusters.
    page.set({f"{ids.INSPECT}.data": {"kind": "merge", "row": 0, "tree_key": td["tree_key"]}})
    a, b = (int(v) for v in approx.Z[0, :2])
    want = np.flatnonzero(np.isin(approx.micro.assignment, [a, b]))
    assert sorted(page.get(f"{ids.HIGHLIGHT}.data")["rows"]) == want.tolist()
    assert f"micro-cluster {a} (" in page.get(f"{ids.INSPECT_TEXT}.children")


def test_linkage_table_counts_rows(app, page, tree) -> None:
    approx = big.approx_of(tree)
    td = page.get(f"{ids.TREE_DATA}.data")
    request = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "height", "sort": "desc"}]}
    with app.server.app_context():
        block = _run(link_tab.linkage_block, request, td, trigger="linkage-table.getRowsRequest")
        _, _, note, _ = _run(link_tab.linkage_highlight, ids.TAB_LINKAGE, None, td, request,
                          trigger="analysis-tabs.active_tab")
    data = block["rowData"]
    assert block["rowCount"] == 499 and len(data) == 100
    assert data[0]["row"] == approx.m - 2 and data[0]["size"] == 5000
    assert [r["size"] for r in data] == [int(approx.row_counts[r["row"]]) for r in data]
    assert "micro-clusters" in note and "counts rows" in note


def test_heatmap_and_profiles_are_per_row(page, tree) -> None:
    cut = float(page.get(f"{ids.CUT_HEIGHT}.value"))
    labels = big.row_clusters(tree, cut)
    page.set({f"{ids.ANALYSIS_TABS}.active_tab": "tab-heatmap"})
    fig = page.get(f"{ids.HEATMAP}.figure")
    side = fig["data"][0]
    title = fig["layout"]["yaxis"]["title"]["text"]
    assert "approximate tree" in title and "5,000 rows averaged" in title
    assert side["meta"] == "sidebar"
    page.set({f"{ids.ANALYSIS_TABS}.active_tab": "tab-profiles"})
    table = page.get(f"{ids.PROFILE_TABLE}.children")["props"]["rowData"]
    sizes = {r["cluster"]: r["size"] for r in table}
    got = np.unique(labels, return_counts=True)
    assert sizes == dict(zip(got[0].tolist(), got[1].tolist(), strict=True))
    assert sum(sizes.values()) == 5000


def test_heatmap_samples_rows_of_a_huge_approximate_tree_and_says_so(app, tree) -> None:
    with app.server.app_context():
        rows, clusters, caption = heat_tab.heatmap_rows(tree, 1e9, max_rows=1000)
    assert rows.size <= 1000 + big.approx_of(tree).m and "sampled per micro-cluster" in caption
    pos = big.row_leaf_positions(tree)[rows]
    assert np.all(np.diff(pos) >= 0), "rows in leaf order"
    assert set(np.unique(big.approx_of(tree).micro.assignment[rows])) == set(range(500))


def test_labels_download_is_per_row(page, tree) -> None:
    cut = float(page.get(f"{ids.CUT_HEIGHT}.value"))
    page.set({f"{ids.EXPORT_LABELS}.n_clicks": 1})
    out = page.get(f"{ids.DOWNLOAD}.data")
    assert out["filename"] == "clusters-blobs-5k-ward-euclidean.csv"
    back = pd.read_csv(io.StringIO(out["content"]))
    assert len(back) == 5000
    assert same_partition(back["cluster"].to_numpy(), big.row_clusters(tree, cut))
    assert back["cluster"].max() == tree.index.k_at(cut)


# ---------------------------------------------------------------- cophenetic by method
def test_cophenetic_job_equals_scipy_and_reports_each_method(app) -> None:
    options = PrepareOptions(features=("x", "y")).to_dict()
    td = {"params": {"dataset": {"example": "tutorial-blobs"}, "options": options,
                     "method": "average", "metric": "cityblock"},
          "tree_key": "t"}
    heard: list[str] = []
    with app.server.app_context():
        table = coph_tab.cophenetic_job(lambda v: heard.append(v[0]), 1, td)
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    got = {r["method"]: r["cophenetic correlation"] for r in table.rowData}
    assert list(got) == ["single", "complete", "average", "weighted"]
    for method, value in got.items():
        assert value == pytest.approx(cophenet(linkage(X, method, "cityblock"),
                                               pdist(X, "cityblock"))[0], rel=1e-9)
    done = [t for t in heard if " · " in t]  # "average: 0.91 · 3 of 4 methods done"
    assert done[-1].endswith("4 of 4 methods done") and done[2].startswith("average: ")
    assert len(done) == 4
    # Memoised per method: a second run computes nothing (no "computing" step).
    heard.clear()
    with app.server.app_context():
        coph_tab.cophenetic_job(lambda v: heard.append(v[0]), 2, td)
    assert heard and not any(t.startswith("computing") for t in heard)


def test_cophenetic_plan_caps_only_what_memory_cannot_hold(app) -> None:
    spec = TreeSpec(DatasetRef(example="blobs-200k"))
    with app.server.app_context():
        run, why = cophenetic_plan(spec, 40_000, 10, False)
    # ward, centroid, median, single run in O(n d) memory; the condensed matrix of 40k rows
    # (6.4 GB charged) does not fit 2 GB.
    assert run == ["single", "centroid", "median", "ward"]
    assert set(why) == {"complete", "average", "weighted"}
    assert "distance matrix takes 6.4 GB" in why["average"] and "budget" in why["average"]
    table = coph_tab.cophenetic_table(spec, {m: 0.5 for m in run}, why)
    notes = {r["method"]: r["note"] for r in table.rowData}
    assert notes["average"].startswith("not computed: Exact average linkage on 40,000 rows")


def test_cophenetic_button_runs_in_the_background(app) -> None:
    """Over HTTP: the button's request answers with a job handle, the page polls it until the
    table arrives; the progress reached the page, and the button is enabled again."""
    get, post = flask_transport(app.server.test_client())
    polled: list[str] = []

    def recording_post(path, body):
        if "cacheKey=" in path:  # the renderer's poll of a running background job
            polled.append(body["output"])
        return post(path, body)

    p = DashPage(get, recording_post, job_timeout=120)
    p.load()
    # mpg: 392 rows, so the table also fills itself; the button recomputes from the memo.
    p.set({f"{ids.EXAMPLE}.value": "mpg"})
    td = p.get(f"{ids.TREE_DATA}.data")
    assert td["params"]["dataset"] == {"example": "mpg"}
    calls = p.set({f"{ids.COPHENETIC_RUN}.n_clicks": 1})
    job = [c for c in calls if ids.COPHENETIC_METHODS in c.output]
    assert job and job[0].status == 200
    table = p.get(f"{ids.COPHENETIC_METHODS}.children")
    rows = table["props"]["rowData"]
    assert [r["method"] for r in rows] == ["single", "complete", "average", "weighted",
                                           "centroid", "median", "ward"]
    with app.server.app_context():
        X = load_tree(TreeSpec.from_json(td["params"])).prepared.matrix
    for r in rows:
        assert r["cophenetic correlation"] == pytest.approx(
            cophenet(linkage(X, r["method"]), pdist(X))[0], rel=1e-9)
    # Shown with five decimals, as SciPy's tutorial prints it (0.98001), not 4 digits.
    column = next(c for c in table["props"]["columnDefs"]
                  if c["field"] == "cophenetic correlation")
    assert "d3.format('.5f')" in column["valueFormatter"]["function"]
    assert any(o.startswith(f"{ids.COPHENETIC_METHODS}.children@") for o in polled)
    # While it runs the renderer disables the button and shows Cancel (Dash's running spec).
    spec = next(c for c in p.callbacks if c["output"] in polled)
    assert spec["running"]["running"][f"{ids.COPHENETIC_RUN}.disabled"] is True
    assert spec["running"]["runningOff"][f"{ids.COPHENETIC_RUN}.disabled"] is False
