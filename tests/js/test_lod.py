"""assets/lod.js under Node draws what clustering.lod says: the same links, marks and leaves
for a zoom window, and colours that are fcluster's labels (issue 14, goal 3)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage

from clustering.lod import lod_colours, lod_tree, lod_window
from components.figures.lod import lod_payload
from tests.partitions import same_partition

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="needs Node.js to run assets/lod.js")

_HARNESS = r"""
const fs = require('fs');
global.atob = (s) => Buffer.from(s, 'base64').toString('binary');
global.window = {};
eval(fs.readFileSync(process.argv[1], 'utf8'));
const L = window.dendroLod;
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const tree = L.fromPayload(input.payload);
const out = input.windows.map(([x0, x1, px, t]) => {
  const w = L.view(tree, x0, x1, px, input.maxLinks);
  const drawn = L.drawing(tree, w, t, {palette: input.palette, above: 'grey'});
  const leaves = drawn.data.find(d => d.meta === 'lod-leaves');
  const merges = drawn.data.find(d => d.meta === 'lod-merges');
  return {links: w.links, marks: w.marks, leaves: w.leaves, pixel: w.pixel,
          pos: Array.from(L.clusters(tree, t)),
          paths: drawn.strokes.map(s => [s.colour, s.path, Boolean(s.dot), s.width]),
          leafRows: leaves.customdata, leafColours: leaves.hoverlabel.bgcolor,
          leafMode: leaves.mode,
          merges: {mode: merges.mode, x: merges.x, y: merges.y, text: merges.text}};
});
process.stdout.write(JSON.stringify(out));
"""

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]


def run_js(payload: dict, windows: list, max_links: int = 20_000) -> list[dict]:
    proc = subprocess.run(
        [NODE or "node", "-e", _HARNESS, "--", str(ROOT / "assets" / "lod.js")],
        input=json.dumps({"payload": payload, "windows": windows, "maxLinks": max_links,
                          "palette": PALETTE}),
        capture_output=True, text=True, check=True, timeout=120)
    return json.loads(proc.stdout)


@needs_node
@pytest.mark.parametrize("method", ["ward", "single", "centroid"])
def test_js_view_equals_python(method: str) -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(500, 3)) + rng.integers(0, 5, 500)[:, None] * 4
    Z = linkage(X, method)
    t = lod_tree(Z)
    cut = float(np.quantile(Z[:, 2], 0.97))
    windows = [[0.0, 5000.0, 1000, cut], [0.0, 5000.0, 40, cut], [1200.0, 1500.0, 800, cut],
               [2400.0, 4100.0, 90, cut]]
    got = run_js(lod_payload(Z, leaves_list(Z)), windows)
    for (x0, x1, px, c), js in zip(windows, got, strict=True):
        w = lod_window(t, x0, x1, px)
        assert js["links"] == w.links.tolist()
        assert js["marks"] == w.marks.tolist()
        assert js["leaves"] == w.leaves.tolist()
        assert js["pixel"] == pytest.approx(w.pixel)
        # Clusters of leaf positions are fcluster's labels.
        pos = np.asarray(js["pos"])
        by_row = np.empty_like(pos)
        by_row[t.leaves] = pos
        assert same_partition(by_row, fcluster(Z, c, "distance"))
        # Hover leaves name their rows and carry their cluster's colour.
        assert js["leafRows"] == t.leaves[w.leaves].tolist()
        assert js["leafColours"] == [PALETTE[(p - 1) % 5] for p in pos[w.leaves]]
        # Each link is its U (SciPy's icoord/dcoord) and each mark its stroke from its
        # height to 0, in its colour's path (one path per colour, data units).
        icoord, dcoord = w.icoord_dcoord(t)
        want: dict[str, list] = {}
        for r, xs, ys in zip(w.links, icoord, dcoord, strict=True):
            want.setdefault(colour_of(t, t.n + r, c), []).append(list(zip(xs, ys, strict=True)))
        for v in w.marks:
            want.setdefault(colour_of(t, v, c), []).append([(t.x[v], t.h[v]), (t.x[v], 0.0)])
        got = {}
        dots: dict[str, list] = {}
        for colour, path, dot, width in js["paths"]:
            if dot:  # the leaves: a dot each (a zero-length stroke, round caps), 5 px wide
                assert width == 5 and colour not in dots, "one dot path per colour"
                dots[colour] = polylines(path)
                continue
            assert width == 1.5 and colour not in got, "one path per colour"
            got[colour] = polylines(path)
        assert got.keys() == want.keys()
        for colour, lines in want.items():
            assert sorted(got[colour]) == sorted(lines), colour
        # Each shown leaf is a dot at (its x, 0) in its cluster's colour; its hover trace
        # draws nothing.
        want_dots: dict[str, list] = {}
        for p in w.leaves:
            want_dots.setdefault(PALETTE[(pos[p] - 1) % 5], []).append([(10.0 * p + 5, 0.0)] * 2)
        assert dots == want_dots
        assert js["leafMode"] == "none"
        # The merges' hover trace draws nothing and names each drawn link's merge at its top.
        merges = js["merges"]
        assert merges["mode"] == "none"
        assert merges["x"] == pytest.approx(t.x[t.n + w.links].tolist())
        assert merges["y"] == pytest.approx(t.h[t.n + w.links].tolist())
        assert [int(s.split()[1]) for s in merges["text"]] == w.links.tolist()


def colour_of(t: object, node: int, cut: float) -> str:
    g = lod_colours(t, [node], cut)[0]
    return "grey" if g == 0 else PALETTE[(g - 1) % 5]


def polylines(path: str) -> list[list[tuple[float, float]]]:
    """An SVG path of M/L commands as its polylines of (x, y) points."""
    out: list[list[tuple[float, float]]] = []
    for piece in re.findall(r"([ML])([^ML]+)", path):
        x, y = (float(v) for v in piece[1].split(","))
        if piece[0] == "M":
            out.append([])
        out[-1].append((x, y))
    return out


@needs_node
def test_js_max_links_bound() -> None:
    x = np.cumsum(1 + 1e-3 * np.arange(400))[:, None]
    Z = linkage(x, "single")
    got = run_js(lod_payload(Z, leaves_list(Z)), [[0.0, 4000.0, 4000, 1.0]], max_links=60)
    w = lod_window(lod_tree(Z), 0.0, 4000.0, 4000, max_links=60)
    assert got[0]["links"] == w.links.tolist() and len(w.links) <= 60
