"""Run R's reference packages from a test: data in as CSV, results back as CSV.

    out = run_r('''
        X <- as.matrix(read.csv(file.path(dir, "X.csv")))
        write.csv(data.frame(h = hclust(dist(X), "average")$height),
                  file.path(dir, "heights.csv"), row.names = FALSE)
    ''', inputs={"X": pd.DataFrame(X)}, outputs=["heights"])
    out["heights"]["h"]

The script sees ``dir`` (a temporary folder holding ``<name>.csv`` for every input) and writes
``<name>.csv`` there for every output. No jsonlite needed. In CI (``CI=true``) a missing
``Rscript`` or package is a failure (the test command installs them); elsewhere a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pytest


def need_r(*packages: str) -> str:
    """Path of ``Rscript``, after checking that ``packages`` load; skip (fail in CI) if not."""
    rscript = shutil.which("Rscript")
    problem = None
    if rscript is None:
        problem = "Rscript is not installed"
    else:
        for pkg in packages:
            done = subprocess.run([rscript, "-e", f"suppressMessages(library({pkg}))"],
                                  capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                problem = f"R package {pkg} is not installed"
                break
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; scripts/test.sh should have installed it")
        pytest.skip(problem)
    return rscript  # type: ignore[return-value]


def run_r(script: str, *, inputs: Mapping[str, pd.DataFrame] | None = None,
          outputs: Iterable[str] = (), packages: Iterable[str] = (),
          timeout: float = 600.0) -> dict[str, pd.DataFrame]:
    """Run ``script`` with Rscript; return each output CSV as a DataFrame.

    ``packages`` are attached before the script runs (and checked first, see :func:`need_r`).
    The data frames in ``inputs`` are written with their index dropped. R's errors come
    back as an AssertionError carrying R's stderr.
    """
    packages = list(packages)
    rscript = need_r(*packages)
    with tempfile.TemporaryDirectory(prefix="r-oracle-") as tmp:
        folder = Path(tmp)
        for name, frame in (inputs or {}).items():
            frame.to_csv(folder / f"{name}.csv", index=False)
        head = "".join(f"suppressMessages(library({p}))\n" for p in packages)
        code = f'{head}dir <- "{folder.as_posix()}"\n{script}\n'
        (folder / "script.R").write_text(code)
        done = subprocess.run([rscript, "--vanilla", str(folder / "script.R")],
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"Rscript failed:\n{done.stderr[-4000:]}"
        return {name: pd.read_csv(folder / f"{name}.csv") for name in outputs}
