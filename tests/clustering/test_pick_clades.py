"""pick_clades (what pvrect outlines) against R's pvclust::pvpick on the same tree and values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.support import pick_clades
from tests.oracles import run_r


def _z_from_r_merge(merge: np.ndarray, height: np.ndarray) -> np.ndarray:
    """R's hclust $merge (negative = leaf -j, positive = merge i) -> SciPy's Z, row for row."""
    n = merge.shape[0] + 1
    ids = np.where(merge < 0, -merge - 1, n + merge - 1)
    sizes = np.ones(2 * n - 1)
    Z = np.zeros((n - 1, 4))
    for r, (a, b) in enumerate(ids):
        sizes[n + r] = sizes[a] + sizes[b]
        Z[r] = [a, b, height[r], sizes[n + r]]
    return Z


@pytest.mark.oracle
def test_pick_clades_equals_pvpick():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    values = pd.DataFrame({"au": rng.uniform(0.85, 1.0, size=(5, 39)).ravel()})
    out = run_r("""
X <- as.matrix(read.csv(file.path(dir, "X.csv")))
v <- read.csv(file.path(dir, "values.csv"))$au
hc <- hclust(dist(X), "average")
picked <- c()
for (s in 0:4) {
  x <- list(hclust = hc, edges = data.frame(au = v[(s * 39 + 1):(s * 39 + 39)]))
  e <- pvpick(x, alpha = 0.95)$edges
  picked <- rbind(picked, data.frame(set = s, edge = if (length(e)) e else NA))
}
write.csv(picked, file.path(dir, "picked.csv"), row.names = FALSE)
write.csv(hc$merge, file.path(dir, "merge.csv"), row.names = FALSE)
write.csv(data.frame(h = hc$height), file.path(dir, "height.csv"), row.names = FALSE)
""", inputs={"X": pd.DataFrame(X), "values": values}, outputs=["picked", "merge", "height"],
        packages=["pvclust"])
    Z = _z_from_r_merge(out["merge"].to_numpy(int), out["height"]["h"].to_numpy())
    assert out["picked"]["edge"].notna().sum() >= 5  # the case picks clades
    v = values["au"].to_numpy().reshape(5, 39)
    for s in range(5):
        want = sorted(int(e) - 1 for e in out["picked"].query("set == @s")["edge"].dropna())
        assert pick_clades(Z, v[s]) == want
