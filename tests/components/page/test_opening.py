"""The page opens on the default example held in its layout (issue 14, 2b: at most 8 callback
requests at load); the props it holds are those the callbacks would answer."""

from __future__ import annotations

import pytest

from components import ids
from components.page import opening
from components.settings import Settings
from tests.dash_page import DashPage, flask_transport, fresh_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """An app with every callback registered on it (requests go through HTTP here; the shared
    component fixture's app may have found the registry taken by an earlier app)."""
    return fresh_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                       redis_url=None))

#: The issue's bound for a fresh page with the default tab open.
MAX_REQUESTS_AT_LOAD = 8


def _deps(app) -> dict[str, list[tuple[str, str]]]:
    deps = app.server.test_client().get("/_dash-dependencies").get_json()
    return {d["output"]: DashPage.split_outputs(d["output"]) for d in deps}


def test_opening_outputs_are_the_callbacks_outputs(app):
    outputs = list(_deps(app).values())
    assert list(opening.DESCRIBE_OUTPUTS) in outputs
    assert list(opening.PAIR_OUTPUTS) in outputs


def test_a_fresh_page_sends_at_most_eight_requests_and_draws_the_example(app):
    page = DashPage(*flask_transport(app.server.test_client()))
    calls = [c for c in page.load() if not c.local]
    assert len(calls) <= MAX_REQUESTS_AT_LOAD, [c.output for c in calls]
    assert page.get(f"{ids.DATASET}.data") == {"example": "tutorial-blobs"}
    tree = page.get(f"{ids.TREE_DATA}.data")
    assert tree and tree["params"]["dataset"] == {"example": "tutorial-blobs"}
    assert "k =" in str(page.get(f"{ids.DIAG_SUMMARY}.children"))
    # Nothing the layout holds was asked for again.
    asked = " ".join(c.output for c in calls)
    assert "preview.children" not in asked and "uploads-list" not in asked


def test_a_link_still_replaces_the_opening_example(app):
    page = DashPage(*flask_transport(app.server.test_client()))
    page.props[f"{ids.URL}.search"] = "?dataset=tutorial-five&method=average&cut=2"
    page.load()
    tree = page.get(f"{ids.TREE_DATA}.data")
    assert tree["params"]["dataset"] == {"example": "tutorial-five"}
    assert tree["params"]["method"] == "average"
    assert page.get(f"{ids.CUT_HEIGHT}.value") == 2
    # The opening example's tree was never computed on the way.
    drawn = [c for c in page.calls if "data" in c.response.get("tree-data", {})]
    assert drawn and all(c.response["tree-data"]["data"]["params"]["dataset"]["example"] == "tutorial-five"
               for c in drawn)


def test_the_linkage_grids_browser_answer_names_its_tab():
    import inspect

    from components.analysis import linkage

    assert f'active !== "{ids.TAB_LINKAGE}"' in inspect.getsource(linkage)
