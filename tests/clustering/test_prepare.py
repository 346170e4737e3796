"""prepare / PrepareOptions: formulas, SciPy's whiten, messages, and random tables."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.cluster.vq import whiten

from clustering.errors import DataError
from clustering.prepare import MISSING, SCALINGS, PrepareOptions, prepare


def _frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"c{i}" for i in range(x.shape[1])])


# ---------------------------------------------------------------- options
def test_options_round_trip_through_json() -> None:
    for missing in MISSING:
        for scaling in SCALINGS:
            o = PrepareOptions(features=["b", "a"], label_column="n", missing=missing,
                               one_hot=True, scaling=scaling)
            back = PrepareOptions.from_dict(json.loads(json.dumps(o.to_dict())))
            assert back == o and hash(back) == hash(o)
            assert back.features == ("b", "a")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scaling": "log"}, "scaling must be one of 'none', 'minmax', 'zscore', 'whiten'; got 'log'"),
    ({"missing": "zero"}, "missing must be one of 'drop', 'mean', 'median'; got 'zero'"),
    ({"features": "x"}, "features must be a list of column names, not one string"),
    ({"one_hot": "yes"}, "one_hot must be true or false; got 'yes'"),
])
def test_options_refuse_bad_values(kwargs: dict, message: str) -> None:
    with pytest.raises(DataError) as info:
        PrepareOptions(**kwargs)
    assert str(info.value) == message


def test_from_dict_refuses_unknown_keys() -> None:
    with pytest.raises(DataError, match=r"unknown option\(s\) 'scale'; valid options are 'features'"):
        PrepareOptions.from_dict({"scale": "none"})


# ---------------------------------------------------------------- scaling vs formulas and SciPy
# Ordinary magnitudes, where the textbook formula itself does not under- or overflow.
_ordinary = st.one_of(st.just(0.0), st.floats(1e-6, 1e6), st.floats(-1e6, -1e-6))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 5)), elements=_ordinary))
def test_scaling_matches_formulas(x: np.ndarray) -> None:
    df = _frame(x)
    constant = x.min(axis=0) == x.max(axis=0)
    spread = ~constant
    std, lo, hi = x.std(axis=0), x.min(axis=0), x.max(axis=0)

    none = prepare(df, PrepareOptions(scaling="none")).matrix
    np.testing.assert_array_equal(none, x)

    mm = prepare(df, PrepareOptions(scaling="minmax")).matrix
    np.testing.assert_allclose(mm[:, spread], ((x - lo) / (hi - lo))[:, spread], rtol=1e-12, atol=1e-12)
    z = prepare(df, PrepareOptions(scaling="zscore")).matrix
    np.testing.assert_allclose(z[:, spread], ((x - x.mean(axis=0)) / std)[:, spread], rtol=1e-9, atol=1e-9)
    w = prepare(df, PrepareOptions(scaling="whiten")).matrix
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SciPy warns on constant columns
        ref = whiten(x)
    np.testing.assert_array_equal(w[:, spread], ref[:, spread])
    for m in (mm, z, w):
        assert np.isfinite(m).all() and m.flags.c_contiguous and m.dtype == np.float64
        assert (m[:, constant] == 0).all()


def test_tiny_values_are_scaled_not_left_tiny() -> None:
    # Regression: np.std of subnormals is 0 (the squares underflow); the column is not constant.
    df = pd.DataFrame({"x": [2.2250738585e-311, 0.0]})
    assert prepare(df, PrepareOptions(scaling="zscore")).matrix[:, 0].tolist() == [1.0, -1.0]
    assert prepare(df, PrepareOptions(scaling="minmax")).matrix[:, 0].tolist() == [1.0, 0.0]


def test_constant_columns_never_nan_and_steps_say_so() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 4.0], "k": [0.1, 0.1, 0.1]})
    for scaling in ("minmax", "zscore", "whiten"):
        p = prepare(df, PrepareOptions(scaling=scaling))
        assert p.matrix[:, 1].tolist() == [0.0, 0.0, 0.0]
        assert "Constant column(s) 'k' set to 0 (no spread to scale)." in p.steps


def test_whiten_equals_scipy_on_tutorial_like_data() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 3)) * [1, 10, 100]
    np.testing.assert_array_equal(prepare(_frame(x), PrepareOptions(scaling="whiten")).matrix, whiten(x))


# ---------------------------------------------------------------- missing values
def test_drop_reports_rows_and_ids() -> None:
    df = pd.DataFrame({"a": [1.0, None, 3.0, 4.0, np.inf], "b": [1, 2, 3, None, 5]})
    p = prepare(df)
    assert p.row_ids.tolist() == [0, 2]
    assert p.n_dropped == 3 and p.n_input_rows == 5
    # SciPy's observation numbers (rows of the matrix), not the file's rows
    assert p.labels.tolist() == ["0", "1"]
    assert "Treated 1 infinite value(s) (inf/-inf) in 'a' as missing." in p.steps
    assert "Dropped 3 rows of 5 with missing values (a: 2, b: 1)." in p.steps


@pytest.mark.parametrize(("how", "fill"), [("mean", 8 / 3), ("median", 3.0)])
def test_impute(how: str, fill: float) -> None:
    df = pd.DataFrame({"a": [1.0, None, 3.0, 4.0], "b": [1, 2, 3, 4]})
    p = prepare(df, PrepareOptions(missing=how))
    assert p.n_dropped == 0 and p.matrix[1, 0] == pytest.approx(fill)
    assert p.original["a"].tolist()[1] == pytest.approx(fill)
    assert any(s.startswith(f"Filled 1 missing value(s) in 'a' with the {how}") for s in p.steps)


def test_too_few_rows_after_drop() -> None:
    df = pd.DataFrame({"a": [1.0, None, None], "b": [1, 2, None]})
    with pytest.raises(DataError, match=r"^fewer than 2 rows after dropping missing values \(2 of 3 rows"):
        prepare(df)
    assert prepare(df, PrepareOptions(missing="mean")).matrix.shape == (3, 2)


# ---------------------------------------------------------------- columns
def test_text_in_numeric_column_message() -> None:
    values = [str(i) for i in range(40)]
    bad_rows = [3, 10, 11, 20, 21, 22, 23, 24, 25, 26, 27, 28]
    for r in bad_rows:
        values[r] = "abc"
    df = pd.DataFrame({"x": values, "y": range(40)})
    with pytest.raises(DataError) as info:
        prepare(df)
    assert str(info.value) == "column 'x' has text in 12 rows, e.g. row 4: 'abc'"


def test_categorical_needs_one_hot_and_matches_get_dummies() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "c": list("uvuwuv"), "n": list("pqrstu")})
    with pytest.raises(DataError, match=r"column 'c' is categorical \(3 values: u, v, w\); turn on one-hot"):
        prepare(df, PrepareOptions(features=("x", "c")))
    p = prepare(df, PrepareOptions(label_column="n", one_hot=True))
    ref = pd.get_dummies(df[["x", "c"]], columns=["c"], dtype=float)
    assert p.feature_names == tuple(ref.columns)
    np.testing.assert_array_equal(p.matrix, ref.to_numpy())
    with pytest.raises(DataError, match="column 'n' is text \\(6 different values\\); use it as the label column"):
        prepare(df, PrepareOptions(features=("x", "n")))


def test_unknown_columns_are_named() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(DataError, match=r"no column named 'z'; the columns are 'x', 'y'"):
        prepare(df, PrepareOptions(features=("x", "z")))
    with pytest.raises(DataError, match=r"no column named 'name' for the labels"):
        prepare(df, PrepareOptions(label_column="name"))


def test_label_column_excluded_and_missing_labels_fall_back_to_row_number() -> None:
    df = pd.DataFrame({"id": [10, 20, 30], "x": [1.0, 2.0, 5.0], "n": ["a", None, "=c"]})
    p = prepare(df, PrepareOptions(label_column="id"))
    assert p.feature_names == ("x",) and p.labels.tolist() == ["10", "20", "30"]
    assert prepare(df, PrepareOptions(label_column="n")).labels.tolist() == ["a", "1", "=c"]


# ---------------------------------------------------------------- overflow
def test_huge_values_refused_without_scaling_and_fine_with_it() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 1e308, 4.0], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError) as info:
        prepare(df)
    assert str(info.value) == ("column 'x' has values too large to compute distances (e.g. row 3: "
                               "1e308); rescale it or pick z-score/min-max scaling")
    for scaling in ("zscore", "minmax", "whiten"):
        m = prepare(df, PrepareOptions(scaling=scaling)).matrix
        assert np.isfinite(m).all() and np.isfinite((m * m).sum(axis=1) * 4).all()


def test_values_whose_differences_overflow() -> None:
    # 1e154 squared is finite, but (1e154 - -1e154)^2 is not.
    df = pd.DataFrame({"x": [1e154, -1e154, 0.0]})
    with pytest.raises(DataError, match="too large to compute distances"):
        prepare(df)
    m = prepare(df, PrepareOptions(scaling="minmax")).matrix
    assert m[:, 0].tolist() == [1.0, 0.0, 0.5]


def test_prepared_is_read_only() -> None:
    p = prepare(pd.DataFrame({"x": [1.0, 2.0], "y": [0.0, 1.0]}))
    with pytest.raises(ValueError):
        p.matrix[0, 0] = 5.0


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 20), st.integers(1, 4)),
              elements=st.one_of(st.floats(-1e300, 1e300), st.just(np.nan), st.just(np.inf))),
       st.sampled_from(MISSING), st.sampled_from(SCALINGS))
def test_random_tables_give_finite_matrix_or_data_error(x: np.ndarray, missing: str, scaling: str) -> None:
    try:
        p = prepare(_frame(x), PrepareOptions(missing=missing, scaling=scaling))
    except DataError:
        return
    assert np.isfinite(p.matrix).all()
    assert np.isfinite(4 * np.einsum("ij,ij->i", p.matrix, p.matrix)).all()
    empty = [f"c{j}" for j in range(x.shape[1]) if np.isnan(x[:, j]).all()]
    assert list(p.feature_names) == [f"c{j}" for j in range(x.shape[1]) if f"c{j}" not in empty]
    assert (f"Left out empty column(s) {', '.join(map(repr, empty))}." in p.steps) == bool(empty)
    assert p.matrix.shape == (len(p.row_ids), len(p.feature_names)) and len(p.labels) == len(p.row_ids)
    assert p.n_dropped == x.shape[0] - len(p.row_ids)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), one_hot=st.booleans(),
       missing=st.sampled_from(MISSING), scaling=st.sampled_from(SCALINGS))
def test_columns_already_described_give_the_same_preparation(seed: int, one_hot: bool,
                                                             missing: str,
                                                             scaling: str) -> None:
    """The upload passes ``TableRead.columns`` instead of describing the table again."""
    from clustering.table_columns import describe_columns

    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 30))
    df = pd.DataFrame({"x": rng.normal(size=n), "k": rng.integers(0, 3, n),
                       "c": rng.choice(["a", "b", None], n), "id": [f"r{i}" for i in range(n)]})
    df.loc[rng.random(n) < 0.2, "x"] = np.nan
    options = PrepareOptions(missing=missing, scaling=scaling, one_hot=one_hot,
                             label_column="id")
    try:
        want = prepare(df, options)
    except DataError as err:
        with pytest.raises(DataError, match=re.escape(str(err))):
            prepare(df, options, columns=describe_columns(df))
        return
    got = prepare(df, options, columns=describe_columns(df))
    np.testing.assert_array_equal(got.matrix, want.matrix)
    assert (got.feature_names, got.steps, got.row_ids.tolist()) == (
        want.feature_names, want.steps, want.row_ids.tolist())


def test_columns_of_another_table_are_refused() -> None:
    from clustering.table_columns import describe_columns

    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [3.0, 1.0, 2.0]})
    with pytest.raises(DataError, match="describe_columns"):
        prepare(df, columns=describe_columns(df[["y", "x"]]))
