"""Issue 14: a feature-table upload is parsed once (guess and page share the read) and its
prepared matrix is kept for the tree job, which then neither reads nor prepares it again."""

from __future__ import annotations

import base64
import contextvars

import numpy as np
import pandas as pd
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict

from clustering.guess import guess_file
from clustering.prepare import PrepareOptions, prepare
from components import ids
from components.page import data as data_page
from components.page import upload_kind
from components.state import tables
from components.view import DatasetRef, TreeSpec


def _csv(seed: int, n: int = 40) -> bytes:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.standard_normal((n, 3)), columns=["a", "b", "c"])
    return df.to_csv(index=False).encode()


def _upload(data: bytes, name: str):
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()

    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{ids.UPLOAD}.contents",
                                                           "value": None}]))
        return data_page.choose_dataset(contents, None, None, None, None, name, None, None,
                                        "drop", False, "none")

    return contextvars.copy_context().run(go)


def test_guess_file_uses_the_given_reader():
    calls = []

    def read():
        calls.append(1)
        return pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})

    g = guess_file(b"ignored,x,y,z,w\n1,2,3,4,5\n", "t.csv", read=read)
    assert calls == [1] and g.kind == "features"


def test_guess_and_read_same_guess_and_table(in_app):
    data = _csv(1)
    guess, got = upload_kind.guess_and_read(data, "t.csv")
    assert guess == guess_file(data, "t.csv", **tables.read_limits())
    pd.testing.assert_frame_equal(got.table, tables.read_new_upload(data, "t.csv").table)
    # Not a table (a Newick tree): nothing read as a table.
    g, none = upload_kind.guess_and_read(b"((a:1,b:1):1,c:2);", "t.nwk")
    assert g.kind == "newick" and none is None


def test_upload_parses_once_and_job_reuses_prepared(in_app, monkeypatch):
    from clustering import tables as ctables

    data = _csv(2)
    reads = []
    real = ctables._read

    def counting(*a, **k):
        reads.append(1)
        return real(*a, **k)

    monkeypatch.setattr(ctables, "_read", counting)
    dataset, message, *_ = _upload(data, "once.csv")
    assert message is None, message
    assert len(reads) == 1
    spec = TreeSpec.from_controls(dataset, [], None, "drop", False, "none", "ward", "euclidean")
    # The tree job finds the table and the prepared matrix memoised: no read, no prepare.
    monkeypatch.setattr(tables, "prepare", lambda *a, **k: pytest.fail("prepared again"))
    got = tables.load_prepared(spec)
    assert len(reads) == 1
    want = prepare(pd.read_csv(__import__("io").BytesIO(data)), PrepareOptions())
    np.testing.assert_array_equal(got.matrix, want.matrix)


def test_upload_over_budget_is_not_memoised(in_app, monkeypatch):
    # Over the tree job's limits: the upload is accepted as before, the tree step says why.
    monkeypatch.setattr(tables, "prepare_limits",
                        lambda: {"max_columns": 1, "memory_budget_bytes": 10**9})
    monkeypatch.setattr(upload_kind, "prepare_limits", tables.prepare_limits)
    dataset, message, *_ = _upload(_csv(3), "wide.csv")
    assert message is None, message
    spec = TreeSpec(DatasetRef.from_json(dataset), PrepareOptions())
    from components.state.store import get_store

    assert not get_store().has_result(spec.prepared_key(*tables._caps()))


def test_the_upload_hands_its_prepared_matrix_to_the_head_start(in_app, monkeypatch):
    # Issue 14, goal 1: the linkage starts from the matrix the upload request prepared, before
    # that matrix is stored; the options it was prepared under are the tree's own.
    from components.page import compute

    handed = []
    monkeypatch.setattr(compute, "runs_inline", lambda spec, settings: False)
    monkeypatch.setattr(compute, "_head_start",
                        lambda spec, prepared: handed.append((spec, prepared)))
    dataset, message, *rest = _upload(_csv(4), "handed.csv")
    assert message is None, message
    assert rest[-3] is not None  # the upload's job request
    (spec, prepared), = handed
    assert prepared is not None, "the head start would read the store instead"
    assert spec.options == data_page._next_options("drop", False, "none")
    want = prepare(pd.read_csv(__import__("io").BytesIO(_csv(4))), spec.options)
    np.testing.assert_array_equal(prepared.matrix, want.matrix)
    # ... and the tree job still finds it in the store, and the draw the scatter's PCA.
    np.testing.assert_array_equal(tables.load_prepared(spec).matrix, want.matrix)
    from components.state.store import get_store

    assert get_store().has_result(("pca", *spec.prepared_key(*tables._caps())))


def test_a_matrix_prepared_under_other_options_is_not_handed_over(in_app, monkeypatch):
    from components.page import compute

    handed = []
    monkeypatch.setattr(compute, "runs_inline", lambda spec, settings: False)
    monkeypatch.setattr(compute, "_head_start",
                        lambda spec, prepared: handed.append(prepared))
    dataset, *_ = _upload(_csv(5), "other.csv")
    handed.clear()
    other = prepare(pd.read_csv(__import__("io").BytesIO(_csv(5))), PrepareOptions())
    job = compute.upload_job(dataset, "drop", False, "zscore", "ward", "euclidean",
                             prepared=(PrepareOptions(), other))
    assert job is not None and handed == [None]
