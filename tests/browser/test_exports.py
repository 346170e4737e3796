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


def camera_download(page, graph: str, title: str = "Download plot as a PNG") -> tuple[str, str]:
    """Click ``graph``'s modebar camera: the downloaded file's name and its first bytes."""
    page.locator(f"#{graph}").scroll_into_view_if_needed()
    page.locator(f"#{graph}").hover()
    with page.expect_download() as info:
        page.locator(f"#{graph} .modebar-btn[data-title='{title}']").click()
    head = Path(info.value.path()).read_bytes()[:200]
    return info.value.suggested_filename, head


_MARK_JS = """(ids) => ids.forEach((id) => {
    document.querySelector('#' + id + ' .js-plotly-plot .main-svg').dataset.mark = 'before'; })"""
_MARKED_JS = """(ids) => ids.map((id) => {
    const svg = document.querySelector('#' + id + ' .js-plotly-plot .main-svg');
    return svg !== null && svg.dataset.mark === 'before'; })"""


def test_modebar_image_names_and_format(page):
    """Each camera downloads the view's image under a name saying what and for which view,
    in the Export tab's format; a new tree renames the downloads without drawing the graphs
    anew (a new config is a full replot in plotly.js, issue 14)."""
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)
    for graph, kind in [("dendrogram", "dendrogram"), ("scatter", "scatter")]:
        name, head = camera_download(page, graph)
        assert name == f"{kind}-tutorial-blobs-ward-euclidean.png", graph
        assert head.startswith(b"\x89PNG"), head[:8]
    # A new tree: new names, the same graphs (plotly replaced its whole DOM on a replot).
    page.evaluate(_MARK_JS, ["dendrogram", "scatter"])
    h.change(page, lambda: h.choose(page, "method", "average"))
    h.wait_dash_idle(page)
    assert page.evaluate(_MARKED_JS, ["dendrogram", "scatter"]) == [True, True]
    assert camera_download(page, "scatter")[0] == "scatter-tutorial-blobs-average-euclidean.png"
    # the graphs keep their other settings (wheel zoom)
    assert page.evaluate("() => document.querySelector('#dendrogram .js-plotly-plot')"
                         "._context.scrollZoom") is True
    # SVG chosen: the buttons say so, and the cameras download SVG with those names.
    open_export(page)
    page.locator("#image-format label", has_text="SVG").click()
    page.wait_for_selector("#dendrogram .modebar-btn[data-title='Download plot']",
                           state="attached")
    name, head = camera_download(page, "dendrogram", "Download plot")
    assert name == "dendrogram-tutorial-blobs-average-euclidean.svg"
    assert head.decode().lstrip().startswith("<svg")
    h.assert_no_console_errors(page)
