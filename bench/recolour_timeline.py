"""Where a cut drag's time goes, in headless Chromium: a timeline per drag.

    python bench/recolour_timeline.py [--example blobs-20k | --upload] [--drags 5] [--typed]

For each drag (as bench/bench_browser.py does it) prints, in ms after the mouse release: every
``Plotly.react``/``relayout``/``restyle`` per graph (with its synchronous time), every run of the
page's clientside cut functions (``applyCut``, ``highlight``, ``writeUrl``, ``gate``) with what
triggered it, every callback request, every animation frame that came late (the page was busy
before it: JavaScript, or the compositor's commit waiting for the software-WebGL draw), and the
first frame at which each graph's colours and the count text changed (``drawn``). With
``--typed`` the cut is typed into max_d instead (times after Enter), with ``--line`` typed within
the partition the cut is in (to the line drawn there); with ``--upload`` the tree
is an uploaded 20,000 x 10 CSV (as bench/bench_browser.py measures) instead of an example.
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
    var body = (opts && opts.body) ? Math.round(String(opts.body).length / 1024) + " KB " + String(opts.body).slice(0, 50) : "";
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
   ['dendroLazy', 'gate'], ['dendroDiag', 'follow'], ['dendroA11y', 'describe'],
   ['dendroPart', 'paint'], ['dendroPart', 'toHeight'], ['dendroLod', 'render']].forEach(function (p) {
    var orig = d[p[0]] && d[p[0]][p[1]];
    if (!orig) return;
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
// Frames: every animation frame that comes more than 25 ms after the one before (the page was
// busy), the first frame whose colours differ per graph, and the count text changing.
(function frames() {
  var last = performance.now(), seen = {};
  var sig = function (id) {
    var gd = document.querySelector('#' + id + ' .js-plotly-plot');
    if (!gd || !gd._fullData) return '';
    return gd._fullData.map(function (t) {
      var mc = t.marker && t.marker.color, lc = t.line && t.line.color;
      var m = (mc && typeof mc !== 'string' && mc.length) ? mc.length + ':' + mc[0] + mc[mc.length - 1] : String(mc);
      return (t.x ? t.x.length : 0) + '|' + lc + '|' + m;
    }).join(';');
  };
  window.__tlReset = function () {
    seen = {dendrogram: sig('dendrogram'), scatter: sig('scatter')};
    var c = document.getElementById('cluster-count');
    seen.count = c ? c.innerText : '';
  };
  function tick(now) {
    if (window.__tl && seen.dendrogram !== undefined) {
      if (now - last > 25) window.__tl.push({fn: 'frame', what: 'after a ' + Math.round(now - last) + ' ms gap', start: now, sync: 0});
      ['dendrogram', 'scatter'].forEach(function (id) {
        var s = sig(id);
        if (s !== seen[id]) { seen[id] = s; window.__tl.push({fn: 'drawn', what: id + ' has new colours (this frame)', start: now, sync: 0}); }
      });
      var c = document.getElementById('cluster-count');
      var txt = c ? c.innerText : '';
      if (txt !== seen.count) { seen.count = txt; window.__tl.push({fn: 'drawn', what: 'count: ' + txt, start: now, sync: 0}); }
    }
    last = now;
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
// A user-timing mark at the release / Enter: the Chromium trace's clock against performance.now().
['mouseup', 'keydown'].forEach(function (type) {
  window.addEventListener(type, function (e) {
    if (type === 'keydown' && e.key !== 'Enter') return;
    window.__tlMark = e.timeStamp > 0 ? e.timeStamp : performance.now();
    performance.mark('recut-start');
  }, true);
});
"""

# Chromium trace categories for --cpu: tasks with their thread (CPU) time, user-timing marks,
# and the GPU process's command-buffer work (software WebGL).
_TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline",
                     "blink.user_timing", "gpu"]


def cpu_split(trace: dict, windows: list[tuple[float, float]]) -> list[dict[str, float]]:
    """Per window (trace microseconds): the renderer main thread's wall time busy in tasks,
    the CPU time of those tasks, the time it sat waiting for the software-WebGL draw
    (``GLES2::ReadPixels`` at the compositor commit) and the GPU process's WebGL time.

    Wall times grow with the machine's load; the main thread's CPU time much less, so it is
    the number to compare between runs on a shared machine.
    """
    ev = trace["traceEvents"] if isinstance(trace, dict) else trace
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    out = []
    for lo, hi in windows:
        row = {"window_ms": (hi - lo) / 1000, "main_wall_ms": 0.0, "main_cpu_ms": 0.0,
               "webgl_wait_ms": 0.0, "gpu_webgl_ms": 0.0}
        for e in ev:
            if e.get("ph") != "X" or not lo <= e["ts"] <= hi:
                continue
            thread = names.get((e["pid"], e["tid"]), "")
            dur, tdur = e.get("dur", 0) / 1000, e.get("tdur", 0) / 1000
            if thread == "CrRendererMain":
                if e["name"] == "ThreadControllerImpl::RunTask" or e["name"] == "RunTask":
                    row["main_wall_ms"] += min(dur, (hi - e["ts"]) / 1000)
                    row["main_cpu_ms"] += tdur
                elif e["name"] == "GLES2::ReadPixels":
                    row["webgl_wait_ms"] += dur
            elif thread == "CrGpuMain" and e["name"] == "WebGL":
                row["gpu_webgl_ms"] += dur
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--example", default="blobs-20k")
    ap.add_argument("--drags", type=int, default=5)
    ap.add_argument("--server", choices=["dev", "gunicorn"], default=None)
    ap.add_argument("--typed", action="store_true", help="type max_d (Enter) instead of dragging")
    ap.add_argument("--line", action="store_true",
                    help="type heights within the cut's partition (the line moves, nothing "
                         "recolours); implies --typed")
    ap.add_argument("--cpu", action="store_true",
                    help="record a Chromium trace: per re-cut, main-thread CPU ms and the wait "
                         "for the software-WebGL draw (numbers that survive a busy machine)")
    ap.add_argument("--upload", action="store_true",
                    help="upload a new 20,000 x 10 CSV (bench_browser.py's) instead of --example")
    args = ap.parse_args()
    with harness.browser_session(args.server) as (server, browser):
        context = browser.new_context(viewport=harness.VIEWPORT)
        context.add_init_script(_INIT)
        context.add_init_script(paths.REQUEST_LOG_INIT)
        page = harness.new_page(context)
        bb.open_once_more(page, server.url)
        if args.upload:
            import tempfile
            csv = paths.blobs_csv(Path(tempfile.mkdtemp(prefix="timeline-")) / "blobs20k.csv",
                                  seed=2000)
            paths.upload_first_view(page, csv, 180)
        else:
            bb.first_view(page, args.example, 120)
        harness.wait_dash_idle(page, timeout=120)
        high, low = bb.drag_heights(page, 120)
        if args.line:
            args.typed = True
            low, high = paths.same_partition_heights(page, low)  # starts at low: goes to high
        if args.cpu:
            import json
            import tempfile
            trace_path = Path(tempfile.mkdtemp(prefix="timeline-")) / "trace.json"
            browser.start_tracing(page=page, path=str(trace_path), categories=_TRACE_CATEGORIES)
        spans = []
        for i in range(args.drags):
            page.evaluate("window.__tl = []; window.__tlReset()")
            # one_drag returns once the page is idle: the follow-up requests are in the log.
            if args.typed:
                ms, k = paths.one_typed(page, high if i % 2 == 0 else low, 60, line=args.line)
                up = page.evaluate("window.__t_enter")
            else:
                ms, k = bb.one_drag(page, high if i % 2 == 0 else low, 60)
                up = page.evaluate("window.__t_up")
            spans.append((page.evaluate("window.__tlMark"), ms))
            what = "Enter" if args.typed else "drag"
            print(f"{what} {i}: both graphs recoloured after {ms:.0f} ms (k = {k})")
            for r in sorted(page.evaluate("window.__tl"), key=lambda r: r["start"]):
                print(f"  +{r['start'] - up:7.0f} ms  {r['fn']:9s} {r['what'][:50]:50s} "
                      f"{r['sync']:6.1f} ms")
        if args.cpu:
            browser.stop_tracing()
            print_cpu(json.loads(trace_path.read_text()), spans)
        context.close()


def print_cpu(trace: dict, spans: list[tuple[float, float]]) -> None:
    """The --cpu table: each re-cut's window from its ``recut-start`` mark."""
    import statistics

    ev = trace["traceEvents"] if isinstance(trace, dict) else trace
    marks = sorted(e["ts"] for e in ev if e.get("name") == "recut-start")
    if len(marks) < len(spans):
        print(f"(trace has {len(marks)} marks for {len(spans)} re-cuts: no CPU table)")
        return
    # The last marks are the re-cuts' (a drag's own mouseup marks too, once per drag).
    marks = marks[-len(spans):]
    rows = cpu_split(trace, [(m, m + 1000 * ms) for m, (_, ms) in zip(marks, spans, strict=True)])
    keys = ("window_ms", "main_wall_ms", "main_cpu_ms", "webgl_wait_ms", "gpu_webgl_ms")
    print("\nper re-cut, release/Enter to both graphs recoloured (ms):")
    print("  " + "  ".join(f"{k:>14s}" for k in keys))
    for r in rows:
        print("  " + "  ".join(f"{r[k]:14.0f}" for k in keys))
    print("  " + "  ".join(f"{statistics.median(r[k] for r in rows):14.0f}" for k in keys)
          + "   (median)")


if __name__ == "__main__":
    main()
