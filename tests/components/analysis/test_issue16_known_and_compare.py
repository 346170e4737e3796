"""Issue 16, points 3-4: "the page says whether the column is also a clustering feature", for a
categorical column clustered one-hot; the Compare tab says which clusters it compares."""

from __future__ import annotations

import dataclasses

import pytest

from clustering.datasets import EXAMPLES
from components.analysis import agreement as tab
from components.view import TreeSpec
from tests.components.analysis.test_agreement_tab import TAB, _run


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


def test_compare_tab_says_it_compares_height_cuts_when_a_partition_is_in_force(app):
    from components.analysis import compare

    ref = _ref(False)
    key = ref["tree_key"]
    gated = {"cut": 15.0, "tree_key": key,
             "partition": {"source": "tree", "mcs": 20, "deep": 0, "tree_key": key}}
    with app.server.app_context():
        summary, _ = _run(compare.fill_compare, "tab-compare", gated, "average", "euclidean", ref)
        plain, _ = _run(compare.fill_compare, "tab-compare", {"cut": 15.0, "tree_key": key},
                        "average", "euclidean", ref)
    assert "dynamic tree cut: tree" in str(summary) and "not that partition" in str(summary)
    assert "not that partition" not in str(plain)
