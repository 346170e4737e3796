"""Every task by keyboard alone (issue 19): no mouse call anywhere in this file.

Focus moves only with Tab / Shift+Tab (so each control is proven reachable in the tab
order), and things happen only with Enter, Space, the arrow keys, Home/End and typing. The
page is the one the analyst sees at 1600x1000; each focused control must show a focus ring.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from components import ids
from tests.browser import a11y_helpers as A
from tests.browser import harness as h
from tests.browser import hosting_helpers as H

pytestmark = pytest.mark.browser

# Fixtures: one server for both accessibility files, a page with nothing loaded yet.
a11y_server = A.a11y_server
blank_page = A.blank_page

#: More Tab presses than the page has stops: a control not reached by then is unreachable.
MAX_TABS = 200


def focused(page: Any, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                         selector)


def tab_to(page: Any, selector: str, *, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``selector`` has the focus; fail when it
    never does. Then check that the focused control shows a focus ring."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(MAX_TABS):
        if focused(page, selector):
            break
        page.keyboard.press(key)
    else:
        pytest.fail(f"{selector} is not reached with {key} ({MAX_TABS} presses)")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")
    assert ring, f"{selector} has the focus but no visible focus ring"


def wait_count(page: Any, k: int) -> None:
    page.wait_for_function(
        "(k) => new RegExp('^' + k + ' clusters?').test("
        "document.getElementById('cluster-count').innerText.trim())", arg=k, timeout=30_000)


def slider_state(page: Any) -> dict[str, str]:
    return page.evaluate("""() => { const s = document.getElementById('cut-slider');
        return {now: s.getAttribute('aria-valuenow'), text: s.getAttribute('aria-valuetext'),
                min: s.getAttribute('aria-valuemin'), max: s.getAttribute('aria-valuemax')}; }""")


#: The text of the option that has the focus (Dash 4 focuses the option's checkbox, inside
#: the role=option label), or "".
ACTIVE_OPTION = """() => { const o = document.activeElement
    && document.activeElement.closest('[role=option]'); return o ? o.innerText : ''; }"""


def choose_example_by_keyboard(page: Any, label: str) -> None:
    """Tab to the example picker, open it with Enter, walk the options with the arrows until
    ``label`` is the active one, Enter."""
    tab_to(page, f"#{ids.EXAMPLE}")
    page.keyboard.press("Enter")
    page.locator("[role=option]").first.wait_for(state="visible", timeout=10_000)
    for _ in range(40):
        active = page.evaluate(ACTIVE_OPTION)
        if label in active:
            break
        page.keyboard.press("ArrowDown")
        # The dropdown moves its focus after a render: read the option once it has moved (a
        # press read too soon, or pressed before the move, skipped or repeated options).
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"(before) => ({ACTIVE_OPTION})() !== before", arg=active,
                                   timeout=2_000)
    else:
        pytest.fail(f"no option {label!r} reached with ArrowDown")
    h.change(page, lambda: page.keyboard.press("Enter"))
    H.settle(page)


def test_keyboard_only_example_cut_merge_and_labels(blank_page: Any, a11y_server: h.LiveServer) -> None:
    page = blank_page
    H.open_link(page, a11y_server.url + "?dataset=tutorial-five")
    # Open an example.
    choose_example_by_keyboard(page, "Two blobs")
    assert H.query(page)["dataset"] == "tutorial-blobs"
    wait_count(page, 2)
    # The cut line's keyboard twin: each ArrowDown lowers the cut one k band.
    tab_to(page, f"#{ids.CUT_SLIDER}")
    assert slider_state(page)["text"].endswith("2 clusters")
    page.keyboard.press("ArrowDown")
    wait_count(page, 3)
    page.keyboard.press("ArrowDown")
    wait_count(page, 4)
    h.wait_dash_idle(page)
    state = slider_state(page)
    assert state["text"] == f"max_d {h.field_value(page, ids.CUT_HEIGHT)}, 4 clusters", state
    assert float(state["now"]) == float(h.field_value(page, ids.CUT_HEIGHT))
    assert h.field_value(page, ids.CLUSTER_K) == "4"
    assert "cut=" in page.url
    # Announced: the count is a live region, and the tree's description follows the cut.
    desc = h.text_of(page, ids.DENDROGRAM_DESC)
    assert f"max_d {h.field_value(page, ids.CUT_HEIGHT)}: 4 clusters" in desc, desc
    assert sum(int(s) for s in re.findall(r"cluster \d+: (\d+)", desc)) == 150, desc
    # The Merge tab, and a merge picked by its number.
    tab_to(page, f"#{ids.ANALYSIS_TABS} [role=tab][aria-selected=true]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.innerText === 'Merge'"
                           " && document.activeElement.getAttribute('aria-selected') === 'true'",
                           timeout=10_000)
    tab_to(page, f"#{ids.MERGE_PICK}")
    page.keyboard.type("149")
    page.keyboard.press("Enter")
    # Merge 149 of 150 rows is the root: all 150 rows are its members.
    page.wait_for_function("() => /^150 member/.test("
                           "document.getElementById('inspect-members').innerText.trim())",
                           timeout=30_000)
    assert h.text_of(page, ids.INSPECT_TEXT)
    # The labels, from the Export tab.
    tab_to(page, f"#{ids.ANALYSIS_TABS} [role=tab][aria-selected=true]", back=True)
    page.keyboard.press("End")
    page.wait_for_function("() => document.activeElement.innerText === 'Export'"
                           " && document.activeElement.getAttribute('aria-selected') === 'true'",
                           timeout=10_000)
    tab_to(page, f"#{ids.EXPORT_LABELS}")
    with page.expect_download(timeout=30_000) as dl:
        page.keyboard.press("Enter")
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8").read())))
    assert len(rows) == 150
    clusters = {r[k] for r in rows for k in r if "cluster" in k.lower()}
    assert len(clusters) == 4, clusters


def test_home_and_end_reach_the_extremes(blank_page: Any, a11y_server: h.LiveServer) -> None:
    page = blank_page
    H.open_link(page, a11y_server.url + "?dataset=tutorial-blobs")
    tab_to(page, f"#{ids.CUT_SLIDER}")
    page.keyboard.press("End")
    wait_count(page, 1)
    page.keyboard.press("Home")
    page.wait_for_function("() => Number(document.getElementById('cluster-k').value) >= 100",
                           timeout=30_000)
    h.wait_dash_idle(page)
    state = slider_state(page)
    assert float(state["now"]) == float(state["min"]), state
    page.keyboard.press("ArrowUp")
    page.wait_for_function("() => Number(document.getElementById('cluster-k').value) < 150",
                           timeout=30_000)


def test_upload_is_reached_and_opens_the_file_dialog(blank_page: Any, a11y_server: h.LiveServer) -> None:
    page = blank_page
    # Playwright turns file-chooser interception on without waiting for the browser's reply
    # when the first listener is added; added only at the key press, the dialog sometimes
    # opened before it took effect (about 1 run in 7). A listener from the start avoids that.
    page.on("filechooser", lambda _chooser: None)
    H.open_link(page, a11y_server.url)
    tab_to(page, f"#{ids.UPLOAD_CHOOSE}")
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.keyboard.press("Enter")
    assert chooser.value is not None
    # Opened by the key itself, not by following the link's href="#".
    assert not page.url.endswith("#")


def test_copy_link_is_a_button_reached_by_tab(blank_page: Any, a11y_server: h.LiveServer) -> None:
    page = blank_page
    H.open_link(page, a11y_server.url)
    tab_to(page, f"#{ids.SHARE_COPY}")
    assert page.get_attribute(f"#{ids.SHARE_COPY}", "role") == "button"
    assert page.get_attribute(f"#{ids.SHARE_COPY}", "aria-label")


#: The downloads of the Export tab, in the order Tab reaches them.
EXPORT_BUTTONS = (ids.EXPORT_LABELS, ids.EXPORT_LINKAGE, ids.EXPORT_VIEW, ids.EXPORT_NEWICK,
                  ids.EXPORT_JSON_TREE, ids.EXPORT_SCRIPT)


def download_by_enter(page: Any) -> tuple[str, bytes]:
    with page.expect_download(timeout=30_000) as dl:
        page.keyboard.press("Enter")
    with open(dl.value.path(), "rb") as f:
        return dl.value.suggested_filename, f.read()


def test_every_export_by_keyboard(blank_page: Any, a11y_server: h.LiveServer) -> None:
    page = blank_page
    page.on("filechooser", lambda _chooser: None)  # see the upload test below
    H.open_link(page, a11y_server.url + "?dataset=tutorial-blobs")
    # A figure as an image: the scatter's modebar camera (shown while it has the focus).
    tab_to(page, "#scatter .modebar-btn[data-title*='Download' i]")
    name, body = download_by_enter(page)
    assert name == "scatter-tutorial-blobs-ward-euclidean.png" and body[:4] == b"\x89PNG", name
    # The Export tab's files, each with Enter on its button.
    tab_to(page, f"#{ids.ANALYSIS_TABS} [role=tab][aria-selected=true]")
    page.keyboard.press("End")
    page.wait_for_function("() => document.activeElement.innerText === 'Export'"
                           " && document.activeElement.getAttribute('aria-selected') === 'true'",
                           timeout=10_000)
    files = {}
    for button in EXPORT_BUTTONS:
        tab_to(page, f"#{button}")
        files[button] = download_by_enter(page)
    assert all(body for _, body in files.values()), files.keys()
    assert files[ids.EXPORT_LABELS][0].endswith(".csv")
    assert files[ids.EXPORT_LINKAGE][0].endswith(".csv")
    assert files[ids.EXPORT_SCRIPT][0].endswith(".py")
    assert len({name for name, _ in files.values()}) == len(EXPORT_BUTTONS)
    # The script's text opens with Enter on its summary; its copy button is then a Tab stop.
    tab_to(page, f"details:has(#{ids.EXPORT_SCRIPT_TEXT}) > summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#{ids.EXPORT_SCRIPT_COPY}")
    assert page.get_attribute(f"#{ids.EXPORT_SCRIPT_COPY}", "role") == "button"
    # Loading a saved view back: its "choose" opens the file dialog.
    tab_to(page, f"#{ids.LOAD_VIEW} a")
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.keyboard.press("Enter")
    assert chooser.value is not None
    assert not page.url.endswith("#")


#: What the focused element looks like: a short name, a focus ring, seen, not aria-hidden.
FOCUS_NOW = """() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) { return null; }
    const first = e.dataset.sweep === undefined;
    e.dataset.sweep = '1';
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    const cls = typeof e.className === 'string' ? e.className.trim().split(/\\s+/)
        .filter(Boolean).slice(0, 2).map(c => '.' + c).join('') : '';
    return {
        name: e.id ? '#' + e.id : e.tagName.toLowerCase() + cls
            + (e.closest('[id]') ? ' in #' + e.closest('[id]').id : ''),
        first: first,
        ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
        hidden: !!e.closest('[aria-hidden=true]'),
        seen: e.checkVisibility({opacityProperty: true, visibilityProperty: true})
            && r.width > 0 && r.height > 0,
    };
}"""
#: The focused element is drawn (not transparent, hidden or empty): waited for, since
#: Plotly fades its modebar in when it takes the focus.
FOCUS_SEEN = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
    return e.checkVisibility({opacityProperty: true, visibilityProperty: true})
        && r.width > 0 && r.height > 0; }"""


def test_every_tab_stop_shows_a_focus_ring(blank_page: Any, a11y_server: h.LiveServer) -> None:
    # WCAG 2.4.7: Tab through the whole page once (until a stop comes round again); every stop
    # is drawn, has a ring, and is not hidden from screen readers.
    page = blank_page
    H.open_link(page, a11y_server.url + "?dataset=tutorial-blobs")
    stops, bad = [], []
    for _ in range(400):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUS_NOW)
        if now is None:
            continue
        if not now["first"]:
            break
        stops.append(now["name"])
        if not now["seen"]:
            try:
                page.wait_for_function(FOCUS_SEEN, timeout=2_000, polling=50)
            except Exception:
                bad.append(f"{now['name']}: focused but not drawn")
        if not now["ring"]:
            bad.append(f"{now['name']}: no focus ring")
        if now["hidden"]:
            bad.append(f"{now['name']}: inside aria-hidden")
    else:
        pytest.fail(f"Tab did not come round in 400 presses: {stops[-20:]}")
    assert len(stops) > 20, stops
    for must in (ids.UPLOAD_CHOOSE, ids.EXAMPLE, ids.CUT_HEIGHT, ids.CLUSTER_K, ids.CUT_SLIDER,
                 ids.SHARE_COPY):
        assert f"#{must}" in stops, (must, stops)
    assert not bad, "\n".join(bad)
