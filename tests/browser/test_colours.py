"""Colours you can trust and the whole loop in view (issue 12, sections 1 and 3), in Chromium.

The colours are read from what plotly.js holds for each graph (``harness.figure``): the tree's
non-grey colours are its links ("links" traces), its clusters' stems (layout shapes named
"stems") and leaf marks ("leafmarks"); the scatter's are its points traces.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.figures.palette import ABOVE_CUT_COLOR
from tests.browser import harness as h

pytestmark = pytest.mark.browser

LOOP_IDS = ("dendrogram", "scatter", "cluster-count", "cut-height", "cluster-k")


def tree_colours(fig: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for t in fig["traces"]:
        if t.get("meta") == "links" and t["x"]:
            out.add(str(t["line_color"]))
        elif t.get("meta") == "leafmarks":
            out.update(str(c) for c in (t["marker_color"] or []))
    out.update(colour for colour, _ in h.stem_segments(fig))
    return out - {ABOVE_CUT_COLOR}


def scatter_colours(fig: dict[str, Any]) -> set[str]:
    return {str(p["colour"]) for p in h.scatter_points(fig)}


def set_number(page: Any, element_id: str, value: float | int) -> None:
    before = h.view_signature(page)
    h.type_number(page, element_id, value)
    h.wait_for_change(page, before)
    h.wait_dash_idle(page)


def test_tutorial_five_lastp_30_draws_the_scatters_five_colours_in_the_tree(page):
    h.choose_example(page, "tutorial-five")
    h.choose(page, "truncate-mode", "lastp")
    assert h.field_value(page, "truncate-p") == "30"
    set_number(page, "cut-height", 170)
    assert h.cluster_count(page) == 5
    tree = tree_colours(h.figure(page, "dendrogram"))
    points = scatter_colours(h.figure(page, "scatter"))
    assert len(tree) == 5 and tree == points, (tree, points)
    h.assert_no_console_errors(page)


def test_mpg_k_11_shows_11_distinct_colours_also_when_truncated(page):
    h.choose_example(page, "mpg")
    set_number(page, "cluster-k", 11)
    assert h.cluster_count(page) == 11
    points = scatter_colours(h.figure(page, "scatter"))
    assert len(points) == 11
    assert tree_colours(h.figure(page, "dendrogram")) == points
    h.choose(page, "truncate-mode", "level")
    set_number(page, "truncate-p", 3)
    assert h.cluster_count(page) == 11
    assert tree_colours(h.figure(page, "dendrogram")) == points
    h.assert_no_console_errors(page)


@pytest.fixture
def sized_page(browser: Any, live_server: h.LiveServer, request: Any) -> Iterator[Any]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    try:
        pg = h.new_page(context)
        h.open_app(pg, live_server.url)
        yield pg
    finally:
        context.close()


@pytest.mark.parametrize("sized_page", [(1280, 720), (1600, 1000)], indirect=True,
                         ids=["1280x720", "1600x1000"])
def test_the_loop_fits_one_screen(sized_page):
    page = sized_page
    h.choose_example(page, "tutorial-five")
    view = page.viewport_size
    assert page.evaluate("window.scrollY") == 0
    for element_id in LOOP_IDS:
        box = page.locator(f"#{element_id}").bounding_box()
        assert box is not None, element_id
        assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], (element_id, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], (element_id, box)
    # The tree and the scatter are big enough to use.
    for element_id in ("dendrogram", "scatter"):
        box = page.locator(f"#{element_id}").bounding_box()
        assert box["height"] >= 300 and box["width"] >= 300, (element_id, box)
    h.assert_no_console_errors(page)


_VISIBILITY_JS = """() => {
  const s = document.querySelector('#scatter .js-plotly-plot');
  const d = document.querySelector('#dendrogram .js-plotly-plot');
  return {
    points: s.data.filter(t => t.meta === 'points').map(t => [t.marker.color, t.visible === undefined ? true : t.visible]),
    links: d.data.filter(t => t.meta === 'links').map(t => [t.line.color, t.opacity === undefined ? 1 : t.opacity]),
    stems: (d.layout.shapes || []).filter(sh => sh.name === 'stems')
        .map(sh => [sh.line.color, sh.opacity === undefined ? 1 : sh.opacity]),
  };
}"""


def test_legend_click_hides_a_cluster_and_dims_it_in_the_tree(page):
    h.choose_example(page, "tutorial-five")
    page.locator("#scatter g.traces").first.wait_for(state="attached")
    first = page.evaluate(_VISIBILITY_JS)["points"][0][0]
    page.locator("#scatter g.traces").first.locator("rect.legendtoggle").click()
    page.wait_for_function(
        """(c) => { const s = document.querySelector('#scatter .js-plotly-plot');
                   return s.data.some(t => t.meta === 'points' && t.marker.color === c
                                           && t.visible === 'legendonly'); }""", arg=first)
    page.wait_for_function(
        """(c) => { const d = document.querySelector('#dendrogram .js-plotly-plot');
                   return d.data.some(t => t.meta === 'links' && t.line.color === c
                                           && t.opacity < 1); }""", arg=first)
    state = page.evaluate(_VISIBILITY_JS)
    assert [v for c, v in state["points"] if c != first] == [True] * (len(state["points"]) - 1)
    assert all(o == 1 for c, o in state["links"] if c != first)
    # Its stem (a shape) is dimmed with its links, the other clusters' stems are not.
    assert all((o < 1) == (c == first) for c, o in state["stems"]), state["stems"]
    # The hidden cluster's points are gone from what plotly draws.
    assert first not in scatter_colours(h.figure(page, "scatter"))
    # A double-click restores every cluster, in the scatter and the tree.
    page.locator("#scatter g.traces").nth(1).locator("rect.legendtoggle").dblclick()
    page.wait_for_function(
        """() => { const s = document.querySelector('#scatter .js-plotly-plot');
                   const d = document.querySelector('#dendrogram .js-plotly-plot');
                   return s.data.every(t => t.visible === undefined || t.visible === true)
                       && d.data.every(t => t.meta !== 'links' || t.opacity === undefined
                                            || t.opacity === 1)
                       && d.layout.shapes.every(sh => sh.opacity === undefined
                                                      || sh.opacity === 1); }""")
    h.assert_no_console_errors(page)


@pytest.mark.parametrize("sized_page", [(1280, 720)], indirect=True, ids=["1280x720"])
def test_a_click_on_a_merge_brings_its_tab_into_view(sized_page):
    from tests.browser.test_diagnostics import click_merge

    page = sized_page
    h.choose_example(page, "tutorial-blobs")
    click_merge(page, 148)  # the root: far from any other merge at this size
    assert h.text_of(page, "inspect-text").startswith("merge 148 (row 148 of Z) joined ")
    page.wait_for_function(
        """() => { const r = document.getElementById('inspect-text').getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }""")
    h.assert_no_console_errors(page)
