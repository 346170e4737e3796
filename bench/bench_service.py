"""The exact service against SciPy: linkage, dendrogram geometry, cuts, cophenetic correlation.

    python bench/bench_service.py [--sizes 1000,5000,10000,20000] [--quick] [--big]

Data: Gaussian blobs, d = 10, 6 centres, fixed seed, generated inside each child process.
Every measurement runs in a fresh ``python`` subprocess: it imports, builds the data and whatever
the operation needs as input (Z, a tree index), reads its peak RSS (``ru_maxrss``) as the
baseline, runs the operation, and reports wall seconds and peak RSS minus that baseline. Fast
operations (< 0.2 s) are repeated and the best time is reported.

Rows:
* ``linkage ward``: ``clustering.linkage.compute_linkage(X, 'ward')`` vs
  ``scipy.cluster.hierarchy.linkage(X, 'ward')``.
* ``linkage average/cosine``: the condensed-matrix path vs SciPy.
* ``linkage ward/average tied``: the same blobs rounded to integers (tie-prone, so
  ``compute_linkage`` hands them to SciPy's routine up to 10,000 rows: issue 12); the note gives
  the fast path's time on the same data (what the tie order costs) and the backend used.
* ``linkage ward decimals``: the blobs rounded to 4 decimals, as a CSV holds them (on a grid,
  so tie-prone); ours keeps the fast path when its tree is checked tie-free
  (``clustering.ties.ward_tree_is_tie_free``), the backend in the note says which.
* ``geometry``: ``clustering.geometry.dendrogram_geometry(Z)`` vs ``dendrogram(Z, no_plot=True)``
  (ward tree; RecursionError is caught and printed).
* ``chain geometry``: single linkage on a 1-D chain (each point joins the chain in turn, so the
  tree is n - 1 levels deep); Z is built directly and checked against ``linkage`` at 1,000.
* ``cut``: ``tree_index(Z).labels_at(t)`` with the index built (index build time in the note)
  vs ``fcluster(Z, t, 'distance')``, t in the largest gap of the ward tree.
* ``cophenetic``: ``clustering.diagnostics.cophenetic_correlation(Z, X)`` vs
  ``cophenet(Z, pdist(X))``; SciPy is skipped when it would need more than 8 GB.
* ``--big`` (issue 14): ``linkage ward`` at 50,000 and 100,000 rows (the exact limit of ward on
  euclidean data) in one child each, which then times the cophenetic correlation the page shows
  there (on a 20,000-row sample past 20,000 rows; the note gives it). SciPy's ward builds the
  condensed matrix first (10 GB at 50,000 rows, 40 GB at 100,000; measured peak at 20,000 about
  twice it): past ``SCIPY_MEMORY_LIMIT_GB`` the row says so instead of running it.

Targets at n = 20,000, d = 10: ward linkage >= 4x faster than SciPy and < 300 MB; geometry
< 0.05 s (< 0.5 s at 100,000 including a chain); cophenetic < 5 s and < 500 MB; a cut < 10 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

D = 10
SEED = 20240611
SCIPY_MEMORY_LIMIT_GB = 8.0
# cophenet(Z, pdist(X)) holds pdist, the cophenetic vector and ~5 temporaries of the same
# length (measured: 10.7 GB at 20,000 rows = ~54 bytes per pair).
COPHENET_BYTES_PER_PAIR = 54


def blobs(n: int):
    import numpy as np

    rng = np.random.default_rng(SEED)
    centres = rng.uniform(-10, 10, size=(6, D))
    which = rng.integers(0, 6, size=n)
    return centres[which] + rng.normal(scale=2.0, size=(n, D))


def chain_linkage(n: int):
    """Single linkage of x = cumsum(1 + 1e-6 i): leaf i + 1 joins the chain at each step."""
    import numpy as np

    Z = np.empty((n - 1, 4))
    Z[0, :2] = (0, 1)
    Z[1:, 0] = np.arange(1, n - 1)  # leaves 2.. (lower id first, as SciPy writes it)
    Z[1:, 0] += 1
    Z[1:, 1] = n + np.arange(0, n - 2)
    Z[:, 2] = 1 + 1e-6 * np.arange(1, n)
    Z[:, 3] = np.arange(2, n + 1)
    return Z


def chain_points(n: int):
    import numpy as np

    return np.concatenate([[0.0], np.cumsum(1 + 1e-6 * np.arange(1, n))])[:, None]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(task: str, n: int) -> dict:
    """Run one measurement in this (fresh) process and return its numbers."""
    import numpy as np
    import scipy.cluster.hierarchy as sch
    from scipy.spatial.distance import pdist

    from clustering.cut import tree_index
    from clustering.diagnostics import cophenetic_correlation
    from clustering.geometry import dendrogram_geometry
    from clustering.linkage import compute_linkage

    note = ""
    if task.startswith("chain"):
        Z = chain_linkage(n)
        if n <= 2000:
            Zs = sch.linkage(chain_points(n), "single")
            assert np.allclose(Zs, Z), "chain Z differs from SciPy's single linkage"
    else:
        X = blobs(n)
        if task.split(":")[0] in ("geometry", "cut", "cophenetic"):
            Z = compute_linkage(X, "ward").Z
    repeat = 1
    if task == "linkage-ward:ours":
        def op():
            return compute_linkage(X, "ward")
    elif task == "linkage-ward:scipy":
        need = 2 * 8 * (n * (n - 1) // 2) / 1e9
        if need > SCIPY_MEMORY_LIMIT_GB:
            return {"skipped": f"SciPy cannot here: its condensed matrix is "
                               f"{need / 2:.0f} GB (peak ~{need:.0f} GB)"}

        def op():
            return sch.linkage(X, "ward")
    elif task == "linkage-avgcos:ours":
        def op():
            return compute_linkage(X, "average", "cosine")
    elif task == "linkage-avgcos:scipy":
        def op():
            return sch.linkage(X, "average", "cosine")
    elif task.startswith(("linkage-ward-tied", "linkage-avg-tied", "linkage-ward-decimals")):
        X = np.round(X, 4) if "decimals" in task else np.rint(X)
        method = "ward" if task.startswith("linkage-ward") else "average"
        if task.endswith(":scipy"):
            def op():
                return sch.linkage(X, method)
        else:
            t0 = time.perf_counter()
            compute_linkage(X, method, scipy_ties_max_n=0)
            note = f"fast path {time.perf_counter() - t0:.2f} s"

            def op():
                return compute_linkage(X, method)
    elif task in ("geometry:ours", "chain:ours"):
        def op():
            return dendrogram_geometry(Z)
        repeat = 5
    elif task in ("geometry:scipy", "chain:scipy"):
        def op():
            return sch.dendrogram(Z, no_plot=True)
        repeat = 3
    elif task == "cut:ours":
        h = np.sort(sch.maxdists(Z))
        i = int(np.argmax(np.diff(h)))
        t = (h[i] + h[i + 1]) / 2
        t0 = time.perf_counter()
        index = tree_index(Z)
        note = f"tree_index {time.perf_counter() - t0:.4f} s"

        def op():
            return index.labels_at(t)
        repeat = 20
    elif task == "cut:scipy":
        h = np.sort(sch.maxdists(Z))
        i = int(np.argmax(np.diff(h)))
        t = (h[i] + h[i + 1]) / 2

        def op():
            return sch.fcluster(Z, t, "distance")
        repeat = 20
    elif task == "cophenetic:ours":
        def op():
            return cophenetic_correlation(Z, X)
    elif task == "cophenetic:scipy":
        pairs = n * (n - 1) // 2
        need = pairs * COPHENET_BYTES_PER_PAIR / 1e9
        if need > SCIPY_MEMORY_LIMIT_GB:
            return {"skipped": f"skipped: needs ~{need:.0f} GB"}

        def op():
            return sch.cophenet(Z, pdist(X))[0]
    else:
        raise SystemExit(f"unknown task {task}")

    base = peak_mb()
    best = float("inf")
    result = None
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = op()
            best = min(best, time.perf_counter() - t0)
            if best > 0.2:
                break
    except RecursionError as err:
        return {"error": f"RecursionError: {err}"}
    out = {"seconds": best, "peak_mb": peak_mb() - base, "note": note}
    if task.startswith("cophenetic"):
        out["note"] = f"c = {float(result):.6f}"
    if task == "linkage-ward:ours" and n > 20_000:
        # What the page computes next on this tree: the cophenetic correlation, on a sample.
        from clustering.diagnostics import cophenetic_sample_rows

        sample = cophenetic_sample_rows(n)
        t0 = time.perf_counter()
        c = cophenetic_correlation(result.Z, X, sample=sample)
        out["note"] = (f"{result.backend}; cophenetic on {sample:,} sampled rows "
                       f"{time.perf_counter() - t0:.1f} s (c = {c:.4f})")
    if "tied:ours" in task or "decimals:ours" in task:
        out["note"] = f"{note}; backend {result.backend}"
    return out


def run_child(task: str, n: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", task, str(n)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:120]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt(r: dict) -> tuple[str, str]:
    if "seconds" in r:
        return f"{r['seconds']:.3g}", f"{r['peak_mb']:.0f}"
    return "-", "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000,20000")
    parser.add_argument("--quick", action="store_true", help="sizes 1000,5000 and chain 1k only")
    parser.add_argument("--big", action="store_true",
                        help="only ward at 50,000 and 100,000 rows (minutes)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--child", nargs=2, metavar=("TASK", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return

    sizes = [1000, 5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    chains = [1000] if args.quick else [1000, 100_000]
    plan = []
    for n in sizes:
        for what in ("linkage-ward", "linkage-avgcos", "linkage-ward-tied", "linkage-avg-tied",
                     "linkage-ward-decimals",
                     "geometry", "cut", "cophenetic"):
            plan.append((what, n))
    plan += [("chain", n) for n in chains]
    if args.big:
        plan = [("linkage-ward", n) for n in (50_000, 100_000)]

    print(f"# bench_service: blobs d={D}, seed {SEED}; seconds and peak RSS above baseline (MB)")
    print("| measure | n | ours s | ours MB | scipy s | scipy MB | speed-up | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for what, n in plan:
        ours = run_child(f"{what}:ours", n, args.timeout)
        scipy = run_child(f"{what}:scipy", n, args.timeout)
        os_, om = fmt(ours)
        ss, sm = fmt(scipy)
        speed = ""
        if "seconds" in ours and "seconds" in scipy and ours["seconds"] > 0:
            speed = f"{scipy['seconds'] / ours['seconds']:.1f}x"
        notes = []
        for who, r in (("ours", ours), ("scipy", scipy)):
            for key in ("skipped", "error", "note"):
                if r.get(key):
                    notes.append(f"{who}: {r[key]}")
        print(f"| {what} | {n:,} | {os_} | {om} | {ss} | {sm} | {speed} | {'; '.join(notes)} |",
              flush=True)


if __name__ == "__main__":
    main()
