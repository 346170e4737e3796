"""Do background jobs get lost? bench/load.py at N analysts, every tree a job, per job start.

    python bench/jobs_load.py [--variants launcher stock forkserver] [--rounds 3] [--users 20]

Why: forking a job from a threaded gunicorn worker used to lose about one job in four (the
child inherited SQLite lock state and waited out diskcache's 60 s timeout; README, "Bad input,
limits and load"). This re-measures that for each way of starting a local job process
(``DENDRO_JOB_MANAGER``, see ``components.jobs.managers.JOB_STARTS``):

- ``launcher``: our job server (``components/jobs/launcher.py``);
- ``stock``: Dash's own ``DiskcacheManager`` (a plain ``multiprocess`` fork of the worker);
- ``forkserver``: Dash's own, with ``multiprocess.set_start_method("forkserver")``.

Each round starts a fresh gunicorn (the browser tests' setup: 2 workers x 4 threads, fresh data
directory, 127.0.0.1) per variant, with ``DENDRO_BACKGROUND_ROWS=1000`` so every analyst's tree
(5,000 + i rows) is a background job, and plays ``bench/load.py``'s analysts once. The variants
are interleaved and their order rotates each round, so a change in the machine's load hits all
of them alike. Counted per run: trees that did not arrive ("failed jobs": the analyst's status
is not its tree; each one is also an error), all errors, render p50/p95 (upload -> tree drawn,
job included), cut p95, and in the server log diskcache ``Timeout``s, skipped progress updates
and jobs that ended without a result.

Bounded: at most 5 rounds, 50 analysts, 200 cuts; a deadline per run; loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py)

from components.jobs.managers import JOB_STARTS  # noqa: E402
from tests.browser import harness  # noqa: E402

LOG_MARKS = {"timeouts": "Timeout", "progress_skipped": "progress update skipped",
             "no_result": "ended without a result", "tracebacks": "Traceback"}


#: Where each run's server log is kept (--logs), for reading what went wrong.
LOG_DIR: Path | None = None


def one_run(variant: str, users: int, rows: int, cuts: int, deadline: float) -> dict:
    env = {"DENDRO_BACKGROUND_ROWS": "1000", "DENDRO_JOB_MANAGER": variant}
    server = harness.start_server("gunicorn", timeout=90, extra_env=env)
    try:
        r = load.run(users, server.url, rows, cuts, deadline)
        time.sleep(1.0)  # let the last job processes write their log lines
        log = server.log_tail(10**9)
        if LOG_DIR:
            (LOG_DIR / f"{variant}-{time.strftime('%H%M%S')}.log").write_text(log)
    finally:
        server.stop()
    out = {"variant": variant, "N": users, "failed_jobs": r["failed_trees"], "errors": r["errors"],
           "crosstalk": r["crosstalk"], "render_p50_s": r["render_p50_s"],
           "render_p95_s": r["render_p95_s"], "cut_p95_ms": r["cut_p95_ms"],
           "seconds": r["seconds"], "load1": os.getloadavg()[0]}
    out.update({k: log.count(mark) for k, mark in LOG_MARKS.items()})
    out["first_error"] = (r["error_text"] or [""])[0][:300]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", nargs="+", default=list(JOB_STARTS), choices=JOB_STARTS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--cuts", type=int, default=30)
    ap.add_argument("--deadline", type=float, default=150.0, help="seconds per run")
    ap.add_argument("--json", type=Path, help="append each run as a JSON line here")
    ap.add_argument("--logs", type=Path, help="keep each run's server log in this directory")
    args = ap.parse_args()
    global LOG_DIR
    LOG_DIR = args.logs
    if LOG_DIR:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
    if args.rounds > 5 or args.users > 50 or args.cuts > 200:
        ap.error("bounded: at most 5 rounds, 50 analysts and 200 cuts each")

    runs: list[dict] = []
    for rnd in range(args.rounds):
        k = rnd % len(args.variants)
        for variant in args.variants[k:] + args.variants[:k]:
            r = one_run(variant, args.users, args.rows, args.cuts, args.deadline)
            r["round"] = rnd + 1
            runs.append(r)
            line = json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                               for k, v in r.items()})
            print(line, flush=True)
            if args.json:
                with args.json.open("a") as f:
                    f.write(line + "\n")

    print()
    print("| job start | runs | failed jobs per run | errors per run | render p95 (s), "
          "median [min–max] | cut p95 (ms), median | log: Timeout / no result |")
    print("|---|---|---|---|---|---|---|")
    for variant in args.variants:
        rs = [r for r in runs if r["variant"] == variant]
        p95 = [r["render_p95_s"] for r in rs]
        print(f"| {variant} | {len(rs)} | {', '.join(str(r['failed_jobs']) for r in rs)} "
              f"of {args.users} | {', '.join(str(r['errors']) for r in rs)} "
              f"| {np.median(p95):.2f} [{min(p95):.2f}–{max(p95):.2f}] "
              f"| {np.median([r['cut_p95_ms'] for r in rs]):.0f} "
              f"| {sum(r['timeouts'] for r in rs)} / {sum(r['no_result'] for r in rs)} |")


if __name__ == "__main__":
    main()
