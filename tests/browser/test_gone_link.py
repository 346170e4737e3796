"""A link whose dataset is gone says so and keeps its own choices (issue 13, point 7).

Regression: with the upload gone but its ward/euclidean tree still memoised, a link asking for
average/cityblock silently showed the memoised tree and rewrote the URL to it.
"""

from __future__ import annotations

import hashlib

import diskcache
import pytest

from tests.browser import harness
from tests.browser import hosting_helpers as H

pytestmark = pytest.mark.browser


def test_a_gone_datasets_link_says_so_keeps_its_choices_and_its_url(browser, live_server,
                                                                    tmp_path):
    path = H.write_blobs(tmp_path / "gone.csv", seed=7, centres=3)
    owner = H.new_page(browser)
    harness.open_app(owner, live_server.url)
    harness.upload_file(owner, path)
    H.settle(owner)  # its ward/euclidean tree is memoised now
    dataset_id = hashlib.sha256(path.read_bytes()).hexdigest()
    # The upload expires (or its owner deletes it); the results cache keeps its tree.
    with diskcache.Cache(str(live_server.data_dir / "store" / "datasets")) as datasets:
        assert datasets.delete(dataset_id)

    page = H.new_page(browser)
    search = f"?dataset={dataset_id}&method=average&metric=cityblock&cut=3"
    harness.open_app(page, live_server.url + search)
    harness.wait_dash_idle(page, quiet_ms=800)
    said = harness.text_of(page, "link-error")
    assert "no longer stored on this server" in said and dataset_id[:12] in said, said
    assert "no longer stored" in harness.text_of(page, "error")
    assert harness.dropdown_value(page, "method").lower().startswith("average")
    assert "cityblock" in harness.dropdown_value(page, "metric").lower()
    assert page.evaluate("() => window.location.search") == search
    H.close(owner, page)
