"""Issue 14 goal 4 in the app: which exact limit applies (and the page's sentence), the
setting, and the cophenetic caption past 20,000 rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.cut import tree_index
from clustering.errors import DataError
from clustering.linkage import compute_linkage
from clustering.prepare import PrepareOptions, prepare
from components.settings import ENV_HELP, Settings
from components.state import approximate as big
from components.state.trees import Tree, cophenetic_caption, cophenetic_key
from components.view import DatasetRef, TreeSpec


def _tree(n: int, method: str, metric: str = "euclidean") -> Tree:
    rng = np.random.default_rng(0)
    p = prepare(pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"]),
                PrepareOptions())
    h = compute_linkage(p.matrix, method, metric)
    return Tree(TreeSpec(DatasetRef(example="x"), method=method, metric=metric), p, h,
                tree_index(h.Z))


def test_setting_default_follows_exact_max_rows(monkeypatch) -> None:
    monkeypatch.delenv("DENDRO_EXACT_VECTOR_MAX_ROWS", raising=False)
    monkeypatch.delenv("DENDRO_EXACT_MAX_ROWS", raising=False)
    assert Settings.from_env().vector_max_rows == 100_000
    monkeypatch.setenv("DENDRO_EXACT_VECTOR_MAX_ROWS", "70000")
    assert Settings.from_env().vector_max_rows == 70_000
    assert "DENDRO_EXACT_VECTOR_MAX_ROWS" in [name for name, _, _ in ENV_HELP]


@pytest.mark.parametrize(("method", "metric", "limit"), [
    ("ward", "euclidean", 100_000), ("single", "euclidean", 100_000),
    ("centroid", "euclidean", 100_000), ("median", "euclidean", 100_000),
    ("average", "euclidean", 50_000), ("complete", "euclidean", 50_000),
    ("weighted", "euclidean", 50_000), ("single", "cityblock", 50_000),
])
def test_the_limit_chosen_depends_on_the_method(method: str, metric: str, limit: int) -> None:
    s = Settings(exact_max_rows=50_000)
    assert big.row_limit(method, metric, s)[0] == limit
    # The choice itself: 80,000 rows are exact only on the memory-saving path.
    big_budget = Settings(exact_max_rows=50_000, memory_budget_mb=10**6)
    if limit == 100_000:
        assert not big.choose_mode(80_000, 10, method, metric, big_budget).approximate
    else:
        with pytest.raises(DataError, match="limits for .* are 50,000 rows"):
            big.choose_mode(80_000, 10, method, metric, big_budget)


def test_ward_past_its_limit_goes_approximate_and_says_which_limit() -> None:
    mode = big.choose_mode(100_001, 10, "ward", "euclidean", Settings())
    assert mode.approximate
    assert "above 100,000 rows (the limit for ward, single, centroid and median" in mode.reason


def test_limit_note_names_the_limit_that_let_the_tree_be_exact() -> None:
    s = Settings(exact_max_rows=100)
    ward = _tree(150, "ward")
    note = big.limit_note(ward, s)
    assert note.startswith("Exact tree of 150 rows. Exact ward linkage on euclidean data")
    assert "up to 200 rows" in note
    assert big.limit_note(ward, Settings(exact_max_rows=1000)) is None
    assert big.page_note(ward, s) is None  # not an approximate tree


def test_cophenetic_caption_states_the_sample() -> None:
    assert cophenetic_caption(None, 100_000) == ""
    assert cophenetic_caption(0.912346, 20_000) == " · cophenetic correlation 0.91235"
    assert cophenetic_caption(0.5, 100_000).endswith("(estimated on 20,000 random rows of 100,000)")


def test_cophenetic_key_holds_the_sampling_constants(tmp_path) -> None:
    spec = TreeSpec(DatasetRef(example="mpg"))
    from app import create_app

    app = create_app(Settings.from_env(data_dir=str(tmp_path)))
    with app.server.app_context():
        key = cophenetic_key(spec)
    assert key[0] == "cophenetic" and key[-3:] == (20_000, 20_000, 0)
