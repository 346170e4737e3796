"""The paths bench/bench_browser.py times (issue 14): an upload's first view split into phases,
a re-cut typed into max_d, and the callback requests of a first page load.

Every time is read in the page with ``performance.now()``; requests are logged by a ``fetch``
wrapper installed before any page script (:data:`REQUEST_LOG_INIT`), with their start, end,
response size and, for the tree job, the linkage seconds the server reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tests.browser import harness

# Logs every callback request into window.__req: output, start, end, response bytes, and the
# linkage time of a tree-result answer (read from a clone of small responses only).
REQUEST_LOG_INIT = r"""
(() => {
  window.__req = [];
  const origFetch = window.fetch;
  window.fetch = function (...args) {
    const a = args[0];
    const url = String((a && a.url) || a);
    if (!url.includes('_dash-update-component')) return origFetch.apply(this, args);
    let out = '';
    try { out = JSON.parse(args[1].body).output; } catch (e) { out = '?'; }
    const rec = {out: out, t0: performance.now(), t1: null, bytes: 0, seconds: null};
    window.__req.push(rec);
    return origFetch.apply(this, args).then((resp) => {
      rec.t1 = performance.now();
      const n = Number(resp.headers.get('content-length') || 0);
      rec.bytes = n;
      if (window.__onResponse) window.__onResponse(rec);
      if (out.startsWith('tree-result.data') && n < 100000) {
        resp.clone().text().then((t) => {
          rec.bytes = t.length;
          const m = t.match(/"seconds":\s*([0-9.eE+-]+)/);
          if (m) rec.seconds = Number(m[1]);
        });
      }
      return resp;
    });
  };
})();
"""

#: The dendrogram has lines and a count, its colours differ from ``arg.before``, and the scatter
#: shows ``arg.n`` rows (the upload's tree, not the example the page opened with).
_DRAWN_JS = """(arg) => {
  const before = arg.before;
  const sc = document.querySelector('#scatter .js-plotly-plot');
  if (!sc || !sc._fullData) return false;
  let rows = 0;
  for (const t of sc._fullData) if (t.meta === 'points' && t.x) rows += t.x.length;
  if (rows !== arg.n) return false;
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const count = document.getElementById('cluster-count');
  if (!gd || !gd._fullData || !count || !/\\d/.test(count.innerText)) return false;
  if (!gd._fullData.some(t => (t.mode || '').includes('lines') && t.x && t.x.length > 0)) return false;
  const sig = gd._fullData.map(t => (t.x ? t.x.length : 0) + '|' + String(t.line && t.line.color)).join(';');
  if (sig === before) return false;
  return performance.now();
}"""

# Watches for _DRAWN_JS from inside the page, checking every animation frame only once a draw
# answer with figures has come (told by REQUEST_LOG_INIT's hook, so nothing runs before: the
# tree cannot be drawn before its figure arrives). A check every frame from the file chosen on (Playwright's
# ``polling="raf"``, used before 2 Dec) keeps Chromium making frames: 130-250 ms of its CPU a
# second on an idle page (7-10 with a check every 100 ms; scratch, three alternations), taken
# from the linkage the page waits for, which no analyst's page pays.
_WATCH_DRAWN_JS = """(arg) => {
  window.__drawnAt = null;
  const drawn = """ + _DRAWN_JS + """;
  const frame = () => {
    const t = drawn(arg);
    if (t) window.__drawnAt = t; else requestAnimationFrame(frame);
  };
  let started = false;
  window.__onResponse = (rec) => {
    // A draw answer with figures (a redraw refused while the job runs answers 28 bytes).
    if (!started && rec.out.includes('dendrogram.figure') && !(rec.bytes > 0 && rec.bytes < 2000)) {
      started = true;
      requestAnimationFrame(frame);
    }
  };
}"""

_SIG_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  if (!gd || !gd._fullData) return '';
  return gd._fullData.map(t => (t.x ? t.x.length : 0) + '|' + String(t.line && t.line.color)).join(';');
}"""


def blobs_csv(path: Path, seed: int, n: int = 20_000, d: int = 10) -> Path:
    """A CSV of ``n`` rows × ``d`` columns: 8 Gaussian blobs (seeded, so each repeat is new
    content and the server's memo cannot answer it)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(8, d))
    X = centres[rng.integers(0, 8, n)] + rng.normal(size=(n, d))
    header = ",".join(f"x{j}" for j in range(d))
    np.savetxt(path, X, delimiter=",", header=header, comments="", fmt="%.6g")
    return path


def requests_at_load(browser: Any, url: str) -> tuple[int, list[str]]:
    """Callback requests a fresh page makes until it is quiet (default tab open)."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.add_init_script(REQUEST_LOG_INIT)
    try:
        page = harness.new_page(context)
        harness.open_app(page, url)
        harness.wait_dash_idle(page, quiet_ms=1000)
        outs = page.evaluate("window.__req.map(r => r.out)")
        return len(outs), outs
    finally:
        context.close()


def _span(reqs: list[dict], pick: Any) -> tuple[float, float] | None:
    got = [r for r in reqs if pick(r["out"]) and r["t1"] is not None]
    if not got:
        return None
    return min(r["t0"] for r in got), max(r["t1"] for r in got)


def upload_first_view(page: Any, csv: Path, timeout_s: float, n_rows: int = 20_000,
                      cpu: Any = None) -> dict[str, float]:
    """Upload ``csv`` with the file input; seconds to the dendrogram drawn, and its phases.

    Phases (ms): ``read`` file chosen to the upload request sent (the browser's base64);
    ``upload`` that request (server: decode, guess and read once, store, prepare);
    ``describe`` the preview request; ``to_job`` upload answered to the tree job's first
    request (the upload starts the job itself since issue 14: the browser's handling of the
    upload's answer); ``job`` the job's requests (start, polls; ``linkage`` its own linkage
    seconds); ``render`` the draw request (geometry, figures, transfer: ``render_kb``);
    ``paint`` figure received to the tree drawn in the page; ``after`` the request that
    follows the first view (cophenetic correlation, then a big Ward tree's tie check), not
    part of it; ``browser_cpu`` the CPU ms the browser used from the file chosen to the tree
    drawn, when ``cpu`` (a function: the browser's CPU seconds so far) is given.
    """
    harness.wait_dash_idle(page, quiet_ms=1000, timeout=timeout_s)  # the example drawn
    page.evaluate("window.__req = []")
    before = page.evaluate(_SIG_JS)
    page.evaluate(_WATCH_DRAWN_JS, {"before": before, "n": n_rows})
    cpu0 = cpu() if cpu else None
    t0 = page.evaluate("performance.now()")
    page.locator(f"#{'upload'} input[type=file]").set_input_files(str(csv))
    done = page.wait_for_function("() => window.__drawnAt || false", polling=100,
                                  timeout=timeout_s * 1000).json_value()
    cpu1 = cpu() if cpu else None
    harness.wait_dash_idle(page, timeout=timeout_s)
    reqs = page.evaluate("window.__req")
    up = _span(reqs, lambda o: o.startswith("..dataset.data") or ".dataset.data" in o)
    desc = _span(reqs, lambda o: "preview.children" in o)
    job = _span(reqs, lambda o: o.startswith("tree-result.data@"))
    render = [r for r in reqs if "dendrogram.figure" in r["out"] and "tree-data.data" in r["out"]]
    out = {"first_view_s": (done - t0) / 1000.0}
    if cpu:
        out["browser_cpu"] = 1000.0 * (cpu1 - cpu0)
    if up:
        out["read"] = up[0] - t0
        out["upload"] = up[1] - up[0]
    if desc:
        out["describe"] = desc[1] - desc[0]
    if up and job:
        out["to_job"] = job[0] - up[1]
        out["job"] = job[1] - job[0]
        secs = [r["seconds"] for r in reqs if r.get("seconds")]
        out["linkage"] = 1000.0 * secs[-1] if secs else float("nan")
        out["polls"] = sum(1 for r in reqs if r["out"].startswith("tree-result.data@"))
    if render:
        r = render[-1]
        out["render"] = r["t1"] - r["t0"]
        out["render_kb"] = r["bytes"] / 1024
        out["paint"] = done - r["t1"]
        if job:
            out["job_to_render"] = r["t0"] - job[1]
    after = _span(reqs, lambda o: "cophenetic.children" in o)
    if after:
        out["after"] = after[1] - after[0]
    out["requests"] = len(reqs)
    return out


# Colours of the tree's traces and the scatter's markers, as one string per graph.
COLOURS_JS = """() => {
  const sig = (id) => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    if (!gd || !gd._fullData) return '';
    return gd._fullData.map(t => {
      const n = t.x ? t.x.length : 0;
      const lc = t.line ? String(t.line.color) : '';
      const mc = t.marker ? t.marker.color : undefined;
      let m = '';
      if (mc && mc.length !== undefined && typeof mc !== 'string') {
        // Sample the colour array: a recolour changes a large share of it.
        const step = Math.max(1, Math.floor(mc.length / 512));
        for (let i = 0; i < mc.length; i += step) m += mc[i] + ',';
      } else m = String(mc);
      return n + '|' + lc + '|' + m;
    }).join(';');
  };
  return [sig('dendrogram'), sig('scatter')];
}"""


# Where the tree's cut line is drawn (plotly's own layout, after a redraw), as one string.
LINE_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const s = gd && gd._fullLayout && gd._fullLayout.shapes && gd._fullLayout.shapes[0];
  return s ? [String(s.x0) + ',' + String(s.y0), ''] : ['', ''];
}"""


# Armed at the release (mouseup) or Enter (keydown), in the page: from then, every animation
# frame checks whether both graphs' colours (and, when asked, the count) differ from before.
# The rAF callback in which they first do is in the first frame that shows them ("frame"); that
# frame's rendering (style, layout, paint, the software-WebGL read-back) ends where Chromium's
# Long Animation Frame entry for it ends ("painted"; a frame under 50 ms has no entry, and then
# painted is the rAF time). Watching from inside the page matters: a check sent by Playwright
# after the action runs only once the page's main thread is free again, after the follow-up
# callbacks (the link, the tabs, the slider text), later than the graphs were painted. That
# time is kept too ("free"; what this bench reported as the re-cut before 30 Nov 2026).
# With arg.line, what must change is the line's place on the tree (a cut in the same partition).
_WATCH_JS = """(arg) => {
  const sig = arg.line ? (""" + LINE_JS + """) : (""" + COLOURS_JS + """);
  window.__recut = null;
  window.__recutSeen = false;
  const changed = () => {
    const now = sig();
    if (now[0] === arg.before[0] || (!arg.line && now[1] === arg.before[1])) return false;
    if (arg.count === null) return true;
    const c = document.getElementById('cluster-count');
    return c !== null && c.innerText !== arg.count;
  };
  const frames = [];
  const obs = new PerformanceObserver((list) => { frames.push(...list.getEntries()); });
  let armed = false;
  const arm = (e) => {
    if (armed || (arg.type === 'keydown' && e.key !== 'Enter')) return;
    armed = true;
    // The event's own time: the page's handlers of this very event (cut_now.js draws the
    // recolour in them) may run before this one.
    const t0 = e.timeStamp > 0 ? e.timeStamp : performance.now();
    window.__t_up = window.__t_enter = t0;
    obs.observe({type: 'long-animation-frame'});
    const settle = (seen, tries) => {
      const f = frames.find((x) => x.renderStart > 0 && x.startTime <= seen &&
                                   seen <= x.startTime + x.duration);
      if (!f && tries > 0) { setTimeout(() => settle(seen, tries - 1), 50); return; }
      obs.disconnect();
      window.__recut = {frame: seen - t0, painted: (f ? f.startTime + f.duration : seen) - t0,
                        loaf: !!f};
    };
    const tick = () => {
      if (!changed()) { requestAnimationFrame(tick); return; }
      const seen = performance.now();
      window.__recutSeen = true;
      setTimeout(() => settle(seen, 20), 0);
    };
    requestAnimationFrame(tick);
  };
  document.addEventListener(arg.type, arm, {capture: true});
  window.__recutDisarm = () => document.removeEventListener(arg.type, arm, {capture: true});
}"""


def watch_recut(page: object, kind: str, count: str | None, line: bool = False) -> None:
    """Arm the in-page watcher for the next mouse release ("mouseup") or Enter ("keydown");
    ``line``: watch for the cut line's move, not new colours."""
    page.evaluate(_WATCH_JS, {"before": page.evaluate(LINE_JS if line else COLOURS_JS),
                              "type": kind, "count": count, "line": line})


def recut_done(page: object, timeout_s: float) -> tuple[float, float]:
    """(painted ms, free ms) of the armed re-cut: see ``_WATCH_JS``."""
    handle = page.wait_for_function("() => window.__recutSeen && performance.now() - window.__t_up",
                                    polling="raf", timeout=timeout_s * 1000)
    free = handle.json_value()
    done = page.wait_for_function("() => window.__recut", polling=50, timeout=timeout_s * 1000)
    painted = done.json_value()["painted"]
    page.evaluate("() => window.__recutDisarm()")
    return painted, free


#: The last re-cut's "free" time (see ``_WATCH_JS``), for the callers that report it.
LAST: dict[str, float] = {}


def one_typed(page: Any, height: float, timeout_s: float, line: bool = False
              ) -> tuple[float, int]:
    """Milliseconds from Enter in max_d to both graphs recoloured and the new count shown
    (painted; the time the page was free again goes to ``LAST["free_ms"]``). ``line``: a
    height in the same partition, to the line drawn at it (nothing to recolour, same count)."""
    box = page.locator("#cut-height")
    box.click()
    box.fill(repr(float(height)))
    watch_recut(page, "keydown", None if line else harness.text_of(page, "cluster-count"), line)
    box.press("Enter")
    ms, LAST["free_ms"] = recut_done(page, timeout_s)
    harness.wait_dash_idle(page, timeout=timeout_s)
    return ms, harness.cluster_count(page)


def same_partition_heights(page: Any, height: float) -> tuple[float, float]:
    """``height`` and a second height a little above it that cuts the page's tree into the
    same clusters (the page's own rule, ``dendro.liveCut``), for line-only re-cuts."""
    other = page.evaluate("""(h) => {
      const D = window.dash_clientside.dendro, k = D.liveCut(h).k;
      for (const f of [0.02, 0.01, 0.005, 0.002, 0.001, 0.0001]) {
        const t = Number((h * (1 + f)).toPrecision(6));
        if (t !== h && D.liveCut(t).k === k) return t;
      }
      return null;
    }""", height)
    if other is None:
        raise RuntimeError(f"no second height in the partition at {height}")
    return height, float(other)


def dump(rows: Any) -> str:
    """The rows as JSON (for a later comparison on a quiet machine)."""
    return json.dumps(rows, indent=1, default=float)


# The linkage alone, as a notebook would run it on the same CSV: read, prepare with the page's
# defaults, link (no tie check, as the tree job), in a fresh process while the browser is idle.
_ALONE = r"""
import sys
from pathlib import Path
from clustering.linkage import compute_linkage
from clustering.prepare import prepare
from clustering.tables import read_table
p = Path(sys.argv[1])
X = prepare(read_table(p.read_bytes(), p.name)).matrix
print(compute_linkage(X, "ward", "euclidean", check_ties=False).seconds)
"""


#: The core ``bench_browser.py --split-cores`` gave the server; the linkage alone runs there too.
SPLIT_CORE: int | None = None


def linkage_alone(csv: Path) -> float:
    """Milliseconds of ward on ``csv`` in a process of its own, with nothing else running: the
    linkage the page's first view is compared with (in the page it competes with the browser
    for this machine's two cores)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    pin = [] if SPLIT_CORE is None else ["taskset", "-c", str(SPLIT_CORE)]
    out = subprocess.run([*pin, sys.executable, "-c", _ALONE, str(csv)], cwd=root, check=True,
                         capture_output=True, text=True, timeout=600)
    return 1000.0 * float(out.stdout.strip().splitlines()[-1])
