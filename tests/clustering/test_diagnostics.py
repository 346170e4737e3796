"""Diagnostics against SciPy (cophenet, inconsistent, fcluster) and fixed cases."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import cophenet, fcluster, inconsistent, linkage
from scipy.spatial.distance import pdist

import clustering.cophenetic as cophenetic
from clustering.diagnostics import (
    Gap,
    cophenetic_by_method,
    cophenetic_correlation,
    elbow,
    inconsistency_table,
    largest_gaps,
)
from clustering.errors import DataError
from clustering.linkage import METHODS, METRICS, compute_linkage, method_metric_problem
from clustering.profiles import cluster_profiles


def tutorial_blobs() -> np.ndarray:
    np.random.seed(4711)
    a = np.random.multivariate_normal([10, 0], [[3, 1], [1, 4]], size=[100])
    b = np.random.multivariate_normal([0, 20], [[3, 1], [1, 4]], size=[50])
    return np.concatenate((a, b))


@pytest.mark.parametrize("method", METHODS)
def test_cophenetic_matches_scipy_all_methods(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Includes centroid / median inversions, where SciPy uses the LCA height."""
    rng = np.random.default_rng(11)
    for trial in range(12):
        n = int(rng.integers(2, 121))
        X = rng.normal(size=(n, 3))
        if trial % 3 == 0:
            X = np.round(X)  # ties and duplicate rows
        # Tiny blocks exercise every block boundary case.
        monkeypatch.setattr(cophenetic, "_BLOCK_ELEMENTS", int(rng.integers(1, 400)))
        Z = linkage(X, method)
        expected = cophenet(Z, pdist(X))[0]
        np.testing.assert_allclose(cophenetic_correlation(Z, X), expected, rtol=1e-9, atol=1e-12)


def test_cophenetic_handles_inversions() -> None:
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.9]])  # centroid merges lower the 2nd time
    Z = linkage(X, "centroid")
    assert Z[1, 2] < Z[0, 2]
    assert cophenetic_correlation(Z, X) == pytest.approx(cophenet(Z, pdist(X))[0], rel=1e-12)


@pytest.mark.parametrize("metric", METRICS)
def test_cophenetic_matches_scipy_all_metrics(metric: str) -> None:
    rng = np.random.default_rng(12)
    X = rng.normal(size=(60, 4))
    if metric in ("hamming", "jaccard"):
        X = (X > 0).astype(float)
    if metric in ("canberra", "braycurtis"):
        X = np.abs(X) + 0.1
    kw = {"p": 3.0} if metric == "minkowski" else {}
    Z = compute_linkage(X, "average", metric, **kw).Z
    expected = cophenet(Z, pdist(X, metric, **kw))[0]
    got = cophenetic_correlation(Z, X, metric, **kw)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_cophenetic_memory_stays_below_n_squared(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 2500
    X = np.random.default_rng(0).normal(size=(n, 5))
    Z = compute_linkage(X, "ward").Z
    monkeypatch.setattr(cophenetic, "_BLOCK_ELEMENTS", 50_000)
    tracemalloc.start()
    try:
        cophenetic_correlation(Z, X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n * (n - 1) // 2 * 8 / 4  # a quarter of one condensed matrix


def test_cophenetic_edge_cases() -> None:
    X = np.array([[0.0], [3.0]])
    assert np.isnan(cophenetic_correlation(linkage(X), X))  # one pair: no variance
    X = np.zeros((4, 2))
    assert np.isnan(cophenetic_correlation(linkage(X), X))
    with pytest.raises(DataError, match="for 3 rows but X has 4"):
        cophenetic_correlation(linkage(np.eye(3)), np.eye(4))
    Xz = np.vstack([np.zeros(3), np.eye(3)])
    with pytest.raises(DataError, match="row 1"):
        cophenetic_correlation(linkage(np.eye(4)), Xz, "cosine")


def test_tutorial_blobs_diagnostics() -> None:
    """Jörn Hees' SciPy dendrogram tutorial: c = 0.98001, elbow 'clusters: 2'."""
    X = tutorial_blobs()
    Z = compute_linkage(X, "ward").Z
    assert cophenetic_correlation(Z, X) == pytest.approx(0.98001, abs=5e-6)
    e = elbow(Z, last=10)
    np.testing.assert_allclose(e.heights[:4], [180.27043, 23.12199, 17.11527, 15.11533], atol=5e-6)
    assert e.suggested_k == 2
    gaps = largest_gaps(Z, top=3)
    assert gaps[0].k == 2 and gaps[0].lower == pytest.approx(23.12199, abs=5e-6)
    assert len(set(fcluster(Z, gaps[0].cut, "distance"))) == 2


def test_elbow_matches_tutorial_formula() -> None:
    rng = np.random.default_rng(3)
    for n in (4, 12, 80):
        Z = linkage(rng.normal(size=(n, 2)), "average")
        for last in (3, 5, 10, 200):
            e = elbow(Z, last=last)
            tail = Z[-last:, 2]
            m = tail.size
            assert m == min(last, n - 1)
            np.testing.assert_array_equal(e.ks, np.arange(1, m + 1))
            np.testing.assert_array_equal(e.heights, tail[::-1])
            acc_rev = np.diff(tail, 2)[::-1]
            np.testing.assert_array_equal(e.acceleration[1:-1], acc_rev)
            assert np.isnan(e.acceleration[0]) and np.isnan(e.acceleration[-1])
            assert e.suggested_k == acc_rev.argmax() + 2


def test_elbow_small_trees() -> None:
    e = elbow(linkage([[0.0], [1.0], [3.0]]), last=10)
    assert e.suggested_k is None and e.heights.tolist() == [2.0, 1.0]
    with pytest.raises(DataError, match="'last'"):
        elbow(linkage([[0.0], [1.0], [3.0]]), last=0)


@pytest.mark.parametrize("method", METHODS)
def test_largest_gaps_give_their_k(method: str) -> None:
    rng = np.random.default_rng(4)
    for n in (3, 10, 60):
        X = rng.normal(size=(n, 2))
        Z = linkage(X, method)
        gaps = largest_gaps(Z, top=n)
        assert len(gaps) == n - 2
        sizes = [g.size for g in gaps]
        assert sizes == sorted(sizes, reverse=True)
        for g in gaps:
            assert isinstance(g, Gap) and g.upper - g.lower == pytest.approx(g.size)
            if g.size > 0:
                assert len(set(fcluster(Z, g.cut, "distance"))) == g.k
                assert len(set(fcluster(Z, g.lower, "distance"))) == g.k
        assert sorted(g.k for g in gaps) == list(range(2, n))
    assert largest_gaps(linkage([[0.0], [1.0]])) == []


def test_inconsistency_table_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    for method in METHODS:
        for n in (2, 9, 70):
            Z = linkage(rng.normal(size=(n, 3)), method)
            for depth in (1, 2, 3, 5):
                np.testing.assert_allclose(inconsistency_table(Z, depth), inconsistent(Z, depth))
    np.testing.assert_allclose(inconsistency_table(Z), inconsistent(Z, 2))
    for bad in (0, -1, 1.5, True):
        with pytest.raises(DataError, match="depth"):
            inconsistency_table(Z, bad)
    with pytest.raises(DataError, match="shape"):
        inconsistency_table(np.zeros((3, 3)))


def test_cluster_profiles() -> None:
    df = pd.DataFrame(
        {
            "height": [150.0, 152.0, 180.0, 182.0, 181.0, np.nan],
            "weight": [50.0, 52.0, 51.0, 53.0, 49.0, 50.0],
            "const": [1.0] * 6,
        }
    )
    labels = np.array([2, 2, 1, 1, 1, 2])
    prof = cluster_profiles(df, labels, top=2)
    assert prof.table.index.tolist() == [1, 2]
    assert prof.table["size"].tolist() == [3, 3]
    assert prof.table["share"].tolist() == [0.5, 0.5]
    np.testing.assert_allclose(prof.table["height"], [181.0, 151.0])  # NaN skipped
    np.testing.assert_allclose(prof.table["weight"], [51.0, 50.666666666666664])
    d = prof.distinguishing
    assert list(d.columns) == ["cluster", "rank", "feature", "cluster_mean", "rest_mean", "effect"]
    top = d[d["rank"] == 1].set_index("cluster")
    assert top.loc[1, "feature"] == "height" and top.loc[1, "effect"] > 0
    assert top.loc[2, "feature"] == "height" and top.loc[2, "effect"] < 0
    sd = df["height"].std(ddof=0)
    assert top.loc[1, "effect"] == pytest.approx((181.0 - 151.0) / sd)
    assert "const" not in set(d["feature"])  # constant: sets no cluster apart


def test_cluster_profiles_single_cluster_and_bad_labels() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    prof = cluster_profiles(df, [1, 1, 1])
    assert prof.table["size"].tolist() == [3] and prof.distinguishing.empty
    with pytest.raises(DataError, match="one cluster label per row"):
        cluster_profiles(df, [1, 2])


def test_cophenetic_by_method() -> None:
    X = np.random.default_rng(6).normal(size=(40, 3))
    euclid = cophenetic_by_method(X)
    assert list(euclid) == list(METHODS)
    for method, value in euclid.items():
        assert value == pytest.approx(cophenet(linkage(X, method), pdist(X))[0], rel=1e-9)
    cos = cophenetic_by_method(X, "cosine")
    assert list(cos) == [m for m in METHODS if method_metric_problem(m, "cosine") is None]
    assert list(cos) == ["single", "complete", "average", "weighted"]
    for method, value in cos.items():
        Zs = linkage(X, method, "cosine")
        assert value == pytest.approx(cophenet(Zs, pdist(X, "cosine"))[0], rel=1e-9)


def _profiles_by_groupby(original: pd.DataFrame, labels: np.ndarray, top: int):
    """The definition, one pandas groupby and one loop per cluster (what cluster_profiles
    computed before it was vectorised): the oracle for the vectorised one."""
    numeric = original.select_dtypes(include=["number", "bool"]).astype(np.float64)
    groups = numeric.groupby(labels, sort=True)
    means, sums, counts = groups.mean(), groups.sum(min_count=0), groups.count()
    sizes = pd.Series(labels).value_counts().sort_index()
    std = numeric.std(ddof=0)
    records = []
    for c in sizes.index:
        with np.errstate(invalid="ignore", divide="ignore"):
            rest = (numeric.sum() - sums.loc[c]) / (numeric.count() - counts.loc[c])
            effect = (means.loc[c] - rest) / std
        effect = effect.replace([np.inf, -np.inf], np.nan).dropna()
        effect = effect[effect != 0]
        ranked = effect.reindex(effect.abs().sort_values(ascending=False, kind="stable").index)
        for rank, (f, v) in enumerate(ranked[:top].items(), start=1):
            records.append((c, rank, f, means.loc[c, f], rest[f], v))
    return sizes, means, records


@pytest.mark.parametrize("seed", range(12))
def test_cluster_profiles_equal_the_groupby_definition(seed) -> None:
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 300)), int(rng.integers(1, 7))
    df = pd.DataFrame(rng.normal(size=(n, d)) * rng.uniform(0.1, 100, d), columns=[
        f"f{j}" for j in range(d)])
    df.iloc[rng.random((n, d)) < 0.1] = np.nan  # missing values are skipped
    if d > 1:
        df["f1"] = 3.0  # a constant feature sets no cluster apart
    df["flag"] = rng.random(n) < 0.3  # booleans count as numbers
    df["name"] = "x"  # text is not profiled
    labels = rng.integers(0, int(rng.integers(1, 12)), n) * 3 + 1
    top = int(rng.integers(1, 5))
    prof = cluster_profiles(df, labels, top=top)
    sizes, means, records = _profiles_by_groupby(df, labels, top)
    assert prof.table.index.tolist() == sizes.index.tolist()
    assert prof.table["size"].tolist() == sizes.tolist()
    np.testing.assert_allclose(prof.table[means.columns].to_numpy(), means.to_numpy(),
                               rtol=1e-12, atol=1e-12)
    got = prof.distinguishing
    assert len(got) == len(records)
    for row, (c, rank, f, cm, rm, e) in zip(got.itertuples(index=False), records, strict=True):
        assert (row.cluster, row.rank, row.feature) == (c, rank, f)
        np.testing.assert_allclose([row.cluster_mean, row.rest_mean, row.effect], [cm, rm, e],
                                   rtol=1e-9, atol=1e-12)
