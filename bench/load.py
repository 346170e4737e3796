"""Load: N simulated analysts at once against gunicorn on this machine (loopback only).

    python bench/load.py [--users 1 5 20] [--rows 5000] [--cuts 30] [--deadline 120] [--hostile 2]
                         [--tab tab-profiles]

Starts the app under gunicorn (the browser tests' setup: 2 workers x 4 threads, a fresh data
directory, 127.0.0.1 on a free port), then for each N plays N analysts as threads. Each one
speaks HTTP exactly as the browser does (``tests/dash_page.DashPage``: the app's own layout and
callback graph, ``/_dash-update-component`` requests, background jobs polled):

1. opens the page (the default example is drawn);
2. uploads its own CSV (``--rows`` + its index rows, so every analyst's n differs) and waits
   for the tree ("render": upload -> dendrogram drawn, background job included);
3. moves the cut ``--cuts`` times with the analysis tab ``--tab`` open (default: the page's
   own, Diagnostics). The cut is recoloured in the browser; what reaches the server are the
   server callbacks that follow the cut from the callback graph (on Diagnostics none: it
   follows the cut in the browser; on Heatmap, Profiles, Evidence, Known columns, Compare
   that tab's) -- "cut" is the time of those requests per move, 0 when there are none, and
   "requests per cut" says how many there were;
4. downloads the labels.

Cross-talk check: the status each analyst sees says its own n, and the labels file has its
own n rows with as many clusters as its own tree gives at its cut. Errors: any HTTP status
other than 200/204, a failed check, or the deadline. The server log is searched for each
analyst's marker (a label written in its CSV): uploaded content must not reach the log.

With ``--hostile K``, K more clients send issue 13's hostile uploads and malformed callback
bodies at the same time (``bench/hostile.py``); their 5xx answers or timeouts count as errors.

Bounded: N in the given list, a fixed number of actions per analyst, a global deadline per N.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.hostile import Hostile, attack  # noqa: E402
from components import ids  # noqa: E402
from components.figures.tree_data import decode_b64  # noqa: E402
from tests.browser import harness  # noqa: E402
from tests.dash_page import CallbackFailed, DashPage  # noqa: E402

CUT = f"{ids.CUT_HEIGHT}.value"


def transport(base: str, counter: list[int], lock: threading.Lock):
    """``get``/``post`` over urllib to ``base`` (loopback), counting requests."""
    assert base.startswith("http://127.0.0.1:"), "loopback only"

    def get(path: str) -> Any:
        with urllib.request.urlopen(base + path.lstrip("/"), timeout=120) as r:
            body = r.read().decode()
        with lock:
            counter[0] += 1
        try:
            return json.loads(body)
        except ValueError:
            return body

    def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        req = urllib.request.Request(base + path.lstrip("/"), data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with lock:
            counter[0] += 1
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        if status == 204 or not raw:
            return status, None
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    return get, post


def analyst_csv(i: int, n: int) -> tuple[bytes, str]:
    """n rows of 4-D blobs (8 centres) with a label column holding this analyst's marker."""
    rng = np.random.default_rng(1000 + i)
    centres = rng.uniform(-50, 50, (8, 4))
    X = centres[rng.integers(0, 8, n)] + rng.standard_normal((n, 4)) * 3
    marker = f"LoadMarker{i:03d}x"
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["name", "a", "b", "c", "d"])
    for r, row in enumerate(X):
        w.writerow([f"{marker}{r}", *(f"{v:.4f}" for v in row)])
    return out.getvalue().encode(), marker


@dataclass
class Result:
    cut: list[float] = field(default_factory=list)
    cut_requests: list[int] = field(default_factory=list)
    render: list[float] = field(default_factory=list)
    download: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crosstalk: int = 0


def play(i: int, base: str, rows: int, cuts: int, deadline: float, out: Result,
         counter: list[int], lock: threading.Lock, tab: str | None = None) -> None:
    n = rows + i
    data, _ = analyst_csv(i, n)
    try:
        page = DashPage(*transport(base, counter, lock))
        page.load()
        t0 = time.perf_counter()
        page.set({f"{ids.UPLOAD}.contents": "data:text/csv;base64," + base64.b64encode(data).decode(),
                  f"{ids.UPLOAD}.filename": f"analyst{i}.csv"})
        out.render.append(time.perf_counter() - t0)
        status = page.get(f"{ids.STATUS_MAIN}.children") or ""
        if not status.startswith(f"n = {n:,} "):
            shown_n = status.split(" ")[2].replace(",", "") if status.startswith("n = ") else ""
            if shown_n.isdigit() and int(shown_n) >= rows and int(shown_n) != n:
                out.crosstalk += 1  # another analyst's tree (theirs are rows + j)
            shown = {k: page.get(k) for k in (f"{ids.COMPUTE_ERROR}.children",
                                              f"{ids.UPLOAD_ERROR}.children",
                                              f"{ids.JOB_NOTE}.children")}
            out.errors.append(f"analyst {i}: status {status!r}, expected n = {n:,}; page shows "
                              f"{json.dumps(shown)[:400]}")
            return
        td = page.get(f"{ids.TREE_DATA}.data")
        gaps = np.sort(decode_b64(td["gaps"]))
        # Heights between the top merges: each move changes k, as a person dragging would.
        top = gaps[-12:]
        heights = [float((top[j] + top[j + 1]) / 2) for j in range(len(top) - 1)]
        if tab and tab != page.get(f"{ids.ANALYSIS_TABS}.active_tab"):
            page.set({f"{ids.ANALYSIS_TABS}.active_tab": tab})  # the tab draws at the cut
        for m in range(cuts):
            if time.monotonic() > deadline:
                out.errors.append(f"analyst {i}: deadline after {m} cuts")
                return
            calls = page.set({CUT: heights[m % len(heights)]})
            sent = [c for c in calls if not c.local]
            out.cut.append(sum(c.seconds for c in sent))
            out.cut_requests.append(len(sent))
        cut = heights[(cuts - 1) % len(heights)]
        k = int((decode_b64(td["gaps"]) > cut).sum()) + 1
        t0 = time.perf_counter()
        page.set({f"{ids.EXPORT_LABELS}.n_clicks": 1})
        out.download.append(time.perf_counter() - t0)
        sent = page.get(f"{ids.DOWNLOAD}.data") or {}
        content = sent.get("content") or ""
        if sent.get("base64"):
            content = base64.b64decode(content).decode()
        table = list(csv.DictReader(io.StringIO(content)))
        clusters = {r["cluster"] for r in table}
        if len(table) != n or len(clusters) != k:
            out.crosstalk += 1
            out.errors.append(f"analyst {i}: labels file has {len(table)} rows / {len(clusters)} "
                              f"clusters, expected {n} / {k}")
    except (CallbackFailed, OSError, KeyError, TypeError, ValueError) as err:
        out.errors.append(f"analyst {i}: {type(err).__name__}: {str(err)[:300]}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values), q))


def run(n_users: int, base: str, rows: int, cuts: int, seconds: float,
        hostile: int = 0, tab: str | None = None) -> dict[str, Any]:
    results = [Result() for _ in range(n_users)]
    counter, lock = [0], threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=play, args=(i, base, rows, cuts, deadline, results[i],
                                                   counter, lock, tab), daemon=True)
               for i in range(n_users)]
    attackers = [Hostile() for _ in range(hostile)]
    # The hostile clients stop when the analysts are done (or at the deadline).
    done = threading.Event()
    threads += [threading.Thread(target=attack, args=(base, deadline, a, done), daemon=True)
                for a in attackers]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads[:n_users]:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    wall = time.perf_counter() - t0
    done.set()
    for t in threads[n_users:]:
        t.join(130)
    hung = sum(t.is_alive() for t in threads)
    cut = [x for r in results for x in r.cut]
    render = [x for r in results for x in r.render]
    download = [x for r in results for x in r.download]
    errors = ([e for r in results for e in r.errors] + [f"hostile: {e}" for a in attackers
                                                         for e in a.errors]
              + [f"{hung} clients still running"] * bool(hung))
    return {"N": n_users, "requests": counter[0], "seconds": wall,
            "throughput": counter[0] / wall, "cuts": len(cut),
            "requests_per_cut": float(np.mean([x for r in results for x in r.cut_requests]
                                              or [float("nan")])),
            "cut_p50_ms": pct(cut, 50) * 1000, "cut_p95_ms": pct(cut, 95) * 1000,
            "render_p50_s": pct(render, 50), "render_p95_s": pct(render, 95),
            "download_p50_ms": pct(download, 50) * 1000,
            "errors": len(errors), "crosstalk": sum(r.crosstalk for r in results),
            # Trees that never arrived (a failed or lost background job, an error shown).
            "failed_trees": sum("expected n =" in e for e in errors),
            "hostile_sent": sum(a.sent for a in attackers),
            "hostile_answered": sum(a.answered for a in attackers),
            "hostile_p95_s": pct([x for a in attackers for x in a.seconds], 95),
            "error_text": errors[:5]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--cuts", type=int, default=30)
    ap.add_argument("--deadline", type=float, default=120.0, help="seconds per N")
    ap.add_argument("--tab", default=None, choices=ids.TABS,
                    help="the analysis tab open while the cut moves (default: the page's own)")
    ap.add_argument("--hostile", type=int, default=0,
                    help="hostile clients sending issue 13's uploads and malformed bodies")
    args = ap.parse_args()
    if max(args.users) > 50 or args.cuts > 200 or args.hostile > 4:
        ap.error("bounded: at most 50 analysts, 200 cuts each and 4 hostile clients")

    server = harness.start_server("gunicorn", timeout=90)
    print(f"gunicorn at {server.url} (2 workers, "
          f"threads from gunicorn.conf.py); n = {args.rows:,}+i rows x 4, {args.cuts} cuts each, "
          f"tab open: {args.tab or 'the default'}")
    rows = []
    try:
        for n_users in args.users:
            r = run(n_users, server.url, args.rows, args.cuts, args.deadline, args.hostile,
                    args.tab)
            rows.append(r)
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}),
                  flush=True)
        log = server.log_tail(10**9)
    finally:
        server.stop()
    leaked = [i for i in range(max(args.users)) if analyst_csv(i, 2)[1] in log]

    print()
    print("| N | requests | req/s | cut moves | requests per cut | cut p50 / p95 (ms) "
          "| render p50 / p95 (s) | labels download p50 (ms) | hostile sent / answered (p95 s) "
          "| errors | cross-talk |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['N']} | {r['requests']:,} | {r['throughput']:.1f} | {r['cuts']:,} "
              f"| {r['requests_per_cut']:.1f} "
              f"| {r['cut_p50_ms']:.0f} / {r['cut_p95_ms']:.0f} "
              f"| {r['render_p50_s']:.2f} / {r['render_p95_s']:.2f} "
              f"| {r['download_p50_ms']:.0f} "
              f"| {r['hostile_sent']} / {r['hostile_answered']} ({r['hostile_p95_s']:.2f}) "
              f"| {r['errors']} | {r['crosstalk']} |")
    print(f"\nuploaded labels in the server log: {len(leaked)} of {max(args.users)} analysts' markers")
    lines = log.splitlines()
    problems = [j for j, line in enumerate(lines)
                if any(w in line for w in ("ERROR", "Error", "Traceback", "failed"))]
    if problems:
        print(f"server log: {len(problems)} error lines; the first with what follows:")
        for line in lines[problems[0]:problems[0] + 40]:
            print("  ", line[:300])
    for r in rows:
        for e in r["error_text"]:
            print("  error:", e)


if __name__ == "__main__":
    main()
