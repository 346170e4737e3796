"""Time gower_distances against R's cluster::daisy on the same mixed table (one run each).

    /work/main/.venv/bin/python bench/bench_gower.py [n] [seed]

The table has 10 columns: 4 numeric, 3 nominal, 2 ordered factors, 1 logical, ~10% missing.
daisy's time excludes R's start-up and reading the CSV (measured with system.time inside R);
the two results are compared (largest absolute difference printed).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clustering.gower import gower_distances  # noqa: E402


def table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"x{i}": rng.normal(size=n) * (i + 1) for i in range(4)})
    for i in range(3):
        df[f"c{i}"] = rng.choice(list("abcdefg")[: 3 + i], size=n).astype(object)
    for i in range(2):
        df[f"o{i}"] = pd.Categorical(rng.choice(["lo", "mid", "hi"], size=n),
                                     categories=["lo", "mid", "hi", "top"], ordered=True)
    df["flag"] = pd.array(rng.random(n) < 0.3, dtype="boolean")
    for c in df.columns:
        df.loc[rng.random(n) < 0.1, c] = pd.NA if c == "flag" else np.nan
    return df


def main(n: int = 5000, seed: int = 0) -> None:
    df = table(n, seed)
    t = time.perf_counter()
    ours = gower_distances(df, condensed=True)
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    gower_distances(df)
    square_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        out = df.copy()
        out["flag"] = out["flag"].map({True: "TRUE", False: "FALSE"})
        out.to_csv(Path(tmp) / "x.csv", index=False)
        script = f"""
            suppressMessages(library(cluster))
            x <- read.csv("{tmp}/x.csv", na.strings = "", stringsAsFactors = FALSE)
            for (i in 0:2) x[[paste0("c", i)]] <- factor(x[[paste0("c", i)]])
            for (i in 0:1) x[[paste0("o", i)]] <- factor(x[[paste0("o", i)]],
                levels = c("lo", "mid", "hi", "top"), ordered = TRUE)
            x$flag <- as.logical(x$flag)
            tm <- system.time(d <- suppressWarnings(daisy(x, metric = "gower")))[["elapsed"]]
            writeBin(as.numeric(d), "{tmp}/d.bin")
            cat(tm, "\\n")
        """
        done = subprocess.run(["Rscript", "--vanilla", "-e", script], capture_output=True,
                              text=True, check=True)
        daisy_s = float(done.stdout.split()[-1])
        theirs = np.fromfile(Path(tmp) / "d.bin")
    # daisy's vector is in dist() order (column by column of the lower triangle) = pdist order
    ok = ~(np.isnan(ours) | np.isnan(theirs))
    diff = np.max(np.abs(ours[ok] - theirs[ok]))
    same_na = np.array_equal(np.isnan(ours), np.isnan(theirs))
    print(f"n = {n:,} x 10 mixed columns: gower_distances {ours_s:.2f} s condensed "
          f"({square_s:.2f} s square), daisy {daisy_s:.2f} s; max |difference| {diff:.2e}, "
          f"NA in the same cells: {same_na}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
