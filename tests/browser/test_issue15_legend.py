"""Cluster stability in the scatter's legend (issue 15 item 4), in Chromium: on mpg, run the
stability at the cut and read each legend entry's " · J 0.xyz", equal to the Evidence tab's
table and to ``cluster_stability`` with the same seed; a new cut (another k, no stability for
it yet) takes the numbers off the legend again."""

from __future__ import annotations

import pytest

from clustering.cut import tree_index
from clustering.stability import cluster_stability
from tests.browser import harness as h
from tests.browser.test_support import _mpg

pytestmark = pytest.mark.browser

_NAMES = """() => {
  const gd = document.querySelector('#scatter .js-plotly-plot');
  return (gd && gd.data || []).filter(t => t.meta === 'legend').map(t => t.name);
}"""


def test_stability_in_the_legend_follows_the_table_and_leaves_with_the_cut(page):
    X, Z = _mpg()
    h.wait_dendrogram(page)
    h.choose_example(page, "mpg")
    page.get_by_role("tab", name="Evidence").click()
    k = h.cluster_count(page)
    h.type_number(page, "stability-nboot", 10)
    h.type_number(page, "stability-seed", 4)
    page.locator("#stability-run").click()
    page.wait_for_selector(".stability-table .stability-row", timeout=180_000)
    page.wait_for_function(f"() => ({_NAMES})().filter(n => n.includes(' · J ')).length "
                           f"=== {k}", timeout=20_000)
    names = page.evaluate(_NAMES)
    st = cluster_stability(X, "ward", "euclidean", tree_index(Z).labels_for_k(k), n_boot=10,
                           seed=4)
    sizes = st.table["size"].astype(int).tolist()
    for name, (c, want) in zip(names, st.table.iterrows(), strict=True):
        assert name == (f"{c} · {sizes[int(c) - 1]} rows · J {want['mean_jaccard']:.3f}"), name

    h.change(page, lambda: h.type_number(page, "cluster-k", k + 1))
    page.wait_for_function(f"() => ({_NAMES})().length === {k + 1} && "
                           f"!({_NAMES})().some(n => n.includes(' · J '))", timeout=20_000)
