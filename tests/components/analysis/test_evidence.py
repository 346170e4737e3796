"""The Evidence tab without a browser (issue 15 items 1-2): callbacks called as plain functions
in the app's Flask context (a real disk store, no mocks), every number shown checked against
scikit-learn or ``clustering.validity`` on the same tree.

On tutorial-five (750 rows, five blobs of different spread, ward) the elbow says 4; the mean
silhouette, Davies–Bouldin and the gap statistic (clusGap's defaults, B = 50) favour 5,
Calinski–Harabasz 4.
"""

from __future__ import annotations

import contextvars
import json

import numpy as np
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)

from clustering.datasets import load_example
from clustering.diagnostics import elbow
from clustering.gap import gap_statistic
from clustering.prepare import PrepareOptions
from components.analysis import evidence as ev_tab
from components.figures.evidence import make_silhouette_figure
from components.figures.palette import cluster_color
from components.jobs import evidence as ev
from components.settings import Settings
from components.view import TreeSpec
from tests.partitions import same_partition

TAB = "tab-evidence"


def _run(fn, *args, trigger: str = "", value=None):
    """Call a callback as Dash does: a fresh context saying what fired."""
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": value}]))
        return fn(*args)

    return contextvars.copy_context().run(go)


def five_ref() -> dict:
    spec = TreeSpec.from_json({"dataset": {"example": "tutorial-five"},
                               "options": PrepareOptions(features=("x", "y")).to_dict(),
                               "method": "ward", "metric": "euclidean"})
    return {"params": spec.to_json(), "tree_key": spec.key, "orientation": "top"}


@pytest.fixture(scope="module")
def five():
    X = load_example("tutorial-five")[["x", "y"]].to_numpy(float)
    return X, linkage(X, "ward")


def cut_for(Z: np.ndarray, k: int) -> float:
    """A height inside the band giving exactly k (the midpoint of the merge heights)."""
    h = np.sort(Z[:, 2])
    return float((h[-k] + h[-k + 1]) / 2)


def trace(fig, meta: str):
    return next(t for t in fig.data if t.meta == meta)


# ---------------------------------------------------------------- validity per k
def test_validity_curves_equal_sklearn_and_mark_what_each_favours(in_app, five):
    X, Z = five
    ref = five_ref()
    cut = {"cut": cut_for(Z, 4), "tree_key": ref["tree_key"]}
    summary, fig, snaps = _run(ev_tab.show_evidence, cut, 12, 50, 1, None, TAB, ref,
                               trigger="evidence-cut.data")
    ks = list(range(2, 13))
    labels = {k: fcluster(Z, k, "maxclust") for k in ks}
    want = {
        "silhouette": [silhouette_score(X, labels[k]) for k in ks],
        "calinski_harabasz": [calinski_harabasz_score(X, labels[k]) for k in ks],
        "davies_bouldin": [davies_bouldin_score(X, labels[k]) for k in ks],
    }
    for key, values in want.items():
        curve = trace(fig, f"curve:{key}")
        assert list(curve.x) == ks
        np.testing.assert_allclose(curve.y, values, rtol=1e-9, err_msg=key)
        star = trace(fig, f"favoured:{key}")
        best = ks[int(np.argmin(values) if key == "davies_bouldin" else np.argmax(values))]
        assert list(star.x) == [best], key
    # What the analyst reads: silhouette and DB say 5, CH says 4 (and the elbow 4).
    assert trace(fig, "favoured:silhouette").x == (5,)
    assert trace(fig, "favoured:davies_bouldin").x == (5,)
    assert trace(fig, "favoured:calinski_harabasz").x == (4,)
    assert elbow(Z).suggested_k == 4
    text = str(summary)
    assert "silhouette favours k = 5" in text and "Calinski–Harabasz favours k = 4" in text
    assert "Now: k = 4." in text
    assert "gap statistic: not computed yet for K = 12, B = 50, seed 1." in text
    # The page's k (4) is a solid line on each curve, the favoured ks dashed.
    assert {s["x0"] for s in fig.layout.shapes if s["line"]["dash"] == "solid"} == {4}
    # One snap button per favoured k; each height gives exactly that k (SciPy's fcluster).
    assert [c["k"] for c in snaps["cuts"]] == [4, 5] and snaps["tree_key"] == ref["tree_key"]
    for c in snaps["cuts"]:
        assert fcluster(Z, c["height"], "distance").max() == c["k"]
    assert "snap to k = 5 (silhouette, Davies–Bouldin)" in text
    assert "snap to k = 4 (Calinski–Harabasz)" in text
    # K is capped (and the same numbers come back from the store at K = 6).
    _, fig6, _ = _run(ev_tab.show_evidence, cut, 6, 50, 1, None, TAB, ref)
    assert list(trace(fig6, "curve:silhouette").x) == [2, 3, 4, 5, 6]
    np.testing.assert_allclose(trace(fig6, "curve:silhouette").y, want["silhouette"][:5],
                               rtol=1e-9)
    assert ev.clamp_k(500, 750) == ev.K_MAX and ev.clamp_k(12, 5) == 4
    # A hidden tab does no work.
    assert _run(ev_tab.show_evidence, cut, 12, 50, 1, None, "tab-heatmap", ref) == \
        (no_update,) * 3


def test_gap_statistic_job_reports_progress_and_favours_five(in_app, five):
    X, Z = five
    ref = five_ref()
    heard: list[str] = []
    done = ev_tab.evidence_job(lambda v: heard.append(v[0]), 1, ref, 12, 50, 1)
    assert done == {"tree_key": ref["tree_key"], "k_max": 12, "n_refs": 50, "seed": 1,
                    "error": None}
    assert heard[-1].startswith("gap statistic: 50 of 50 reference sets")
    assert len(heard) >= 10  # one report per chunk of 5 replicates
    cut = {"cut": cut_for(Z, 4), "tree_key": ref["tree_key"]}
    summary, fig, snaps = _run(ev_tab.show_evidence, cut, 12, 50, 1, done, TAB, ref,
                               trigger="evidence-done.data")
    g = gap_statistic(X, "ward", "euclidean", 12, 50, seed=1)
    curve = trace(fig, "curve:gap")
    assert list(curve.x) == list(range(1, 13))
    np.testing.assert_allclose(curve.y, g.table["gap"], rtol=1e-12)
    np.testing.assert_allclose(curve.error_y.array, g.table["SE_sim"], rtol=1e-12)
    assert g.k_best == 5 and trace(fig, "favoured:gap").x == (5,)
    text = str(summary)
    assert "gap statistic favours k = 5 (of k = 1..12, B = 50, seed 1)." in text
    assert "snap to k = 5 (silhouette, Davies–Bouldin, gap statistic)" in text
    assert [c["k"] for c in snaps["cuts"]] == [4, 5]
    # Memoised by tree + K + B + seed: another seed is not computed until asked.
    _, fig2, _ = _run(ev_tab.show_evidence, cut, 12, 50, 2, done, TAB, ref)
    assert not any(t.meta == "curve:gap" for t in fig2.data)
    assert ev.gap_memoised(TreeSpec.from_json(ref["params"]), 12, 50, 1)
    # The page names the rule.
    assert "firstSEmax" in ev_tab.GAP_RULE_NOTE and "SE.factor = 1" in ev_tab.GAP_RULE_NOTE


# ---------------------------------------------------------------- silhouette at the cut
def test_silhouette_bars_equal_sklearn_and_clicks_light_up_rows(in_app, five):
    X, Z = five
    ref = five_ref()
    cut = {"cut": cut_for(Z, 5), "tree_key": ref["tree_key"]}
    note, fig = _run(ev_tab.show_silhouette, cut, TAB, ref, trigger="evidence-cut.data")
    lab = fcluster(Z, 5, "maxclust")
    s = silhouette_samples(X, lab)
    bars = [t for t in fig.data if str(t.meta).startswith("sil:")]
    assert fig.layout.meta == "bars" and len(bars) == 5
    page_labels = fcluster(Z, cut["cut"], "distance")
    got = np.zeros(X.shape[0], dtype=int)
    for t in bars:
        c = int(t.meta.split(":")[1])
        rows = np.asarray(t.customdata, dtype=int)
        got[rows] = c
        np.testing.assert_allclose(t.y, s[rows], rtol=1e-9, atol=1e-12)
        assert list(t.y) == sorted(t.y, reverse=True)  # R's sortSilhouette order
        assert t.marker.color == cluster_color(c)
    assert got.min() == 1 and same_partition(got, page_labels)
    means = trace(fig, "sil-means")
    for c, m in zip(-np.asarray(means.customdata), means.y, strict=True):
        assert m == pytest.approx(s[got == c].mean(), rel=1e-9)
    # Regression: clickData reads data[curve].customdata[point] in the browser, so customdata
    # must reach it as a plain list, not plotly's base64-typed array of a numpy input.
    sent = json.loads(fig.to_json())["data"]
    assert all(isinstance(t["customdata"], list) for t in sent)
    assert f"mean silhouette {silhouette_score(X, lab):.3f}" in note
    assert f"{int((s < 0).sum()):,} of 750 rows below 0" in note
    # A click on a bar lights up its row; on a cluster's diamond, that cluster's rows.
    hl = ev_tab.silhouette_highlight({"points": [{"customdata": 17}]}, cut, ref)
    assert hl == {"rows": [17], "tree_key": ref["tree_key"]}
    hl = ev_tab.silhouette_highlight({"points": [{"customdata": -3}]}, cut, ref)
    assert hl["rows"] == np.flatnonzero(got == 3).tolist()
    assert ev_tab.silhouette_highlight(None, cut, ref) is no_update
    # Hidden: no work; k = 1: says why.
    assert _run(ev_tab.show_silhouette, cut, "tab-heatmap", ref) == (no_update, no_update)
    note1, _ = _run(ev_tab.show_silhouette, {"cut": 1e9, "tree_key": "x"}, TAB, ref)
    assert note1.startswith("The cut gives k = 1: silhouettes need between 2 and 749")


def test_many_rows_are_drawn_as_one_area_per_cluster():
    rng = np.random.default_rng(0)
    n = 3_000
    clusters = rng.integers(1, 4, n)
    widths = rng.uniform(-0.2, 1, n)
    order = np.lexsort((-widths, clusters))
    means = {c: float(widths[clusters == c].mean()) for c in (1, 2, 3)}
    fig = make_silhouette_figure(widths, clusters, order, means, float(widths.mean()))
    assert fig.layout.meta == "areas"
    areas = [t for t in fig.data if str(t.meta).startswith("sil:")]
    assert [t.type for t in areas] == ["scatter"] * 3
    for t in areas:
        c = int(t.meta.split(":")[1])
        assert set(np.asarray(t.customdata).tolist()) == {-c}  # a click = the cluster
        np.testing.assert_allclose(t.y, np.sort(widths[clusters == c])[::-1])
    assert "3,000 rows drawn as one filled area per cluster" in fig.layout.xaxis.title.text


# ---------------------------------------------------------------- refusals
def test_approximate_trees_and_memory_are_refused_with_the_reason(tmp_path):
    from app import create_app

    app = create_app(Settings.from_env(data_dir=str(tmp_path / "a"), exact_max_rows=500,
                                        exact_vector_max_rows=500))
    ref = five_ref()
    with app.server.app_context():
        summary, fig, snaps = _run(ev_tab.show_evidence, {"cut": 100.0, "tree_key": "k"}, 12,
                                   50, 1, None, TAB, ref)
        text = str(summary)
        assert "This tree is approximate: its 75 leaves are micro-clusters of 750 rows" in text
        assert snaps is None
        note, _ = _run(ev_tab.show_silhouette, {"cut": 100.0}, TAB, ref)
        assert note.startswith("Not computed for an approximate tree")
        done = ev_tab.evidence_job(lambda v: None, 1, ref, 12, 50, 1)
        assert done["error"].startswith("This tree is approximate")
    # A memory budget below what the per-k sums need (~33 MB at 750 rows, K = 12).
    app = create_app(Settings.from_env(data_dir=str(tmp_path / "b"), memory_budget_mb=20))
    with app.server.app_context():
        summary, _, _ = _run(ev_tab.show_evidence, {"cut": 100.0}, 12, 50, 1, None, TAB, ref)
        assert "more than this server's memory budget of 20 MB" in str(summary)


# ---------------------------------------------------------------- the page over HTTP
def test_page_level_tab_follows_the_cut_only_while_open_and_runs_the_gap_job(tmp_path):
    """The app's own callbacks over HTTP (tests/dash_page.py): the lazy gate feeds the tab
    only while it is open, and the gap statistic runs as a real background job."""
    from components import ids
    from tests.dash_page import DashPage, flask_transport, fresh_app

    app = fresh_app(Settings.from_env(data_dir=str(tmp_path / "data")))
    page = DashPage(*flask_transport(app.server.test_client()))
    page.load()
    page.set({f"{ids.EXAMPLE}.value": "tutorial-five"})
    td = page.get(f"{ids.TREE_DATA}.data")
    X = load_example("tutorial-five")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    page.set({f"{ids.CUT_HEIGHT}.value": cut_for(Z, 3)})
    calls = page.set({f"{ids.ANALYSIS_TABS}.active_tab": TAB})
    assert any(f"{ids.EVIDENCE_SUMMARY}.children" in c.output for c in calls)
    fig = page.get(f"{ids.EVIDENCE_CURVES}.figure")
    stars = {t["meta"]: t["x"] for t in fig["data"] if t["meta"].startswith("favoured:")}
    assert stars == {"favoured:silhouette": [5], "favoured:calinski_harabasz": [4],
                     "favoured:davies_bouldin": [5]}
    assert "Now: k = 3." in json.dumps(page.get(f"{ids.EVIDENCE_SUMMARY}.children"))
    # A cut move reaches the open tab ...
    page.set({f"{ids.CUT_HEIGHT}.value": cut_for(Z, 5)})
    assert "Now: k = 5." in json.dumps(page.get(f"{ids.EVIDENCE_SUMMARY}.children"))
    sil = page.get(f"{ids.EVIDENCE_SILHOUETTE}.figure")
    assert sum(str(t.get("meta", "")).startswith("sil:") for t in sil["data"]) == 5
    # ... and, hidden, costs no request of this tab.
    page.set({f"{ids.ANALYSIS_TABS}.active_tab": "tab-diagnostics"})
    calls = page.set({f"{ids.CUT_HEIGHT}.value": cut_for(Z, 4)})
    assert calls and not [c for c in calls if f"{ids.EVIDENCE_SUMMARY}." in c.output
                         or f"{ids.EVIDENCE_SILHOUETTE}." in c.output]
    # The gap statistic as a background job (B = 10 to keep it short), then its curve.
    page.set({f"{ids.ANALYSIS_TABS}.active_tab": TAB, f"{ids.EVIDENCE_B}.value": 10})
    page.set({f"{ids.EVIDENCE_RUN}.n_clicks": 1})
    done = page.get(f"{ids.EVIDENCE_DONE}.data")
    assert done["error"] is None and done["n_refs"] == 10 and done["tree_key"] == td["tree_key"]
    fig = page.get(f"{ids.EVIDENCE_CURVES}.figure")
    gap = next(t for t in fig["data"] if t["meta"] == "curve:gap")
    with app.server.app_context():
        want = gap_statistic(X, "ward", "euclidean", 12, 10, seed=1).table["gap"]
    np.testing.assert_allclose(gap["y"], want, rtol=1e-12)
