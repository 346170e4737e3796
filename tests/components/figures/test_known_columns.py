"""Colour bars of known columns and the tanglegram figure: pure builders, checked against
pandas (quantile bins, majorities) and SciPy (leaf order)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import leaves_list, linkage

from clustering.geometry import dendrogram_geometry
from components.figures.known_columns import (
    MAX_CLASSES,
    OTHER,
    column_classes,
    leaf_majority,
    make_colour_bars_figure,
    shown_leaf_of_position,
)
from components.figures.tanglegram import make_tanglegram_figure


@pytest.mark.parametrize("module", ["components.figures.known_columns",
                                    "components.figures.tanglegram"])
def test_doctests(module):
    assert doctest.testmod(importlib.import_module(module)).failed == 0


@pytest.mark.parametrize("seed", range(4))
def test_numeric_columns_are_pandas_quantile_bins(seed):
    rng = np.random.default_rng(seed)
    values = pd.Series(rng.normal(size=300))
    values[rng.random(300) < 0.05] = np.nan
    c = column_classes(values, "v", bins=4)
    assert c.binned and len(c.names) == 4
    expected = pd.qcut(values, 4, labels=False).fillna(-1).astype(int).to_numpy()
    assert c.codes.tolist() == expected.tolist()


def test_many_categories_pool_the_rare_ones():
    values = [f"c{i}" for i in range(20) for _ in range(20 - i)]
    c = column_classes(values, "cat")
    assert len(c.names) == MAX_CLASSES and OTHER in c.names
    counts = pd.Series(values).value_counts()
    kept = set(counts.index[: MAX_CLASSES - 1])
    assert set(c.names) - {OTHER} == kept


@pytest.mark.parametrize("seed", range(4))
def test_leaf_majority_equals_pandas(seed):
    rng = np.random.default_rng(seed)
    n, leaves = 500, 37
    codes = rng.integers(-1, 4, size=n)
    row_leaf = rng.integers(0, leaves, size=n)
    got = leaf_majority(codes, row_leaf, leaves)
    frame = pd.DataFrame({"leaf": row_leaf, "code": codes})
    frame = frame[frame.code >= 0]
    for leaf in range(leaves):
        sub = frame[frame.leaf == leaf].code
        if sub.empty:
            assert got[leaf] == -1
        else:
            counts = sub.value_counts()
            assert got[leaf] == min(counts[counts == counts.max()].index)


def test_bars_sit_under_scipys_leaves_truncated_or_not():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    Z = linkage(X, "average")
    classes = column_classes(np.where(X[:, 0] > 0, "right", "left"), "side")
    g = dendrogram_geometry(Z)
    fig = make_colour_bars_figure([(classes, classes.codes[leaves_list(Z)])], g.leaf_x)
    by_x = {float(x): t.name for t in fig.data for x in t.x}
    names = np.asarray(classes.names)[classes.codes]
    assert [by_x[5.0 + 10 * j] for j in range(60)] == names[leaves_list(Z)].tolist()
    # lastp 8: the shown leaves cover runs of the full order, sized as Z counts them.
    g8 = dendrogram_geometry(Z, truncate_mode="lastp", p=8)
    sizes = np.where(g8.leaves < 60, 1, Z[np.maximum(g8.leaves - 60, 0), 3]).astype(int)
    assert sizes.sum() == 60
    of_position = shown_leaf_of_position(sizes)
    assert of_position.size == 60 and of_position[-1] == 7


def test_tanglegram_lines_join_the_same_row():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 2))
    Z1, Z2 = linkage(X, "ward"), linkage(X, "single")
    g1, g2 = dendrogram_geometry(Z1), dendrogram_geometry(Z2)
    fig = make_tanglegram_figure(g1, g2, ["#000"] * 24, ["#000"] * 24, ["#123"] * 25,
                                 left_title="a", right_title="b")
    (lines,) = [t for t in fig.data if t.meta == "lines"]
    y = np.asarray(lines.y, dtype=float).reshape(-1, 3)
    pos1 = np.empty(25)
    pos1[leaves_list(Z1)] = np.arange(25)
    pos2 = np.empty(25)
    pos2[leaves_list(Z2)] = np.arange(25)
    assert y[:, 0].tolist() == (5 + 10 * pos1).tolist()
    assert y[:, 1].tolist() == (5 + 10 * pos2).tolist()
