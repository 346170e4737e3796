"""compute_linkage against scipy.cluster.hierarchy.linkage, and its refusals."""

from __future__ import annotations

import tracemalloc
import zlib

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, is_valid_linkage, leaves_list, linkage, maxdists
from scipy.spatial.distance import pdist, squareform

from clustering.errors import DataError
from clustering.linkage import (
    METHODS,
    METRICS,
    OPTIMAL_ORDERING_MAX_N,
    check_method_metric,
    compute_linkage,
    method_metric_problem,
)
from tests.partitions import same_partition

VALID_PAIRS = [
    (method, metric)
    for method in METHODS
    for metric in METRICS
    if method_metric_problem(method, metric) is None
]
BINARY_METRICS = ("hamming", "jaccard")


def scipy_linkage(X: np.ndarray, method: str, metric: str, p: float = 2.0) -> np.ndarray:
    if metric == "minkowski":
        return linkage(pdist(X, metric, p=p), method)
    return linkage(X, method, metric)


def assert_heights_match(Z: np.ndarray, Zs: np.ndarray) -> None:
    top = max(float(np.abs(Zs[:, 2]).max()), 1.0)
    np.testing.assert_allclose(
        np.sort(Z[:, 2]), np.sort(Zs[:, 2]), rtol=1e-9, atol=1e-12 * top
    )


def assert_cuts_match(Z: np.ndarray, Zs: np.ndarray) -> None:
    """fcluster partitions agree at the midpoint between every pair of merge heights."""
    np.testing.assert_array_equal(np.sort(Z[:, 3]), np.sort(Zs[:, 3]))
    h = np.unique(maxdists(Zs))
    cuts = np.concatenate([[h[0] / 2], (h[:-1] + h[1:]) / 2, [h[-1] + 1]])
    for t in cuts:
        assert same_partition(fcluster(Z, t, "distance"), fcluster(Zs, t, "distance")), t


def _lance_williams(method: str, dka: np.ndarray, dkb: np.ndarray, dab: float, na: float,
                    nb: float, nk: np.ndarray) -> np.ndarray:
    """Distance from clusters k to the union of a and b, by the method's update rule."""
    if method == "single":
        return np.minimum(dka, dkb)
    if method == "complete":
        return np.maximum(dka, dkb)
    if method == "average":
        return (na * dka + nb * dkb) / (na + nb)
    if method == "weighted":
        return (dka + dkb) / 2
    if method == "centroid":
        sq = (na * dka**2 + nb * dkb**2) / (na + nb) - na * nb * dab**2 / (na + nb) ** 2
    elif method == "median":
        sq = dka**2 / 2 + dkb**2 / 2 - dab**2 / 4
    else:  # ward
        sq = ((nk + na) * dka**2 + (nk + nb) * dkb**2 - nk * dab**2) / (nk + na + nb)
    return np.sqrt(np.maximum(sq, 0.0))


def assert_greedy_replay(Z: np.ndarray, D: np.ndarray, method: str) -> None:
    """Z is a correct tree for the condensed distances D, whatever the tie-break: replaying
    its merges with the method's update rule, every merge joins two live clusters at their
    current distance (its height), no live pair is closer at that point, and sizes add up."""
    n = Z.shape[0] + 1
    m = 2 * n - 1
    dist = np.full((m, m), np.inf)
    dist[:n, :n] = squareform(np.asarray(D, dtype=float))
    np.fill_diagonal(dist, np.inf)
    live = np.zeros(m, dtype=bool)
    live[:n] = True
    count = np.ones(m)
    tol = 1e-9 * max(float(np.max(D)) if np.size(D) else 1.0, 1.0)
    for step, (fa, fb, h, c) in enumerate(Z):
        a, b = int(fa), int(fb)
        assert live[a] and live[b] and a != b, f"merge {step} joins a cluster that is gone"
        idx = np.flatnonzero(live)
        assert abs(dist[a, b] - h) <= tol, f"merge {step}: height {h}, distance {dist[a, b]}"
        assert h <= dist[np.ix_(idx, idx)].min() + tol, f"merge {step} is not a closest pair"
        assert c == count[a] + count[b], f"merge {step}: size {c}"
        new = n + step
        k = idx[(idx != a) & (idx != b)]
        d = _lance_williams(method, dist[k, a], dist[k, b], dist[a, b], count[a], count[b],
                            count[k])
        dist[new, k] = dist[k, new] = d
        live[a] = live[b] = False
        live[new] = True
        count[new] = c


def assert_tied_result_ok(Z: np.ndarray, Zs: np.ndarray, method: str, D: np.ndarray) -> None:
    """With tied distances fastcluster and SciPy may break ties differently, and for most
    methods that changes later heights: both trees are correct, which the replay checks of
    ours (and, as a check of the check, of SciPy's). Single linkage heights are the minimum
    spanning tree's edge weights, the same for any tie-break."""
    assert is_valid_linkage(Z)
    assert_greedy_replay(Z, D, method)
    assert_greedy_replay(Zs, D, method)
    if method == "single":
        assert_heights_match(Z, Zs)


def data_for(metric: str, n: int, rng: np.random.Generator, d: int = 4) -> np.ndarray:
    if metric in BINARY_METRICS:
        return (rng.random((n, d + 4)) < 0.5).astype(float)
    X = rng.normal(size=(n, d))
    if metric in ("canberra", "braycurtis"):
        X = np.abs(X) + 0.1  # these are meant for non-negative data
    return X


@pytest.mark.parametrize("method,metric", VALID_PAIRS)
def test_matches_scipy_on_random_data(method: str, metric: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{method}/{metric}".encode()))
    for n in (2, 3, 17, 120):
        if metric == "mahalanobis" and n <= 3:
            continue  # needs more rows than columns
        X = data_for(metric, n, rng, 3)
        p = 3.0 if metric == "minkowski" else 2.0
        h = compute_linkage(X, method, metric, p=p)
        Zs = scipy_linkage(X, method, metric, p)
        assert h.Z.shape == (n - 1, 4) and h.n == n
        if metric not in BINARY_METRICS:
            assert_heights_match(h.Z, Zs)
            assert_cuts_match(h.Z, Zs)
        else:
            assert_tied_result_ok(h.Z, Zs, method, pdist(X, metric))


@pytest.mark.parametrize("method", METHODS)
def test_ties_match_scipy(method: str) -> None:
    rng = np.random.default_rng(7)
    for n in (5, 40, 90):
        X = rng.integers(0, 3, size=(n, 2)).astype(float)  # many equal distances
        assert_tied_result_ok(compute_linkage(X, method).Z, linkage(X, method), method, pdist(X))
    X = np.zeros((6, 3))
    assert np.all(compute_linkage(X, method).Z[:, 2] == 0)


@pytest.mark.parametrize("method", METHODS)
def test_duplicate_rows_match_scipy(method: str) -> None:
    """Duplicates merge at 0 first in any order; the rest of the tree is then unique."""
    rng = np.random.default_rng(8)
    for n in (6, 50, 100):
        X = rng.normal(size=(n, 3))
        X[n // 2 :] = X[: n - n // 2]  # every row twice (once more for odd n)
        h = compute_linkage(X, method)
        Zs = linkage(X, method)
        assert_heights_match(h.Z, Zs)
        assert_cuts_match(h.Z, Zs)


def test_minkowski_p_is_used() -> None:
    X = np.random.default_rng(3).normal(size=(30, 3))
    for p in (1.0, 1.5, 4.0):
        h = compute_linkage(X, "average", "minkowski", p=p)
        assert_heights_match(h.Z, linkage(pdist(X, "minkowski", p=p), "average"))
    with pytest.raises(DataError, match="positive"):
        compute_linkage(X, "average", "minkowski", p=0)


def test_backend_choice() -> None:
    X = np.random.default_rng(1).normal(size=(10, 2))
    for method in ("ward", "centroid", "median", "single"):
        assert compute_linkage(X, method).backend == "fastcluster.linkage_vector"
    assert compute_linkage(X, "average").backend == "fastcluster.linkage"
    assert compute_linkage(X, "single", "cosine").backend == "fastcluster.linkage"


def test_hierarchy_is_immutable() -> None:
    h = compute_linkage(np.random.default_rng(1).normal(size=(10, 2)))
    with pytest.raises(ValueError):
        h.Z[0, 2] = 1.0
    with pytest.raises(AttributeError):
        h.method = "single"  # type: ignore[misc]


def test_condensed_path_keeps_one_distance_matrix() -> None:
    """Regression: fastcluster.linkage copies its input under NumPy 2 (peak 2x)."""
    n = 2000
    X = np.random.default_rng(2).normal(size=(n, 5))
    matrix_bytes = n * (n - 1) // 2 * 8
    tracemalloc.start()
    try:
        compute_linkage(X, "average", "cosine")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert matrix_bytes < peak < 1.3 * matrix_bytes


def test_vector_path_has_no_distance_matrix() -> None:
    n = 3000
    X = np.random.default_rng(2).normal(size=(n, 5))
    tracemalloc.start()
    try:
        compute_linkage(X, "ward")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n * (n - 1) // 2 * 8 / 10


@pytest.mark.parametrize("method", ["ward", "average", "centroid"])
def test_optimal_ordering_matches_scipy(method: str) -> None:
    X = np.random.default_rng(5).normal(size=(60, 3))
    h = compute_linkage(X, method, optimal_ordering=True)
    Zs = linkage(X, method, optimal_ordering=True)
    assert h.optimal_ordering and "optimal_leaf_ordering" in h.backend
    assert_heights_match(h.Z, Zs)
    np.testing.assert_array_equal(leaves_list(h.Z), leaves_list(Zs))


def test_optimal_ordering_refused_when_too_big() -> None:
    X = np.zeros((OPTIMAL_ORDERING_MAX_N + 1, 1))
    with pytest.raises(DataError, match="optimal leaf ordering.*Turn it off"):
        compute_linkage(X, "ward", optimal_ordering=True)


def test_progress_reports_stages() -> None:
    X = np.random.default_rng(5).normal(size=(20, 3))
    seen: list[tuple[float, str]] = []
    compute_linkage(X, "average", "cityblock", optimal_ordering=True,
                    progress=lambda f, t: seen.append((f, t)))
    assert [t for _, t in seen] == ["computing distances", "linking", "ordering leaves", "done"]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    seen.clear()
    compute_linkage(X, "ward", progress=lambda f, t: seen.append((f, t)))
    assert [t for _, t in seen] == ["linking", "done"]


def test_method_metric_catalogue() -> None:
    assert len(METHODS) == 7 and len(METRICS) == 13
    for method in ("ward", "centroid", "median"):
        assert method_metric_problem(method, "euclidean") is None
        for metric in METRICS:
            if metric == "euclidean":
                continue
            text = method_metric_problem(method, metric)
            assert text is not None
            assert "euclidean" in text and "average" in text and metric in text
            with pytest.raises(DataError, match=f"^{method} linkage needs the euclidean"):
                compute_linkage(np.eye(3), method, metric)
    for method in ("single", "complete", "average", "weighted"):
        for metric in METRICS:
            assert method_metric_problem(method, metric) is None
    with pytest.raises(DataError, match="unknown linkage method 'wards'.*single"):
        check_method_metric("wards", "euclidean")
    with pytest.raises(DataError, match="unknown distance metric 'manhattan'.*cityblock"):
        check_method_metric("average", "manhattan")


@pytest.mark.parametrize(
    "X,match",
    [
        ([1.0, 2.0, 3.0], "2-D table"),
        ([[1.0, 2.0]], "at least 2 rows, the data has 1"),
        (np.empty((3, 0)), "no columns"),
        ([["a", "b"], ["c", "d"]], "real numbers"),
        ([[1.0, np.nan], [2.0, 3.0], [np.inf, 1.0]], r"2 missing or infinite values \(rows 1, 3\)"),
    ],
)
def test_bad_input_is_refused(X: object, match: str) -> None:
    with pytest.raises(DataError, match=match):
        compute_linkage(X)


def test_integer_and_bool_input_accepted() -> None:
    Xi = np.array([[0, 1], [2, 3], [7, 1]])
    assert_heights_match(compute_linkage(Xi, "average").Z, linkage(Xi.astype(float), "average"))
    Xb = np.array([[True, False], [True, True], [False, False]])
    h = compute_linkage(Xb, "average", "hamming")
    assert_heights_match(h.Z, linkage(Xb.astype(float), "average", "hamming"))


def test_cosine_zero_rows_are_named() -> None:
    X = np.random.default_rng(0).normal(size=(50, 3))
    X[[4, 9]] = 0
    with pytest.raises(DataError, match=r"cosine distances involving rows 5, 10 are not finite.*all zeros"):
        compute_linkage(X, "average", "cosine")
    X[10:30] = 0
    with pytest.raises(DataError, match=r"rows 5, 10, 11, 12, 13 and 17 more"):
        compute_linkage(X, "average", "cosine")


def test_correlation_constant_row_is_named() -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    X[7] = 2.5
    with pytest.raises(DataError, match=r"row 8 are not finite.*all equal"):
        compute_linkage(X, "complete", "correlation")


def test_braycurtis_undefined_pairs_are_named() -> None:
    """No pre-check covers this: the scan of the condensed matrix finds the rows."""
    X = np.abs(np.random.default_rng(0).normal(size=(30, 3)))
    X[[2, 20]] = 0  # 0/0 only for the pair (2, 20)
    with pytest.raises(DataError, match=r"braycurtis distances involving rows 3, 21 are not finite"):
        compute_linkage(X, "average", "braycurtis")


def test_seuclidean_constant_column_refused() -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    X[:, 1] = 4.0
    with pytest.raises(DataError, match=r"column\(s\) 2 are constant"):
        compute_linkage(X, "average", "seuclidean")


def test_mahalanobis_needs_invertible_covariance() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(DataError, match="more rows than columns.*5 rows and 6 columns"):
        compute_linkage(rng.normal(size=(5, 6)), "average", "mahalanobis")
    X = rng.normal(size=(40, 3))
    X[:, 2] = X[:, 0] - 2 * X[:, 1]
    with pytest.raises(DataError, match="invertible covariance"):
        compute_linkage(X, "average", "mahalanobis")


def test_overflowing_heights_refused() -> None:
    X = np.array([[0.0], [1e308], [-1e308]])
    with pytest.raises(DataError, match="too large"):
        compute_linkage(X, "ward")


def test_tutorial_blobs_ward() -> None:
    """The numbers of the classic SciPy dendrogram tutorial (Jörn Hees)."""
    np.random.seed(4711)
    a = np.random.multivariate_normal([10, 0], [[3, 1], [1, 4]], size=[100])
    b = np.random.multivariate_normal([0, 20], [[3, 1], [1, 4]], size=[50])
    X = np.concatenate((a, b))
    Z = compute_linkage(X, "ward").Z
    np.testing.assert_allclose(Z[0], [52, 53, 0.04151, 2], atol=5e-6)
    np.testing.assert_allclose(
        Z[-4:, 2], [15.11533, 17.11527, 23.12199, 180.27043], atol=5e-6
    )
    assert_cuts_match(Z, linkage(X, "ward"))
