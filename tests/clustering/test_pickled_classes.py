"""Classes that travel pickled (background jobs, Celery, caches) keep the module they were
defined in before support.py and prepare.py were split, so pickles made by either side of
the split load on the other: the name in the pickle is ``clustering.support.SupportPlan``,
never a ``support_*`` or ``prepare_*`` module that older code does not have."""

from __future__ import annotations

import importlib
import pickle

import numpy as np
import pandas as pd
import pytest

support = importlib.import_module("clustering.support")
# The module, not the function clustering/__init__.py exports under the same name.
prep = importlib.import_module("clustering.prepare")

PICKLED = [
    (support, "SupportPlan"),
    (support, "SupportCounts"),
    (support, "MergeSupport"),
    (prep, "PrepareOptions"),
    (prep, "Prepared"),
    (prep, "EncodedWidth"),
]


@pytest.mark.parametrize(("module", "name"), PICKLED)
def test_class_keeps_its_module(module: object, name: str) -> None:
    cls = getattr(module, name)
    assert cls.__module__ == module.__name__
    assert cls.__qualname__ == name


def test_pickles_name_the_old_modules_and_round_trip() -> None:
    X = np.random.default_rng(0).normal(size=(6, 4))
    plan = support.plan_support(X, n_boot=3, seed=1)
    counts = support.count_clades(plan, 0, 3)
    ms = support.summarise_support(plan, counts)
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "c": ["x", "y", "x", None]})
    options = prep.PrepareOptions(missing="mean", one_hot=True, scaling="zscore")
    prepared = prep.prepare(df, options)
    width = prep.encoded_width(df, options)
    for obj in (plan, counts, ms, options, prepared, width):
        data = pickle.dumps(obj)
        assert b"clustering.support_" not in data and b"clustering.prepare_" not in data
        assert type(pickle.loads(data)) is type(obj)
    again = pickle.loads(pickle.dumps(plan))
    assert np.array_equal(support.count_clades(again, 0, 3).hits, counts.hits)
    assert pickle.loads(pickle.dumps(options)) == options
    assert np.array_equal(pickle.loads(pickle.dumps(prepared)).matrix, prepared.matrix)
