"""Issue 14 goal 4: the exact row limit depends on the method, exact ward matches SciPy, and
the cophenetic correlation of a big tree is estimated on a stated sample of rows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import cophenet, fcluster, leaves_list, linkage
from scipy.spatial.distance import pdist, squareform

from clustering.approximate import (
    EXACT_MAX_ROWS,
    EXACT_VECTOR_MAX_ROWS,
    exact_feasible,
    exact_row_limit,
)
from clustering.diagnostics import cophenetic_correlation, cophenetic_sample_rows
from clustering.errors import DataError
from clustering.linkage import METHODS, VECTOR_METHODS, compute_linkage
from tests.partitions import same_partition


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("metric", ["euclidean", "cityblock"])
def test_row_limit_depends_on_method_and_metric(method: str, metric: str) -> None:
    limit, why = exact_row_limit(method, metric, max_rows=50_000, vector_max_rows=100_000)
    vector = method in VECTOR_METHODS and metric == "euclidean"
    assert limit == (100_000 if vector else 50_000)
    assert ("memory that grows with the rows" in why) == vector
    assert ("matrix of every pair" in why) == (not vector)


def test_library_defaults() -> None:
    assert (EXACT_MAX_ROWS, EXACT_VECTOR_MAX_ROWS) == (50_000, 100_000)


@pytest.mark.parametrize("method", ["ward", "single", "centroid", "median"])
def test_vector_methods_exact_up_to_100k(method: str) -> None:
    ok, why = exact_feasible(100_000, 10, method, "euclidean")
    assert ok, why
    assert "exact" in why
    ok, why = exact_feasible(100_001, 10, method, "euclidean")
    assert not ok
    assert "100,000 rows (the limit for ward, single, centroid and median" in why


def test_matrix_methods_keep_their_limits() -> None:
    # Within the memory budget but past the matrix path's row cap.
    ok, why = exact_feasible(60_000, 10, "average", "euclidean", memory_budget_bytes=10**11)
    assert not ok and "above 50,000 rows (the limit for methods that need the distance" in why
    # ward on cityblock has no memory-saving path: the matrix limit applies.
    ok, _ = exact_feasible(60_000, 10, "ward", "cityblock", memory_budget_bytes=10**11)
    assert not ok
    # And the default 2 GiB budget stops the matrix path first at 60,000 rows.
    ok, why = exact_feasible(60_000, 10, "complete", "euclidean")
    assert not ok and "over the" in why


def test_unknown_method_is_refused() -> None:
    with pytest.raises(DataError, match="unknown linkage method"):
        exact_row_limit("nope", "euclidean")


# ------------------------------------------------------------- exact ward against SciPy
@pytest.mark.parametrize("seed", [0, 1])
def test_vector_ward_equals_scipy(seed: int) -> None:
    """fastcluster's memory-saving ward (the path that reaches 100,000 rows) gives SciPy's
    heights and SciPy's fcluster labels at every k, at a size SciPy can do."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6, size=(6, 10))
    X = centres[rng.integers(0, 6, 3_000)] + rng.normal(size=(3_000, 10))
    h = compute_linkage(X, "ward", "euclidean")
    assert "linkage_vector" in h.backend
    Z_ref = linkage(X, "ward")
    np.testing.assert_allclose(h.Z[:, 2], Z_ref[:, 2], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(h.Z[:, 3], Z_ref[:, 3])
    for k in (2, 3, 6, 10, 40):
        assert same_partition(fcluster(h.Z, k, "maxclust"), fcluster(Z_ref, k, "maxclust"))
    t = float(np.median(Z_ref[-10:, 2]))
    assert same_partition(fcluster(h.Z, t, "distance"), fcluster(Z_ref, t, "distance"))


# ------------------------------------------------------------- sampled cophenetic
@pytest.mark.parametrize("method", ["ward", "average", "single", "centroid", "median"])
@pytest.mark.parametrize("seed", [0, 5])
def test_sampled_cophenetic_equals_scipy_on_the_sample(method: str, seed: int) -> None:
    """The estimate is exactly SciPy's correlation over the sampled rows' pairs, with each
    pair's cophenetic distance from the full tree (inversions included)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 4))
    Z = linkage(X, method)
    got = cophenetic_correlation(Z, X, sample=200, seed=seed)
    rows = leaves_list(Z)[np.sort(np.random.default_rng(seed).choice(600, 200, replace=False))]
    C = squareform(cophenet(Z))[np.ix_(rows, rows)]
    want = np.corrcoef(squareform(C, checks=False), pdist(X[rows]))[0, 1]
    assert got == pytest.approx(want, abs=1e-10)


def test_sample_of_every_row_is_exact() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3))
    Z = linkage(X, "ward")
    want = cophenet(Z, pdist(X))[0]
    assert cophenetic_correlation(Z, X, sample=300) == pytest.approx(want, abs=1e-12)
    assert cophenetic_correlation(Z, X, sample=None) == pytest.approx(want, abs=1e-12)
    with pytest.raises(DataError, match="at least 2 rows"):
        cophenetic_correlation(Z, X, sample=1)


def test_sample_estimate_close_to_exact() -> None:
    """A 1,500-row sample of 6,000 clustered rows lands near the full value."""
    rng = np.random.default_rng(3)
    centres = rng.normal(scale=5, size=(5, 6))
    X = centres[rng.integers(0, 5, 6_000)] + rng.normal(size=(6_000, 6))
    Z = linkage(X, "ward")
    full = cophenetic_correlation(Z, X)
    est = cophenetic_correlation(Z, X, sample=1_500, seed=1)
    assert abs(est - full) < 0.02


def test_sample_rows_rule() -> None:
    assert cophenetic_sample_rows(20_000) is None
    assert cophenetic_sample_rows(20_001) == 20_000
    assert cophenetic_sample_rows(100_000) == 20_000
