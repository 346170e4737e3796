"""Issue 17's downloads in Chromium: Newick (both conventions), the view-only tree and the
reproduce script arrive as files, the script also shows in the tab, and nothing logs an error."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.datasets import load_example
from clustering.newick import from_newick
from tests.browser import harness as h
from tests.browser.test_exports import download, open_export

pytestmark = pytest.mark.browser


def test_tree_and_script_downloads(page):
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    h.wait_dendrogram(page)
    h.change(page, lambda: h.type_number(page, "cut-height", 16))
    open_export(page)
    name, text = download(page, "export-newick")
    assert name == "tree-tutorial-blobs-ward-euclidean.nwk" and "as.phylo" in text.split("]")[0]
    back = from_newick(text, labels=[str(i) for i in range(150)])
    np.testing.assert_allclose(back.Z[:, 2], Z[:, 2], rtol=1e-12)
    page.get_by_text("height differences").click()
    page.get_by_text("Current view only").click()
    page.wait_for_function("() => document.getElementById('export-tree-note')"
                           ".innerText.includes('full height differences')")
    name, text = download(page, "export-newick")
    assert name == "tree-tutorial-blobs-ward-euclidean.nwk"  # the page's view is not truncated
    assert "full height differences" in text.split("]")[0]
    name, text = download(page, "export-script")
    assert name == "reproduce-tutorial-blobs-ward-euclidean.py" and "CUT = 16.0" in text
    page.wait_for_function("() => document.getElementById('export-script-text')"
                           ".textContent.includes('CUT = 16.0')")  # inside a closed <details>
    h.assert_no_console_errors(page)
