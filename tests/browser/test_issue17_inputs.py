"""Issue 17 in Chromium, what tests/browser/test_inputs.py leaves loose: each bad matrix's whole
sentence with its offending cells (the issue's "row 'b', column 'c': 3.2 but column 'b',
row 'c': 3.1" style) while the previous view, its upload line and its link stay; a similarity
matrix converted as the user chooses (max − s), the page saying so, Z = SciPy's on the
converted matrix; a one-column file guessed as features with the reason, then read as a
condensed vector when the user says so."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

from tests.browser import harness as h
from tests.browser.test_inputs import distance_matrix, download, drawn, square_csv, wait_error

pytestmark = pytest.mark.browser

#: (file text, the sentence's words that must all be there)
BAD = {
    "asymmetric": ("item,a,b,c\na,0,1,2\nb,1,0,3.2\nc,2,3.1,0\n",
                   ["not symmetric", "row 'b', column 'c': 3.2 but column 'b', row 'c': 3.1",
                    "fix those cells"]),
    "negative": ("item,a,b,c\na,0,-1,2\nb,-1,0,3\nc,2,3,0\n",
                 ["non-negative", "row 'a', column 'b': -1", "similarities"]),
    "nan": ("item,a,b,c\na,0,,2\nb,,0,3\nc,2,3,0\n",
            ["finite number", "row 'a', column 'b': empty"]),
    "inf": ("item,a,b,c\na,0,1,inf\nb,1,0,3\nc,inf,3,0\n",
            ["finite number", "row 'a', column 'c': inf"]),
    "diagonal": ("item,a,b,c\na,0,1,2\nb,1,0.5,3\nc,2,3,0\n",
                 ["diagonal must be 0", "row 'b', column 'b': 0.5"]),
    "labels": ("item,a,b,x\na,0,1,2\nb,1,0,3\nc,2,3,0\n",
               ["same items", "rows have 'c'", "columns have 'x'"]),
    "not square": ("item,a,b\na,0,1\nb,1,0\nc,2,3\n",
                   ["square", "3 rows and 2 columns"]),
}


def test_each_bad_matrix_names_its_cells_and_the_view_stays(page: Any, tmp_path: Path) -> None:
    D, labels = distance_matrix()
    h.upload_file(page, square_csv(tmp_path / "good.csv", D, labels))
    h.wait_dendrogram(page)
    before = drawn(page)
    name_before = h.text_of(page, "upload-name")
    link_before = page.evaluate("() => window.location.search")
    assert "good.csv" in name_before and "kind=distances" in link_before
    for i, (name, (text, words)) in enumerate(BAD.items()):
        path = tmp_path / f"bad{i}.csv"
        path.write_text(text)
        page.locator("#upload input[type=file]").set_input_files(str(path))
        message = wait_error(page, f"bad{i}.csv")
        # The kind is asked for: a distance matrix (the user's choice is read as it says).
        if not page.locator("#upload-kind input[value=distances]").is_checked():
            page.locator("#upload-kind input[value=distances]").check(force=True)
            message = wait_error(page, f"bad{i}.csv: ")
            h.wait_dash_idle(page)
            message = h.text_of(page, "upload-error")
        for w in words:
            assert w in message, (name, w, message)
        h.wait_dash_idle(page)
        assert drawn(page) == before, f"{name}: the view changed"
        assert h.text_of(page, "upload-name") == name_before, name
        assert page.evaluate("() => window.location.search") == link_before, name
    h.assert_no_console_errors(page)


def test_similarity_converted_as_chosen_and_said(page: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(21)
    X = np.vstack([rng.normal(c, 0.5, size=(6, 2)) for c in (0, 3, 7)])
    S = 5.0 - squareform(pdist(X)) / 2  # a similarity: largest (5) on the diagonal
    labels = [f"s{i}" for i in range(len(X))]
    h.upload_file(page, square_csv(tmp_path / "sim.csv", S, labels))
    h.wait_dash_idle(page)
    reason = h.text_of(page, "upload-kind-reason")
    assert "the diagonal all 5 (the largest value)" in reason, reason  # the guess and why
    assert page.locator("#upload-kind input[value=similarities]").is_checked()
    # 1 − s (the default) does not fit similarities up to 5: said, the other choice named.
    message = wait_error(page, "sim.csv")
    assert "after 1 − s, the diagonal must be 0" in message, message
    assert "row 's0', column 's0': -4" in message, message
    assert "choose max − s" in message, message
    h.change(page, lambda: page.locator("#similarity input[value=max_minus]").check(force=True))
    h.wait_dendrogram(page)
    said = h.text_of(page, "upload-name")
    assert "as similarities" in said.lower() or "similarit" in said, said
    assert "turned into distances as max − s, with max = 5" in said, said
    h.choose(page, "method", "average")
    h.wait_dendrogram(page)
    Z = linkage(squareform(S.max() - S, checks=False), "average")
    got = np.loadtxt(io.StringIO(download(page, "export-linkage")), delimiter=",", skiprows=1)
    np.testing.assert_allclose(got, Z, rtol=1e-12, atol=1e-12)
    assert "similarity=max_minus" in page.evaluate("() => window.location.search")
    h.assert_no_console_errors(page)


def test_one_column_is_features_until_the_user_says_condensed(page: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    v = pdist(rng.normal(size=(7, 3)))  # 21 values: n (n - 1) / 2 for n = 7
    path = tmp_path / "values.csv"
    path.write_text("value\n" + "\n".join(repr(float(x)) for x in v) + "\n")
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    assert page.locator("#upload-kind input[value=features]").is_checked()
    reason = h.text_of(page, "upload-kind-reason")
    assert "one column" in reason and "condensed distance vector for 7 items" in reason, reason
    assert "n = 21" in h.text_of(page, "status-main")  # 21 rows of one feature
    h.change(page, lambda: page.locator("#upload-kind input[value=condensed]").check(force=True))
    h.wait_dendrogram(page)
    assert "n = 7" in h.text_of(page, "status-main")
    h.choose(page, "method", "complete")
    h.wait_dendrogram(page)
    got = np.loadtxt(io.StringIO(download(page, "export-linkage")), delimiter=",", skiprows=1)
    np.testing.assert_allclose(got, linkage(v, "complete"), rtol=1e-12, atol=1e-12)
    h.assert_no_console_errors(page)
