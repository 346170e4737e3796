"""A partition that is not a height, in the browser: hand edits (split by a click, merge two
siblings, undo), its link in a fresh context, and R's dynamic tree cut chosen in the cut panel.

Colours are read from what plotly.js drew; the cluster count from the page; the service's
labels are computed here from the same data (``clustering``) and compared up to renumbering.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from components.figures.palette import ABOVE_CUT_COLOR
from tests.browser import harness
from tests.browser import hosting_helpers as H
from tests.partitions import same_partition

pytestmark = pytest.mark.browser

ABOVE = ABOVE_CUT_COLOR

# Pixel of a point of the dendrogram's trace with meta ``meta`` whose customdata[0] is ``key``.
_MARKER_PIXEL = """([meta, key]) => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const fl = gd._fullLayout;
  const r = gd.getBoundingClientRect(), sz = fl._size;
  for (const t of gd._fullData) {
    if (t.meta !== meta) continue;
    const cd = t.customdata;
    for (let j = 0; j < t.x.length; j++) {
      const c = cd[j];
      const row = c !== null && typeof c === 'object' && c.length !== undefined ? c[0] : cd[2 * j];
      if (Number(row) === key) {
        return {x: r.left + sz.l + fl.xaxis.l2p(fl.xaxis.d2l(t.x[j])),
                y: r.top + sz.t + fl.yaxis.l2p(fl.yaxis.d2l(t.y[j]))};
      }
    }
  }
  return null;
}"""


def _merges(page: Any) -> list[tuple[int, float]]:
    """(row of Z, height) of every merge marker drawn (orientation top)."""
    fig = harness.figure(page, "dendrogram")
    out = []
    for t in fig["traces"]:
        if t.get("meta") != "hover":
            continue
        cd = t["customdata"]
        rows = [c[0] for c in cd] if isinstance(cd[0], list) else cd[0::2]
        out += [(int(r), float(y)) for r, y in zip(rows, t["y"], strict=True)]
    return out


def _press_merge(page: Any, row: int) -> None:
    page.locator("#dendrogram").scroll_into_view_if_needed()
    at = page.evaluate(_MARKER_PIXEL, ["hover", row])
    assert at, f"no merge marker for row {row}"
    page.mouse.move(at["x"], at["y"])
    page.mouse.click(at["x"], at["y"])


def _click_merge(page: Any, row: int) -> None:
    before = harness.view_signature(page)
    _press_merge(page, row)
    harness.wait_for_change(page, before)


def _cluster_colours(page: Any) -> tuple[set[str], set[str]]:
    """Colours of the clusters in the tree (links) and in the scatter (points)."""
    tree = {c for c, _ in harness.link_groups(harness.figure(page, "dendrogram"))} - {ABOVE}
    points = {p["colour"] for p in harness.scatter_points(harness.figure(page, "scatter"))}
    return tree, points


def _scatter_labels(page: Any) -> np.ndarray:
    """Each row's colour in the scatter (row = customdata[0])."""
    pts = harness.scatter_points(harness.figure(page, "scatter"))
    out = np.empty(len(pts), dtype=object)
    for p in pts:
        out[int(p["customdata"][0])] = p["colour"]
    return out


def _switch(page: Any, element_id: str, value: str) -> None:
    harness.change(page, lambda: harness.select_dropdown(page, element_id, value))


def test_split_merge_undo_and_the_link_in_a_fresh_context(page, browser):
    H.settle(page)
    k0 = harness.cluster_count(page)
    cut = float(harness.field_value(page, "cut-height"))
    _switch(page, "cut-source", "roots")
    assert harness.cluster_count(page) == k0
    # Split: a click on the tallest merge under the line (the root of a cluster).
    row, _ = max((m for m in _merges(page) if m[1] <= cut), key=lambda m: m[1])
    _click_merge(page, row)
    assert harness.cluster_count(page) == k0 + 1
    tree, points = _cluster_colours(page)
    assert len(tree) == k0 + 1 and len(points) == k0 + 1
    split_labels = _scatter_labels(page)
    # A tick marks each clade where it was cut.
    ticks = [t for t in harness.figure(page, "dendrogram")["traces"] if t.get("meta") == "ticks"]
    assert ticks and len(ticks[0]["x"]) == k0 + 1

    # Merge the two halves again: select both (the grey merge above them selects the pair).
    harness.select_dropdown(page, "part-tool", "select")
    harness.wait_dash_idle(page)
    page.locator("#part-note").wait_for()
    _press_merge(page, row)
    page.wait_for_function("() => document.getElementById('part-note').innerText.includes('Selected')")
    harness.wait_dash_idle(page)
    harness.change(page, lambda: page.locator("#part-merge").click())
    assert harness.cluster_count(page) == k0
    # Undo brings the split back.
    harness.change(page, lambda: page.locator("#part-undo").click())
    assert harness.cluster_count(page) == k0 + 1
    assert same_partition(_scatter_labels(page), split_labels)
    query = H.query(page)
    assert query["part"] == "roots" and len(query["roots"].split(".")) == k0 + 1

    # The link reproduces the hand-edited partition in a fresh browser context.
    other = H.new_page(browser)
    H.open_link(other, H.link(page))
    harness.wait_dash_idle(other, quiet_ms=800)
    assert harness.cluster_count(other) == k0 + 1
    assert harness.dropdown_value(other, "cut-source").startswith("hand edits")
    assert same_partition(_scatter_labels(other), split_labels)
    H.close(other)


def test_dragging_the_line_goes_back_to_the_height(page):
    H.settle(page)
    _switch(page, "cut-source", "inconsistent")
    assert "part" in H.query(page)
    before = harness.view_signature(page)
    harness.drag_cut_line(page, 30.0)
    harness.wait_for_change(page, before)
    harness.wait_dash_idle(page, quiet_ms=600)
    assert harness.dropdown_value(page, "cut-source").startswith("height")
    assert "part" not in H.query(page)


def test_dynamic_tree_cut_gives_the_service_labels(page):
    from scipy.cluster.hierarchy import linkage

    from clustering.datasets import EXAMPLES, load_example
    from clustering.dynamic_cut import dynamic_cut
    from clustering.prepare import prepare

    H.settle(page)
    _switch(page, "cut-source", "hybrid")
    harness.type_number(page, "part-mcs", 10)
    harness.wait_dash_idle(page, quiet_ms=600)
    X = prepare(load_example("tutorial-blobs"), EXAMPLES["tutorial-blobs"].options).matrix
    want = dynamic_cut(linkage(X, "ward"), X=X, method="hybrid", min_cluster_size=10)
    k = int(np.unique(want[want > 0]).size)
    assert harness.cluster_count(page) == k
    got = _scatter_labels(page)
    assert same_partition(got, want)
