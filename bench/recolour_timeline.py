"""Where a cut drag's time goes, in headless Chromium: a timeline per drag.

    python bench/recolour_timeline.py [--example blobs-20k] [--drags 5] [--typed]

For each drag (as bench/bench_browser.py does it) prints, in ms after the mouse release: every
``Plotly.react``/``relayout``/``restyle`` per graph (with its synchronous time), every run of the
page's clientside cut functions (``applyCut``, ``highlight``, ``writeUrl``, ``gate``) with what
triggered it, and every callback request. The gaps between entries are the browser drawing
(compositor commits of the frames; see a Chromium trace for those). With ``--typed`` the cut is typed into max_d instead (times after Enter).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_browser as bb  # noqa: E402
import browser_paths as paths  # noqa: E402

from tests.browser import harness  # noqa: E402

# Wraps Plotly's drawing calls, fetch and the clientside cut functions to log into window.__tl.
_INIT = r"""
window.__tl = [];
(function wait() {
  if (!window.Plotly || !window.Plotly.react) { setTimeout(wait, 20); return; }
  ['react', 'newPlot', 'restyle', 'relayout'].forEach(function (fn) {
    var orig = window.Plotly[fn];
    window.Plotly[fn] = function (gd) {
      var id = (gd && gd.parentElement && gd.parentElement.id) || (gd && gd.id) || '?';
      var t0 = performance.now();
      var r = orig.apply(this, arguments);
      window.__tl.push({fn: fn, what: id, start: t0, sync: performance.now() - t0});
      return r;
    };
  });
  var origFetch = window.fetch;
  window.fetch = function (url, opts) {
    var body = (opts && opts.body) ? String(opts.body).slice(0, 60) : '';
    window.__tl.push({fn: 'request', what: body, start: performance.now(), sync: 0});
    return origFetch.apply(this, arguments);
  };
})();
(function waitClientside() {
  var d = window.dash_clientside;
  if (!d || !d.dendro || !d.inspect || !d.dendroUrl || !d.dendroLazy) {
    setTimeout(waitClientside, 20); return;
  }
  [['dendro', 'applyCut'], ['inspect', 'highlight'], ['dendroUrl', 'writeUrl'],
   ['dendroLazy', 'gate']].forEach(function (p) {
    var orig = d[p[0]][p[1]];
    d[p[0]][p[1]] = function () {
      var ctx = window.dash_clientside.callback_context;
      var trig = (ctx && ctx.triggered) ? ctx.triggered.map(function (t) { return t.prop_id; }).join(',') : '';
      var t0 = performance.now();
      var r = orig.apply(this, arguments);
      window.__tl.push({fn: p[1], what: trig, start: t0, sync: performance.now() - t0});
      return r;
    };
  });
})();
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--example", default="blobs-20k")
    ap.add_argument("--drags", type=int, default=5)
    ap.add_argument("--server", choices=["dev", "gunicorn"], default=None)
    ap.add_argument("--typed", action="store_true", help="type max_d (Enter) instead of dragging")
    args = ap.parse_args()
    with harness.browser_session(args.server) as (server, browser):
        context = browser.new_context(viewport=harness.VIEWPORT)
        context.add_init_script(_INIT)
        page = harness.new_page(context)
        bb.open_once_more(page, server.url)
        bb.first_view(page, args.example, 120)
        harness.wait_dash_idle(page, timeout=120)
        high, low = bb.drag_heights(page, 120)
        for i in range(args.drags):
            page.evaluate("window.__tl = []")
            # one_drag returns once the page is idle: the follow-up requests are in the log.
            if args.typed:
                ms, k = paths.one_typed(page, high if i % 2 == 0 else low, 60)
                up = page.evaluate("window.__t_enter")
            else:
                ms, k = bb.one_drag(page, high if i % 2 == 0 else low, 60)
                up = page.evaluate("window.__t_up")
            what = "Enter" if args.typed else "drag"
            print(f"{what} {i}: both graphs recoloured after {ms:.0f} ms (k = {k})")
            for r in page.evaluate("window.__tl"):
                print(f"  +{r['start'] - up:7.0f} ms  {r['fn']:9s} {r['what'][:50]:50s} "
                      f"{r['sync']:6.1f} ms")
        context.close()


if __name__ == "__main__":
    main()
