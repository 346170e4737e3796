"""Approximate mode at scale: time and memory to a first dendrogram, and agreement with exact.

    python bench/bench_big.py [--sizes 100000,300000,1000000] [--quick] [--m 5000]

Data: Gaussian blobs, d = 10, 8 centres in [-10, 10]^10 with standard deviations 1.5..3.5
(overlapping enough that the choice of tree matters), fixed seed.

Each size runs in a fresh subprocess, which generates its data, then does what the app does:
``approximate_linkage`` (summarise + weighted ward + its own 10,000-row agreement check for the
page's note), then ``clustering.geometry.dendrogram_geometry(Z, truncate_mode='lastp', p=50)``.
"to first dendrogram" is the wall time of those steps, data generation excluded; "peak RSS" is the child's ``ru_maxrss`` at that point,
data included (X itself is 8·n·d bytes: 80 MB at 1M).

Agreement: adjusted Rand index at k = 2, 3, 5, 8, 12 between the approximate labels of all n rows
restricted to a random 20,000-row sample and exact ward on that sample
(``fastcluster.linkage_vector``, the same tree as SciPy's). Exact ward on all n rows is what the
approximate mode avoids, so this mixes approximation and sampling error; the "noise floor" row
shows how far exact ward on 10,000 of those rows is from exact ward on all 20,000 (restricted to
the 10,000) — agreement cannot be expected to be much better than that.
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

TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 4096.0
KS = (2, 3, 5, 8, 12)
D = 10
CENTRES = 8


def make_data(n: int, seed: int):
    """Blobs without make_blobs' temporaries: X (n, d) float64."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(CENTRES, D))
    stds = np.linspace(1.5, 3.5, CENTRES)
    which = rng.integers(0, CENTRES, n)
    X = rng.standard_normal((n, D))
    X *= stds[which, None]
    X += centres[which]
    return X


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child_approx(n: int, m: int | None, seed: int, agree_rows: int) -> dict:
    import numpy as np

    from clustering.approximate import agreement_with_exact, approximate_linkage
    from clustering.geometry import dendrogram_geometry

    X = make_data(n, seed)
    out: dict = {"n": n, "data_mb": peak_mb()}
    marks: dict[str, float] = {}

    def progress(fraction: float, text: str) -> None:
        if text.startswith("micro-clusters") and fraction >= 0.75 - 1e-9:
            marks["summarised"] = time.perf_counter()
        if text.startswith("comparing"):
            marks["ward_done"] = time.perf_counter()

    t0 = time.perf_counter()
    ah = approximate_linkage(X, m=m, seed=seed, progress=progress)
    t1 = time.perf_counter()
    geo = dendrogram_geometry(ah.Z, truncate_mode="lastp", p=50)
    t2 = time.perf_counter()
    out["geometry_s"] = t2 - t1
    out["geometry_links"] = int(len(geo.icoord))
    out.update(
        m=ah.m,
        summarise_s=marks.get("summarised", t0) - t0,
        ward_s=marks.get("ward_done", t1) - marks.get("summarised", t0),
        check_s=t1 - marks.get("ward_done", t1),
        first_dendrogram_s=t2 - t0,
        peak_mb=peak_mb(),
        note=ah.note,
    )
    t3 = time.perf_counter()
    out["ari"] = agreement_with_exact(X, ah, ks=KS, sample=min(n, agree_rows), seed=seed + 1)
    out["agree_s"] = time.perf_counter() - t3
    out["micro_sizes"] = [int(np.min(ah.micro.weights)), float(np.median(ah.micro.weights)),
                          int(np.max(ah.micro.weights))]
    return out


def child_exact(n: int, seed: int, agree_rows: int) -> dict:
    """Exact ward at n for reference, and the sampling noise floor of the agreement measure."""
    import fastcluster
    import numpy as np
    from scipy.cluster.hierarchy import fcluster
    from sklearn.metrics import adjusted_rand_score

    X = make_data(n, seed)
    base = peak_mb()
    t0 = time.perf_counter()
    Z = fastcluster.linkage_vector(X, method="ward")
    seconds = time.perf_counter() - t0
    out = {"n": n, "exact_s": seconds, "peak_mb": peak_mb(), "data_mb": base}
    # Noise floor: exact ward on a random half vs exact ward on all, on the half.
    rng = np.random.default_rng(seed + 2)
    rows = min(n, agree_rows)
    S = np.sort(rng.choice(n, rows, replace=False))
    half = np.sort(rng.choice(rows, rows // 2, replace=False))
    Zs = Z if rows == n else fastcluster.linkage_vector(X[S], method="ward")
    Zh = fastcluster.linkage_vector(X[S][half], method="ward")
    out["floor"] = {
        k: float(adjusted_rand_score(fcluster(Zs, k, "maxclust")[half],
                                     fcluster(Zh, k, "maxclust")))
        for k in KS
    }
    return out


def run_child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,300000,1000000")
    ap.add_argument("--quick", action="store_true", help="sizes 20000,100000 only")
    ap.add_argument("--m", type=int, default=None, help="micro-clusters (default: default_m(n))")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--agree-rows", type=int, default=20_000)
    ap.add_argument("--exact-ref", type=int, default=20_000,
                    help="rows for the exact-ward reference row (0: skip)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.child:
        kind, n = a.child[0], int(a.child[1])
        if kind == "approx":
            res = child_approx(n, a.m, a.seed, a.agree_rows)
        else:
            res = child_exact(n, a.seed, a.agree_rows)
        print(json.dumps(res))
        return

    sizes = [20_000, 100_000] if a.quick else [int(s) for s in a.sizes.split(",") if s]
    print(f"bench_big: blobs d={D}, {CENTRES} centres, seed {a.seed}; agreement on "
          f"{a.agree_rows:,}-row samples at k = {', '.join(map(str, KS))}")
    print(f"targets: first dendrogram < {TARGET_SECONDS:.0f} s, peak < {TARGET_PEAK_MB:,.0f} MB "
          "at 1,000,000 rows\n")
    rows = []
    if a.exact_ref:
        rows.append(("exact", run_child(["exact", str(a.exact_ref), "--seed", str(a.seed),
                                         "--agree-rows", str(a.agree_rows)])))
    for n in sizes:
        extra = ["--m", str(a.m)] if a.m else []
        rows.append(("approx", run_child(["approx", str(n), "--seed", str(a.seed),
                                          "--agree-rows", str(a.agree_rows), *extra])))

    head = (f"{'mode':<7}{'rows':>10}{'m':>7}{'summ s':>8}{'ward s':>8}{'check s':>8}"
            f"{'geom s':>8}{'first s':>9}{'peak MB':>9}  " + " ".join(f"{'k=' + str(k):>6}"
                                                                    for k in KS))
    print(head)
    print("-" * len(head))
    notes = []
    for kind, r in rows:
        if kind == "exact":
            print(f"{'exact':<7}{r['n']:>10,}{r['n']:>7}{'':>8}{r['exact_s']:>8.1f}{'':>8}{'':>8}"
                  f"{r['exact_s']:>9.1f}{r['peak_mb']:>9.0f}  "
                  + " ".join(f"{'':>6}" for _ in KS))
            print(f"{'floor':<7}{'':>10}{'':>7}{'':>8}{'':>8}{'':>8}{'':>8}{'':>9}{'':>9}  "
                  + " ".join(f"{r['floor'][str(k)]:>6.3f}" for k in KS))
            continue
        ok = r["first_dendrogram_s"] < TARGET_SECONDS and r["peak_mb"] < TARGET_PEAK_MB
        print(f"{'approx':<7}{r['n']:>10,}{r['m']:>7}{r['summarise_s']:>8.1f}{r['ward_s']:>8.1f}"
              f"{r['check_s']:>8.1f}{r['geometry_s']:>8.2f}"
              f"{r['first_dendrogram_s']:>9.1f}{r['peak_mb']:>9.0f}  "
              + " ".join(f"{r['ari'][str(k)]:>6.3f}" for k in KS)
              + ("" if ok or r["n"] < 1_000_000 else "  MISSES TARGET"))
        notes.append(f"{r['n']:,}: micro-cluster sizes min/median/max {r['micro_sizes']}; "
                     f"20k agreement took {r['agree_s']:.1f} s; note: {r['note']}")
    print()
    print("columns: summ = micro-clusters, ward = weighted ward on them, check = the note's "
          "10k-row agreement check, geom = dendrogram_geometry lastp 50, first = sum (data "
          "generation excluded), peak = child's max RSS incl. data; k=.. = ARI vs exact ward "
          f"on a {a.agree_rows:,}-row sample; floor = exact on half that sample vs exact on it")
    for line in notes:
        print(" -", line)


if __name__ == "__main__":
    main()
