"""Downloads in Chromium: rows with clusters, Z, the view JSON and loading it back, and the
modebar's image settings per figure. Content checked against SciPy."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.datasets import load_example
from components.view_file import query_from_view_file
from tests.browser import harness as h

pytestmark = pytest.mark.browser


def open_export(page) -> None:
    page.get_by_role("tab", name="Export").click()
    h.wait_dash_idle(page)


def download(page, button_id: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.locator(f"#{button_id}").click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_text()


def test_downloads_match_scipy(page):
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    h.wait_dendrogram(page)
    h.change(page, lambda: h.type_number(page, "cut-height", 16))
    assert h.cluster_count(page) == 4
    open_export(page)
    name, text = download(page, "export-labels")
    assert name == "clusters-tutorial-blobs-ward-euclidean.csv"
    rows = pd.read_csv(io.StringIO(text))
    assert list(rows.columns) == ["x", "y", "cluster"]
    np.testing.assert_allclose(rows[["x", "y"]].to_numpy(), X)
    assert h.same_partition(rows["cluster"].to_numpy(), fcluster(Z, 16, "distance"))
    assert sorted(set(rows["cluster"])) == [1, 2, 3, 4]

    name, text = download(page, "export-linkage")
    assert name == "linkage-tutorial-blobs-ward-euclidean.csv"
    np.testing.assert_allclose(np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1), Z,
                               rtol=1e-12)

    name, text = download(page, "export-view")
    assert name == "view-tutorial-blobs-ward-euclidean.json"
    view = json.loads(text)
    assert view["version"] == 2 and view["cut"] == 16.0 and view["method"] == "ward"
    assert view["dataset"] == "tutorial-blobs"
    # The view file is the page's link as JSON (less the page state beside the view: the open
    # tab and the Diagnostics depth, which the link alone carries).
    link = page.evaluate("() => window.location.search")
    link = re.sub(r"&(diagdepth|tab)=[^&]*", "", link)
    assert "?" + query_from_view_file(text) == link
    h.assert_no_console_errors(page)


def test_view_loads_back(page, tmp_path):
    h.wait_dendrogram(page)
    view = {"version": 1, "dataset": {"example": "tutorial-blobs"},
            "options": {"features": ["x", "y"], "label_column": None, "missing": "drop",
                        "one_hot": False, "scaling": "none"},
            "method": "average", "metric": "cityblock", "truncate_mode": "none", "truncate_p": 30,
            "annotate_above": None, "orientation": "top", "show_contracted": True,
            "scatter_x": "x", "scatter_y": "y", "cut": 4.0}
    path = tmp_path / "view.json"
    path.write_text(json.dumps(view))
    open_export(page)
    page.locator("#load-view input[type=file]").set_input_files(str(path))
    page.wait_for_function(
        "() => document.getElementById('load-view-message').innerText.includes('View loaded')",
        timeout=60_000)
    h.wait_dash_idle(page)
    assert "average" in h.dropdown_value(page, "method")
    assert "cityblock" in h.dropdown_value(page, "metric")
    assert float(h.field_value(page, "cut-height")) == 4.0
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    want = fcluster(linkage(X, "average", "cityblock"), 4.0, "distance").max()
    assert h.cluster_count(page) == want
    # Loading a file opened its link: the address bar holds the view.
    search = page.evaluate("() => window.location.search")
    assert "method=average" in search and "metric=cityblock" in search and "cut=4" in search
    # A version-2 file (what the page downloads now) is read the same way.
    v2 = tmp_path / "view2.json"
    v2.write_text(json.dumps({"version": 2, "dataset": "tutorial-blobs", "col": ["x", "y"],
                              "method": "single", "metric": "euclidean", "cut": 2.5}))
    page.locator("#load-view input[type=file]").set_input_files(str(v2))
    page.wait_for_function(
        "() => window.location.search.includes('method=single')"
        " && document.getElementById('load-view-message').innerText.includes('View loaded')",
        timeout=60_000)
    h.wait_dash_idle(page)
    assert "single" in h.dropdown_value(page, "method")
    assert float(h.field_value(page, "cut-height")) == 2.5
    assert h.cluster_count(page) == fcluster(linkage(X, "single"), 2.5, "distance").max()
    # A bad view file is refused with a reason, and nothing changes.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**view, "method": "ward"}))
    page.locator("#load-view input[type=file]").set_input_files(str(bad))
    page.wait_for_function(
        "() => document.getElementById('load-view-message').innerText.includes('bad.json')")
    assert "euclidean" in h.text_of(page, "load-view-message")
    assert "single" in h.dropdown_value(page, "method")
    h.assert_no_console_errors(page)


def test_modebar_image_names_and_format(page):
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)

    def options(graph: str) -> dict:
        return page.evaluate(
            "(id) => document.querySelector('#' + id + ' .js-plotly-plot')"
            "._context.toImageButtonOptions", graph)

    for graph, kind in [("dendrogram", "dendrogram"), ("scatter", "scatter"),
                        ("diag-scree", "scree")]:
        opts = options(graph)
        assert opts["filename"] == f"{kind}-tutorial-blobs-ward-euclidean", graph
        assert opts["format"] == "png"
    # the graphs keep their other settings (wheel zoom)
    assert page.evaluate("() => document.querySelector('#dendrogram .js-plotly-plot')"
                         "._context.scrollZoom") is True
    open_export(page)
    page.locator("#image-format label", has_text="SVG").click()
    page.wait_for_function(
        "() => document.querySelector('#dendrogram .js-plotly-plot')"
        "._context.toImageButtonOptions.format === 'svg'")
    assert options("scatter")["format"] == "svg"
    # The modebar's camera really downloads an SVG with that name.
    page.locator("#dendrogram").scroll_into_view_if_needed()
    page.locator("#dendrogram").hover()
    with page.expect_download() as info:
        page.locator("#dendrogram .modebar-btn[data-title='Download plot']").click()
    assert info.value.suggested_filename == "dendrogram-tutorial-blobs-ward-euclidean.svg"
    assert Path(info.value.path()).read_text()[:200].lstrip().startswith("<svg")
    h.assert_no_console_errors(page)
