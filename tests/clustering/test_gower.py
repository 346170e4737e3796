"""Gower distances against R's cluster::daisy(x, metric = "gower") (the oracle), to 1e-12."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import squareform

from clustering.errors import DataError
from clustering.gower import GOWER_KINDS, gower_column_kinds, gower_distances
from tests.oracles import run_r


def _r_columns(frame: pd.DataFrame, kinds: dict[str, str]) -> str:
    """R code that turns the CSV's columns back into the classes daisy dispatches on."""
    lines = []
    for name in frame.columns:
        col = frame[name]
        ref = f'x[["{name}"]]'
        kind = kinds.get(name)
        if isinstance(col.dtype, pd.CategoricalDtype):
            levels = ", ".join(f'"{v}"' for v in col.cat.categories)
            ordered = "TRUE" if col.dtype.ordered else "FALSE"
            lines.append(f"{ref} <- factor({ref}, levels = c({levels}), ordered = {ordered})")
        elif pd.api.types.is_bool_dtype(col.dtype):
            lines.append(f"{ref} <- as.logical({ref})")
        elif pd.api.types.is_numeric_dtype(col.dtype):
            lines.append(f"{ref} <- as.numeric({ref})")
        else:
            lines.append(f"{ref} <- factor({ref})")
        if kind == "symmetric":
            lines.append(f"{ref} <- as.numeric({ref})")
    return "\n".join(lines)


def daisy(frame: pd.DataFrame, weights=None, kinds: dict[str, str] | None = None) -> np.ndarray:
    kinds = kinds or {}
    type_arg = {}
    for k, rk in (("symmetric", "symm"), ("asymmetric", "asymm"), ("ordratio", "ordratio")):
        names = [c for c, v in kinds.items() if v == k]
        if names:
            type_arg[rk] = "c(" + ", ".join(f'"{c}"' for c in names) + ")"
    type_code = "list(" + ", ".join(f"{k} = {v}" for k, v in type_arg.items()) + ")"
    w = "1" if weights is None else "c(" + ", ".join(repr(float(v)) for v in weights) + ")"
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_bool_dtype(out[c].dtype):
            out[c] = out[c].map({True: "TRUE", False: "FALSE"})
    script = f"""
        x <- read.csv(file.path(dir, "x.csv"), na.strings = "", stringsAsFactors = FALSE,
                      check.names = FALSE, colClasses = "character")
        {_r_columns(frame, kinds)}
        d <- suppressWarnings(daisy(x, metric = "gower", weights = {w}, type = {type_code}))
        write.csv(as.data.frame(as.matrix(d)), file.path(dir, "d.csv"), row.names = FALSE)
    """
    res = run_r(script, inputs={"x": out}, outputs=["d"], packages=["cluster"])
    return res["d"].to_numpy(dtype=float)


def mixed_frame(n: int, seed: int, missing: float = 0.15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x": rng.normal(size=n) * 10,
        "k": rng.integers(0, 5, size=n).astype(float),
        "colour": rng.choice(["red", "green", "blue", "grey"], size=n).astype(object),
        "size": pd.Categorical(rng.choice(["S", "M", "XL"], size=n),
                               categories=["XS", "S", "M", "L", "XL"], ordered=True),
        "flag": pd.array(rng.random(n) < 0.4, dtype="boolean"),
        "y": rng.exponential(size=n),
    })
    for c in df.columns:
        holes = rng.random(n) < missing
        holes[:3] = False  # keep some complete rows
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df.loc[holes, c] = np.nan
        elif c == "flag":
            df.loc[holes, c] = pd.NA
        else:
            df.loc[holes, c] = np.nan
    return df


def assert_same(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    ok = ~np.isnan(ours)
    np.testing.assert_allclose(ours[ok], theirs[ok], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- fixed cases, no R
def test_numeric_only_is_range_normalised_manhattan_mean():
    df = pd.DataFrame({"a": [0.0, 1.0, 4.0], "b": [10.0, 10.0, 30.0]})
    D = gower_distances(df)
    # (|0-1|/4 + 0) / 2 ; (1 + 1) / 2 ; (3/4 + 1) / 2
    np.testing.assert_allclose(squareform(D), [0.125, 1.0, 0.875])


def test_pair_without_a_common_variable_is_nan():
    df = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": [None, "a", "b"]})
    D = gower_distances(df)
    assert np.isnan(D[0, 1]) and np.isnan(D[1, 0])
    assert D[0, 2] == 1.0 and D[1, 2] == 1.0 and np.all(np.diag(D) == 0)


def test_asymmetric_binary_skips_double_false():
    df = pd.DataFrame({"a": [True, False, False], "b": [True, True, False]})
    D = gower_distances(df)
    assert D[1, 2] == 1.0  # 'a' False/False left out; 'b' differs
    assert D[0, 1] == 0.5


def test_condensed_equals_squareform_of_square():
    df = mixed_frame(37, seed=3)
    np.testing.assert_array_equal(gower_distances(df, condensed=True),
                                  squareform(gower_distances(df), checks=False))


def test_blocks_do_not_change_numbers(monkeypatch):
    df = mixed_frame(50, seed=4)
    whole = gower_distances(df)
    monkeypatch.setattr("clustering.gower._BLOCK_CELLS", 7 * 50)
    np.testing.assert_array_equal(gower_distances(df), whole)
    np.testing.assert_array_equal(gower_distances(df, condensed=True), squareform(whole, checks=False))


def test_kinds_default_from_dtypes():
    df = mixed_frame(5, seed=1)
    assert gower_column_kinds(df) == {
        "x": "numeric", "k": "numeric", "colour": "nominal", "size": "ordinal",
        "flag": "asymmetric", "y": "numeric"}
    assert set(gower_column_kinds(df).values()) <= set(GOWER_KINDS)


@pytest.mark.parametrize("kwargs, frame, words", [
    ({"weights": [1, 2, 3]}, None, "one number per column (2), not 3"),
    ({"weights": [1, -1]}, None, "finite and non-negative; check b"),
    ({"weights": [0, 0]}, None, "every weight is 0"),
    ({"weights": {"zz": 1}}, None, "columns the table does not have: 'zz'"),
    ({"kinds": {"a": "fuzzy"}}, None, "unknown kind 'fuzzy'; choose one of numeric"),
    ({"kinds": {"a": "asymmetric"}}, None, "values other than 0/1"),
    ({}, pd.DataFrame({"a": [1.0]}), "at least 2 rows"),
    ({}, pd.DataFrame({"a": [np.nan, np.nan]}), "column 'a' has no values"),
    ({}, pd.DataFrame({"a": [1.0, np.inf, 2.0]}), "infinite values in rows 2"),
    ({}, pd.DataFrame({"t": pd.to_datetime(["2020-01-01", "2021-01-01"])}), "dates or times"),
    ({"kinds": {"s": "numeric"}}, pd.DataFrame({"s": ["1", "x", "3"]}), "text in rows 2"),
])
def test_refusals_say_what_to_fix(kwargs, frame, words):
    if frame is None:
        frame = pd.DataFrame({"a": [0.5, 2.0, 3.0], "b": ["u", "v", "u"]})
    with pytest.raises(DataError, match=words.replace("(", r"\(").replace(")", r"\)")):
        gower_distances(frame, **kwargs)


def test_weight_mapping_defaults_to_one():
    df = mixed_frame(20, seed=8)
    np.testing.assert_array_equal(
        gower_distances(df, {"x": 2.0}),
        gower_distances(df, [2.0, 1, 1, 1, 1, 1]))


# ---------------------------------------------------------------- R's daisy, the oracle
@pytest.mark.oracle
def test_fixed_mixed_table_equals_daisy():
    df = pd.DataFrame({
        "x": [1.0, 2.5, np.nan, 7.0, 3.0, np.nan],
        "c": ["a", "b", "a", None, "c", None],
        "o": pd.Categorical(["lo", "hi", None, "mid", "lo", None],
                            categories=["lo", "mid", "hi", "top"], ordered=True),
        "b": pd.array([True, False, None, False, True, None], dtype="boolean"),
    })
    assert_same(gower_distances(df), daisy(df))
    assert np.isnan(gower_distances(df)[2, 5])  # rows 3 and 6 share no variable


@pytest.mark.oracle
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_mixed_with_missing_and_weights_equals_daisy(seed):
    df = mixed_frame(60, seed=seed)
    rng = np.random.default_rng(100 + seed)
    # cluster 2.1.4 (R 4.2 here) returns NA when the shared weight is <= 0.5; stay above it
    w = rng.uniform(0.6, 3.0, size=df.shape[1])
    assert_same(gower_distances(df), daisy(df))
    assert_same(gower_distances(df, w), daisy(df, w))


@pytest.mark.oracle
def test_symmetric_binary_and_ordratio_equal_daisy_types():
    rng = np.random.default_rng(7)
    n = 30
    df = pd.DataFrame({
        "s": rng.integers(0, 2, size=n).astype(float),
        "r": rng.choice([1.0, 2.0, 5.0, 50.0], size=n),
        "z": rng.normal(size=n),
    })
    df.loc[rng.random(n) < 0.2, "s"] = np.nan
    kinds = {"s": "symmetric", "r": "ordratio"}
    assert_same(gower_distances(df, kinds=kinds), daisy(df, kinds=kinds))


def test_methods_that_need_euclidean_are_refused_with_the_reason():
    from clustering.gower import gower_method_problem
    from clustering.linkage import METHODS
    refused = {m for m in METHODS if gower_method_problem(m)}
    assert refused == {"ward", "centroid", "median"}
    assert "choose single, complete, average or weighted" in gower_method_problem("median")
    with pytest.raises(DataError, match="choose one of single"):
        gower_method_problem("wardd")
