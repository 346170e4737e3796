"""Merge support (pvclust's multiscale bootstrap) and cluster stability: ours against R.

    python bench/bench_support.py [--n 200] [--d 10] [--nboot 1000] [--method average]
                                  [--workers 1] [--skip-r] [--stability-n 5000]
                                  [--extrapolate-to 1000]

The issue's benchmark in one run (R would take ~980 s for the full 1,000 x 10 at n = 500, so
both sides time a fixed small number of replicates and the times are extrapolated)::

    python bench/bench_support.py --n 500 --nboot 20 --extrapolate-to 1000 --workers 2 \
        --stability-n 5000

Data: Gaussian blobs (4 centres, d features, seed 0). Ours: ``merge_support`` with
pvclust's default scales (r = 0.5 ... 1.4), in ``--workers`` processes (chunks of 50
replicates, ``count_clades`` per chunk, counts summed). R: ``pvclust(t(X), method.hclust,
method.dist = "euclidean", nboot, parallel = FALSE)`` in the same run, timed inside R
(``system.time``) and as wall time of the Rscript call. Both wall times are printed with the
load average, since the machine is shared. The AU values of both sides are compared per
clade (clades matched as sets of rows) as a sanity check.
Optionally (``--stability-n``) times ``cluster_stability`` with 100 bootstraps (ward, k = 4).

How the work scales with workers (``--scaling``, for the README)::

    python bench/bench_support.py --scaling --n 500 --nboot 100 --skip-r

times the three replicate kinds of the Evidence tab (feature bootstrap at 10 scales, row
subsampling, stability at k = 4), each as the job runs them (the same chunk sizes as
``components/jobs/replicates.py``, chunks spread over a pool of forked processes), with 1 and
then 2 worker processes, and prints a table: wall seconds, the speed-up, and the load average
(the machine is shared, so a busy neighbour makes the speed-up smaller than the cores allow).
A Celery worker runs the same chunk bodies, one task per chunk, so k single-process workers
scale the same way as k local processes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clustering.support import (  # noqa: E402
    count_clades,
    plan_support,
    pvclust_arguments,
    replicate_chunks,
    summarise_support,
)
from clustering.support_trees import _clade_keys  # noqa: E402


def blobs(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2.0, (4, d))
    return centres[rng.integers(0, 4, n)] + rng.normal(0, 1.0, (n, d))


def _chunk(args):
    plan, b0, b1 = args
    return count_clades(plan, b0, b1)


def ours(X, method, nboot, workers):
    t0, c0 = time.perf_counter(), time.process_time()
    plan = plan_support(X, method, "euclidean", n_boot=nboot, seed=0)
    jobs = [(plan, b0, b1) for b0, b1 in replicate_chunks(nboot, 50)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_chunk, jobs))
    else:
        parts = [_chunk(j) for j in jobs]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    ms = summarise_support(plan, total)
    return time.perf_counter() - t0, time.process_time() - c0, plan, ms


def r_side(X, method, nboot):
    args = pvclust_arguments(method, "euclidean")
    with tempfile.TemporaryDirectory() as tmp:
        pd.DataFrame(X).to_csv(Path(tmp, "X.csv"), index=False)
        script = f"""
suppressMessages(library(pvclust))
X <- as.matrix(read.csv("{tmp}/X.csv"))
st <- system.time(res <- pvclust(t(X), method.hclust = {args['method.hclust']},
    method.dist = {args['method.dist']}, nboot = {nboot}, parallel = FALSE, iseed = 1,
    quiet = TRUE))
e <- res$edges
e$members <- sapply(pvclust:::hc2split(res$hclust)$member, function(m) paste(m - 1, collapse = ";"))
write.csv(e, "{tmp}/edges.csv", row.names = FALSE)
write.csv(res$count, "{tmp}/count.csv", row.names = FALSE)
cat(st[["elapsed"]], st[["user.self"]], "\\n", file = "{tmp}/time.txt")
"""
        Path(tmp, "s.R").write_text(script)
        t0 = time.perf_counter()
        subprocess.run(["Rscript", "--vanilla", str(Path(tmp, "s.R"))], check=True)
        wall = time.perf_counter() - t0
        elapsed, user = map(float, Path(tmp, "time.txt").read_text().split())
        edges = pd.read_csv(Path(tmp, "edges.csv"))
        bp = pd.read_csv(Path(tmp, "count.csv")).to_numpy() / nboot
        edges["n_used"] = ((bp > 0.001) & (bp < 0.999)).sum(axis=1)  # scales in msfit's fit
        return wall, elapsed, user, edges


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--nboot", type=int, default=1000)
    ap.add_argument("--method", default="average")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--skip-r", action="store_true")
    ap.add_argument("--stability-n", type=int, default=0)
    ap.add_argument("--save", help="folder to write both sides' tables to (CSV)")
    ap.add_argument("--extrapolate-to", type=int, default=0,
                    help="also print both times scaled to this many replicates per scale "
                         "(time per replicate x N; the AU comparison needs a real nboot)")
    a = ap.parse_args()
    X = blobs(a.n, a.d)
    print(f"n = {a.n}, d = {a.d}, nboot = {a.nboot} x 10 scales, {a.method}/euclidean; "
          f"load average at start {os.getloadavg()[0]:.1f}", flush=True)
    secs, cpu, plan, ms = ours(X, a.method, a.nboot, a.workers)
    print(f"ours ({a.workers} process{'es' if a.workers > 1 else ''}): {secs:.1f} s wall, "
          f"{cpu:.1f} s CPU in this process (load {os.getloadavg()[0]:.1f})", flush=True)
    if not a.skip_r:
        wall, elapsed, user, edges = r_side(X, a.method, a.nboot)
        print(f"R pvclust (parallel = FALSE): {elapsed:.1f} s elapsed, {user:.1f} s user, "
              f"{wall:.1f} s wall with start-up (load {os.getloadavg()[0]:.1f})")
        print(f"speed-up (R elapsed / ours): {elapsed / secs:.1f}x")
        if a.extrapolate_to:
            f = a.extrapolate_to / a.nboot
            print(f"extrapolated to {a.extrapolate_to} replicates x 10 scales: ours "
                  f"{secs * f:.0f} s, R (parallel = FALSE) {elapsed * f:.0f} s, "
                  f"R / ours {elapsed / secs:.1f}x (R parallel = TRUE took 982 s here for "
                  f"n = 500: {982 / (secs * f):.1f}x)")
            a.save = None
        if a.save:
            Path(a.save).mkdir(parents=True, exist_ok=True)
            edges.to_csv(Path(a.save, "r_edges.csv"), index=False)
            ms.table.to_csv(Path(a.save, "ours.csv"))
            np.save(Path(a.save, "ours_counts.npy"), ms.counts)
    if not a.skip_r and not a.extrapolate_to:
        n = X.shape[0]
        keys = _clade_keys(plan.Z, [1 << i for i in range(n)])
        row_of = {key: r for r, key in enumerate(keys)}
        rows = []
        for _, e in edges.iterrows():
            key = sum(1 << int(v) for v in str(e["members"]).split(";"))
            r = row_of.get(key)
            if r is None:
                continue
            t = ms.table.iloc[r]
            for q in ("au", "bp"):
                diff = abs(t[q] - e[q])
                tol = 4 * np.hypot(t[f"se_{q}"], e[f"se.{q}"]) + 0.02
                firm = min(t["n_used"], e["n_used"]) >= 5
                rows.append((q, diff, diff > tol, firm))
        cmp = pd.DataFrame(rows, columns=["q", "diff", "beyond", "firm"])
        print(f"clades matched: {len(cmp) // 2} of {n - 1}")
        for firm, part in cmp.groupby("firm"):
            label = ("fitted on >= 5 scales on both sides" if firm else
                     "fitted on < 5 scales on a side (bp within 0.001 of 0 or 1 elsewhere)")
            for q, sub in part.groupby("q"):
                print(f"  {q.upper()}, {label}: {len(sub)} clades, |ours - R| median "
                      f"{sub['diff'].median():.3f}, max {sub['diff'].max():.3f}; beyond "
                      f"4 combined SE + 0.02: {int(sub['beyond'].sum())}")
    if a.stability_n:
        from clustering.stability import bootstrap_jaccard, plan_stability, summarise_stability
        Xs = blobs(a.stability_n, a.d, seed=1)
        t0 = time.perf_counter()
        splan = plan_stability(Xs, "ward", "euclidean", 4, n_boot=100, seed=0)
        bounds = replicate_chunks(100, 25)
        if a.workers > 1:
            with ProcessPoolExecutor(a.workers) as pool:
                futures = [pool.submit(bootstrap_jaccard, splan, b0, b1) for b0, b1 in bounds]
                parts = [f.result() for f in futures]
        else:
            parts = [bootstrap_jaccard(splan, b0, b1) for b0, b1 in bounds]
        st = summarise_stability(splan, parts)
        print(f"cluster_stability n = {a.stability_n}, ward, k = 4, 100 bootstraps "
              f"({a.workers} process{'es' if a.workers > 1 else ''}): "
              f"{time.perf_counter() - t0:.1f} s (load {os.getloadavg()[0]:.1f}); mean Jaccard "
              f"{st.table['mean_jaccard'].round(3).tolist()}")


# ---------------------------------------------------------------- scaling with workers
#: Replicates per chunk, as components/jobs/replicates.CHUNKS (not imported: no Dash here).
SCALING_CHUNKS = {"support-features": 10, "support-rows": 25, "stability": 25}


def _scaling_plan(kind: str, X: np.ndarray, nboot: int):
    from clustering.stability import bootstrap_jaccard, plan_stability
    from clustering.subsampling import count_row_clades, plan_row_support

    if kind == "support-features":
        return plan_support(X, "average", "euclidean", n_boot=nboot, seed=0), count_clades
    if kind == "support-rows":
        return (plan_row_support(X, "average", "euclidean", n_boot=nboot, fraction=0.8,
                                 seed=0), count_row_clades)
    return plan_stability(X, "average", "euclidean", 4, n_boot=nboot, seed=0), bootstrap_jaccard


def time_replicates(kind: str, X: np.ndarray, nboot: int, workers: int) -> float:
    """Wall seconds of every chunk of ``kind`` in ``workers`` forked processes (as the job)."""
    import multiprocessing

    plan, fn = _scaling_plan(kind, X, nboot)
    chunks = replicate_chunks(nboot, SCALING_CHUNKS[kind])
    t0 = time.perf_counter()
    if workers <= 1:
        for b0, b1 in chunks:
            fn(plan, b0, b1)
    else:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            for f in [pool.submit(fn, plan, b0, b1) for b0, b1 in chunks]:
                f.result()
    return time.perf_counter() - t0


def scaling_table(n: int, d: int, nboot: int, workers: tuple[int, ...] = (1, 2)) -> str:
    """A Markdown table: each replicate kind's wall time with 1 and 2 workers."""
    X = blobs(n, d)
    head = ["work", "replicates", *[f"{w} worker{'s' if w > 1 else ''} (s)" for w in workers],
            "speed-up", "load avg"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind in SCALING_CHUNKS:
        secs = [time_replicates(kind, X, nboot, w) for w in workers]
        reps = f"{nboot} x 10 scales" if kind == "support-features" else f"{nboot}"
        lines.append(f"| {kind} | {reps} | " + " | ".join(f"{s:.1f}" for s in secs)
                     + f" | {secs[0] / secs[-1]:.2f}x | {os.getloadavg()[0]:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--scaling" in sys.argv:
        args = sys.argv[1:]

        def _arg(name: str, default: int) -> int:
            return int(args[args.index(name) + 1]) if name in args else default

        n_, d_, b_ = _arg("--n", 500), _arg("--d", 10), _arg("--nboot", 100)
        print(f"n = {n_}, d = {d_}, average/euclidean, {os.cpu_count()} cores")
        print(scaling_table(n_, d_, b_))
        sys.exit(0)
    main()
