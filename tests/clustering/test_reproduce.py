"""clustering.reproduce: the script's steps equal clustering.prepare and SciPy on random
tables, bit for bit; its recipes equal clustering.datasets; bad arguments say what to fix.

The script's functions are loaded with runpy (in this process, fast) for the many random
cases; tests/components/analysis/test_exports_more.py runs whole scripts in a subprocess.
"""

from __future__ import annotations

import itertools
import runpy
import zlib

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from clustering.cut import tree_index
from clustering.datasets import load_example
from clustering.errors import DataError
from clustering.prepare import PrepareOptions, encoded_width, prepare
from clustering.reproduce import SCRIPT_EXAMPLES, reproduce_script
from tests.partitions import same_partition


def load(text: str, folder, name: str = "s.py") -> dict:
    path = folder / name
    path.write_text(text)
    return runpy.run_path(str(path))


def test_recipes_are_the_apps_tables(tmp_path):
    for example in SCRIPT_EXAMPLES:
        if example in ("mpg", "blobs-200k"):  # mpg is a file; 200k is the 5k recipe, larger
            continue
        ns = load(reproduce_script(example=example, numeric=["x"], cut=1.0), tmp_path,
                  f"{example}.py")
        pd.testing.assert_frame_equal(ns["load_table"](), load_example(example))


def random_table(rng: np.random.Generator, n: int) -> pd.DataFrame:
    df = pd.DataFrame({
        "a": rng.normal(size=n) * 100,
        "b": rng.normal(size=n) + 5,
        "c": rng.integers(0, 4, size=n).astype(float),  # ties, a near-constant scale
        "k": rng.choice(["red", "blue", "green"], size=n).astype(object),
        "name": [f"r{i}" for i in range(n)],
    })
    for col in ("a", "b", "k", "name"):
        df.loc[rng.random(n) < 0.08, col] = None
    return df


@pytest.mark.parametrize("missing,scaling,one_hot", list(itertools.product(
    ("drop", "mean", "median"), ("none", "minmax", "zscore", "whiten"), (False, True))))
def test_script_prepares_as_prepare_and_clusters_as_scipy(tmp_path, missing, scaling, one_hot):
    rng = np.random.default_rng(zlib.crc32(f"{missing}-{scaling}-{one_hot}".encode()))  # seeded
    df = random_table(rng, int(rng.integers(20, 80)))
    df.to_csv(tmp_path / "t.csv", index=False)
    options = PrepareOptions(features=("a", "b", "c", "k") if one_hot else ("a", "b", "c"),
                             label_column="name", missing=missing, one_hot=one_hot,
                             scaling=scaling)
    table = pd.read_csv(tmp_path / "t.csv")
    prepared = prepare(table, options)
    width = encoded_width(table, options)
    method, metric = ("ward", "euclidean") if one_hot else ("average", "canberra")
    Z = linkage(prepared.matrix, method, metric)
    cut = float(np.quantile(Z[:, 2], 0.8))
    ns = load(reproduce_script(filename="t.csv", numeric=width.numeric,
                               categorical=[c for c, _ in width.categorical],
                               label_column="name", missing=missing, scaling=scaling,
                               method=method, metric=metric, cut=cut), tmp_path)
    X, labels, rows = ns["prepare"](ns["load_table"]())
    np.testing.assert_array_equal(X, prepared.matrix)
    assert labels == [str(x) for x in prepared.labels]
    np.testing.assert_array_equal(rows, prepared.row_ids)
    Zs = ns["cluster"](X)
    np.testing.assert_array_equal(Zs, Z)
    got = ns["cut"](Zs, cut)
    assert same_partition(got, fcluster(Z, cut, "distance"))
    np.testing.assert_array_equal(got, tree_index(Z).labels_at(cut))  # the page's numbering


def test_minkowski_p_and_constant_columns(tmp_path):
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"a": rng.normal(size=30), "b": 3.0, "c": rng.normal(size=30)})
    df.to_csv(tmp_path / "m.tsv", sep="\t", index=False)
    ns = load(reproduce_script(filename="m.tsv", numeric=["a", "b", "c"], scaling="zscore",
                               method="complete", metric="minkowski", p=3.0, cut=1.0), tmp_path)
    X, labels, _ = ns["prepare"](ns["load_table"]())
    p = prepare(df, PrepareOptions(scaling="zscore"))
    np.testing.assert_array_equal(X, p.matrix)
    assert labels == [str(i) for i in range(30)]  # SciPy's observation numbers
    np.testing.assert_array_equal(ns["cluster"](X),
                                  linkage(pdist(p.matrix, "minkowski", p=3.0), "complete"))


@pytest.mark.parametrize("kwargs,message", [
    ({}, "exactly one of example= "),
    ({"example": "mpg", "filename": "x.csv"}, "exactly one of example= "),
    ({"example": "iris"}, "no script recipe for example 'iris'; choose one of tutorial-blobs"),
    ({"filename": "x.sav"}, "cannot write a reader for 'x.sav'"),
    ({"filename": "x.csv", "numeric": []}, "no feature columns"),
    ({"filename": "x.csv", "missing": "zero"}, "missing must be one of drop, mean, median"),
    ({"filename": "x.csv", "scaling": "log"}, "scaling must be one of none, minmax"),
    ({"filename": "x.csv", "method": "ward", "metric": "cosine"}, "ward"),
    ({"filename": "x.csv", "cut": float("nan")}, "cut must be a finite height"),
    ({"filename": "x.csv", "cut": -1.0}, "cut must be a finite height"),
])
def test_bad_arguments_say_what_to_fix(kwargs, message):
    args = {"numeric": ["a"], "cut": 1.0, **kwargs}
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        reproduce_script(**args)


def test_odd_names_stay_literal(tmp_path):
    text = reproduce_script(filename="it's \"x\".csv", numeric=["a'b", 'c"d'],
                            label_column="n\\m", cut=0.5, title='a """ title')
    compile(text, "s.py", "exec")
    ns = {}
    exec(compile(text.split("def load_table")[0], "s.py", "exec"), ns)  # the constants only
    assert ns["NUMERIC"] == ["a'b", 'c"d'] and ns["LABEL_COLUMN"] == "n\\m"
