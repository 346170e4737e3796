"""Measure the constants of clustering.budget: linkage seconds per n²·d and per n², prepare bytes.

Run: ``PYTHONPATH=. python bench/bench_budget.py`` (a few minutes on 2 cores). Prints, per
backend, seconds / (n²·d) at several widths, and prepare's tracemalloc peak / (n·D·8).
The constants in clustering/budget.py are the largest ratios seen here, rounded up.
"""

from __future__ import annotations

import os
import time
import tracemalloc

import numpy as np
import pandas as pd

from clustering.linkage import compute_linkage
from clustering.prepare import PrepareOptions, prepare


def linkage_times() -> None:
    rng = np.random.default_rng(0)
    for method, metric in (("ward", "euclidean"), ("average", "euclidean"), ("average", "cityblock")):
        for n, d in ((1000, 10), (1000, 500), (2000, 10), (1000, 2000), (2000, 1000)):
            X = rng.random((n, d))
            t0 = time.perf_counter()
            compute_linkage(X, method, metric)
            s = time.perf_counter() - t0
            print(f"{method:8s} {metric:9s} n={n:5d} d={d:5d} {s:7.2f} s  "
                  f"s/(n²d)={s / (n * n * d):.2e}  s/n²={s / (n * n):.2e}", flush=True)
    # One-hot of a text id: every row its own unit vector (the 602 s case, scaled down).
    n = 1500
    X = np.eye(n)
    t0 = time.perf_counter()
    compute_linkage(X, "ward", "euclidean")
    s = time.perf_counter() - t0
    print(f"ward one-hot id n={n} d={n} {s:.2f} s  s/(n²d)={s / n**3:.2e}", flush=True)


def prepare_peaks() -> None:
    rng = np.random.default_rng(0)
    for n, k, levels, scaling in ((2000, 20, 50, "zscore"), (2000, 20, 50, "none"), (4000, 1, 4000, "zscore")):
        df = pd.DataFrame({f"c{j}": rng.integers(0, levels, n).astype(str) for j in range(k)})
        df["x"] = rng.random(n)
        tracemalloc.start()
        p = prepare(df, PrepareOptions(one_hot=True, scaling=scaling))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        cells = p.matrix.size
        print(f"prepare n={n} D={p.matrix.shape[1]} {scaling}: peak {peak / 1e6:.0f} MB = "
              f"{peak / (8 * cells):.2f} x the matrix", flush=True)


if __name__ == "__main__":
    print("load", os.getloadavg())
    prepare_peaks()
    linkage_times()
