"""A fresh page asks the server little, and every tab still fills when opened (issue 14, 2b).

The page opens on the default example with its dataset, preview and pickers already in the
layout (components/page/opening.py); hidden analysis tabs get the tree only when opened
(components/analysis/lazy.py refGate). Counted, never timed: the callback requests of
``/_dash-update-component`` logged by a ``fetch`` wrapper installed before any page script.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench import browser_paths
from tests.browser import harness

pytestmark = pytest.mark.browser

#: The issue's bound for a fresh page with the default tab open.
MAX_REQUESTS_AT_LOAD = 8


def _fresh(browser: Any) -> Any:
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    context.add_init_script(browser_paths.REQUEST_LOG_INIT)
    return context, harness.new_page(context)


def _outputs(page: Any) -> list[str]:
    return page.evaluate("window.__req.map(r => r.out)")


def _open_tab(page: Any, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    harness.wait_dash_idle(page, quiet_ms=500)


def _grid_rows(page: Any) -> int:
    return page.locator(".linkage-grid .ag-center-cols-container .ag-row").count()


def _grid_row_count(page: Any) -> Any:
    """The linkage grid's row count as AG Grid knows it (the infinite model's last row)."""
    return page.evaluate("""() => {
        const api = window.dash_ag_grid && window.dash_ag_grid.getApi('linkage-table');
        return api ? api.getDisplayedRowCount() : null;
    }""")


def test_a_fresh_page_sends_at_most_eight_requests_and_draws_the_example(browser, live_server):
    context, page = _fresh(browser)
    try:
        harness.open_app(page, live_server.url)
        harness.wait_dendrogram(page)
        harness.wait_dash_idle(page, quiet_ms=1000)
        outs = _outputs(page)
        assert len(outs) <= MAX_REQUESTS_AT_LOAD, "\n".join(outs)
        # Nothing of the chain the layout now holds was asked for.
        assert not [o for o in outs if "preview.children" in o or "uploads-list" in o], outs
        # The default example is drawn, described, and its Diagnostics tab filled.
        assert "Two blobs" in harness.text_of(page, "preview")
        assert harness.cluster_count(page) >= 1
        assert "k =" in harness.text_of(page, "diag-summary")
        assert "dataset=tutorial-blobs" in page.url
        assert not page.console.errors, page.console.errors
    finally:
        context.close()


def test_hidden_tabs_fill_when_opened_and_follow_a_new_tree(browser, live_server):
    context, page = _fresh(browser)
    try:
        harness.open_app(page, live_server.url)
        harness.wait_dendrogram(page)
        harness.wait_dash_idle(page, quiet_ms=800)

        _open_tab(page, "Linkage matrix")
        page.wait_for_function("() => document.querySelectorAll("
                               "'.linkage-grid .ag-center-cols-container .ag-row').length > 0")
        assert _grid_row_count(page) == 149  # 150 rows: 149 merges

        _open_tab(page, "Known columns")
        assert {o["value"] for o in harness.dropdown_options(page, "known-columns")} == {"x", "y"}

        _open_tab(page, "Full tree")
        page.wait_for_function("""() => {
            const gd = document.querySelector('#full-tree-graph .js-plotly-plot');
            return gd && gd._fullData && gd._fullData.some(t => t.x && t.x.length > 0);
        }""")
        assert "150 leaves" in harness.text_of(page, "full-tree-note")

        _open_tab(page, "Evidence")
        assert harness.text_of(page, "support-note").strip()

        # A new tree while the Linkage tab is open: the grid shows the new tree's merges.
        _open_tab(page, "Linkage matrix")
        harness.choose_example(page, "tutorial-five")
        harness.wait_dash_idle(page, quiet_ms=800)
        page.wait_for_function("""(n) => {
            const api = window.dash_ag_grid && window.dash_ag_grid.getApi('linkage-table');
            return api && api.getDisplayedRowCount() === n;
        }""", arg=_merges_of("tutorial-five"))
        assert _grid_rows(page) > 0
        assert not page.console.errors, page.console.errors
    finally:
        context.close()


def test_a_link_opens_its_tab_filled(browser, live_server):
    context, page = _fresh(browser)
    try:
        harness.open_app(page, live_server.url + "?dataset=tutorial-five&tab=tab-linkage")
        harness.wait_dendrogram(page)
        harness.wait_dash_idle(page, quiet_ms=800)
        assert page.get_by_role("tab", name="Linkage matrix").get_attribute("aria-selected") \
            == "true"
        page.wait_for_function("""(n) => {
            const api = window.dash_ag_grid && window.dash_ag_grid.getApi('linkage-table');
            return api && api.getDisplayedRowCount() === n;
        }""", arg=_merges_of("tutorial-five"))
        assert "dataset=tutorial-five" in page.url and "tab=tab-linkage" in page.url
        assert not page.console.errors, page.console.errors
    finally:
        context.close()


def _merges_of(example: str) -> int:
    from clustering.datasets import load_example

    return len(load_example(example)) - 1
