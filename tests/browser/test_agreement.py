"""Known columns and comparing trees in Chromium (issue 16, points 3-4): on mpg with origin as
the reference column the contingency table and the ARI are shown, the colour bar under the
tree has three classes, and the Compare tab shows Baker's gamma equal to the library's."""

from __future__ import annotations

import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn import metrics

from clustering.datasets import EXAMPLES, load_example
from clustering.prepare import prepare
from clustering.tanglegram import bakers_gamma
from tests.browser import harness as h

pytestmark = pytest.mark.browser


def _mpg():
    df = load_example("mpg")
    prep = prepare(df, EXAMPLES["mpg"].options)
    return df["origin"].iloc[prep.row_ids].to_numpy(), prep.matrix


def test_origin_agreement_colour_bar_and_compare(page):
    origin, X = _mpg()
    Z = linkage(X, "ward")
    h.wait_dendrogram(page)
    # choose_example with a longer wait for the options: 2 cores shared by many sessions
    h.change(page, lambda: h.select_dropdown(page, "example", "mpg", timeout=60))
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)
    cut = float(h.field_value(page, "cut-height"))
    page.get_by_role("tab", name="Known columns").click()
    # The column lists come with the tree.
    page.wait_for_function("() => document.querySelector('#known-reference') !== null")
    h.select_dropdown(page, "known-reference", "origin", timeout=60)
    page.wait_for_selector("#agreement-ari", timeout=60_000)
    labels = fcluster(Z, cut, "distance")
    assert h.text_of(page, "agreement-ari") == f"{metrics.adjusted_rand_score(origin, labels):.3f}"
    assert h.text_of(page, "agreement-nmi") == (
        f"{metrics.normalized_mutual_info_score(origin, labels):.3f}")
    assert "'origin' is not a clustering feature" in h.text_of(page, "agreement-summary")
    table = h.text_of(page, "agreement-table")
    for name in ("cluster", "europe", "japan", "usa", "total"):
        assert name in table
    assert page.locator("#agreement-table .ag-row").count() == labels.max()
    # The colour bar of origin under the leaves: three classes, a legend entry each.
    h.select_dropdown(page, "known-columns", "origin", timeout=60)
    page.wait_for_function("() => { const gd = document.querySelector('#known-bars "
                           ".js-plotly-plot'); return gd && gd._fullData && "
                           "gd._fullData.some(t => t.meta === 'bar:origin'); }", timeout=60_000)
    bars = [t for t in h.figure(page, "known-bars")["traces"] if t["meta"] == "bar:origin"]
    assert sorted(t["name"] for t in bars) == ["europe", "japan", "usa"]
    assert sum(len(t["x"]) for t in bars) == X.shape[0]  # one bar per leaf, untruncated
    # The bars stand under their leaves: both plot areas span the same pixels (the strip
    # takes the tree's margins, components.figures.dendrogram.geometry_margins).
    areas = page.evaluate("""() => ['dendrogram', 'known-bars'].map((id) => {
        const r = document.querySelector('#' + id + ' .js-plotly-plot .nsewdrag')
            .getBoundingClientRect();
        return [r.left, r.right]; })""")
    assert areas[0] == pytest.approx(areas[1], abs=1), areas
    # Zooming the tree along its leaves zooms the bars with it (and a reset goes back).
    page.evaluate("() => Plotly.relayout(document.querySelector('#dendrogram .js-plotly-plot'),"
                  " {'xaxis.range': [100, 500]})")
    page.wait_for_function("() => { const gd = document.querySelector('#known-bars "
                           ".js-plotly-plot'); const r = gd.layout.xaxis.range; "
                           "return r[0] === 100 && r[1] === 500; }", timeout=30_000)
    page.evaluate("() => Plotly.relayout(document.querySelector('#dendrogram .js-plotly-plot'),"
                  " {'xaxis.autorange': true})")
    page.wait_for_function(f"() => document.querySelector('#known-bars .js-plotly-plot')"
                           f".layout.xaxis.range[1] === {10 * X.shape[0]}", timeout=30_000)
    # Compare with average linkage (the tab's default): Baker's gamma as the library's.
    page.get_by_role("tab", name="Compare trees").click()
    page.wait_for_selector("#compare-gamma", timeout=120_000)
    gamma = bakers_gamma(Z, linkage(X, "average"))
    assert h.text_of(page, "compare-gamma") == f"{gamma:.4f}"
    traces = h.figure(page, "compare-figure")["traces"]
    assert {t["meta"] for t in traces} == {"left", "right", "lines"}
