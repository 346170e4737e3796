"""Honest fields and clean transitions (issue 12, section 4), in headless Chromium.

A refused upload leaves the whole page on the previous dataset; a k or max_d the tree cannot
take leaves the cut where it was, with a message under the field saying what is allowed; a
link without a cut opens at the example's preset cut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import harness as h
from tests.browser import hosting_helpers as H

pytestmark = pytest.mark.browser

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def _wait_text(page: Any, element_id: str, contains: str) -> str:
    page.wait_for_function(
        """([id, t]) => { const e = document.getElementById(id);
                          return e && e.innerText.includes(t); }""",
        arg=[element_id, contains], timeout=30_000, polling=50)
    return h.text_of(page, element_id)


def _cut_state(page: Any) -> tuple[int, dict[str, Any], str]:
    return h.cluster_count(page), h.cut_line(h.figure(page, "dendrogram")), page.url


def test_bad_k_and_max_d_leave_the_cut_and_say_what_is_allowed(page: Any) -> None:
    h.wait_dendrogram(page)
    h.type_number(page, "cluster-k", 3)
    h.wait_dash_idle(page)
    assert h.cluster_count(page) == 3
    before = _cut_state(page)
    assert h.text_of(page, "cluster-k-message") == ""

    for bad in (0, -2, 500, 2.5):
        h.type_number(page, "cluster-k", bad)
        text = _wait_text(page, "cluster-k-message", "whole number from 1 to 150")
        assert "the cut stays" in text
        h.wait_dash_idle(page)
        assert _cut_state(page) == before, bad
        assert page.locator(".is-invalid").count() == 1

    h.type_number(page, "cluster-k", 4)
    page.wait_for_function("() => document.getElementById('cluster-k-message').innerText === ''")
    h.wait_dash_idle(page)
    assert h.cluster_count(page) == 4
    before = _cut_state(page)

    h.type_number(page, "cut-height", -5)
    assert "0 or more" in _wait_text(page, "cut-height-message", "0 or more")
    h.wait_dash_idle(page)
    assert _cut_state(page) == before
    assert page.locator(".is-invalid").count() == 1

    h.type_number(page, "cut-height", 100000)
    page.wait_for_function("() => document.getElementById('cut-height-message').innerText === ''")
    h.wait_dash_idle(page)
    assert h.cluster_count(page) == 1


def test_refused_upload_leaves_the_whole_page_on_the_previous_dataset(page: Any) -> None:
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)

    def shown() -> dict[str, Any]:
        return {"preview": h.text_of(page, "preview"), "name": h.text_of(page, "upload-name"),
                "example": h.dropdown_value(page, "example"), "count": h.cluster_count(page),
                "tree": h.figure(page, "dendrogram"), "scatter": h.figure(page, "scatter"),
                "url": page.url, "link": h.field_value(page, "share-link")}

    before = shown()
    assert "Two blobs" in before["example"]
    for name, why in (("text_only.csv", "no numeric columns"),
                      ("mostly_numeric_text.csv", "column 'x' has text in 1 row")):
        page.locator("#upload input[type=file]").set_input_files(str(BAD / name))
        assert _wait_text(page, "upload-error", name).startswith(f"{name}: {why}")
        h.wait_dash_idle(page)
        assert shown() == before, name
    h.assert_no_console_errors(page)


def test_a_link_without_a_cut_opens_at_the_examples_preset_cut(browser: Any,
                                                                  live_server: Any) -> None:
    page = H.new_page(browser)
    H.open_link(page, live_server.url + "?dataset=tutorial-five")
    assert float(h.field_value(page, "cut-height")) == 175.0
    assert h.cluster_count(page) == 5
    assert H.query(page)["cut"] == "175"
    H.close(page)


def test_the_link_carries_the_open_tab_and_the_inconsistency_depth(browser: Any,
                                                                   live_server: Any) -> None:
    page = H.new_page(browser)
    H.open_link(page, live_server.url + "?dataset=tutorial-blobs&cut=50&diagdepth=4&tab=tab-evidence")
    assert h.field_value(page, "diag-depth") == "4"
    assert "Evidence" in page.locator("#analysis-tabs .nav-link.active").inner_text()
    q = H.query(page)
    assert (q["diagdepth"], q["tab"], q["cut"]) == ("4", "tab-evidence", "50")
    # Changing either writes it into the link; an old link without them still opens.
    page.locator("#analysis-tabs .nav-link", has_text="Diagnostics").click()
    page.wait_for_function("() => location.search.includes('tab=tab-diagnostics')")
    h.type_number(page, "diag-depth", 3)
    page.wait_for_function("() => location.search.includes('diagdepth=3')")
    old = H.new_page(browser)
    H.open_link(old, live_server.url + "?dataset=tutorial-blobs&method=ward&cut=50")
    assert h.cluster_count(old) == 2
    H.close(page, old)
