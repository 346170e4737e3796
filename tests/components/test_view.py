"""The typed view: its link, its view file, its checks, and version-1 files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clustering.errors import DataError
from clustering.prepare import PrepareOptions
from components.view import QUERY_FIELDS, DatasetRef, TreeSpec, View
from components.view_file import query_from_view_file, view_file_from_query, view_from_legacy


def _legacy(**kw):
    v = {"dataset": {"example": "tutorial-blobs"},
         "options": PrepareOptions(features=("x", "y")).to_dict(), "method": "ward",
         "metric": "euclidean", "cut": 50.0, "truncate_mode": "lastp", "truncate_p": 20,
         "orientation": "left", "scatter_x": "x", "scatter_y": "y", "show_contracted": False,
         "annotate_above": 10.0}
    v.update(kw)
    return v


def test_version_1_file_reads_into_the_same_view_as_its_link():
    v = view_from_legacy(_legacy())
    assert v.cut == 50.0 and v.truncate_p == 20 and v.orientation == "left"
    assert v.tree.options.features == ("x", "y")
    assert View.from_query(v.to_query()) == v
    upload = view_from_legacy(_legacy(dataset={"dataset_id": "a" * 64, "filename": "x.csv"}))
    assert upload.tree.dataset.filename == "x.csv"
    assert query_from_view_file(json.dumps(_legacy())) == v.to_query()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"method": "nope"}, "method must be one of"),
        ({"method": "ward", "metric": "cityblock"}, "ward"),
        ({"orientation": "up"}, "orientation"),
        ({"cut": -1.0}, "cut must be"),
        ({"cut": float("nan")}, "cut must be"),
        ({"cut": True}, "wrong type"),
        ({"truncate_p": 0}, "truncate_p"),
        ({"truncate_mode": "all"}, "truncate_mode"),
        ({"dataset": {"dataset_id": "../../etc/passwd"}}, "64 lowercase hex"),
        ({"dataset": {"example": "x", "extra": 1}}, "dataset must be"),
        ({"dataset": None}, "no dataset"),
        ({"options": {"scaling": "none", "bogus": 1}}, "unknown option"),
        ({"version": 2}, "version"),
        ({"colour": "red"}, "unknown view parameter"),
    ],
)
def test_view_checks_say_what_is_wrong(change, message):
    v = _legacy(**change)
    if change.get("dataset", 1) is None:
        v["dataset"] = None
    with pytest.raises(DataError, match=message):
        view_from_legacy(v)


def test_view_file_is_the_link_and_reads_back_to_it():
    rng = np.random.default_rng(8)
    for _ in range(30):
        v = view_from_legacy(_legacy(
            cut=float(rng.uniform(0, 100)), truncate_p=int(rng.integers(1, 80)),
            annotate_above=None if rng.random() < 0.5 else float(rng.uniform(0, 9)),
            show_contracted=bool(rng.random() < 0.5),
            options={"features": ["x", "y"] if rng.random() < 0.5 else None,
                     "scaling": str(rng.choice(["none", "zscore", "minmax"]))}))
        query = v.to_query()
        text = view_file_from_query(query)
        assert json.loads(text)["version"] == 2
        assert set(json.loads(text)) - {"version"} <= set(QUERY_FIELDS)
        assert query_from_view_file(text) == query
        assert View.from_query(query_from_view_file(text.encode("utf-8-sig"))) == v


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"version": 2, "dataset": "mpg", "cut": "high"}, "cut must be a number"),
        ({"version": 2, "dataset": "mpg", "p": 2.5}, "whole number"),
        ({"version": 2, "dataset": "mpg", "onehot": 1}, "true or false"),
        ({"version": 2, "dataset": "mpg", "col": [1]}, "list of column names"),
        ({"version": 2, "dataset": "mpg", "colour": "red"}, "unknown view parameter"),
        ({"version": 2, "method": "ward"}, "no dataset"),
        ({"version": 3, "dataset": "mpg"}, "version 2, not 3"),
        ([1], "JSON object"),
    ],
)
def test_view_file_says_what_is_wrong(doc, message):
    with pytest.raises(DataError, match=message):
        query_from_view_file(json.dumps(doc))


def test_view_file_refuses_non_json():
    with pytest.raises(DataError, match="not valid JSON"):
        query_from_view_file("{nope")
    with pytest.raises(DataError, match="UTF-8"):
        query_from_view_file(b"\xff\xfe\x00{")
    with pytest.raises(DataError, match="JSON object"):
        query_from_view_file(json.dumps([1, 2]))


def test_tree_spec_is_what_the_linkage_depends_on():
    a = TreeSpec(DatasetRef(example="mpg"), PrepareOptions(scaling="zscore"))
    assert TreeSpec.from_json(a.to_json()) == a
    # The file name labels an upload; the id is the dataset.
    up = TreeSpec(DatasetRef(dataset_id="ab" * 32, filename="a.csv"))
    assert up == TreeSpec(DatasetRef(dataset_id="ab" * 32, filename=None))
    assert up.key == TreeSpec(DatasetRef(dataset_id="ab" * 32)).key
    keys = {repr(k) for k in (a.memo_key(10, 5), a.memo_key(11, 5),
                              TreeSpec(a.dataset).memo_key(10, 5),
                              TreeSpec(a.dataset, a.options, "single").memo_key(10, 5))}
    assert len(keys) == 4
    v = View(a, cut=3.0)
    assert v.same_tree(View(a, orientation="left", cut=9.0))
    assert not v.same_tree(TreeSpec(a.dataset, PrepareOptions()))
    assert not v.same_tree(None)


def test_from_controls_keeps_half_typed_fields_at_their_defaults():
    spec = TreeSpec.from_controls({"example": "mpg"}, [], None, None, None, None, None, None)
    v = View.from_controls(spec, None, "", "abc", None, None, None, None, cut="-3")
    assert (v.truncate_mode, v.truncate_p, v.annotate_above, v.orientation, v.cut) == (
        "none", 30, None, "top", None)
    assert TreeSpec.from_controls(None, [], None, None, None, None, None, None) is None
