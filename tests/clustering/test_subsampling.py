"""Row-subsampling support: against a plain re-implementation (frozensets, SciPy's tree)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage, to_tree
from scipy.spatial.distance import pdist, squareform

from clustering.errors import DataError
from clustering.subsampling import (
    count_row_clades,
    plan_row_support,
    row_support,
    summarise_row_support,
)


def _clades(Z: np.ndarray, names: np.ndarray) -> list[frozenset]:
    root, nodes = to_tree(Z, rd=True)
    n = Z.shape[0] + 1
    return [frozenset(names[nodes[n + i].pre_order()].tolist()) for i in range(n - 1)]


def _naive(X, method, metric, n_boot, fraction, seed):
    n = X.shape[0]
    m = int(min(max(round(fraction * n), 3), n - 1))
    orig = _clades(linkage(X, method, metric), np.arange(n))
    hits = np.zeros(n - 1)
    inf = np.zeros(n - 1)
    for b in range(n_boot):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
        rows = np.sort(rng.choice(n, size=m, replace=False))
        found = set(_clades(linkage(X[rows], method, metric), rows))
        s = set(rows.tolist())
        for j, c in enumerate(orig):
            r = frozenset(c & s)
            if 2 <= len(r) < m:
                inf[j] += 1
                hits[j] += r in found
    with np.errstate(invalid="ignore"):
        return hits / inf, inf


@pytest.mark.parametrize("method,metric,seed", [("average", "euclidean", 0),
                                                ("ward", "euclidean", 1),
                                                ("complete", "cityblock", 2)])
def test_equals_plain_reimplementation(method, metric, seed):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 1.0, (12, 3)) for c in (0, 3, 6)])
    got = row_support(X, method, metric, n_boot=30, fraction=0.7, seed=seed)
    want, inf = _naive(X, method, metric, 30, 0.7, seed)
    np.testing.assert_array_equal(got.table["informative"].to_numpy(), inf)
    np.testing.assert_allclose(got.table["support"].to_numpy(), want, equal_nan=True)


def test_fixed_case_two_blobs():
    X = np.r_[np.zeros((5, 1)), np.full((5, 1), 10.0)] + np.arange(10)[:, None] * 0.01
    rs = row_support(X, "single", "euclidean", n_boot=15, seed=3)
    # the two blobs (the merges of 5 rows) are clades of every subsample's tree
    blobs = rs.table[rs.table["size"] == 5]
    assert blobs["support"].tolist() == [1.0, 1.0] and (blobs["informative"] == 15).all()
    assert np.isnan(rs.table["support"].iloc[-1])  # the root is never informative
    assert rs.m == 8


def test_precomputed_equals_features_and_chunking_is_invisible():
    X = np.random.default_rng(5).normal(size=(20, 4))
    a = row_support(X, "average", "euclidean", n_boot=12, seed=2, chunk_size=5)
    b = row_support(squareform(pdist(X)), "average", "precomputed", n_boot=12, seed=2,
                    chunk_size=12)
    np.testing.assert_array_equal(a.table["hits"], b.table["hits"])
    plan = plan_row_support(X, "average", "euclidean", n_boot=12, seed=2)
    parts = count_row_clades(plan, 6, 12) + count_row_clades(plan, 0, 6)
    np.testing.assert_array_equal(summarise_row_support(plan, parts).table["hits"],
                                  a.table["hits"])


def test_refusals_say_what_to_fix():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(DataError, match="fraction"):
        row_support(X, fraction=0)
    with pytest.raises(DataError, match="at least 4 rows"):
        row_support(X[:3])
    plan = plan_row_support(X, n_boot=4)
    with pytest.raises(DataError, match="exactly once"):
        summarise_row_support(plan, count_row_clades(plan, 0, 2))
