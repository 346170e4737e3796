"""Uploads that are not feature tables, in Chromium (issue 17): a square distance matrix gives
SciPy's ``linkage(squareform(D), method)`` (Z and labels downloaded from the page), each bad
matrix gets its sentence and the previous view stays, a Newick upload draws its tree, and a
Gower table's labels equal the service's on the same cut."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform

from clustering.gower import gower_distances
from tests.browser import harness as h

pytestmark = pytest.mark.browser


def square_csv(path: Path, D: np.ndarray, labels: list[str]) -> Path:
    lines = ["item," + ",".join(labels)]
    lines += [f"{lab}," + ",".join(repr(float(v)) for v in row) for lab, row in zip(labels, D, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def download(page: Any, button_id: str) -> str:
    page.get_by_role("tab", name="Export").click()
    h.wait_dash_idle(page)
    with page.expect_download() as info:
        page.locator(f"#{button_id}").click()
    return Path(info.value.path()).read_text()


def drawn(page: Any) -> dict[str, Any]:
    return {"tree": h.figure(page, "dendrogram"), "count": h.text_of(page, "cluster-count")}


def wait_error(page: Any, contains: str) -> str:
    page.wait_for_function(
        """(t) => { const e = document.getElementById('upload-error');
                    return e && e.offsetParent !== null && e.innerText.includes(t); }""",
        arg=contains, timeout=30_000, polling=50)
    return h.text_of(page, "upload-error")


def distance_matrix() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(c, 0.6, size=(8, 3)) for c in (0, 4, 9)])
    return squareform(pdist(X, "cityblock")), [f"item{i}" for i in range(24)]


@pytest.mark.parametrize("method", ["average", "ward"])
def test_square_matrix_gives_scipys_linkage(page: Any, tmp_path: Path, method: str) -> None:
    D, labels = distance_matrix()
    h.upload_file(page, square_csv(tmp_path / "dist.csv", D, labels))
    h.wait_dendrogram(page)
    reason = h.text_of(page, "upload-kind-reason")
    assert "distance matrix" in reason and "zero diagonal" in reason, reason
    assert page.locator("#upload-kind input[value=distances]").is_checked()
    h.choose(page, "method", method)
    h.wait_dendrogram(page)
    status = h.text_of(page, "status-main")
    assert f"{method} · precomputed" in status, status
    # The metric is disabled with the reason; ward gets its sentence on what that means.
    note = h.text_of(page, "metric-note")
    assert "no metric to choose" in note
    if method == "ward":
        assert "Ward linkage on a precomputed matrix" in note
    assert "MDS" in str(h.figure(page, "scatter")) or "MDS" in page.inner_text("#scatter")

    Z = linkage(squareform(D), method)
    got = np.loadtxt(io.StringIO(download(page, "export-linkage")), delimiter=",", skiprows=1)
    np.testing.assert_allclose(got, Z, rtol=1e-12, atol=1e-12)
    h.change(page, lambda: h.type_number(page, "cut-height", round(float(Z[-3, 2]) + 1e-6, 6)))
    rows = pd.read_csv(io.StringIO(download(page, "export-labels")))
    assert list(rows["label"]) == labels
    cut = float(h.field_value(page, "cut-height"))
    assert h.same_partition(rows["cluster"].to_numpy(), fcluster(Z, cut, "distance"))
    # The link carries the kind.
    assert "kind=distances" in page.evaluate("() => window.location.search")
    h.assert_no_console_errors(page)


BAD = {
    "asymmetric": ("item,a,b,c\na,0,1,2\nb,1.5,0,3\nc,2,3,0\n", "row 'a', column 'b'"),
    "negative": ("item,a,b,c\na,0,-1,2\nb,-1,0,3\nc,2,3,0\n", "negative"),
    "nan": ("item,a,b,c\na,0,,2\nb,,0,3\nc,2,3,0\n", "row 'a', column 'b'"),
    "labels": ("item,a,b,x\na,0,1,2\nb,1,0,3\nc,2,3,0\n", "same items"),
    "not square": ("item,a,b\na,0,1\nb,1,0\nc,2,3\n", "square"),
}


def test_bad_matrices_are_named_and_the_view_stays(page: Any, tmp_path: Path) -> None:
    D, labels = distance_matrix()
    h.upload_file(page, square_csv(tmp_path / "good.csv", D, labels))
    h.wait_dendrogram(page)
    before = drawn(page)
    for i, (name, (text, words)) in enumerate(BAD.items()):
        path = tmp_path / f"bad{i}.csv"
        path.write_text(text)
        page.locator("#upload input[type=file]").set_input_files(str(path))
        message = wait_error(page, f"bad{i}.csv")
        assert words in message, (name, message)
        h.wait_dash_idle(page)
        assert drawn(page) == before, f"{name}: the view changed"
    h.assert_no_console_errors(page)


def test_newick_upload_draws_its_tree(page: Any, tmp_path: Path) -> None:
    path = tmp_path / "tree.nwk"
    path.write_text("((a:1,b:1):2,(c:1.5,(d:0.5,e:0.5):1):1.5);\n")
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    assert page.locator("#upload-kind input[value=newick]").is_checked()
    fig = h.figure(page, "dendrogram")
    ticks = fig["xaxis"]["ticktext"] or []
    assert sorted(ticks) == list("abcde"), ticks
    assert "from the file" in h.text_of(page, "status-main")
    # ape convention: the root is at twice the root-to-leaf path length (3 -> 6).
    assert max(max((y for y in t["y"] or [] if y is not None), default=0)
               for t in fig["traces"]) == pytest.approx(6.0)
    # What needs rows says why.
    page.get_by_role("tab", name="Heatmap").click()
    page.wait_for_function("() => document.getElementById('heatmap').innerText"
                           ".includes('needs the features')", timeout=30_000)
    h.assert_no_console_errors(page)


def test_gower_table_labels_equal_the_services(page: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 30
    frame = pd.DataFrame({
        "name": [f"r{i}" for i in range(n)],
        "size": np.round(rng.normal(10, 3, n), 2),
        "colour": rng.choice(["red", "green", "blue"], n),
        "grade": rng.choice(["low", "mid", "high"], n),
    })
    frame.loc[[3, 11], "size"] = np.nan
    frame.loc[7, "colour"] = None
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    assert page.locator("#upload-kind input[value=features]").is_checked()
    h.choose(page, "label-column", "name")
    h.choose(page, "missing", "mean")
    h.choose(page, "method", "average")
    h.choose(page, "metric", "gower")
    h.wait_dendrogram(page)
    assert "average · gower" in h.text_of(page, "status-main")
    D = gower_distances(frame[["size", "colour", "grade"]], condensed=True)
    Z = linkage(D, "average")
    got = np.loadtxt(io.StringIO(download(page, "export-linkage")), delimiter=",", skiprows=1)
    np.testing.assert_allclose(got, Z, rtol=1e-12, atol=1e-12)
    cut = float(Z[-4, 2]) + 1e-9
    h.change(page, lambda: h.type_number(page, "cut-height", repr(cut)))
    rows = pd.read_csv(io.StringIO(download(page, "export-labels")))
    assert list(rows["name"]) == list(frame["name"])
    assert h.same_partition(rows["cluster"].to_numpy(), fcluster(Z, float(
        h.field_value(page, "cut-height")), "distance"))
    # Ward needs Euclidean input: disabled in the method list with the reason.
    ward = [o for o in h.dropdown_options(page, "method") if o["label"].startswith("ward")]
    assert ward and ward[0]["disabled"] and "not with gower" in ward[0]["label"], ward
    h.assert_no_console_errors(page)
