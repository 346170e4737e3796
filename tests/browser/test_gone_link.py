"""A link whose dataset is gone says so and keeps its own choices (issue 13, point 7).

Regression: with the upload gone but its ward/euclidean tree still memoised, a link asking for
average/cityblock silently showed the memoised tree and rewrote the URL to it.
"""

from __future__ import annotations

import hashlib
import json

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
    computed = []  # (dataset, answer) of each tree request (components.page.compute)

    def on_response(response):
        body = response.request.post_data or ""
        if "_dash-update-component" not in response.url or "tree-request.data" not in body:
            return
        inputs = {i["id"]: i.get("value") for i in json.loads(body)["inputs"]}
        if "dataset" in inputs:  # compute (the job's cancel also writes tree-request)
            computed.append((inputs["dataset"], response.json().get("response")))

    page.on("response", on_response)
    search = f"?dataset={dataset_id}&method=average&metric=cityblock&cut=3"
    harness.open_app(page, live_server.url + search)
    harness.wait_dash_idle(page, quiet_ms=800)
    said = harness.text_of(page, "link-error")
    assert "no longer stored on this server" in said and dataset_id[:12] in said, said
    assert "no longer stored" in harness.text_of(page, "error")
    assert harness.dropdown_value(page, "method").lower().startswith("average")
    assert "cityblock" in harness.dropdown_value(page, "metric").lower()
    assert page.evaluate("() => window.location.search") == search
    # The opening example's tree is never made under the link (its first request is answered
    # with no outputs): it used to race the link's chain and, when drawn first, rewrote the
    # URL to the example's view.
    assert any((d or {}).get("dataset_id") == dataset_id for d, _ in computed), computed
    assert all(answer == {} for d, answer in computed if "example" in (d or {})), computed
    H.close(owner, page)
