"""Issue 17, point 6 for Gower trees: the reproduce script's Gower step (pandas + NumPy, no
import of this project) equals ``clustering.gower_distances`` (itself R's daisy to 1e-12, see
test_gower.py) on seeded mixed tables with missing values, ordered factors and binary
columns, and its Z equals SciPy's linkage of the service's distances. The page's Gower tree
through the Export tab is run in a subprocess in
tests/components/analysis/test_issue17_script_gower_page.py."""

from __future__ import annotations

import runpy

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.errors import DataError
from clustering.gower import gower_column_kinds, gower_distances
from clustering.reproduce import reproduce_script


def mixed(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "size": rng.normal(10, 3, n).round(3),
        "count": rng.integers(0, 5, n),  # ties, an int column
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "grade": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high", "top"], ordered=True),
        "flag": rng.random(n) < 0.3,
        "const": 2.5,
    })
    df.loc[rng.random(n) < 0.1, "size"] = np.nan
    df.loc[rng.random(n) < 0.1, "colour"] = None
    df.loc[rng.random(n) < 0.1, "grade"] = np.nan
    return df


def script_namespace(tmp_path, df: pd.DataFrame, method: str, **kinds: str) -> dict:
    df.to_parquet(tmp_path / "t.parquet")  # keeps the ordered Categorical and the bools
    text = reproduce_script(filename="t.parquet", numeric=["size", "count", "const"],
                            categorical=["colour", "grade", "flag"], missing="mean",
                            method=method, metric="gower", cut=0.3,
                            gower_kinds=gower_column_kinds(df, kinds or None))
    assert "import clustering" not in text and "from clustering" not in text
    (tmp_path / "s.py").write_text(text)
    return runpy.run_path(str(tmp_path / "s.py"))


@pytest.mark.parametrize("seed", range(6))
def test_script_gower_equals_the_service(tmp_path, seed):
    df = mixed(seed, 40 + 7 * seed)
    ns = script_namespace(tmp_path, df, "average")
    table = ns["load_table"]()
    np.testing.assert_allclose(ns["gower"](table), gower_distances(df), rtol=1e-13, atol=1e-15)
    X, _, rows = ns["prepare"](table)
    Z = ns["cluster"](X, table.iloc[rows])
    want = linkage(gower_distances(df, condensed=True), "average")
    np.testing.assert_allclose(Z, want, rtol=1e-12, atol=0)


def test_symmetric_binary_and_ordinal_of_plain_values(tmp_path):
    df = mixed(9, 30)
    ns = script_namespace(tmp_path, df, "complete", flag="symmetric", count="ordinal")
    want = gower_distances(df, kinds={"flag": "symmetric", "count": "ordinal"})
    np.testing.assert_allclose(ns["gower"](ns["load_table"]()), want, rtol=1e-13, atol=1e-15)


def test_a_pair_without_a_shared_variable_stops_the_script(tmp_path):
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, "x", "y"]})
    df.to_csv(tmp_path / "t.csv", index=False)
    text = reproduce_script(filename="t.csv", numeric=["a"], categorical=["b"],
                            missing="mean", method="single", metric="gower", cut=0.5,
                            gower_kinds={"a": "numeric", "b": "nominal"})
    (tmp_path / "s.py").write_text(text)
    ns = runpy.run_path(str(tmp_path / "s.py"))
    table = ns["load_table"]()
    assert np.isnan(ns["gower"](table)[0, 1])
    with pytest.raises(SystemExit, match="share no variable"):
        ns["cluster"](None, table)


@pytest.mark.parametrize("kwargs, words", [
    ({"method": "ward"}, "ward linkage needs Euclidean distances"),
    ({"gower_kinds": None}, "needs the kind of each feature column"),
    ({"gower_kinds": {"a": "ordratio"}}, "not {'a': 'ordratio'}"),
])
def test_what_the_gower_step_cannot_do_is_refused(kwargs, words):
    args = {"filename": "t.csv", "numeric": ["a"], "metric": "gower", "method": "average",
            "cut": 0.5, "gower_kinds": {"a": "numeric"}, **kwargs}
    with pytest.raises(DataError, match=words.replace("{", r"\{").replace("}", r"\}")):
        reproduce_script(**args)
