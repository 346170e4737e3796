"""Links too long for a URL become short server-side view links (issue 13, point 10).

Over HTTP with the page's own callbacks (``tests.dash_page.DashPage``): a view choosing 150
long column names has a query of ~7 KB (gunicorn answers such a request line with 414); the
link becomes ``v=<id>``, and opening ``?v=<id>&cut=...`` restores every choice and the cut.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import numpy as np
import pytest

from components import ids
from components.settings import Settings
from components.state.views import MAX_QUERY
from tests.dash_page import DashPage, flask_transport, fresh_app

COLUMNS = [f"a_rather_long_measurement_name_{i:03d}" for i in range(150)]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return fresh_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                       redis_url=None))


def page_of(app, search: str = "") -> DashPage:
    page = DashPage(*flask_transport(app.server.test_client()))
    if search:
        page.props[f"{ids.URL}.search"] = search
    page.load()
    return page


def test_a_long_view_gets_a_short_link_that_restores_it(app):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, len(COLUMNS)))
    csv = ",".join(COLUMNS) + "\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in x)
    page = page_of(app)
    page.set({f"{ids.UPLOAD}.contents": "data:text/csv;base64," + base64.b64encode(
        csv.encode()).decode(), f"{ids.UPLOAD}.filename": "wide.csv"})
    chosen = COLUMNS[::-1]  # an order of their own, every one named in the link
    page.set({f"{ids.FEATURE_COLUMNS}.value": chosen, f"{ids.METHOD}.value": "average"})
    tree = page.get(f"{ids.TREE_DATA}.data")
    assert tree["query"].startswith("v=") and len(tree["query"]) < 40, tree["query"][:80]
    # What it stands for would not fit in a URL.
    dataset_id = tree["params"]["dataset"]["dataset_id"]
    long_query = f"dataset={dataset_id}&" + "&".join(f"col={c}" for c in chosen)
    assert len(long_query) > MAX_QUERY

    other = page_of(app, f"?{tree['query']}&cut=1.5")
    assert not other.get(f"{ids.LINK_ERROR}.is_open")
    assert other.get(f"{ids.FEATURE_COLUMNS}.value") == chosen
    assert other.get(f"{ids.METHOD}.value") == "average"
    restored = other.get(f"{ids.TREE_DATA}.data")
    assert restored["params"] == tree["params"]
    assert other.get(f"{ids.CUT_HEIGHT}.value") == 1.5


def test_a_short_link_whose_view_is_gone_says_so(app):
    page = page_of(app, "?v=" + "0" * 32 + "&cut=2")
    assert page.get(f"{ids.LINK_ERROR}.is_open") is True
    assert "short link's view" in page.get(f"{ids.LINK_ERROR}.children")


def test_short_queries_stay_in_the_link():
    from components.state.views import expand_query, shorten_query

    q = "dataset=mpg&method=ward"
    assert shorten_query(q) == q and expand_query("?" + q) == "?" + q
    assert parse_qs(q)["dataset"] == ["mpg"]
