"""Zoom frames of the full tree at 100,000 leaves with level of detail (issue 14, goal 3).

    python bench/bench_lod.py [--n 100000] [--repeat 5] [--page]

The tree: single linkage of n random 1-D points (built by merging neighbours in gap order,
seconds; the frame cost depends on the tree's shape, not on where Z came from), sent as
``components.figures.lod.lod_payload``. Two measurements of the same zoom sequence (the whole
tree, then windows of 10,000, 1,000, 100 and 40 leaves, and pans at 1,000 leaves):

* ``node``: ``assets/lod.js`` under Node, ``view`` + ``drawing`` per frame (the computation);
* ``chromium``: headless Chromium (``--disable-gpu``), a bare page with plotly.js (from the
  ``plotly`` Python package, the same major version as Dash's bundle) and ``assets/lod.js``:
  each window set with ``Plotly.relayout`` as a zoom box ends one, drawn by lod.js's relayout
  listener (``Plotly.react``), until the new window is drawn and two animation frames
  passed, i.e. from the zoom to the frame painted. The drawing is SVG: links and marks as one path shape per colour, leaves as
  markers, the merges' hover trace undrawn.

* ``page`` (``--page``): the app itself (gunicorn on a free loopback port, a fresh data
  directory): Z uploaded as .npy, the "Full tree" tab open, the same zooms, with Dash and
  the whole page around the graph.

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
  const data = {tree_key: 'bench', payload, labels: null, palette, above: '#8c8c8c'};
  let t0 = performance.now();
  window.dendroLod.render(data, cut, 'g');  // plots the whole tree into #g and follows its zooms
  const first = performance.now() - t0;
  const gd = document.querySelector('#g .js-plotly-plot');
  return {first, out: await (FRAMES)([wins, repeat], gd)};
}
"""

# A zoom as plotly's zoom box ends one (Plotly.relayout of the x range), until the window is
# drawn (the figure's meta is new) and two animation frames passed (the frame: at least two
# frames, ~33 ms); and the main thread's part, until Plotly.relayout returned (plotly's
# relayout and lod.js's redraw, run in its relayout event); windows in turn.
FRAMES = """
async ([wins, repeat], graph) => {
  const gd = graph || document.querySelector('#full-tree-graph .js-plotly-plot');
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = wins.map(([name]) => ({name, times: [], work: []}));
  for (let round = 0; round < repeat; round++) {
    for (let w = 0; w < wins.length; w++) {
      const before = gd.layout.meta;
      const t0 = performance.now();
      await Plotly.relayout(gd, {'xaxis.range[0]': wins[w][1], 'xaxis.range[1]': wins[w][2]});
      out[w].work.push(performance.now() - t0);  // plotly's relayout and lod.js's redraw in it
      while (gd.layout.meta === before && performance.now() - t0 < 10000) {
        await new Promise(r => requestAnimationFrame(r));
      }
      await frame();
      out[w].times.push(performance.now() - t0);
    }
  }
  return out;
}
"""


def page_frames(Z: np.ndarray, wins: list, repeat: int) -> dict:
    """Zoom frames through the app's own page (the "Full tree" tab), by window."""
    from tests.browser import harness as h

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.npy"
        np.save(path, Z)
        with h.browser_session() as (server, browser):
            context = browser.new_context(viewport=h.VIEWPORT)
            page = h.new_page(context)
            page.goto(server.url)
            h.upload_file(page, path, timeout=300)
            h.wait_dendrogram(page, timeout=300)
            page.get_by_role("tab", name="Full tree").click()
            page.wait_for_function("""() => { const gd = document.querySelector(
                '#full-tree-graph .js-plotly-plot'); return gd && gd.layout && gd.layout.meta; }""",
                                   timeout=120_000)
            res = page.evaluate(FRAMES, [wins, repeat])
            context.close()
    return {r["name"] + str(i): r for i, r in enumerate(res)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--page", action="store_true",
                        help="also time the frames through the app's page (starts the app)")
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
            res = page.evaluate(PAGE_SCRIPT.replace("FRAMES", FRAMES),
                                [payload, wins, args.repeat, cut, list(PALETTE)])
            browser.close()
        print(f"# chromium: first draw (build + newPlot) {res['first']:.0f} ms")
        chromium_rows = {r["name"] + str(i): r for i, r in enumerate(res["out"])}
    except Exception as err:  # no browser here: the Node rows still stand
        print(f"# chromium: not measured ({type(err).__name__}: {err})")

    page_rows = page_frames(Z, wins, args.repeat) if args.page else {}

    print("| window | links | marks | leaves | node ms (median, max) | chromium frame ms "
          "(median, max) | page frame ms (median, max) | page main thread ms (median, max) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for i, (name, _, _) in enumerate(wins):
        nr, cr = node_rows.get(name + str(i)), chromium_rows.get(name + str(i))
        pr = page_rows.get(name + str(i))

        def cell(r: dict | None) -> str:
            if not r:
                return "-"
            return f"{statistics.median(r['times']):.1f}, {max(r['times']):.1f}"

        shape = (f"{nr['links']:,} | {nr['marks']:,} | {nr['leaves']:,}" if nr else "- | - | -")
        work = {"times": pr["work"]} if pr else None
        print(f"| {name} | {shape} | {cell(nr)} | {cell(cr)} | {cell(pr)} | {cell(work)} |")


if __name__ == "__main__":
    main()
