"""Issue 14, goal 1: less work and fewer round trips before the first view of a big upload.

- the Ward tie check of a tree past SciPy's limit (it decides only the page's note, not Z)
  runs after the first view: same Z, same verdict, the note still shown;
- a new feature table whose tree is a background job starts that job from the upload
  callback; compute then finds the same request and leaves it running.
"""

from __future__ import annotations

import base64
import contextvars

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from clustering.linkage import TIES_UNCHECKED, compute_linkage, ward_tree_ties
from clustering.ties import tie_note
from components import ids
from components.page import compute as compute_page
from components.page import data as data_page
from components.page import tree_view
from components.settings import Settings
from components.state import trees
from components.view import TreeSpec

TREE = ("drop", False, "none", "ward", "euclidean")


def _tie_prone(kind: str, seed: int, n: int = 80) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "integers":  # nearest pairs tie: the verdict is "tied" at once
        return rng.integers(0, 6, size=(n, 3)).astype(float)
    if kind == "rounded":  # decimals on a grid: tie-prone, usually no tie at any merge
        return np.round(rng.normal(size=(n, 3)) * 10, 3)
    return np.round(rng.normal(size=(n, 2)), 1)  # coarse: ties at some merges


@pytest.mark.parametrize("kind", ["integers", "rounded", "coarse"])
@pytest.mark.parametrize("seed", range(4))
def test_unchecked_ward_tree_is_the_checked_tree_with_the_same_verdict_later(kind, seed):
    X = _tie_prone(kind, seed)
    checked = compute_linkage(X, "ward", scipy_ties_max_n=20)
    unchecked = compute_linkage(X, "ward", scipy_ties_max_n=20, check_ties=False)
    np.testing.assert_array_equal(unchecked.Z, checked.Z)
    assert unchecked.backend.endswith(TIES_UNCHECKED) and unchecked.ties is True
    assert ward_tree_ties(X, unchecked.Z) == checked.ties


def test_check_ties_false_changes_nothing_where_the_check_decides_the_tree():
    X = _tie_prone("rounded", 0, n=30)
    # Within SciPy's limit the check chooses between fastcluster and SciPy: it always runs.
    a = compute_linkage(X, "ward", scipy_ties_max_n=100, check_ties=False)
    b = compute_linkage(X, "ward", scipy_ties_max_n=100)
    np.testing.assert_array_equal(a.Z, b.Z)
    assert (a.backend, a.ties) == (b.backend, b.ties)
    # Continuous data and other methods have no check to skip.
    smooth = np.random.default_rng(1).normal(size=(40, 3))
    c = compute_linkage(smooth, "ward", scipy_ties_max_n=10, check_ties=False)
    assert not c.backend.endswith(TIES_UNCHECKED) and c.ties is False
    d = compute_linkage(X, "average", scipy_ties_max_n=10, check_ties=False)
    assert not d.backend.endswith(TIES_UNCHECKED)


def _csv(X: np.ndarray) -> str:
    text = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).to_csv(index=False)
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def _upload(contents: str, name: str = "t.csv", method: str = "ward",
            metric: str = "euclidean") -> tuple:
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{ids.UPLOAD}.contents",
                                                           "value": None}]))
        return data_page.choose_dataset(contents, None, None, None, None, name, None, None,
                                        *TREE[:3], method, metric)

    return contextvars.copy_context().run(go)


DRAW = ("lastp", 10, None, "top", True, None, None, None, None)  # + cut, previous


@pytest.mark.parametrize("kind", ["integers", "rounded"])
def test_the_page_shows_the_tie_note_after_the_first_view(in_app, monkeypatch, kind):
    monkeypatch.setattr(trees, "scipy_ties_limit", lambda _mb: 20)  # 80 rows: past the limit
    X = _tie_prone(kind, 7)
    dataset = _upload(_csv(X), f"{kind}.csv")[0]
    spec = TreeSpec.from_controls(dataset, [], None, *TREE)
    out = tree_view.render(dataset, [], None, *TREE, *DRAW)
    tree_data = out[2]
    assert out[6] is None, out[6]
    # The first view carries no verdict yet: the tie check was left for after it.
    assert tree_data["tie_check"] is True and tree_data["tie_note"] is None
    checked = compute_linkage(trees.load_prepared(spec).matrix, "ward", scipy_ties_max_n=20)
    expected = tie_note(checked.ties, checked.backend, "ward")
    assert (kind == "integers") == (expected is not None)
    # The note waits for the check, which runs after the cophenetic correlation.
    assert tree_view.show_approx_note(tree_data) == ("", False)
    caption, *shown = tree_view.after_first_view(tree_data)
    assert caption.startswith(" · cophenetic correlation")
    assert shown == ([expected, True] if expected else [no_update, no_update])
    # The verdict is memoised: the next draw of this tree carries it at once.
    again = tree_view.render(dataset, [], None, *TREE, *DRAW)[2]
    assert again["tie_check"] is False and again["tie_note"] == expected


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app

    # Tables above 30 rows are background jobs here.
    return create_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                        redis_url=None, background_rows=30))


def _compute(dataset, request, method="ward", metric="euclidean"):
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{ids.DATASET}.data",
                                                           "value": None}]))
        return compute_page.compute(dataset, [], None, *TREE[:3], method, metric, None, None,
                                    request)

    return contextvars.copy_context().run(go)


def test_an_upload_whose_tree_is_a_job_starts_it_and_compute_leaves_it_running(in_app):
    X = np.random.default_rng(3).normal(size=(60, 3))
    out = _upload(_csv(X), "big.csv")
    dataset = out[0]
    assert out[1] is None, out[1]
    request, job, note, retry = out[-4:]
    assert request == job and note == "" and retry == {"display": "none"}  # job: upload-job
    spec = TreeSpec.from_controls(dataset, [], None, *TREE)
    assert request["params"] == spec.to_json()
    # Compute runs after the preview set the pickers: the same choices, the same request.
    assert _compute(dataset, request) == (no_update,) * 5
    # Another choice is another request (the preview's pickers differ from the guess).
    other = _compute(dataset, request, method="average")
    assert other[1]["params"]["method"] == "average" and other[1]["id"] != request["id"]


def test_the_metric_returns_from_precomputed_as_the_preview_sets_it(in_app):
    X = np.random.default_rng(4).normal(size=(50, 2))
    out = _upload(_csv(X), "after-matrix.csv", metric="precomputed")
    assert out[-4]["params"]["metric"] == "euclidean"


def test_small_tables_matrices_examples_and_errors_start_no_job(in_app):
    small = _upload(_csv(np.random.default_rng(5).normal(size=(20, 2))), "small.csv")
    assert small[0]["dataset_id"] and small[-4:] == data_page.NO_JOB
    D = np.abs(np.subtract.outer(np.arange(40.0), np.arange(40.0)))
    names = [f"r{i}" for i in range(40)]
    square = pd.DataFrame(D, index=names, columns=names).to_csv()
    matrix = _upload("data:text/csv;base64," + base64.b64encode(square.encode()).decode(),
                     "square.csv")
    assert matrix[0] is not no_update and matrix[0].get("kind") == "distances"
    assert matrix[-4:] == data_page.NO_JOB
    bad = _upload("data:text/csv;base64," + base64.b64encode(b"a,b\nx,y\n").decode(), "bad.csv")
    assert bad[2] is True and bad[-4:] == data_page.NO_JOB

    def example():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{ids.EXAMPLE}.value",
                                                           "value": None}]))
        return data_page.choose_dataset(None, "mpg", None, None, None, None, None, None)

    assert contextvars.copy_context().run(example)[-4:] == data_page.NO_JOB
