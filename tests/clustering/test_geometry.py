"""clustering.geometry against scipy.cluster.hierarchy.dendrogram(no_plot=True)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.cluster import hierarchy as sch

import clustering.geometry as geometry_module
import clustering.geometry_model as geometry_model_module
from clustering.cut import tree_index
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from tests.clustering.test_cut import chain_linkage, random_cases, same_partition


def scipy_layout(Z, truncate_mode=None, p=30, labels=None):
    """SciPy's dendrogram dict plus its contraction marks.

    ``dendrogram()`` only hands the marks to matplotlib, so they come from the same
    private worker it calls, with the same clipping of ``p`` that ``dendrogram()`` does.
    """
    R = sch.dendrogram(Z, no_plot=True, truncate_mode=truncate_mode, p=p, labels=labels)
    n = Z.shape[0] + 1
    if truncate_mode == "lastp" and (p > n or p == 0):
        p = n
    if truncate_mode == "level" and p <= 0:
        p = np.inf
    marks: list = []
    sch._dendrogram_calculate_info(
        Z=Z, p=p, truncate_mode=truncate_mode, color_threshold=np.inf, get_leaves=True,
        orientation="top", labels=labels, count_sort=False, distance_sort=False,
        show_leaf_counts=True, i=2 * n - 2, iv=0.0, ivl=[], n=n, icoord_list=[],
        dcoord_list=[], lvs=[], current_color=[0], color_list=[],
        currently_below_threshold=[False], contraction_marks=marks,
    )  # fmt: skip
    return R, marks


def assert_same_as_scipy(Z, truncate_mode=None, p=30, labels=None, context=""):
    R, marks = scipy_layout(Z, truncate_mode, p, labels)
    g = dendrogram_geometry(Z, truncate_mode=truncate_mode, p=p, labels=labels,
                            show_contracted=True)  # fmt: skip
    msg = f"{context} mode={truncate_mode} p={p}"
    np.testing.assert_allclose(g.icoord, np.reshape(R["icoord"], (-1, 4)), err_msg=msg)
    np.testing.assert_allclose(g.dcoord, np.reshape(R["dcoord"], (-1, 4)), err_msg=msg)
    assert g.ivl == R["ivl"], msg
    assert g.leaves.tolist() == R["leaves"], msg
    np.testing.assert_allclose(g.contracted[0], [m[0] for m in marks], err_msg=msg)
    np.testing.assert_allclose(g.contracted[1], [m[1] for m in marks], err_msg=msg)
    n = Z.shape[0] + 1
    assert g.icoord.shape == (len(g.link_rows), 4)
    assert g.leaf_counts.sum() == n
    np.testing.assert_array_equal(g.dcoord[:, 1], Z[g.link_rows, 2])
    np.testing.assert_array_equal(g.leaf_x, 5.0 + 10.0 * np.arange(len(g.ivl)))
    return g


def test_full_tree_matches_scipy_for_all_methods():
    for method, n, Z in random_cases(11, 140, 300):
        labels = [f"row {i}" for i in range(n)] if n % 2 else None
        assert_same_as_scipy(Z, labels=labels, context=method)


def test_truncated_trees_match_scipy():
    rng = np.random.default_rng(12)
    for method, n, Z in random_cases(13, 105, 150):
        labels = np.array([f"s{i}" for i in range(n)]) if n % 3 == 0 else None
        lastps = {-3, 0, 1, 2, n - 1, n, n + 5, int(rng.integers(1, n + 1))}
        levels = {-1, 0, 1, 2, 3, int(rng.integers(1, 12))}
        for p in sorted(lastps):
            assert_same_as_scipy(Z, "lastp", p, labels, method)
        for p in sorted(levels):
            assert_same_as_scipy(Z, "level", p, labels, method)


def test_level_mode_never_contracts_the_first_merge():
    # SciPy contracts node i only when i > n: node n (row 0) is drawn at level p + 1.
    Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.5, 2], [6, 4, 2.0, 3], [7, 5, 2.5, 3], [8, 9, 3.0, 6]])
    g = assert_same_as_scipy(Z, "level", 1, context="node n at level 2")
    assert 0 in g.link_rows  # node 6 = n, at level 2, still drawn
    assert 1 not in g.link_rows  # node 7, also at level 2, contracted
    assert g.ivl == ["0", "1", "4", "(2)", "5"]


def test_deep_chain_that_breaks_scipy_still_matches_a_shallow_reference():
    # 800 levels are fine for SciPy under the default recursion limit; check equality
    # there, then check that 100,000 levels work and keep the same structure.
    for left in (True, False):
        assert_same_as_scipy(chain_linkage(800, left=left), context="chain")
    n = 100_000
    g = dendrogram_geometry(chain_linkage(n))
    assert g.icoord.shape == (n - 1, 4)
    np.testing.assert_array_equal(g.link_rows, np.arange(n - 1))
    np.testing.assert_array_equal(g.leaves, np.arange(n))
    small = dendrogram_geometry(chain_linkage(800))
    np.testing.assert_array_equal(g.icoord[:799], small.icoord)
    for mode, p in (("lastp", 30), ("level", 5)):
        gt = dendrogram_geometry(chain_linkage(n, left=False), truncate_mode=mode, p=p,
                                 show_contracted=True)  # fmt: skip
        assert gt.leaf_counts.sum() == n
        assert gt.contracted[0].size == (n - 1) - len(gt.link_rows) - np.sum(gt.leaves >= n)


def test_deep_single_linkage_chain_has_the_same_leaves_as_scipy():
    x = np.cumsum(np.arange(1, 3001, dtype=float))[:, None]
    Z = sch.linkage(x, "single")
    g = dendrogram_geometry(Z)
    np.testing.assert_array_equal(g.leaves, sch.leaves_list(Z))
    assert g.icoord.shape == (2999, 4)


def test_link_and_leaf_clusters_agree_with_the_cut():
    for method, n, Z in random_cases(14, 70, 200):
        idx = tree_index(Z)
        g = dendrogram_geometry(Z, index=idx)
        for t in np.r_[np.unique(Z[:, 2])[:: max(1, n // 10)], -1.0, Z[:, 2].max()]:
            labels = idx.labels_at(t)
            assert same_partition(labels, sch.fcluster(Z, t, "distance"))
            links = g.link_clusters(t)
            assert ((links == 0) == (idx.merge_maxdist[g.link_rows] > t)).all()
            for row, c in zip(g.link_rows[links > 0], links[links > 0], strict=True):
                members = samples_under(Z, n + row)
                assert (labels[members] == c).all(), (method, t)
            np.testing.assert_array_equal(g.leaf_clusters(t), labels[g.leaves])


def test_contracted_leaf_is_coloured_only_when_kept_whole():
    for _, n, Z in random_cases(15, 35, 120):
        idx = tree_index(Z)
        g = dendrogram_geometry(Z, truncate_mode="lastp", p=max(2, n // 4), index=idx)
        for t in np.unique(Z[:, 2])[:: max(1, n // 8)]:
            labels = idx.labels_at(t)
            got = g.leaf_clusters(t)
            for leaf, c in zip(g.leaves, got, strict=True):
                members = samples_under(Z, leaf)
                if len(np.unique(labels[members])) == 1:
                    assert c == labels[members[0]]
                else:
                    assert c == 0


def test_link_colour_uses_fcluster_equality_not_color_threshold():
    Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    g = dendrogram_geometry(Z)
    assert g.link_clusters(2.0).tolist() == [1, 2, 0]  # the merge at exactly 2 is in
    R = sch.dendrogram(Z, no_plot=True, color_threshold=2.0, above_threshold_color="grey")
    assert R["color_list"][1] == "grey"  # SciPy's colours leave it out (<)


def test_annotations_are_link_tops_above_the_threshold():
    _, _, Z = next(random_cases(16, 1, 60))
    g = dendrogram_geometry(Z)
    above = float(np.median(Z[:, 2]))
    x, y, row = g.annotations(above)
    keep = g.dcoord[:, 1] > above
    assert len(x) == keep.sum() > 0
    np.testing.assert_array_equal(row, g.link_rows[keep])
    np.testing.assert_array_equal(y, Z[row, 2])
    np.testing.assert_allclose(x, g.icoord[keep, 1:3].mean(axis=1))
    assert len(g.annotations()[0]) == len(g.link_rows)


def test_segments_layout_and_orientation():
    _, _, Z = next(random_cases(17, 1, 40))
    g = dendrogram_geometry(Z)
    m = len(g.link_rows)
    x, y = g.segments("top")
    assert x.shape == y.shape == (5 * m,)
    assert np.isnan(x[4::5]).all() and np.isnan(y[4::5]).all()
    np.testing.assert_array_equal(x.reshape(m, 5)[:, :4], g.icoord)
    np.testing.assert_array_equal(y.reshape(m, 5)[:, :4], g.dcoord)
    xb, yb = g.segments("bottom")
    np.testing.assert_array_equal(xb, x)
    for side in ("left", "right"):
        xs, ys = g.segments(side)
        np.testing.assert_array_equal(xs, y)
        np.testing.assert_array_equal(ys, x)
    pick = g.link_clusters(float(np.median(Z[:, 2]))) == 1
    xp, _ = g.segments("top", links=pick)
    assert xp.shape == (5 * pick.sum(),)
    with pytest.raises(DataError, match="orientation"):
        g.segments("up")


def test_invalid_arguments_are_data_errors():
    Z = np.array([[0, 1, 1.0, 2]])
    with pytest.raises(DataError, match="truncate_mode"):
        dendrogram_geometry(Z, truncate_mode="top")
    with pytest.raises(DataError, match="labels"):
        dendrogram_geometry(Z, labels=["a"])
    with pytest.raises(DataError, match="p must be"):
        dendrogram_geometry(Z, truncate_mode="lastp", p="5")
    with pytest.raises(DataError):
        dendrogram_geometry(np.zeros((2, 3)))
    with pytest.raises(DataError, match="index is for 2 samples"):
        dendrogram_geometry(np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 3]]), index=tree_index(Z))


def test_two_leaves_and_single_leaf_truncation():
    Z = np.array([[0, 1, 0.5, 2]])
    assert_same_as_scipy(Z)
    g = assert_same_as_scipy(Z, "lastp", 1)
    assert g.ivl == ["(2)"] and g.icoord.shape == (0, 4)
    assert g.leaf_clusters(0.5).tolist() == [1] and g.leaf_clusters(0.1).tolist() == [0]
    x, y = g.segments()
    assert x.shape == (0,)


def test_docstring_examples():
    # The construction (geometry) and the Geometry class (geometry_model) are two modules.
    for module, least in ((geometry_module, 4), (geometry_model_module, 20)):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted >= least and result.failed == 0, module.__name__


def samples_under(Z: np.ndarray, node: int) -> np.ndarray:
    """Samples under a node, by an explicit stack (a test oracle independent of cut.py)."""
    n = Z.shape[0] + 1
    out, stack = [], [int(node)]
    while stack:
        v = stack.pop()
        if v < n:
            out.append(v)
        else:
            stack.extend((int(Z[v - n, 0]), int(Z[v - n, 1])))
    return np.array(out)
