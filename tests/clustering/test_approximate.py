"""Approximate mode: weighted ward against SciPy, micro-clusters, labels, the exact/approx choice."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, is_valid_linkage, linkage

from clustering.approximate import (
    EXACT_MAX_ROWS,
    EXACT_VECTOR_MAX_ROWS,
    agreement_with_exact,
    approximate_linkage,
    exact_feasible,
    row_labels,
)
from clustering.errors import DataError
from clustering.microclusters import default_m, summarise
from clustering.ward_nnchain import row_counts, weighted_ward
from tests.partitions import same_partition


def blobs(n: int, d: int, centers: int, seed: int, spread: float = 20.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.uniform(-spread, spread, size=(centers, d))
    return c[rng.integers(0, centers, n)] + rng.normal(size=(n, d))


# --- weighted_ward -----------------------------------------------------------------------------


@pytest.mark.parametrize("n,d", [(2, 1), (3, 2), (10, 1), (57, 3), (200, 8), (600, 4)])
def test_unit_weights_equal_scipy_ward(n: int, d: int) -> None:
    for seed in range(4):
        X = np.random.default_rng(seed).normal(size=(n, d))
        Zs = linkage(X, "ward")
        Zw = weighted_ward(X, np.ones(n))
        np.testing.assert_allclose(Zw[:, 2], Zs[:, 2], rtol=1e-9, atol=0)
        # Continuous random data has no ties: same merges, same ids, same counts.
        np.testing.assert_array_equal(Zw[:, [0, 1, 3]], Zs[:, [0, 1, 3]])
        for k in {2, 3, max(2, n // 3), n - 1}:
            if 2 <= k < n:
                assert same_partition(fcluster(Zw, k, "maxclust"), fcluster(Zs, k, "maxclust"))


def test_fixed_case_matches_scipy_docs_example() -> None:
    # SciPy's is_valid_linkage example: ties everywhere, heights must still agree.
    X = np.array([[0, 0], [0, 1], [1, 0], [0, 4], [0, 3], [1, 4],
                  [4, 0], [3, 0], [4, 1], [4, 4], [3, 4], [4, 3]], dtype=float)
    Zw = weighted_ward(X, np.ones(12))
    np.testing.assert_allclose(Zw[:, 2], linkage(X, "ward")[:, 2], rtol=1e-12)
    np.testing.assert_allclose(Zw[-3:, 2], [5.77350269, 5.77350269, 8.16496581], rtol=1e-8)
    assert is_valid_linkage(Zw)


def test_duplicate_rows_heights_equal_scipy() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        base = rng.normal(size=(40, 3))
        X = base[rng.integers(0, 40, 150)]
        Zs = linkage(X, "ward")
        Zw = weighted_ward(X, np.ones(len(X)))
        np.testing.assert_allclose(Zw[:, 2], Zs[:, 2], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(Zw[:, 3][Zw[:, 2] > 0], Zs[:, 3][Zs[:, 2] > 0])
        assert is_valid_linkage(Zw, throw=True)


@pytest.mark.parametrize("m,d", [(5, 2), (30, 3), (120, 5)])
def test_integer_weights_equal_ward_on_repeated_rows(m: int, d: int) -> None:
    # Ward on the rows repeated w times first merges the copies at height 0 (n - m merges);
    # the m - 1 merges after that are ward on the distinct rows with sizes w.
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        U = rng.normal(size=(m, d))
        w = rng.integers(1, 6, m)
        X = np.repeat(U, w, axis=0)
        first = np.r_[0, np.cumsum(w)[:-1]]
        Zs = linkage(X, "ward")
        n = len(X)
        assert np.all(Zs[: n - m, 2] == 0) and np.all(Zs[n - m:, 2] > 0)
        Zw = weighted_ward(U, w)
        np.testing.assert_allclose(Zw[:, 2], Zs[n - m:, 2], rtol=1e-9)
        np.testing.assert_array_equal(row_counts(Zw, w), Zs[n - m:, 3])
        assert is_valid_linkage(Zw, throw=True)
        for k in range(2, m):
            assert same_partition(fcluster(Zw, k, "maxclust"),
                                  fcluster(Zs, k, "maxclust")[first]), (seed, k)


def test_weight_scaling_scales_heights() -> None:
    # Doubling every weight doubles every |A||B|/(|A|+|B|): heights grow by sqrt(2), same tree.
    rng = np.random.default_rng(3)
    C, w = rng.normal(size=(80, 4)), rng.integers(1, 9, 80)
    Z1, Z2 = weighted_ward(C, w), weighted_ward(C, 2 * w)
    np.testing.assert_allclose(Z2[:, 2], np.sqrt(2) * Z1[:, 2], rtol=1e-9)
    np.testing.assert_array_equal(Z1[:, [0, 1, 3]], Z2[:, [0, 1, 3]])


def test_weighted_ward_refuses_bad_input() -> None:
    with pytest.raises(DataError):
        weighted_ward(np.zeros((1, 2)), np.ones(1))
    with pytest.raises(DataError):
        weighted_ward(np.zeros((3, 2)), np.ones(2))
    with pytest.raises(DataError):
        weighted_ward(np.zeros((3, 2)), np.array([1.0, 0.0, 1.0]))


# --- summarise ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["kmeans", "birch"])
def test_summarise_covers_every_row(method: str) -> None:
    X = blobs(3000, 4, 6, seed=1)
    mc = summarise(X, 120, method=method, seed=0)
    assert mc.method == method
    assert 2 <= mc.m <= (120 if method == "kmeans" else 200)
    assert mc.assignment.shape == (3000,)
    assert mc.assignment.min() == 0 and mc.assignment.max() == mc.m - 1
    assert int(mc.weights.sum()) == 3000 and np.all(mc.weights > 0)
    np.testing.assert_array_equal(np.bincount(mc.assignment, minlength=mc.m), mc.weights)
    means = np.array([X[mc.assignment == j].mean(0) for j in range(mc.m)])
    np.testing.assert_allclose(mc.centroids, means, rtol=1e-10, atol=1e-12)


def test_summarise_kmeans_uses_about_m() -> None:
    X = blobs(20_000, 5, 8, seed=2)
    mc = summarise(X, 400, seed=0)
    assert 380 <= mc.m <= 400  # only empty micro-clusters are dropped


def test_summarise_is_deterministic_with_a_seed() -> None:
    X = blobs(4000, 3, 5, seed=4)
    a, b = summarise(X, 150, seed=11), summarise(X, 150, seed=11)
    np.testing.assert_array_equal(a.assignment, b.assignment)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    c = summarise(X, 150, seed=12)
    assert not np.array_equal(a.assignment, c.assignment)


def test_summarise_m_at_least_n_is_identity() -> None:
    X = np.random.default_rng(0).normal(size=(30, 2))
    mc = summarise(X, 30)
    assert mc.method == "identity" and mc.m == 30
    np.testing.assert_array_equal(mc.assignment, np.arange(30))
    np.testing.assert_array_equal(mc.centroids, X)


def test_summarise_drops_empty_micro_clusters_on_duplicates() -> None:
    X = np.repeat(np.arange(12.0)[:, None], 50, axis=0)  # 12 distinct rows, 600 rows
    mc = summarise(X, 40)
    assert mc.m == 12 and int(mc.weights.sum()) == 600


def test_summarise_reports_progress() -> None:
    calls: list[tuple[float, str]] = []
    summarise(blobs(3000, 3, 4, seed=5), 100, progress=lambda f, s: calls.append((f, s)))
    fractions = [f for f, _ in calls]
    assert len(calls) >= 3 and all(isinstance(s, str) and s for _, s in calls)
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] == 1.0


def test_summarise_refuses_bad_input() -> None:
    with pytest.raises(DataError, match="missing or infinite"):
        summarise(np.array([[1.0], [np.nan]]), 1)
    with pytest.raises(DataError, match="summariser"):
        summarise(np.zeros((3, 1)), 2, method="dbscan")
    with pytest.raises(DataError):
        summarise(np.zeros((3, 1)), 0)


# --- approximate_linkage, row_labels, agreement --------------------------------------------------


def test_approximate_linkage_labels_are_consistent() -> None:
    X = blobs(6000, 5, 7, seed=6)
    calls: list[float] = []
    ah = approximate_linkage(X, m=250, agreement_sample=2000, agreement_ks=(3, 7),
                             progress=lambda f, s: calls.append(f))
    assert ah.n == 6000 and ah.m == ah.micro.m and ah.Z.shape == (ah.m - 1, 4)
    assert is_valid_linkage(ah.Z, throw=True)
    assert np.all(np.diff(ah.Z[:, 2]) >= 0)
    assert int(ah.row_counts[-1]) == 6000
    np.testing.assert_array_equal(ah.row_counts, row_counts(ah.Z, ah.micro.weights))
    assert calls == sorted(calls) and calls[-1] == 1.0
    a = ah.micro.assignment
    order = np.argsort(a, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(a[order]) != 0])
    for k in (2, 4, 7, 15):
        micro_labels = fcluster(ah.Z, k, "maxclust")
        labels = row_labels(ah, micro_labels)
        # Every row in exactly one of the k clusters ...
        assert labels.shape == (6000,) and set(np.unique(labels)) == set(range(1, k + 1))
        # ... all rows of a micro-cluster share its label ...
        sl = labels[order]
        assert np.array_equal(np.minimum.reduceat(sl, starts), np.maximum.reduceat(sl, starts))
        # ... and cluster sizes in rows are the micro-cluster weights summed.
        np.testing.assert_array_equal(
            np.bincount(labels), np.bincount(micro_labels, weights=ah.micro.weights))
    assert ah.note.startswith("Approximate: 6,000 rows summarised into")
    assert f"{ah.m:,} micro-clusters by k-means" in ah.note and "ARI" in ah.note
    assert set(ah.agreement) == {3, 7} and ah.agreement_rows == 2000
    assert ah.agreement[7] > 0.95  # 7 separated blobs


def test_approximate_with_m_equal_n_is_exact_ward() -> None:
    X = np.random.default_rng(9).normal(size=(300, 3))
    ah = approximate_linkage(X, m=300)
    assert ah.micro.method == "identity" and "exact" in ah.note
    np.testing.assert_allclose(ah.Z[:, 2], linkage(X, "ward")[:, 2], rtol=1e-9)
    scores = agreement_with_exact(X, ah, ks=(2, 3, 5, 8))
    assert scores == {2: 1.0, 3: 1.0, 5: 1.0, 8: 1.0}


def test_agreement_on_separated_blobs_is_perfect_at_true_k() -> None:
    X = blobs(5000, 4, 5, seed=8, spread=60.0)
    ah = approximate_linkage(X, m=200, agreement_sample=0)
    assert ah.agreement == {} and "ARI" not in ah.note
    assert agreement_with_exact(X, ah, ks=(5,), sample=3000)[5] == 1.0
    with pytest.raises(DataError):
        agreement_with_exact(X[:10], ah)


def test_row_labels_refuses_wrong_length() -> None:
    ah = approximate_linkage(blobs(500, 2, 3, seed=1), m=20, agreement_sample=0)
    with pytest.raises(DataError, match="one label per micro-cluster"):
        row_labels(ah, np.ones(ah.m + 1, dtype=int))


def test_approximate_refuses_identical_rows() -> None:
    with pytest.raises(DataError, match="identical"):
        approximate_linkage(np.ones((100, 3)), m=10)
    with pytest.raises(DataError, match="at least 2 micro-clusters"):
        approximate_linkage(np.arange(10.0)[:, None], m=1)


def test_default_m() -> None:
    assert default_m(10) == 10 and default_m(10**6) == 5000


# --- exact_feasible ----------------------------------------------------------------------------


def test_exact_feasible_vector_path_is_linear_memory() -> None:
    ok, why = exact_feasible(20_000, 10, "ward", "euclidean", memory_budget_bytes=2 * 10**9)
    assert ok and "exact" in why and "20,000 rows" in why
    # Its row cap is the vector one (issue 14): 100,000, not EXACT_MAX_ROWS.
    ok, _ = exact_feasible(EXACT_MAX_ROWS + 1, 10, "single", "euclidean",
                           memory_budget_bytes=2 * 10**9)
    assert ok
    ok, why = exact_feasible(EXACT_VECTOR_MAX_ROWS + 1, 10, "single", "euclidean",
                             memory_budget_bytes=2 * 10**9)
    assert not ok and f"{EXACT_VECTOR_MAX_ROWS:,} rows" in why and "approximate" in why


def test_exact_feasible_condensed_matrix_counted_twice() -> None:
    # 20,000 rows: the matrix is 1.6 GB, charged 3.2 GB with its working room.
    ok, why = exact_feasible(20_000, 10, "average", "euclidean", memory_budget_bytes=2 * 10**9)
    assert not ok and "1.6 GB" in why and "3.2 GB" in why and "2.0 GB budget" in why
    ok, _ = exact_feasible(20_000, 10, "average", "euclidean", memory_budget_bytes=4 * 10**9)
    assert ok
    # ward on a non-euclidean metric has no vector path
    ok, _ = exact_feasible(20_000, 10, "ward", "cityblock", memory_budget_bytes=2 * 10**9)
    assert not ok
    with pytest.raises(DataError, match="unknown linkage method"):
        exact_feasible(10, 2, "wards", "euclidean")
