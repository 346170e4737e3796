"""One-hot width and memory are checked before anything is encoded (issue 13, item 1), and
the cost estimate of clustering.budget. The bound is shown by spies on the encoding steps
(never called when refused) and by tracemalloc peaks, never by time."""

from __future__ import annotations

import importlib
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from clustering.budget import WHERE, estimate_work, max_cells_for, prepare_bytes
from clustering.errors import DataError
from clustering.prepare import PrepareOptions, encoded_width, prepare
from clustering.tables import describe_columns, read_upload

# The module, not the function clustering/__init__.py exports under the same name.
prep = importlib.import_module("clustering.prepare")


@pytest.fixture
def no_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if prepare gets as far as building a matrix."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("prepare built matrices past a limit")

    monkeypatch.setattr(prep.pd, "get_dummies", refuse)
    monkeypatch.setattr(prep, "_numeric_frame", refuse)


def _categorical_csv(n_rows: int, n_columns: int, levels: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    names = np.array([f"l{i}" for i in range(levels)])
    df = pd.DataFrame({f"c{j}": names[rng.permutation(np.arange(n_rows) % levels)]
                       for j in range(n_columns)})
    return df.to_csv(index=False).encode()


def test_one_hot_width_refused_before_encoding(no_encoding: None) -> None:
    # The 2,000 x 200 columns of 50 levels (10,000 indicators vs a cap of 2,000),
    # scaled to 500 x 40 of 50 levels (2,000 indicators) against a cap of 1,000.
    table = read_upload(_categorical_csv(500, 40, 50), "cats.csv").table
    with pytest.raises(DataError) as info:
        prepare(table, PrepareOptions(one_hot=True), max_columns=1_000)
    assert str(info.value) == (
        "one-hot encoding would make 2,000 columns (40 categorical column(s) give 2,000 "
        "indicator columns — levels: 'c0' 50, 'c1' 50, 'c2' 50 and 37 more — plus 0 numeric); "
        "this instance accepts at most 1,000 (DENDRO_MAX_COLUMNS). Leave out the categorical "
        "columns with the most levels, turn one-hot encoding off, or merge rare levels so each "
        "column has fewer."
    )


def test_one_hot_text_id_refused_with_label_hint(no_encoding: None) -> None:
    # The forged callback: one-hot on a 4,000-row text id (602 s inline before).
    ids = pd.DataFrame({"id": [f"row{i}" for i in range(4_000)],
                        "x": np.arange(4_000, dtype=float)})
    with pytest.raises(DataError) as info:
        prepare(ids, PrepareOptions(features=["id", "x"], one_hot=True), max_columns=2_000)
    message = str(info.value)
    assert message.startswith("one-hot encoding would make 4,001 columns")
    assert "at most 2,000" in message
    assert message.endswith("'id' has a different value in almost every row: use it as the "
                            "label column instead.")


def test_memory_budget_checked_before_building(no_encoding: None) -> None:
    x = pd.DataFrame(np.ones((1_000, 20)), columns=[f"x{j}" for j in range(20)])
    need = prepare_bytes(1_000, 20)
    with pytest.raises(DataError) as info:
        prepare(x, memory_budget_bytes=need - 1)
    assert str(info.value).startswith(
        "preparing 1,000 rows × 20 columns needs about 1 MB, over this instance's memory "
        "budget of 1 MB (DENDRO_MEMORY_BUDGET_MB).")


def test_prepare_peak_within_its_estimate() -> None:
    # prepare_bytes is what the budget is checked against: it must bound the real peak.
    rng = np.random.default_rng(1)
    n = 2_000
    df = pd.DataFrame({f"c{j}": rng.integers(0, 30, n).astype(str) for j in range(15)})
    df["x"] = rng.normal(size=n)
    options = PrepareOptions(one_hot=True, scaling="zscore")
    width = encoded_width(df, options)
    tracemalloc.start()
    try:
        result = prepare(df, options, max_columns=width.total,
                         memory_budget_bytes=prepare_bytes(n, width.total))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.matrix.shape == (n, width.total)
    assert peak <= prepare_bytes(n, width.total), peak / (8 * n * width.total)


@pytest.mark.parametrize("seed", range(6))
def test_encoded_width_equals_get_dummies(seed: int) -> None:
    """Oracle: the width pandas.get_dummies makes (what prepare documents it equals)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    cols = {f"n{j}": rng.normal(size=n) for j in range(int(rng.integers(0, 3)))}
    for j in range(int(rng.integers(1, 4))):
        cols[f"c{j}"] = rng.choice(list("abcdefgh")[: int(rng.integers(2, 8))], n)
    cols["id"] = [f"r{i}" for i in range(n)]
    df = pd.DataFrame(cols)
    features = [c for c in df.columns if c != "id" or seed % 2]
    options = PrepareOptions(features=features, one_hot=True)
    width = encoded_width(df, options)
    expected = pd.get_dummies(df[features], columns=[c for c in features
                                                     if not c.startswith("n")]).shape[1]
    assert width.total == expected == prepare(df, options).matrix.shape[1]
    # From the descriptions an upload keeps (read once): the same, without re-describing.
    assert encoded_width(df, options, columns=describe_columns(df)) == width


def test_encoded_width_is_an_upper_bound_when_rows_drop() -> None:
    df = pd.DataFrame({"c": list("ababababz"), "x": [1.0] * 8 + [None]})
    options = PrepareOptions(one_hot=True)
    assert encoded_width(df, options).total == 4
    assert prepare(df, options).matrix.shape[1] == 3  # 'z' only in the dropped row


def test_unusable_columns_same_errors_as_prepare() -> None:
    df = pd.DataFrame({"c": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]})
    for options in (PrepareOptions(features=["c"]), PrepareOptions(features=["nope"])):
        with pytest.raises(DataError) as width_error:
            encoded_width(df, options)
        with pytest.raises(DataError) as prepare_error:
            prepare(df, options)
        assert str(width_error.value) == str(prepare_error.value)


# ---------------------------------------------------------------- cost estimate
def test_estimate_grows_with_rows_columns_and_indicators() -> None:
    small = estimate_work(1_000, 10, "ward", "euclidean")
    assert estimate_work(2_000, 10, "ward", "euclidean").seconds == pytest.approx(4 * small.seconds)
    assert estimate_work(1_000, 20, "ward", "euclidean").seconds == pytest.approx(2 * small.seconds)
    assert (estimate_work(1_000, 10, "ward", "euclidean", indicator_columns=10).seconds
            > small.seconds)
    condensed = estimate_work(20_000, 10, "average", "cityblock")
    assert condensed.backend == "condensed" and condensed.linkage_bytes == 2 * 8 * (20_000 * 19_999 // 2)


def test_where_inline_job_refuse() -> None:
    settings = {"inline_seconds": 2.0, "job_seconds": 600.0, "memory_budget_bytes": 2 * 2**30}
    assert estimate_work(5_000, 4).where(**settings) == "inline"
    # The 2,000 rows x 10,000 one-hot columns: 54 s measured, inline before.
    wide = estimate_work(2_000, 10_000, indicator_columns=10_000)
    assert wide.where(**settings) == "job"
    assert estimate_work(40_000, 10, "average", "euclidean").where(**settings) == "refuse"
    assert set(WHERE) == {"inline", "job", "refuse"}
    sentence = estimate_work(40_000, 10, "average", "euclidean").sentence(**settings)
    assert sentence.startswith("average linkage of 40,000 rows × 10 columns needs about 13 GB "
                               "(linking it), over this instance's memory budget of 2.1 GB")
    assert "take a sample of the rows" in sentence


def test_estimate_from_width_uses_the_table() -> None:
    table = read_upload(_categorical_csv(300, 4, 10), "c.csv").table
    e = encoded_width(table, PrepareOptions(one_hot=True)).estimate("average", "cosine")
    assert (e.n, e.d, e.method, e.metric) == (300, 40, "average", "cosine")


def test_estimate_refuses_unknown_names() -> None:
    with pytest.raises(DataError, match=r"^unknown linkage method 'wards'; choose one of single"):
        estimate_work(10, 2, "wards")
    with pytest.raises(DataError, match=r"^unknown metric 'euclid'"):
        estimate_work(10, 2, "ward", "euclid")


def test_max_cells_for_budget() -> None:
    assert max_cells_for(2 * 2**30) == 2 * 2**30 // 16
