"""The Evidence tab in Chromium (issue 15): open it on tutorial-five, see the validity curves
and the k each favours, snap the cut to the silhouette's k and see the page move to it.
Numbers checked against SciPy.
"""

from __future__ import annotations

import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.datasets import load_example
from tests.browser import harness as h
from tests.browser.test_diagnostics import assert_selected_rows, click_data_point

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
    # A click on a bar lights up its row in the scatter. Bars are ~1 px wide here, so the row
    # is the one plotly reports for the click (recorded), near the end of cluster 1, far from
    # the cluster's mean marker.
    bar = page.evaluate("""() => {
      const gd = document.querySelector('#evidence-silhouette .js-plotly-plot');
      window.__silClicks = [];
      gd.on('plotly_click', (e) => window.__silClicks.push(e.points[0].customdata));
      const t = gd._fullData.find(t => t.meta === 'sil:1');
      const j = t.x.length - 3;
      return {x: t.x[j], y: t.y[j]};
    }""")
    click_data_point(page, "evidence-silhouette", bar["x"], bar["y"] / 2)
    page.wait_for_function("() => window.__silClicks.length > 0", timeout=10_000)
    row = page.evaluate("() => window.__silClicks[0]")
    assert isinstance(row, int) and row >= 0
    assert fcluster(Z, t, "distance")[row] == fcluster(Z, t, "distance")[
        page.evaluate("() => document.querySelector('#evidence-silhouette .js-plotly-plot')"
                      "._fullData.find(t => t.meta === 'sil:1').customdata[0]")]
    assert_selected_rows(page, [row])
    h.assert_no_console_errors(page)
