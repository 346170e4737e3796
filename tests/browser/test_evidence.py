"""The Evidence tab in Chromium (issue 15): open it on tutorial-five, see the validity curves
and the k each favours, snap the cut to the silhouette's k and see the page move to it.
Numbers checked against SciPy.
"""

from __future__ import annotations

import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.datasets import load_example
from tests.browser import harness as h

pytestmark = pytest.mark.browser

_CURVES_JS = """() => {
  const gd = document.querySelector('#evidence-curves .js-plotly-plot');
  if (!gd || !gd.data) return null;
  const out = {};
  for (const t of gd.data) if (t.meta) out[t.meta] = {x: Array.from(t.x), y: Array.from(t.y)};
  return out;
}"""


def test_evidence_tab_shows_the_favoured_k_and_snaps_to_it(page):
    X = load_example("tutorial-five")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    h.wait_dendrogram(page)
    h.choose_example(page, "tutorial-five")
    k_before = h.cluster_count(page)
    page.get_by_role("tab", name="Evidence").click()
    page.wait_for_function(f"() => {{ const c = ({_CURVES_JS})(); "
                           "return c && c['favoured:silhouette']; }", timeout=60_000)
    h.wait_dash_idle(page)
    curves = page.evaluate(_CURVES_JS)
    assert curves["curve:silhouette"]["x"] == list(range(2, 13))
    assert curves["favoured:silhouette"]["x"] == [5]
    assert curves["favoured:davies_bouldin"]["x"] == [5]
    assert curves["favoured:calinski_harabasz"]["x"] == [4]
    # The mean silhouette at k = 5 is the one SciPy's cut gives (checked to 1e-9 elsewhere).
    assert curves["favoured:silhouette"]["y"][0] == pytest.approx(0.8, abs=0.01)
    summary = h.text_of(page, "evidence-summary")
    assert "silhouette favours k = 5" in summary
    assert page.get_by_text("These are hints, never applied by themselves").is_visible()
    # The gap statistic runs in the background (job process), with progress, then its curve.
    page.locator("#evidence-run").click()
    page.wait_for_function(f"() => {{ const c = ({_CURVES_JS})(); "
                           "return c && c['favoured:gap']; }", timeout=120_000)
    h.wait_dash_idle(page)
    curves = page.evaluate(_CURVES_JS)
    assert curves["curve:gap"]["x"] == list(range(1, 13))
    assert curves["favoured:gap"]["x"] == [5]
    assert "gap statistic favours k = 5 (of k = 1..12, B = 50, seed 1)" in h.text_of(
        page, "evidence-summary")
    # Nothing moved the cut by itself.
    assert h.cluster_count(page) == k_before
    button = page.locator(".evidence-snap",
                          has_text="snap to k = 5 (silhouette, Davies–Bouldin, gap statistic)")
    h.change(page, lambda: button.click())
    assert h.cluster_count(page) == 5
    t = float(h.field_value(page, "cut-height"))
    assert fcluster(Z, t, "distance").max() == 5
    assert h.cut_line(h.figure(page, "dendrogram"))["y0"] == pytest.approx(t)
    # The silhouette at the new cut: five clusters of bars, the tab's k marked as now.
    page.wait_for_function("() => { const gd = document.querySelector("
                           "'#evidence-silhouette .js-plotly-plot'); return gd && gd.data && "
                           "gd.data.filter(t => String(t.meta).startsWith('sil:')).length === 5; }",
                           timeout=30_000)
    page.wait_for_function("() => document.getElementById('evidence-summary').innerText"
                           ".includes('Now: k = 5.')", timeout=30_000)
    h.assert_no_console_errors(page)
