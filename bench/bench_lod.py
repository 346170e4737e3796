"""Zoom frames of the full tree at 100,000 leaves with level of detail (issue 14, goal 3).

    python bench/bench_lod.py [--n 100000] [--repeat 5]

The tree: single linkage of n random 1-D points (built by merging neighbours in gap order,
seconds; the frame cost depends on the tree's shape, not on where Z came from), sent as
``components.figures.lod.lod_payload``. Two measurements of the same zoom sequence (the whole
tree, then windows of 10,000, 1,000, 100 and 40 leaves, and pans at 1,000 leaves):

* ``node``: ``assets/lod.js`` under Node, ``view`` + ``drawing`` per frame (the computation);
* ``chromium``: headless Chromium (``--disable-gpu``), ``dendroLod.render`` then
  ``Plotly.react`` of the result and two animation frames, i.e. from the zoom to the frame
  painted (plotly.js from the ``plotly`` Python package, the same major version as Dash's
  bundle). The drawing is SVG: links and marks as one path shape per colour, leaves as
  markers, the merges' hover trace undrawn.

Medians of ``--repeat`` runs per window; also the build of the compact tree (once per tree)
and the payload's size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lod_trees import chain_free_tree  # noqa: E402

SEED = 3


def tree(n: int) -> np.ndarray:
    """Single linkage of n random 1-D points (monotone Z, depth ~ log n): the browser test's."""
    return chain_free_tree(n, SEED)


def windows(n: int) -> list[tuple[str, float, float]]:
    mid = 10 * n / 2
    out = [("whole tree", 0.0, 10.0 * n)]
    for leaves in (10_000, 1_000, 100, 40):
        if leaves < n:
            out.append((f"{leaves:,} leaves", mid - 5 * leaves, mid + 5 * leaves))
    for step in range(1, 4):
        a = mid + step * 2_500
        out.append(("pan, 1,000 leaves", a - 5_000, a + 5_000))
    return out


NODE_SCRIPT = r"""
const fs = require('fs');
global.atob = (s) => Buffer.from(s, 'base64').toString('binary');
global.window = {};
eval(fs.readFileSync(process.argv[1], 'utf8'));
const L = window.dendroLod;
const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let t0 = performance.now();
const tree = L.fromPayload(input.payload);
const build = performance.now() - t0;
const out = input.windows.map(([name, x0, x1]) => {
  const times = [];
  let w;
  for (let i = 0; i < input.repeat; i++) {
    t0 = performance.now();
    w = L.view(tree, x0, x1, 1000);
    L.drawing(tree, w, input.cut, {palette: input.palette, above: '#8c8c8c'});
    times.push(performance.now() - t0);
  }
  return {name, times, links: w.links.length, marks: w.marks.length, leaves: w.leaves.length};
});
process.stdout.write(JSON.stringify({build, out}));
"""

PAGE_SCRIPT = """
async ([payload, wins, repeat, cut, palette]) => {
  const gd = document.getElementById('g');
  const data = {tree_key: 'bench', payload, labels: null, palette, above: '#8c8c8c'};
  let t0 = performance.now();
  let fig = window.dendroLod.render(data, null, cut, 'g');
  await Plotly.newPlot(gd, fig.data, fig.layout);
  const first = performance.now() - t0;
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = [];
  for (const [name, x0, x1] of wins) {
    const times = [];
    for (let i = 0; i < repeat; i++) {
      t0 = performance.now();
      fig = window.dendroLod.render(data, {'xaxis.range[0]': x0, 'xaxis.range[1]': x1}, cut, 'g');
      await Plotly.react(gd, fig.data, fig.layout);
      await frame();
      times.push(performance.now() - t0);
    }
    out.push({name, times});
  }
  return {first, out};
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from clustering.cut import tree_index
    from components.figures.lod import lod_payload
    from components.figures.palette import PALETTE

    t0 = time.perf_counter()
    Z = tree(args.n)
    payload = lod_payload(Z, tree_index(Z).leaves)
    prep = time.perf_counter() - t0
    cut = float(np.quantile(Z[:, 2], 0.999))
    wins = windows(args.n)
    size_mb = len(json.dumps(payload)) / 1e6
    print(f"# bench_lod: n = {args.n:,}, payload {size_mb:.1f} MB JSON, tree + payload "
          f"{prep:.1f} s in Python, cut at the 99.9th percentile height; medians of "
          f"{args.repeat}; 1,000 px wide")

    node = shutil.which("node")
    node_rows = {}
    if node:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"payload": payload, "windows": wins, "repeat": args.repeat, "cut": cut,
                       "palette": list(PALETTE)}, f)
        proc = subprocess.run([node, "-e", NODE_SCRIPT, str(ROOT / "assets" / "lod.js"),
                               f.name], capture_output=True, text=True, check=True)
        res = json.loads(proc.stdout)
        print(f"# node: compact tree built in {res['build']:.1f} ms")
        node_rows = {r["name"] + str(i): r for i, r in enumerate(res["out"])}

    chromium_rows = {}
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser import harness as h

        plotly_js = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
        html = ("<html><body><div id='g' style='width:1060px;height:420px'></div>"
                f"<script>{plotly_js.read_text()}</script>"
                f"<script>{(ROOT / 'assets' / 'lod.js').read_text()}</script></body></html>")
        with sync_playwright() as pw:
            browser = h.launch_browser(pw)
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.set_content(html)
            res = page.evaluate(PAGE_SCRIPT, [payload, wins, args.repeat, cut, list(PALETTE)])
            browser.close()
        print(f"# chromium: first draw (build + newPlot) {res['first']:.0f} ms")
        chromium_rows = {r["name"] + str(i): r for i, r in enumerate(res["out"])}
    except Exception as err:  # no browser here: the Node rows still stand
        print(f"# chromium: not measured ({type(err).__name__}: {err})")

    print("| window | links | marks | leaves | node ms (median, max) | chromium frame ms (median, max) |")
    print("|---|---:|---:|---:|---:|---:|")
    for i, (name, _, _) in enumerate(wins):
        nr, cr = node_rows.get(name + str(i)), chromium_rows.get(name + str(i))

        def cell(r: dict | None) -> str:
            if not r:
                return "-"
            return f"{statistics.median(r['times']):.1f}, {max(r['times']):.1f}"

        shape = (f"{nr['links']:,} | {nr['marks']:,} | {nr['leaves']:,}" if nr else "- | - | -")
        print(f"| {name} | {shape} | {cell(nr)} | {cell(cr)} |")


if __name__ == "__main__":
    main()
