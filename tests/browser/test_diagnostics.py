"""The analysis tabs in Chromium: snap the cut to a candidate, click a merge and see its rows
light up with the sentence, the linkage table's highlighted row. Numbers checked against SciPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage

from clustering.datasets import load_example
from clustering.merges import explain_merge, node_members
from tests.browser import harness as h

pytestmark = pytest.mark.browser

_PIXEL_JS = """([id, x, y]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const fl = gd._fullLayout, r = gd.getBoundingClientRect();
  return [r.left + fl._size.l + fl.xaxis.l2p(fl.xaxis.d2l(x)),
          r.top + fl._size.t + fl.yaxis.l2p(fl.yaxis.d2l(y))];
}"""

_SELECTED_JS = """() => {
  const gd = document.querySelector('#scatter .js-plotly-plot');
  const rows = (t) => {
    const out = [];
    const cd = gd._fullData[t.index].customdata;
    for (const j of (t.selectedpoints || [])) out.push(cd[j][0]);
    return out;
  };
  const pts = gd.data.filter(t => t.meta === 'points');
  return {any: pts.some(t => t.selectedpoints !== undefined && t.selectedpoints !== null),
          rows: gd.data.map((t, i) => t.meta === 'points' ? rows({...t, index: i}) : []).flat()};
}"""


def blobs_Z() -> tuple[np.ndarray, np.ndarray]:
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    return X, linkage(X, "ward")


def click_data_point(page, graph: str, x: float, y: float) -> None:
    """Hover then click a data point of ``graph`` as a person does (scrolled into view).

    plotly.js answers a click with the points of the last hover (``gd._hoverdata``, set after
    its hover throttle), so the click waits until the pointer's hover has registered.
    """
    page.locator(f"#{graph}").scroll_into_view_if_needed()
    px, py = page.evaluate(_PIXEL_JS, [graph, x, y])
    gd = f"document.querySelector('#{graph} .js-plotly-plot')"
    page.evaluate(f"() => Plotly.Fx.unhover({gd})")  # no stale hover from an earlier point
    page.mouse.move(px, py)
    page.wait_for_function(f"() => ({gd}._hoverdata || []).length > 0", timeout=10_000)
    page.mouse.click(px, py)


def point_clear_of_merges(page, fig: dict, points: list) -> tuple[float, float]:
    """The point (of ``points``, data units) farthest in pixels from any merge marker, so a
    click there lands on it and not on a merge."""
    hover = next(t for t in fig["traces"] if t["meta"] == "hover")
    page.locator("#dendrogram").scroll_into_view_if_needed()
    merges = np.array([page.evaluate(_PIXEL_JS, ["dendrogram", x, y])
                       for x, y in zip(hover["x"], hover["y"], strict=True)])
    best, far = points[0], -1.0
    for x, y in points[1:-1]:
        px = np.array(page.evaluate(_PIXEL_JS, ["dendrogram", x, y]))
        d = float(np.min(np.hypot(*(merges - px).T)))
        if d > far:
            best, far = (x, y), d
    return best


def assert_selected_rows(page, want: list[int]) -> None:
    """The scatter's highlighted rows become ``want`` (bounded wait: the highlight is applied by
    clientside callbacks that ``wait_dash_idle`` does not see)."""
    want = sorted(int(w) for w in want)
    try:
        page.wait_for_function(
            f"(want) => JSON.stringify(({_SELECTED_JS})().rows.slice().sort((a, b) => a - b))"
            " === JSON.stringify(want)", arg=want, timeout=10_000, polling=50)
    except PlaywrightTimeout:
        pass  # the assertion below says what was there instead
    assert sorted(page.evaluate(_SELECTED_JS)["rows"]) == want


def click_merge(page, row: int) -> None:
    fig = h.figure(page, "dendrogram")
    hover = next(t for t in fig["traces"] if t["meta"] == "hover")
    j = next(i for i, cd in enumerate(hover["customdata"]) if cd[0] == row)
    before = page.locator("#inspect-text").inner_text()
    click_data_point(page, "dendrogram", hover["x"][j], hover["y"][j])
    wait_text_change(page, "inspect-text", before)


def wait_text_change(page, element_id: str, before: str) -> None:
    """Wait until the element's text differs from ``before`` (the callbacks it takes have run;
    ``wait_dash_idle`` alone can return before a click's request has even started)."""
    page.wait_for_function(
        "([id, before]) => document.getElementById(id).innerText !== before",
        arg=[element_id, before], timeout=30_000, polling=50)
    h.wait_dash_idle(page)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    h.wait_dash_idle(page)


def test_snap_to_candidate_button_and_line(page):
    X, Z = blobs_Z()
    h.wait_dendrogram(page)
    assert h.cluster_count(page) == 2
    # The diagnostics follow the tree one server round trip later.
    page.wait_for_function("() => document.querySelectorAll('.snap-button').length === 3")
    buttons = page.locator(".snap-button")
    assert buttons.count() == 3
    assert buttons.nth(1).inner_text() == "k = 3 at 20"
    h.change(page, lambda: buttons.nth(1).click())
    assert h.cluster_count(page) == 3
    t = float(h.field_value(page, "cut-height"))
    assert fcluster(Z, t, "distance").max() == 3
    assert h.cut_line(h.figure(page, "dendrogram"))["y0"] == pytest.approx(t)
    # The candidate lines are still drawn after the recolour, and a click on one snaps.
    fig = h.figure(page, "dendrogram")
    cand = next(tr for tr in fig["traces"] if tr["meta"] == "candidates")
    x, y = point_clear_of_merges(page, fig, [
        (cand["x"][i], cand["y"][i]) for i, cd in enumerate(cand["customdata"]) if cd and cd[1] == 5])
    h.change(page, lambda: click_data_point(page, "dendrogram", x, y))
    assert h.cluster_count(page) == 5
    assert float(h.field_value(page, "cut-height")) == pytest.approx(14.0)
    # nothing moved the cut by itself afterwards
    h.wait_dash_idle(page)
    assert h.cluster_count(page) == 5
    h.assert_no_console_errors(page)


def zoom_to_merge(page, row: int, half_width: float = 60.0) -> None:
    """Zoom the tree around merge ``row``, as a person does before clicking one of many close
    merges (the tree shares the screen with the scatter: ~4 px per leaf at 150 leaves)."""
    fig = h.figure(page, "dendrogram")
    hover = next(t for t in fig["traces"] if t["meta"] == "hover")
    j = next(i for i, cd in enumerate(hover["customdata"]) if cd[0] == row)
    x, y = hover["x"][j], hover["y"][j]
    page.evaluate(
        """([x, y, w]) => Plotly.relayout(document.querySelector('#dendrogram .js-plotly-plot'),
               {'xaxis.range': [x - w, x + w], 'yaxis.range': [-0.05 * y, 3 * y]})""",
        [x, y, half_width])
    h.wait_dash_idle(page)


def test_click_merge_lights_up_rows_and_explains(page):
    X, Z = blobs_Z()
    h.wait_dendrogram(page)
    zoom_to_merge(page, 13)
    click_merge(page, 13)
    text = h.text_of(page, "inspect-text")
    assert text == explain_merge(Z, leaves_list(Z), 13)
    assert text == ("merge 13 (row 13 of Z) joined sample 62 and cluster 152 (samples 33, 68) "
                    "into cluster 163 at height 0.1726; ids of n and above refer to earlier merges")
    members = h.text_of(page, "inspect-members")
    # SciPy's observation numbers: the sample ids and their default labels agree
    assert "62 62" in members and "33 33" in members and "68 68" in members
    assert_selected_rows(page, [33, 62, 68])
    # A new cut regroups the scatter: the highlight follows the same rows.
    h.change(page, lambda: h.type_number(page, "cluster-k", 4))
    assert h.cluster_count(page) == 4
    assert_selected_rows(page, [33, 62, 68])
    # A bigger merge: every member row, and only those (the whole tree in view again).
    page.evaluate("""() => Plotly.relayout(document.querySelector('#dendrogram .js-plotly-plot'),
                         {'xaxis.autorange': true, 'yaxis.autorange': true})""")
    h.wait_dash_idle(page)
    click_merge(page, 147)
    want = node_members(Z, leaves_list(Z), 150 + 147)
    assert_selected_rows(page, want.tolist())
    # The Z table shows the clicked row highlighted on its page.
    open_tab(page, "Linkage matrix")
    hl = page.locator("#linkage-table .ag-row[style*='font-weight: bold']").first
    row_text = hl.inner_text()
    # SciPy's numbering: merge 147 is row 147 of Z
    assert row_text.split()[:3] == ["147", str(int(Z[147, 0])), str(int(Z[147, 1]))]
    # Clear: every point back.
    open_tab(page, "Merge")
    page.locator("#inspect-clear").click()
    h.wait_dash_idle(page)
    # Clearing is a chain of clientside callbacks, which wait_dash_idle (server requests) does
    # not see: wait, bounded, for the selection to go rather than reading it at once.
    page.wait_for_function(f"() => ({_SELECTED_JS})().any === false", timeout=10_000)
    h.assert_no_console_errors(page)


def test_click_truncated_leaf(page):
    X, Z = blobs_Z()
    h.wait_dendrogram(page)
    h.change(page, lambda: h.select_dropdown(page, "truncate-mode", "lastp"))
    h.wait_dash_idle(page)
    fig = h.figure(page, "dendrogram")
    leaves = next(t for t in fig["traces"] if t["meta"] == "leaves")
    j = next(i for i, cd in enumerate(leaves["customdata"]) if cd[2] > 1)
    node = leaves["customdata"][j][1]
    click_data_point(page, "dendrogram", leaves["x"][j], leaves["y"][j])
    wait_text_change(page, "inspect-text", "")
    assert h.text_of(page, "inspect-text").startswith(f"truncated leaf ({int(Z[node - 150, 3])} samples)")
    want = node_members(Z, leaves_list(Z), node)
    assert_selected_rows(page, want.tolist())
    h.assert_no_console_errors(page)


def test_heatmap_and_profiles_follow_the_cut(page):
    X, Z = blobs_Z()
    h.wait_dendrogram(page)
    open_tab(page, "Heatmap")
    page.wait_for_function("() => { const gd = document.querySelector('#heatmap .js-plotly-plot');"
                           " return gd && gd.data && gd.data.length === 2; }")
    side = page.evaluate("() => Array.from(document.querySelector('#heatmap .js-plotly-plot')"
                         "._fullData[0].z, (r) => Array.from(r))")
    lab = fcluster(Z, 50, "distance")[leaves_list(Z)]
    got = np.array([r[0] for r in side])
    assert h.same_partition(got, lab)
    open_tab(page, "Profiles")
    page.wait_for_selector("#profile-table .ag-cell")
    text = h.text_of(page, "profile-table")
    assert "50" in text and "100" in text  # sizes of the two blobs
    h.assert_no_console_errors(page)


# ---------------------------------------------------------------- approximate trees
@pytest.fixture(scope="module")
def approx_page(browser):
    """A server whose exact limit (2,000 rows) makes blobs-5k approximate (500 micro-clusters)."""
    with h.served({"DENDRO_EXACT_MAX_ROWS": "2000"}) as server, \
            h.opened_page(browser, server.url) as pg:
        h.choose_example(pg, "blobs-5k")
        pg.wait_for_selector("#approx-note", state="visible", timeout=60_000)
        h.wait_dash_idle(pg)
        yield pg


def test_analysis_tabs_work_on_an_approximate_tree(approx_page):
    page = approx_page
    page.wait_for_selector(".micro-tree-note", timeout=30_000)
    assert "tree of 500 micro-clusters (5,000 rows)" in page.locator(".micro-tree-note").inner_text()
    assert page.locator(".snap-button").count() >= 1
    assert "clustered approximately" in h.text_of(page, "cophenetic-methods")
    click_merge(page, 498)  # the root
    text = h.text_of(page, "inspect-text")
    assert text.startswith("merge 498 (row 498 of Z) joined cluster ")
    assert text.endswith("(m = 500 micro-clusters)")
    assert_selected_rows(page, list(range(5000)))
    open_tab(page, "Heatmap")
    page.wait_for_function("() => { const gd = document.querySelector('#heatmap .js-plotly-plot');"
                           " return gd && gd.data && gd.data.length === 2; }")
    title = page.evaluate("() => document.querySelector('#heatmap .js-plotly-plot')"
                          ".layout.yaxis.title.text")
    assert title.startswith("approximate tree: rows in the order of their micro-cluster's leaf")
    open_tab(page, "Profiles")
    page.wait_for_selector("#profile-table .ag-cell")
    h.assert_no_console_errors(page)


def test_a_cut_on_the_diagnostics_tab_sends_no_request(page):
    """Issue 13: a cut move was one server request (this tab's), the one cost under load. The
    tab now follows the cut in the browser: the "Now" line, the scree's k line and the current
    snap button change, and no callback request starts."""
    X, Z = blobs_Z()
    h.wait_dendrogram(page)
    page.wait_for_function("() => document.querySelectorAll('.snap-button').length === 3")
    h.wait_dash_idle(page)
    last = page.evaluate("() => window.__dash_last")
    for t in (14.0, 20.0, 7.5, 14.0):
        k = int(fcluster(Z, t, "distance").max())
        h.type_number(page, "cut-height", t)
        page.wait_for_function(
            "(want) => document.getElementById('diag-now').innerText === want",
            arg=f"Now: k = {k} at max_d = {t:.4g}.", timeout=30_000)
        assert h.cluster_count(page) == k
        scree = h.figure(page, "diag-scree")
        assert [s["x0"] for s in scree["shapes"] if s.get("name") == "k-now"] == [k]
        current = page.locator(".snap-button.btn-primary")
        assert current.count() == (1 if f"k = {k} at" in page.locator(".snap-buttons").inner_text()
                                   else 0)
        if current.count():
            assert current.inner_text().startswith(f"k = {k} at")
    h.wait_dash_idle(page)
    assert page.evaluate("() => window.__dash_last") == last, "a cut move sent a request"
    h.assert_no_console_errors(page)
