"""clustering.cut (and the index it reads, clustering.cut_index on clustering.tree_shape)
against scipy.cluster.hierarchy.fcluster / leaves_list / maxdists."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.cluster import hierarchy as sch

import clustering.cut as cut_module
import clustering.cut_index as cut_index_module
import clustering.tree_shape as tree_shape_module
from clustering.cut import cut_height, cut_inconsistent, cut_k, tree_index
from clustering.errors import DataError
from tests.partitions import same_partition

METHODS = ("single", "complete", "average", "weighted", "centroid", "median", "ward")


def test_same_partition_helper_can_fail():
    assert same_partition([1, 1, 2], [5, 5, 3])
    assert not same_partition([1, 1, 2], [1, 2, 2])
    assert not same_partition([1, 1, 1], [1, 1, 2])
    assert not same_partition([1, 2, 3], [1, 1, 2])


def random_data(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    """Continuous points, integer grids (many tied distances) or duplicated rows."""
    if kind == 0:
        return rng.normal(size=(n, 2))
    if kind == 1:
        return rng.integers(0, 4, size=(n, 2)).astype(float)
    base = rng.normal(size=(max(1, n // 3), 3))
    return base[rng.integers(0, base.shape[0], size=n)]


def random_cases(seed: int, count: int, max_n: int):
    rng = np.random.default_rng(seed)
    for i in range(count):
        n = int(rng.integers(2, max_n + 1))
        method = METHODS[i % len(METHODS)]
        X = random_data(rng, n, i % 3)
        yield method, n, sch.linkage(X, method)


def chain_linkage(n: int, *, left: bool = True) -> np.ndarray:
    """A caterpillar tree: each row adds one sample to the growing cluster."""
    Z = np.empty((n - 1, 4))
    grown = np.r_[0, n + np.arange(n - 2)]
    new = np.arange(1, n)
    Z[:, 0], Z[:, 1] = (grown, new) if left else (new, grown)
    Z[:, 2] = np.arange(1, n)
    Z[:, 3] = np.arange(2, n + 1)
    return Z


def probe_heights(Z: np.ndarray, most: int = 16) -> np.ndarray:
    """Merge heights (a seeded sample of at most ``most``), points just around them,
    and heights outside the range."""
    h = np.unique(Z[:, 2])
    if h.size > most:
        h = np.random.default_rng(h.size).choice(h, most, replace=False)
    return np.r_[h, np.nextafter(h, -np.inf), np.nextafter(h, np.inf), -1.0, h.max() + 1]


def test_index_matches_scipy_leaves_list_and_maxdists():
    for method, n, Z in random_cases(1, 140, 300):
        idx = tree_index(Z)
        np.testing.assert_array_equal(idx.leaves, sch.leaves_list(Z), err_msg=method)
        np.testing.assert_array_equal(idx.merge_maxdist, sch.maxdists(Z), err_msg=method)
        assert idx.n == n and idx.gaps.shape == (n - 1,)


def test_labels_at_matches_fcluster_distance():
    for method, _, Z in random_cases(2, 105, 300):
        idx = tree_index(Z)
        for t in probe_heights(Z):
            expected = sch.fcluster(Z, t, "distance")
            got = idx.labels_at(t)
            assert same_partition(got, expected), (method, t)
            assert idx.k_at(t) == len(np.unique(expected)), (method, t)


def test_labels_are_numbered_in_leaf_order():
    for _, _n, Z in random_cases(3, 70, 200):
        idx = tree_index(Z)
        for t in probe_heights(Z)[::3]:
            along = idx.labels_at(t)[idx.leaves]
            np.testing.assert_array_equal(along, idx.labels_by_position(t))
            assert along[0] == 1
            assert set(np.diff(along).tolist()) <= {0, 1}
            assert along[-1] == idx.k_at(t)


def test_labels_for_k_matches_fcluster_maxclust_with_ties_and_inversions():
    rng = np.random.default_rng(40)
    for method, n, Z in random_cases(4, 140, 120):
        idx = tree_index(Z)
        ks = np.arange(1, n + 2)
        if n > 30:
            ks = np.r_[1, 2, n - 1, n, n + 1, rng.choice(ks, 20, replace=False)]
        for k in ks.tolist():
            expected = sch.fcluster(Z, k, "maxclust")
            assert same_partition(idx.labels_for_k(k), expected), (method, n, k)


def test_maxclust_gives_fewer_clusters_on_ties_like_scipy():
    # Four samples on a unit square: both sides merge at 1, so k=3 is impossible.
    X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 0.0], [5.0, 1.0]])
    Z = sch.linkage(X, "single")
    idx = tree_index(Z)
    assert idx.band_for_k(3) is None
    assert len(np.unique(idx.labels_for_k(3))) == 2
    assert same_partition(idx.labels_for_k(3), sch.fcluster(Z, 3, "maxclust"))
    assert idx.height_for_k(3) == 1.0


def test_cut_inconsistent_matches_fcluster():
    for method, _, Z in random_cases(5, 42, 200):
        for depth in (1, 2, 3):
            R = sch.inconsistent(Z, depth)
            for t in np.r_[0.0, 0.5, 0.8, 1.0, 1.15, np.unique(R[:, 3])[:5]]:
                expected = sch.fcluster(Z, t, "inconsistent", depth)
                got = cut_inconsistent(Z, t, depth)
                assert same_partition(got, expected), (method, depth, t)
                assert got[tree_index(Z).leaves][0] == 1


def test_one_shot_forms_equal_index_methods():
    _, _, Z = next(random_cases(6, 1, 50))
    idx = tree_index(Z)
    t = float(np.median(Z[:, 2]))
    np.testing.assert_array_equal(cut_height(Z, t), idx.labels_at(t))
    np.testing.assert_array_equal(cut_k(Z, 4), idx.labels_for_k(4))


def test_steps_agree_with_k_at():
    for _, n, Z in random_cases(7, 70, 200):
        idx = tree_index(Z)
        heights, ks = idx.steps()
        assert np.all(np.diff(heights) > 0)
        assert np.all(np.diff(ks) < 0) and ks[-1] == 1
        for j, (h, k) in enumerate(zip(heights, ks, strict=True)):
            assert idx.k_at(h) == k
            before = ks[j - 1] if j else n
            assert idx.k_at(np.nextafter(h, -np.inf)) == before


def test_band_for_k_gives_k_at_both_ends_or_none_when_impossible():
    for _, n, Z in random_cases(8, 70, 150):
        idx = tree_index(Z)
        # Every sample is its own cluster below the lowest gap (negative heights too).
        reachable = set(idx.steps()[1].tolist()) | {n}
        for k in range(1, n + 1):
            band = idx.band_for_k(k)
            if band is None:
                assert k not in reachable
                continue
            lo, hi = band
            assert k in reachable and lo < hi
            assert idx.k_at(lo) == k
            assert idx.k_at(np.nextafter(hi, -np.inf)) == k
            if np.isfinite(hi):
                assert idx.k_at(hi) < k
            if np.isfinite(lo):
                assert idx.k_at(np.nextafter(lo, -np.inf)) > k
        assert idx.band_for_k(1)[1] == np.inf
        assert idx.band_for_k(n)[0] == -np.inf


def test_fixed_example_from_scipy_docs():
    X = [[0, 0], [0, 1], [1, 0], [0, 4], [0, 3], [1, 4], [4, 0], [3, 0], [4, 1], [4, 4], [3, 4],
         [4, 3]]  # fmt: skip
    Z = sch.ward(np.asarray(X, dtype=float))
    idx = tree_index(Z)
    assert idx.k_at(0.9) == 12
    # Leaf order is 2 0 1 5 3 4 8 6 7 11 9 10, so sample 2 is the leftmost cluster.
    assert idx.leaves.tolist() == [2, 0, 1, 5, 3, 4, 8, 6, 7, 11, 9, 10]
    assert idx.labels_at(1.1).tolist() == [2, 2, 1, 4, 4, 3, 6, 6, 5, 8, 8, 7]
    assert idx.labels_at(3).tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert idx.labels_at(9).tolist() == [1] * 12
    assert idx.band_for_k(4) == pytest.approx((1.29099445, 5.77350269))
    assert idx.band_for_k(3) is None  # 5.77 is a tied height: 4 -> 2 clusters at once
    assert same_partition(idx.labels_for_k(3), sch.fcluster(Z, 3, "maxclust"))


def test_inversion_uses_the_subtree_maximum():
    # Centroid linkage of an equilateral-ish triangle merges the third point lower.
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.9]])
    Z = sch.linkage(X, "centroid")
    assert Z[1, 2] < Z[0, 2]
    idx = tree_index(Z)
    assert idx.merge_maxdist[1] == Z[0, 2]
    t = (Z[0, 2] + Z[1, 2]) / 2  # above the root's own height, below its child's
    assert idx.k_at(t) == 3
    assert same_partition(idx.labels_at(t), sch.fcluster(Z, t, "distance"))


def test_deep_chain_of_100k_leaves():
    n = 100_000
    for left in (True, False):
        idx = tree_index(chain_linkage(n, left=left))
        assert idx.k_at(5.5) == n - 5
        labels = idx.labels_at(5.5)
        assert labels[idx.leaves[0]] == 1
        assert idx.labels_for_k(3).max() == 3
        assert idx.band_for_k(10) == (float(n - 10), float(n - 9))
        if left:
            np.testing.assert_array_equal(idx.leaves, np.arange(n))
            assert labels[:7].tolist() == [1, 1, 1, 1, 1, 1, 2]
        else:
            np.testing.assert_array_equal(idx.leaves, np.r_[np.arange(n - 1, 0, -1), 0])


def test_chain_from_single_linkage_matches_fcluster():
    # Growing gaps make single linkage a chain too deep for SciPy's dendrogram().
    x = np.cumsum(np.arange(1, 1501, dtype=float))[:, None]
    Z = sch.linkage(x, "single")
    idx = tree_index(Z)
    for t in (1.5, 100.5, 1000.5):
        assert same_partition(idx.labels_at(t), sch.fcluster(Z, t, "distance"))
    assert same_partition(idx.labels_for_k(7), sch.fcluster(Z, 7, "maxclust"))


@pytest.mark.parametrize(
    ("Z", "message"),
    [
        (np.zeros((3, 3)), "4 columns"),
        (np.zeros((0, 4)), "no rows"),
        (np.array([[0, 1, np.nan, 2]]), "NaN"),
        (np.array([[0, 1.5, 1, 2]]), "non-integer"),
        (np.array([[0, 1, -1, 2]]), "negative merge heights"),
        (np.array([[0, 1, 1, 3]]), "count 3"),
        (np.array([[0, 3, 1, 2], [1, 2, 2, 2]]), "before it is formed"),
        (np.array([[0, 1, 1, 2], [0, 3, 2, 3]]), "merged 2 times"),
        (np.array([[0, -1, 1, 2]]), "negative cluster ids"),
        ([["a", "b", "c", "d"]], "not numeric"),
    ],
)
def test_invalid_linkage_is_a_data_error(Z, message):
    with pytest.raises(DataError, match=message):
        tree_index(Z)


def test_invalid_k_and_depth():
    idx = tree_index(np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]))
    for bad in (0, 4, 2.5, True):
        with pytest.raises(DataError):
            idx.band_for_k(bad)
    with pytest.raises(DataError):
        idx.labels_for_k(0)
    with pytest.raises(DataError):
        cut_inconsistent(np.array([[0, 1, 1.0, 2]]), 1.0, depth=0)
    assert idx.labels_for_k(10).tolist() == [2, 3, 1]  # leaf order is 2 0 1


def test_nan_threshold_gives_singletons_like_fcluster():
    Z = sch.linkage(np.arange(5.0)[:, None], "average")
    idx = tree_index(Z)
    assert idx.k_at(np.nan) == 5
    assert same_partition(idx.labels_at(np.nan), sch.fcluster(Z, np.nan, "distance"))


def test_index_arrays_are_read_only():
    idx = tree_index(np.array([[0, 1, 1.0, 2]]))
    with pytest.raises(ValueError):
        idx.gaps[0] = 5.0


def test_docstring_examples():
    result = doctest.testmod(cut_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


@pytest.mark.parametrize("module", [cut_index_module, tree_shape_module])
def test_index_docstring_examples(module):
    """The index's examples, run here since they moved out of clustering.cut."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
