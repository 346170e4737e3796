"""Issue 12: a legend click dims the tree, and a repaint resets that state consistently, in
Chromium. Clicking the first cluster in the scatter's legend hides its points and dims its
links in the tree; a new cut (dendro.js repaint) or a partition source (partition.js repaint)
shows every cluster again with nothing dimmed (before the fix a repaint copied the hidden
trace's ``visible: "legendonly"`` to every points trace); in a partition view the legend
click works too (its points and legend entries share a legend group per colour)."""

from __future__ import annotations

import pytest

from tests.browser import harness
from tests.browser import hosting_helpers as H

pytestmark = pytest.mark.browser

_STATE = """() => {
  const s = document.querySelector('#scatter .js-plotly-plot');
  const d = document.querySelector('#dendrogram .js-plotly-plot');
  if (!s || !d || !s.data || !d.data) return null;
  const pts = s.data.filter(t => t.meta === 'points');
  const links = d.data.filter(t => t.meta === 'links');
  const stems = (d.layout.shapes || []).filter(sh => sh.name === 'stems');
  return {
    links: links.map(t => t.line.color),
    stems: stems.map(sh => sh.line.color),
    dimmedStems: stems.filter(sh => (sh.opacity === undefined ? 1 : sh.opacity) < 1)
                      .map(sh => sh.line.color),
    points: pts.length,
    hidden: pts.filter(t => t.visible === 'legendonly').map(t => t.marker.color),
    dimmed: links.filter(t => (t.opacity === undefined ? 1 : t.opacity) < 1)
                 .map(t => t.line.color),
  };
}"""


def _click_first_legend_entry(page) -> None:
    page.locator("#scatter").scroll_into_view_if_needed()
    page.locator("#scatter .legend .legendtoggle").first.click()
    # Its links (a trace per colour) and its stems (a shape per colour) are dimmed, nothing else;
    # a one-leaf cluster has no links of its own, only a stem.
    page.wait_for_function(
        f"() => {{ const s = ({_STATE})(); if (!s || s.hidden.length !== 1) return false;"
        " const c = s.hidden[0];"
        " return s.dimmed.every(d => d === c) && s.dimmedStems.every(d => d === c)"
        " && s.links.includes(c) === (s.dimmed.length === 1)"
        " && s.stems.includes(c) === (s.dimmedStems.length === 1)"
        " && s.dimmed.length + s.dimmedStems.length > 0; }",
        timeout=15_000)


def _wait_all_shown(page) -> dict:
    try:
        page.wait_for_function(f"() => {{ const s = ({_STATE})(); return s && s.points > 1 && "
                               "!s.hidden.length && !s.dimmed.length && !s.dimmedStems.length; }",
                               timeout=30_000)
    except Exception as err:
        raise AssertionError(f"still hidden or dimmed: {page.evaluate(_STATE)}") from err
    return page.evaluate(_STATE)


def test_a_repaint_shows_every_cluster_and_undims_the_tree(page):
    H.settle(page)
    _click_first_legend_entry(page)
    k = harness.cluster_count(page)
    harness.change(page, lambda: harness.type_number(page, "cluster-k", k + 1))
    _wait_all_shown(page)

    _click_first_legend_entry(page)
    harness.change(page, lambda: harness.select_dropdown(page, "cut-source", "inconsistent"))
    harness.wait_dash_idle(page, quiet_ms=600)
    _wait_all_shown(page)
    # in the partition view the legend works as well, and a repaint resets it again
    _click_first_legend_entry(page)
    harness.change(page, lambda: harness.select_dropdown(page, "cut-source", "height"))
    harness.wait_dash_idle(page, quiet_ms=600)
    _wait_all_shown(page)
