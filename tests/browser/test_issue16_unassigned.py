"""Issue 16 in Chromium, what tests/browser/test_partition.py and test_agreement.py leave out:

* a dynamic tree cut with unassigned rows (group 0): drawn in the unassigned colour (not the
  above-cut grey) in the tree and the scatter, named "unassigned" in the legend, and every
  legend size equal to the service's (``dynamic_cut`` on the same data);
* hand edits: redo, and the minimum cluster size (clades below it become unassigned);
* known columns: two colour bars at once, each with its legend; the "k that agrees best" hint
  leaves the cut where it is until its button is pressed.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.datasets import EXAMPLES, load_example
from clustering.dynamic_cut import dynamic_cut
from clustering.partition import horizontal_partition, split_cluster, with_min_size
from clustering.prepare import prepare
from components.figures.palette import ABOVE_CUT_COLOR, UNASSIGNED_COLOR
from tests.browser import harness
from tests.browser import hosting_helpers as H
from tests.browser.test_partition import _click_merge, _merges, _scatter_labels, _switch
from tests.partitions import same_partition

pytestmark = pytest.mark.browser


def _blobs() -> tuple[np.ndarray, np.ndarray]:
    X = prepare(load_example("tutorial-blobs"), EXAMPLES["tutorial-blobs"].options).matrix
    return X, linkage(X, "ward")


def _legend(page: Any) -> dict[str, int]:
    """The scatter legend: name -> rows ("3 · 26 rows" -> {"3": 26})."""
    out = {}
    for t in harness.figure(page, "scatter")["traces"]:
        if t.get("meta") != "legend":
            continue
        m = re.fullmatch(r"(.+) · ([\d,]+) rows", str(t["name"]))
        if m:
            out[m.group(1)] = int(m.group(2).replace(",", ""))
    return out


def _wait_count(page: Any, k: int) -> None:
    page.wait_for_function(
        "(k) => { const e = document.getElementById('cluster-count'); "
        "return e && e.innerText.trim().startsWith(k + ' cluster'); }", arg=k, timeout=60_000)
    harness.wait_dash_idle(page)


def test_dynamic_tree_cut_unassigned_rows_in_tree_scatter_and_legend(page):
    H.settle(page)
    X, Z = _blobs()
    want = dynamic_cut(Z, method="tree", min_cluster_size=10)
    n0, k = int((want == 0).sum()), int(want.max())
    assert n0 > 0 and k >= 3
    _switch(page, "cut-source", "tree")
    harness.type_number(page, "part-mcs", 10)
    _wait_count(page, k)
    assert f"{n0} unassigned row" in harness.text_of(page, "cluster-count")
    # The scatter: the service's partition, group 0 exactly, in the unassigned colour.
    got = _scatter_labels(page)
    assert same_partition(got, want)
    assert set(got[want == 0]) == {UNASSIGNED_COLOR}
    assert UNASSIGNED_COLOR not in set(got[want != 0])
    # The legend: "unassigned" with its rows, and every cluster's size as the service's.
    legend = _legend(page)
    assert legend.pop("unassigned") == n0
    assert sorted(legend.values()) == sorted(np.bincount(want)[1:].tolist())
    # The tree: unassigned links in their own colour, distinct from the above-cut grey.
    colours = {c for c, _ in harness.link_groups(harness.figure(page, "dendrogram"))}
    assert UNASSIGNED_COLOR in colours and ABOVE_CUT_COLOR in colours
    assert len(colours - {UNASSIGNED_COLOR, ABOVE_CUT_COLOR}) == len(set(got) - {UNASSIGNED_COLOR})


def test_hand_edits_redo_and_minimum_size(page):
    H.settle(page)
    X, Z = _blobs()
    k0 = harness.cluster_count(page)
    cut = float(harness.field_value(page, "cut-height"))
    _switch(page, "cut-source", "roots")
    row, _ = max((m for m in _merges(page) if m[1] <= cut), key=lambda m: m[1])
    _click_merge(page, row)
    assert harness.cluster_count(page) == k0 + 1
    split = _scatter_labels(page)
    harness.change(page, lambda: page.locator("#part-undo").click())
    assert harness.cluster_count(page) == k0
    harness.change(page, lambda: page.locator("#part-redo").click())
    assert harness.cluster_count(page) == k0 + 1
    assert same_partition(_scatter_labels(page), split)
    # The service's partition after that split; the smallest clade falls under the minimum.
    n = X.shape[0]
    p = split_cluster(horizontal_partition(Z, height=cut), n + row)
    small = min(p.size(r) for r in p.roots)
    want = with_min_size(p, small + 1).labels()
    harness.type_number(page, "part-min-size", small + 1)
    _wait_count(page, int(want.max()))
    got = _scatter_labels(page)
    assert same_partition(got, want) and set(got[want == 0]) == {UNASSIGNED_COLOR}
    assert _legend(page)["unassigned"] == int((want == 0).sum())
    assert H.query(page)["minsize"] == str(small + 1)


def test_two_colour_bars_and_the_hint_is_never_applied_by_itself(page):
    h = harness
    h.wait_dendrogram(page)
    h.change(page, lambda: h.select_dropdown(page, "example", "mpg", timeout=60))
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)
    cut_before = h.field_value(page, "cut-height")
    k_before = h.cluster_count(page)
    page.get_by_role("tab", name="Known columns").click()
    page.wait_for_function("() => document.querySelector('#known-reference') !== null")
    h.select_dropdown(page, "known-reference", "origin", timeout=60)
    page.wait_for_selector(".agreement-best", timeout=60_000)
    best = int(re.search(r"k = (\d+) \(ARI", h.text_of(page, "agreement-summary")).group(1))
    h.wait_dash_idle(page, quiet_ms=800)
    # The hint is shown; the cut has not moved.
    assert h.field_value(page, "cut-height") == cut_before
    assert h.cluster_count(page) == k_before
    assert best != k_before  # else the button is hidden and there is nothing to press
    # Two columns at once: a bar each, each with its legend group (column title).
    h.select_dropdown(page, "known-columns", "origin", timeout=60)
    h.select_dropdown(page, "known-columns", "cylinders", timeout=60)
    page.wait_for_function("() => { const gd = document.querySelector('#known-bars "
                           ".js-plotly-plot'); return gd && gd._fullData && "
                           "gd._fullData.some(t => t.meta === 'bar:cylinders') && "
                           "gd._fullData.some(t => t.meta === 'bar:origin'); }", timeout=60_000)
    # What the legend draws (group titles and items are text elements of the legend).
    legend = set(page.evaluate("() => [...document.querySelectorAll('#known-bars .legend "
                               "text')].map(e => e.textContent)"))
    assert {"origin", "cylinders", "europe", "japan", "usa", "4", "8"} <= legend, legend
    # Only the button moves the cut: to the hinted k.
    h.change(page, lambda: page.locator("#agreement-snap").click())
    _wait_count(page, best)
    assert h.field_value(page, "cut-height") != cut_before


def test_merge_tab_highlight_follows_a_partition_repaint(page):
    """The Merge tab's picked rows stay lit when a partition (not a height) regroups the
    scatter: partition.js rebuilds the points traces, the highlight is applied again."""
    from scipy.cluster.hierarchy import leaves_list

    from clustering.merges import node_members
    from tests.browser.test_diagnostics import assert_selected_rows, click_merge

    H.settle(page)
    X, Z = _blobs()
    n = X.shape[0]
    click_merge(page, 147)
    want = node_members(Z, leaves_list(Z), n + 147).tolist()
    assert_selected_rows(page, want)
    k = int(dynamic_cut(Z, method="tree", min_cluster_size=10).max())
    _switch(page, "cut-source", "tree")
    harness.type_number(page, "part-mcs", 10)
    _wait_count(page, k)
    assert_selected_rows(page, want)
