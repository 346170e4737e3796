"""Tied distances give SciPy's tree: compute_linkage against scipy.cluster.hierarchy.linkage.

Oracle: ``scipy.cluster.hierarchy.linkage(X, method, metric)`` on the same data. On tie-prone
data up to SCIPY_TIES_MAX_N rows Z must equal SciPy's (heights to 1e-12 relative, the merged
ids, and the flat clusters at every merge height up to renumbering).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from clustering.linkage import METHODS, METRICS, compute_linkage, method_metric_problem
from clustering.ties import SCIPY_TIES_MAX_N, may_have_ties, tie_note
from tests.partitions import same_partition

FIXTURES = importlib.import_module("scipy.cluster.tests.hierarchy_test_data")


def assert_scipy_tree(Z: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(Z[:, 2], expected[:, 2], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(Z[:, 3], expected[:, 3])
    np.testing.assert_array_equal(Z[:, :2], expected[:, :2])
    for t in np.unique(expected[:, 2]):
        assert same_partition(fcluster(Z, t, "distance"), fcluster(expected, t, "distance")), t


def test_ward_on_arange_8_is_scipys():
    X = np.arange(8.0).reshape(-1, 1)
    h = compute_linkage(X, "ward")
    np.testing.assert_allclose(h.Z[:, 2], [1, 1, 1, 1, 2.8284271247461903,
                                           2.8284271247461903, 8.0], rtol=1e-12)
    assert_scipy_tree(h.Z, linkage(X, "ward"))
    assert h.ties and h.backend == "scipy.cluster.hierarchy.linkage"


def test_centroid_on_0_1_2_0_is_scipys():
    X = np.array([[0.0], [1.0], [2.0], [0.0]])
    h = compute_linkage(X, "centroid")
    np.testing.assert_allclose(h.Z[:, 2], [0.0, 1.0, 1.5], rtol=1e-12)
    assert_scipy_tree(h.Z, linkage(X, "centroid"))


@pytest.mark.parametrize("method", ["centroid", "median", "ward"])
def test_scipy_fixture_X(method):
    expected = getattr(FIXTURES, f"linkage_X_{method}")
    h = compute_linkage(FIXTURES.X, method)
    np.testing.assert_allclose(h.Z, expected, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_scipy_fixture_linkage_ties(method):
    """SciPy's test_linkage_ties: three points on a diagonal, two equal gaps."""
    X = np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]])
    assert_scipy_tree(compute_linkage(X, method).Z, linkage(X, method))


def _pairs():
    return [(m, d) for m in METHODS for d in METRICS if method_metric_problem(m, d) is None]


@pytest.mark.parametrize("method,metric", _pairs())
def test_random_integer_data_every_method_and_metric(method, metric):
    rng = np.random.default_rng([12, METHODS.index(method), METRICS.index(metric)])
    checked = 0
    for _trial in range(12):
        n = int(rng.integers(5, 40))
        d = int(rng.integers(1, 4))
        X = rng.integers(0, 4, size=(n, d)).astype(float)
        if metric in ("jaccard", "hamming"):
            X = (X > 1).astype(float)
        if metric in ("correlation", "cosine"):
            # Rows need a direction and a spread: two fixed columns give every row both.
            X = np.hstack([np.zeros((n, 1)), np.full((n, 1), 5.0), X])
        if metric == "mahalanobis":
            X[:, 0] += np.arange(n) % 3  # keep the covariance invertible more often
        try:
            expected = linkage(pdist(X, metric), method) if metric != "minkowski" \
                else linkage(pdist(X, "minkowski", p=2.0), method)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if not np.all(np.isfinite(expected[:, 2])):
            continue
        try:
            h = compute_linkage(X, method, metric)
        except ValueError:  # DataError: undefined distances (a zero row under cosine, ...)
            continue
        if method == "single":
            # Ties change neither single linkage's heights nor its clusters: the fast path stays.
            np.testing.assert_allclose(h.Z[:, 2], expected[:, 2], rtol=1e-12, atol=1e-12)
            for t in np.unique(expected[:, 2]):
                assert same_partition(fcluster(h.Z, t, "distance"),
                                      fcluster(expected, t, "distance"))
        else:
            assert_scipy_tree(h.Z, expected)
        checked += 1
    assert checked >= 4, f"only {checked} usable random cases"


def test_duplicate_rows_are_tie_prone():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 3))
    assert not may_have_ties(X, "euclidean")
    X[5] = X[2]
    assert may_have_ties(X, "euclidean")
    assert_scipy_tree(compute_linkage(X, "average").Z, linkage(X, "average"))


def test_continuous_data_keeps_the_fast_path():
    X = np.random.default_rng(4).normal(size=(200, 4))
    h = compute_linkage(X, "ward")
    assert not h.ties and h.backend == "fastcluster.linkage_vector"
    np.testing.assert_allclose(h.Z[:, 2], linkage(X, "ward")[:, 2], rtol=1e-9)


def test_above_the_limit_the_fast_path_says_why():
    X = np.arange(8.0).reshape(-1, 1)
    h = compute_linkage(X, "ward", scipy_ties_max_n=5)
    assert h.ties and h.backend.startswith("fastcluster")
    note = tie_note(h.ties, h.backend, h.method)
    assert "equally valid" in note and f"{SCIPY_TIES_MAX_N:,}" in note
    assert tie_note(True, "scipy.cluster.hierarchy.linkage", "ward") is None
    assert tie_note(True, "fastcluster.linkage", "single") is None


def test_optimal_ordering_on_tied_data_is_scipys():
    X = np.array([[0.0], [1.0], [2.0], [0.0], [5.0], [6.0]])
    h = compute_linkage(X, "average", optimal_ordering=True)
    assert_scipy_tree(h.Z, linkage(X, "average", optimal_ordering=True))


def test_tie_prone_metrics_on_continuous_data():
    X = np.random.default_rng(5).normal(size=(30, 3))
    assert may_have_ties(X, "chebyshev")
    assert_scipy_tree(compute_linkage(X, "complete", "chebyshev").Z,
                      linkage(X, "complete", "chebyshev"))
