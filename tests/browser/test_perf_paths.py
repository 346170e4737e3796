"""Issue 14's paths, checked for correctness (not timed; bench/bench_browser.py times them and
counts the callback requests of a first page load): a typed and a dragged re-cut of an uploaded
20,000-row table giving ``scipy.cluster.hierarchy.fcluster``'s labels (up to renumbering).

The labels are read from what plotly.js drew in the scatter: each point's row (customdata)
and its colour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastcluster
import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster

from tests.browser import harness
from tests.partitions import same_partition

pytestmark = pytest.mark.browser

N_ROWS = 20_000

# The colour of every scatter row, by row number (customdata: flat [row, ...] pairs or nested).
_ROW_COLOURS = """() => {
  const gd = document.querySelector('#scatter .js-plotly-plot');
  const out = {};
  for (const t of gd._fullData) {
    if (t.meta !== 'points' || !t.x) continue;
    const cd = t.customdata, mc = t.marker.color;
    // Rows of customdata may be arrays or typed arrays (plotly decodes 2-D binary data so).
    const isRow = (v) => v !== null && typeof v === 'object' && v.length !== undefined;
    const flat = cd && cd.length === 2 * t.x.length && !isRow(cd[0]);
    for (let j = 0; j < t.x.length; j++) {
      const row = flat ? cd[2 * j] : (isRow(cd[j]) ? cd[j][0] : cd[j]);
      out[row] = String(typeof mc === 'string' ? mc : mc[j]);
    }
  }
  return out;
}"""


def _blobs(path: Path, n: int = N_ROWS, d: int = 10, seed: int = 14) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(8, d))
    X = centres[rng.integers(0, 8, n)] + rng.normal(size=(n, d))
    np.savetxt(path, X, delimiter=",", header=",".join(f"x{j}" for j in range(d)),
               comments="", fmt="%.6g")
    return np.loadtxt(path, delimiter=",", skiprows=1)


def _row_labels(page: Any, n: int) -> list[str]:
    got = page.evaluate(_ROW_COLOURS)
    assert len(got) == n, f"the scatter shows {len(got)} rows, not {n}"
    return [got[str(i)] for i in range(n)]


def _check_cut(page: Any, Z: np.ndarray, n: int) -> None:
    t = float(harness.field_value(page, "cut-height"))
    want = fcluster(Z, t, "distance")
    assert harness.cluster_count(page) == want.max()
    assert same_partition(_row_labels(page, n), want), f"scatter colours are not fcluster's at {t}"


def test_typed_and_dragged_recut_at_20k(page: Any, tmp_path: Path) -> None:
    X = _blobs(tmp_path / "blobs20k.csv")
    Z = fastcluster.linkage_vector(X, method="ward")
    page.locator("#upload input[type=file]").set_input_files(str(tmp_path / "blobs20k.csv"))
    page.wait_for_function("""() => {
        const c = document.getElementById('cluster-count');
        const gd = document.querySelector('#scatter .js-plotly-plot');
        return c && /\\d/.test(c.innerText) && gd && gd._fullData &&
            gd._fullData.some(t => t.meta === 'points' && t.x && t.x.length > 1000);
    }""", timeout=240_000, polling=250)
    harness.wait_dash_idle(page, timeout=120)
    _check_cut(page, Z, N_ROWS)
    # Typed: a height between the merges that give 5 and 4 clusters.
    heights = Z[::-1, 2]
    typed = float((heights[3] + heights[4]) / 2)
    harness.change(page, lambda: harness.type_number(page, "cut-height", repr(typed)), timeout=120)
    assert fcluster(Z, typed, "distance").max() == 5
    _check_cut(page, Z, N_ROWS)
    # Dragged: to a height that gives 12 clusters; the field holds the released height.
    dragged = float((heights[10] + heights[11]) / 2)
    before = harness.text_of(page, "cluster-count")
    harness.drag_cut_line(page, dragged)
    page.wait_for_function("(b) => document.getElementById('cluster-count').innerText !== b",
                           arg=before, timeout=120_000)
    harness.wait_dash_idle(page, timeout=120)
    _check_cut(page, Z, N_ROWS)
