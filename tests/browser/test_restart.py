"""Links survive a restart: the store is on disk under DENDRO_DATA_DIR."""

from __future__ import annotations

import pytest

from tests.browser import harness
from tests.browser import hosting_helpers as H

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_link_made_before_a_restart_opens_after_it(browser, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {"DENDRO_DATA_DIR": str(data_dir)}
    upload = H.write_blobs(tmp_path / "survey.csv", seed=7, centres=4, n=80)

    with harness.served(env) as first:
        page = H.new_page(browser)
        harness.open_app(page, first.url)
        harness.upload_file(page, upload)
        H.settle(page)
        harness.choose(page, "method", "average")
        harness.choose(page, "metric", "cityblock")
        harness.type_number(page, "cluster-k", 4)
        H.settle(page)
        before = H.view_of(page)
        link = H.link(page)
        assert before["k"] == 4 and before["file"].startswith("survey.csv: 80 rows")
        H.close(page)

    with harness.served(env) as second:
        page = H.new_page(browser)
        H.open_link(page, H.rebase(link, second.url))
        after = H.view_of(page)
        assert after == before
        H.close(page)
