"""What an upload is, in the view and the link (issue 17): the kind, the similarity conversion
and a linkage's labels file travel with the dataset; old links read as before."""

from __future__ import annotations

import pytest

from clustering.errors import DataError
from components.view import PRECOMPUTED, DatasetRef, TreeSpec, View
from components.view_file import query_from_view_file, view_file_from_query

A = "ab" * 32
B = "cd" * 32


@pytest.mark.parametrize("ref", [
    DatasetRef(dataset_id=A, filename="d.csv", kind="distances"),
    DatasetRef(dataset_id=A, filename="s.csv", kind="similarities", similarity="max_minus"),
    DatasetRef(dataset_id=A, filename="z.npy", kind="linkage", labels_id=B),
    DatasetRef(dataset_id=A, filename="t.nwk", kind="newick"),
    DatasetRef(dataset_id=A, filename="v.csv", kind="condensed"),
])
def test_kind_round_trips_through_json_and_the_link(ref):
    back = DatasetRef.from_json(ref.to_json())
    assert back == ref and back.kind == ref.kind and back.similarity == ref.similarity
    assert back.labels_id == ref.labels_id
    view = View(TreeSpec(ref, method="average"), cut=1.5)
    assert view.tree.metric == PRECOMPUTED
    query = view.to_query()
    assert f"kind={ref.kind}" in query
    again = View.from_query(query)
    assert again.tree == view.tree and again.tree.dataset.kind == ref.kind and again.cut == 1.5
    # the view file is the link as JSON
    assert View.from_query(query_from_view_file(view_file_from_query(query))) == again


def test_same_bytes_read_as_another_kind_are_another_dataset():
    a = DatasetRef(dataset_id=A)
    b = DatasetRef(dataset_id=A, kind="distances")
    c = DatasetRef(dataset_id=A, kind="similarities", similarity="one_minus")
    d = DatasetRef(dataset_id=A, kind="similarities", similarity="max_minus")
    assert len({a, b, c, d}) == 4
    assert TreeSpec(a).memo_key(10, 5) != TreeSpec(b).memo_key(10, 5)


def test_old_links_and_files_read_as_feature_tables():
    q = f"dataset={A}&label=&missing=drop&onehot=0&scaling=none&method=ward&metric=euclidean"
    v = View.from_query("?" + q)
    assert v.tree.dataset.kind == "features" and v.tree.metric == "euclidean"
    assert "kind=" not in v.to_query()
    assert DatasetRef.from_json({"dataset_id": A, "filename": "x.csv"}).kind == "features"


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"kind": "tree"}, "kind must be one of"),
    ({"kind": "similarities"}, "needs similarity"),
    ({"kind": "distances", "similarity": "one_minus"}, "similarity matrix only"),
    ({"kind": "newick", "labels_id": B}, "linkage matrix only"),
    ({"kind": "linkage", "labels_id": "x"}, "linkage matrix only"),
])
def test_bad_kinds_are_refused(kwargs, words):
    with pytest.raises(DataError, match=words):
        DatasetRef(dataset_id=A, **kwargs)


def test_examples_have_no_kind_and_gower_is_a_table_metric():
    with pytest.raises(DataError, match="uploads only"):
        DatasetRef(example="mpg", kind="distances")
    spec = TreeSpec(DatasetRef(example="mpg"), method="average", metric="gower")
    assert spec.check() is spec
    with pytest.raises(DataError, match="Euclidean"):
        TreeSpec(DatasetRef(example="mpg"), method="ward", metric="gower").check()
    # the picker's metric is ignored for a matrix; "precomputed" is not a table metric
    s = TreeSpec.from_controls({"dataset_id": A, "kind": "distances"}, None, None, None, None,
                               None, "ward", "cosine")
    assert s.metric == PRECOMPUTED and s.check() is s
    t = TreeSpec.from_controls({"dataset_id": A}, None, None, None, None, None, "ward",
                               PRECOMPUTED)
    assert t.metric == "euclidean"
