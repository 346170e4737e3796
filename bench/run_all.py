"""Every benchmark table in one command, one script after the other (they share 2 cores).

    python bench/run_all.py [--skip browser,big]

Runs, each in its own process, printing its table as it goes:
``bench_service.py`` (linkage, geometry, cut, cophenetic vs SciPy), ``bench_figures.py``
(dendrogram figure vs plotly's create_dendrogram), ``bench_big.py`` (approximate mode at
100k-1M rows) and ``bench_browser.py`` (first view and drag-to-recolour in Chromium).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "service": "bench_service.py",
    "figures": "bench_figures.py",
    "big": "bench_big.py",
    "browser": "bench_browser.py",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip", default="", help=f"comma-separated, of {', '.join(SCRIPTS)}")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(SCRIPTS)
    if unknown:
        ap.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {', '.join(SCRIPTS)}")
    failed = []
    for name, script in SCRIPTS.items():
        if name in skip:
            continue
        print(f"\n=== {name}: python bench/{script}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script)], check=False).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
