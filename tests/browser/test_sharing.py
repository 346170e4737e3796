"""Two analysts at once, and a link that brings a view to a third (gunicorn, 2 workers).

Nothing per-user lives in a server process: each page keeps its dataset id and choices, the
data sits in the content-addressed store, and requests land on either worker.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from tests.browser import harness
from tests.browser import hosting_helpers as H

pytestmark = pytest.mark.browser


def test_two_analysts_never_see_each_others_view_and_a_link_shares_one(browser, live_server,
                                                                       tmp_path):
    file_a = H.write_blobs(tmp_path / "alpha.csv", seed=1, centres=3)
    file_b = H.write_blobs(tmp_path / "beta.csv", seed=2, centres=5, n=100)
    a, b = H.new_page(browser), H.new_page(browser)
    harness.open_app(a, live_server.url)
    harness.open_app(b, live_server.url)
    # Interleaved, as two people working at the same time.
    harness.upload_file(a, file_a)
    harness.upload_file(b, file_b)
    H.settle(a)
    H.settle(b)
    harness.choose(b, "method", "average")
    harness.type_number(a, "cut-height", 100000)   # above the root: 1 cluster
    harness.type_number(b, "cut-height", 10)    # between within- and between-blob merges
    H.settle(a)
    H.settle(b)
    va, vb = H.view_of(a), H.view_of(b)
    assert va["file"].startswith("alpha.csv: 120 rows") and vb["file"].startswith("beta.csv: 100 rows")
    assert va["status"].startswith("n = 120 · ward") and vb["status"].startswith("n = 100 · average")
    assert (va["cut"], va["k"]) == (100000.0, 1) and (vb["cut"], vb["k"]) == (10.0, 5)
    # The browser holds only the id: the SHA-256 of the file's bytes.
    assert va["query"]["dataset"] == hashlib.sha256(file_a.read_bytes()).hexdigest()
    assert vb["query"]["dataset"] == hashlib.sha256(file_b.read_bytes()).hexdigest()
    assert va["query"]["cut"] == "100000" and vb["query"]["method"] == "average"
    # A's next step does not move B.
    harness.type_number(a, "cluster-k", 3)
    H.settle(a)
    assert H.view_of(a)["k"] == 3 and H.view_of(b) == vb

    # B copies the link; a third analyst opens it in a fresh browser context.
    c = H.new_page(browser)
    H.open_link(c, H.link(b))
    vc = H.view_of(c)
    assert vc == vb
    assert H.link(c) == H.link(b)
    H.close(a, b, c)


def _wait_for_view(page, want, timeout: float = 60.0) -> None:
    """Settle until the page shows ``want`` (or the timeout passes, then compare)."""
    deadline = time.monotonic() + timeout
    while True:
        H.settle(page)
        got = H.view_of(page)
        if got == want or time.monotonic() > deadline:
            assert got == want
            return


def test_example_link_back_forward_and_a_gone_dataset(browser, live_server):
    page = H.new_page(browser)
    page.goto(live_server.url + "_dash-layout")  # somewhere to go back to, off the app
    H.open_link(page, live_server.url + "?dataset=tutorial-blobs&method=ward&metric=euclidean&cut=50")
    entries = page.evaluate("history.length")
    first = H.view_of(page)
    assert first["status"] == "n = 150 · ward · euclidean" and first["k"] == 2
    assert first["cut"] == 50.0 and first["query"]["cut"] == "50"
    # Opening the link made one history entry, not one per step of the page settling.
    assert page.evaluate("history.length") == entries
    harness.choose(page, "method", "single")
    H.settle(page)
    second = H.view_of(page)
    assert second["query"]["method"] == "single" and second["status"].endswith("single · euclidean")
    harness.type_number(page, "cut-height", 20)
    H.settle(page)
    third = H.view_of(page)
    assert third["query"]["cut"] == "20" and page.evaluate("history.length") == entries + 2
    page.go_back()
    _wait_for_view(page, second)
    page.go_back()
    _wait_for_view(page, first)
    page.go_forward()
    page.go_forward()
    # Two steps in a row: the page may go quiet after the first one before the second lands,
    # so wait until the view is the third (state), not for one quiet spell (clock).
    _wait_for_view(page, third)

    gone = H.new_page(browser)
    harness.open_app(gone, live_server.url + "?dataset=" + "0f" * 32 + "&method=ward&cut=3")
    harness.wait_dash_idle(gone, quiet_ms=500)
    assert ("The dataset this link points to is no longer stored on this server "
            "(id 0f0f0f0f0f0f…); upload the file again.") in harness.text_of(gone, "error")
    H.close(page, gone)
