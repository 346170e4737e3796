"""Issue 17, point 6 in Chromium: after a hand edit (a clade split by a click), the script the
Export tab downloads, run in a fresh interpreter, writes the same clusters as the page's own
clusters CSV, row for row, and its Z is SciPy's; before, the script cut at the height."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.datasets import load_example
from tests.browser import harness
from tests.browser import hosting_helpers as H
from tests.browser.test_exports import download, open_export
from tests.browser.test_partition import _click_merge, _merges, _switch

pytestmark = pytest.mark.browser


def test_script_after_a_hand_edit_writes_the_pages_clusters(page: Any, tmp_path) -> None:
    H.settle(page)
    k0 = harness.cluster_count(page)
    cut = float(harness.field_value(page, "cut-height"))
    _switch(page, "cut-source", "roots")
    row, _ = max((m for m in _merges(page) if m[1] <= cut), key=lambda m: m[1])
    _click_merge(page, row)
    assert harness.cluster_count(page) == k0 + 1
    roots = H.query(page)["roots"].split(".")
    open_export(page)
    _, labels_csv = download(page, "export-labels")
    page_clusters = pd.read_csv(io.StringIO(labels_csv))["cluster"].to_numpy()
    assert page_clusters.max() == k0 + 1
    name, script = download(page, "export-script")
    assert name.endswith(".py") and "PARTITION = 'roots'" in script
    assert f"ROOTS = [{', '.join(sorted(roots, key=int))}]" in script
    (tmp_path / "s.py").write_text(script)
    run = subprocess.run([sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"roots partition: k = {k0 + 1}" in run.stdout
    got = pd.read_csv(next(tmp_path.glob("*-clusters.csv")))
    np.testing.assert_array_equal(got["cluster"].to_numpy(), page_clusters)
    Z = np.loadtxt(next(tmp_path.glob("*-linkage.csv")), delimiter=",", skiprows=1)
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    np.testing.assert_allclose(Z, linkage(X, "ward"), rtol=1e-12, atol=0)
    harness.assert_no_console_errors(page)
