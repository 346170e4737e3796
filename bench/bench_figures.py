"""Dendrogram figure: our builders vs ``plotly.figure_factory.create_dendrogram``.

    python bench/bench_figures.py [--sizes 1000,2000,5000,10000,20000] [--timeout 60]

Data: Gaussian blobs, d = 10, 8 centres, fixed seed; one ward tree per size
(``clustering.linkage.compute_linkage``), shared by both sides so only the figure is timed.

* ours: what the app sends for the **full** tree (no truncation, the like-for-like case):
  ``dendrogram_geometry`` + ``make_dendrogram_figure`` + ``make_tree_data`` (the browser's
  recolour data), and the JSON bytes of the figure plus the tree data. The "default view"
  columns are what the page opens with above 2,000 rows (truncated to the last 50 merges).
* plotly: ``create_dendrogram(X, distfun=..., linkagefun=...)`` handed the same Z, then
  ``fig.to_json()``, in a fresh subprocess killed after ``--timeout`` seconds ("over 60 s").
  It lays out the tree with SciPy's recursive ``dendrogram()``, so a deep tree may raise
  RecursionError (printed as such). It draws one trace per merge.

Times are wall seconds on this machine (2 shared cores), one run each, JSON included.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

D = 10
CENTRES = 8

_PLOTLY_CHILD = r"""
import json, sys, time
import numpy as np
import plotly.figure_factory as ff
X = np.load(sys.argv[1]); Z = np.load(sys.argv[2])
t0 = time.perf_counter()
try:
    # The same Z as ours: only the figure is timed, not SciPy's linkage.
    fig = ff.create_dendrogram(X, distfun=lambda x: None, linkagefun=lambda d: Z)
    payload = len(fig.to_json())
except RecursionError:
    print(json.dumps({"error": "RecursionError"}))
    sys.exit(0)
print(json.dumps({"seconds": time.perf_counter() - t0, "bytes": payload,
                  "traces": len(fig.data)}))
"""


def make_data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(CENTRES, D))
    which = rng.integers(0, CENTRES, n)
    return centres[which] + rng.standard_normal((n, D))


def ours(Z: np.ndarray, truncate: bool) -> dict[str, float]:
    """Build time and JSON bytes of what the app sends for one tree."""
    import plotly.io as pio

    from clustering.cut import tree_index
    from clustering.geometry import dendrogram_geometry
    from clustering.suggest import default_cut
    from components.figures.dendrogram import make_dendrogram_figure
    from components.figures.tree_data import make_tree_data

    t0 = time.perf_counter()
    index = tree_index(Z)
    mode = "lastp" if truncate else None
    geometry = dendrogram_geometry(Z, truncate_mode=mode, p=50, show_contracted=truncate,
                                   index=index)
    cut = default_cut(Z)
    fig = make_dendrogram_figure(geometry, cut, Z=Z, k=index.k_at(cut),
                                 show_contracted=truncate)
    tree_data = make_tree_data(geometry, index, Z)
    payload = len(pio.to_json(fig, validate=False)) + len(json.dumps(tree_data))
    return {"seconds": time.perf_counter() - t0, "bytes": payload, "traces": len(fig.data)}


def plotly_ff(X: np.ndarray, Z: np.ndarray, timeout: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        xp, zp = Path(tmp) / "X.npy", Path(tmp) / "Z.npy"
        np.save(xp, X)
        np.save(zp, np.asarray(Z))
        try:
            out = subprocess.run(
                [sys.executable, "-c", _PLOTLY_CHILD, str(xp), str(zp)],
                capture_output=True, text=True, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout:.0f} s"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": tail[:60]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,2000,5000,10000,20000")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    from clustering.linkage import compute_linkage

    sizes = [int(s) for s in args.sizes.split(",")]
    # Imports and plotly's first-use setup are not part of a build.
    ours(compute_linkage(make_data(50), "ward").Z, truncate=True)
    head = (f"{'n':>7} | {'ours full s':>11} | {'ours full MB':>12} | {'ours default s':>14} | "
            f"{'ours default MB':>15} | {'plotly ff s':>11} | {'plotly ff MB':>12} | "
            f"{'ff traces':>9}")
    print(head)
    print("-" * len(head))
    plotly_gave_up = False
    for n in sizes:
        X = make_data(n)
        Z = compute_linkage(X, "ward").Z
        full = ours(Z, truncate=False)
        default = ours(Z, truncate=True)
        if plotly_gave_up:
            ff = {"error": "skipped (smaller n was over the limit)"}
        else:
            ff = plotly_ff(X, Z, args.timeout)
            plotly_gave_up = "over" in str(ff.get("error", ""))
        if "error" in ff:
            ff_cols = f"{ff['error']:>11} | {'':>12} | {'':>9}"
        else:
            ff_cols = (f"{ff['seconds']:>11.2f} | {ff['bytes'] / 1e6:>12.2f} | "
                       f"{ff['traces']:>9,}")
        print(f"{n:>7,} | {full['seconds']:>11.3f} | {full['bytes'] / 1e6:>12.2f} | "
              f"{default['seconds']:>14.3f} | {default['bytes'] / 1e6:>15.2f} | {ff_cols}",
              flush=True)


if __name__ == "__main__":
    main()
