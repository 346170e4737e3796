"""Issue 16, point 3: "the page says whether the column is also a clustering feature", for a
categorical column clustered one-hot (``origin_europe``, ``origin_japan``, ``origin_usa``)."""

from __future__ import annotations

import dataclasses

import pytest

from clustering.datasets import EXAMPLES
from components.analysis import agreement as tab
from components.settings import Settings
from components.view import TreeSpec
from tests.components.analysis.test_agreement_tab import TAB, _run


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app

    return create_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data"))))


def _ref(one_hot: bool) -> dict:
    options = dataclasses.replace(EXAMPLES["mpg"].options, one_hot=one_hot)
    spec = TreeSpec.from_json({"dataset": {"example": "mpg"}, "options": options.to_dict(),
                               "method": "ward", "metric": "euclidean"})
    return {"params": spec.to_json(), "tree_key": spec.key, "orientation": "top"}


@pytest.mark.parametrize(("one_hot", "said"), [(True, "is also a clustering feature"),
                                               (False, "is not a clustering feature")])
def test_origin_one_hot_is_a_feature(app, one_hot, said):
    ref = _ref(one_hot)
    with app.server.app_context():
        summary, *_ = _run(tab.fill_agreement, TAB, {"cut": 15.0, "tree_key": ref["tree_key"]},
                           "origin", 4, ref)
    assert f"'origin' {said}" in str(summary)
