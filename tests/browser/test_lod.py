"""The full tree of 100,000 leaves in the browser, with level of detail (issue 14, goal 3).

A 100,000-leaf linkage matrix is uploaded as .npy (the linkage of 100,000 rows would take
minutes on this machine; the view does not care where Z came from). The "Full tree" tab draws it; a zoom
into a region shows that region's leaves individually, and a cut there recolours them as
``fcluster`` labels them. Not timed (bench/bench_lod.py times frames).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster

from clustering.lod import lod_gaps, lod_tree
from tests.browser import harness as h
from tests.lod_trees import chain_free_tree
from tests.partitions import same_partition

pytestmark = pytest.mark.browser

N = 100_000


def row_of(hover: str) -> int:
    """The row a leaf's hover names ("12345 · cluster 3": uploaded trees label leaves by row)."""
    return int(hover.split(" · ")[0])


def lod_state(page: Any) -> dict[str, Any]:
    """The figure's meta, the shown leaves' rows and hover texts, and the colour of the dot
    drawn at each of them (the page's SVG under the graph: one path of dots per colour)."""
    return page.evaluate("""() => {
        const gd = document.querySelector('#full-tree-graph .js-plotly-plot');
        if (!gd || !gd.layout || !gd.layout.meta) return null;
        const leaves = (gd.data || []).find(t => t.meta === 'lod-leaves');
        const svg = document.querySelector('#full-tree-graph svg.lod-strokes');
        const dots = [];
        svg.querySelectorAll('path[stroke-linecap=round]').forEach(p => {
            for (const m of p.getAttribute('d').matchAll(/M([-0-9.e]+),/g)) {
                dots.push([Number(m[1]), p.getAttribute('stroke')]);
            }
        });
        const xr = gd.layout.xaxis.range, w = Number(svg.getAttribute('width'));
        const colourAt = (x) => {
            const px = (x - xr[0]) / (xr[1] - xr[0]) * w;
            const hit = dots.filter(d => Math.abs(d[0] - px) < 0.6);
            return hit.length === 1 ? hit[0][1] : 'dots: ' + hit.length;
        };
        return {meta: gd.layout.meta, rows: leaves ? Array.from(leaves.customdata) : [],
                text: leaves ? Array.from(leaves.text) : [],
                colours: leaves ? Array.from(leaves.x).map(colourAt) : []};
    }""")


def wait_lod(page: Any, condition: str, timeout: float = 120_000) -> dict[str, Any]:
    page.wait_for_function(
        """(cond) => { const gd = document.querySelector('#full-tree-graph .js-plotly-plot');
            if (!gd || !gd.layout || !gd.layout.meta) return false;
            const m = gd.layout.meta; return eval(cond); }""", arg=condition, timeout=timeout)
    return lod_state(page)


def test_zoom_shows_leaves_and_a_cut_there_recolours_them_as_fcluster(page: Any,
                                                                       tmp_path: Path) -> None:
    # A linkage matrix as .npy (Newick of 100,000 leaves takes minutes to parse here): the
    # page draws this Z as it is, so it is the oracle; leaves are labelled by their row.
    Z = chain_free_tree(N)
    path = tmp_path / "big.npy"
    np.save(path, Z)
    h.upload_file(page, path, timeout=300)
    page.wait_for_function(
        "() => (document.getElementById('status-main') || {}).innerText?.includes('n = 100,000')"
        " || (document.getElementById('upload-error') || {}).innerText", timeout=300_000)
    assert "n = 100,000" in h.text_of(page, "status-main"), h.text_of(page, "upload-error")
    h.wait_dendrogram(page, timeout=300)
    page.get_by_role("tab", name="Full tree").click()
    whole = wait_lod(page, "m.links > 0")
    assert whole["meta"]["links"] <= 20_000  # the whole tree: sub-pixel subtrees are marks
    assert whole["meta"]["marks"] > 0, whole["meta"]
    # Zoom into 40 leaf slots in the middle (10 units a leaf).
    x0, x1 = 10 * 50_000, 10 * 50_040
    page.evaluate("""([a, b]) => Plotly.relayout(
        document.querySelector('#full-tree-graph .js-plotly-plot'),
        {'xaxis.range[0]': a, 'xaxis.range[1]': b})""", [x0, x1])
    zoomed = wait_lod(page, "m.leaves === 40")
    assert zoomed["meta"]["marks"] == 0
    # The strokes' SVG covers plotly's plot area exactly (its drag layer), so they meet the
    # axes, the cut line and the hover points.
    svg, area = page.evaluate("""() => [
        document.querySelector('#full-tree-graph svg.lod-strokes'),
        document.querySelector('#full-tree-graph .nsewdrag')].map(e => {
            const r = e.getBoundingClientRect();
            return [r.left, r.top, r.width, r.height]; })""")
    assert svg == pytest.approx(area, abs=1.0)
    # plotly's "download as PNG" would hold only the axes: it is not offered here.
    buttons = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#full-tree-graph .modebar-btn')).map(b => b.getAttribute('data-title'))""")
    assert buttons and not any("Download" in (b or "") for b in buttons), buttons
    rows = [row_of(t) for t in zoomed["text"]]
    assert rows == [int(r) for r in zoomed["rows"]]  # hover names the rows
    # A cut inside this region's heights: the median of the merge heights between its
    # neighbouring leaves, so several clusters among its 40 leaves.
    gaps = lod_gaps(lod_tree(Z))[50_000:50_039]
    cut = float(np.median(gaps))
    h.type_number(page, "cut-height", cut)
    cut_state = wait_lod(page, f"Math.abs(m.cut - {cut}) < 1e-9 * Math.max(1, {cut})")
    shown = np.array([row_of(t) for t in cut_state["text"]])
    page_clusters = np.array([int(t.rsplit("cluster ", 1)[1]) for t in cut_state["text"]])
    want = fcluster(Z, cut, "distance")[shown]
    assert same_partition(page_clusters, want)
    # The dots drawn are the clusters' colours (one colour per cluster in the window).
    by_cluster: dict[int, set[str]] = {}
    for c, colour in zip(page_clusters, cut_state["colours"], strict=True):
        by_cluster.setdefault(int(c), set()).add(colour)
    assert all(len(v) == 1 for v in by_cluster.values()), json.dumps(
        {k: sorted(v) for k, v in by_cluster.items()})
    assert all(c.startswith("#") for c in cut_state["colours"]), cut_state["colours"]  # one dot each
    assert len(set(page_clusters)) >= 2, "the cut should split the zoomed region"
    # Hover with the mouse: on a link's top it names the merge (the links are the page's own
    # SVG under the graph and the hover traces draw nothing), on a leaf its row.
    top = page.evaluate("""() => {
        const gd = document.querySelector('#full-tree-graph .js-plotly-plot');
        const m = gd.data.find(t => t.meta === 'lod-merges');
        // Of the tops inside the window, the one nearest the plot's middle height: away from
        // its edges and from the leaves.
        const xr = gd.layout.xaxis.range, yr = gd.layout.yaxis.range, mid = (yr[0] + yr[1]) / 2;
        let i = -1;
        m.y.forEach((y, j) => {
            const inside = m.x[j] > xr[0] + 20 && m.x[j] < xr[1] - 20;
            if (inside && (i < 0 || Math.abs(y - mid) < Math.abs(m.y[i] - mid))) i = j;
        });
        return {x: m.x[i], y: m.y[i], text: m.text[i]};
    }""")
    assert hover_at(page, top["x"], top["y"]) == top["text"]
    assert top["text"].startswith("merge ")
    first = int(cut_state["rows"][0])
    assert row_of(hover_at(page, 10 * 50_000 + 5, 0.0)) == first
    # The wheel zooms out (plotly moves the strokes along while it turns, then the window is
    # drawn anew, untransformed); a double-click brings back the whole tree.
    centre = page.evaluate("""() => {
        const r = document.querySelector('#full-tree-graph .nsewdrag').getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2]; }""")
    page.mouse.move(*centre)
    page.mouse.wheel(0, 400)
    wider = wait_lod(page, "m.leaves > 40")
    assert wider["meta"]["cut"] == pytest.approx(cut)
    page.wait_for_function("""() => document.querySelector(
        '#full-tree-graph svg.lod-strokes g').getAttribute('transform') === null""")
    page.mouse.dblclick(*centre)
    again = wait_lod(page, "m.marks > 0")
    assert again["meta"]["links"] == whole["meta"]["links"]


def hover_at(page: Any, x: float, y: float) -> str:
    """Move the mouse to data point (x, y) of the full tree and read plotly's hover label (the
    previous hover's label taken away first, so a slow hover cannot be read as the old one)."""
    box = page.evaluate("""([x, y]) => {
        const gd = document.querySelector('#full-tree-graph .js-plotly-plot');
        Plotly.Fx.unhover(gd);
        gd.scrollIntoView({block: 'center', behavior: 'instant'});  // not Bootstrap's smooth scroll
        const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
        const xr = gd.layout.xaxis.range, yr = gd.layout.yaxis.range;
        return {x: r.left + (x - xr[0]) / (xr[1] - xr[0]) * r.width,
                y: r.bottom - (y - yr[0]) / (yr[1] - yr[0]) * r.height};
    }""", [x, y])
    page.wait_for_function("() => !document.querySelector('#full-tree-graph .hoverlayer .hovertext')",
                           timeout=10_000)
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.mouse.move(box["x"], box["y"])
    page.wait_for_selector("#full-tree-graph .hoverlayer .hovertext", timeout=10_000)
    return page.evaluate("""() => document.querySelector(
        '#full-tree-graph .hoverlayer .hovertext').textContent""")
