"""clustering.lod against SciPy: the full layout is dendrogram()'s icoord/dcoord, a window
wide enough draws every link, a narrow window collapses exactly the sub-pixel subtrees, and
colours are fcluster's labels (issue 14, goal 3)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import dendrogram, fcluster, leaves_list, linkage

from clustering.errors import DataError
from clustering.lod import LEAF_SPACING, lod_colours, lod_gaps, lod_tree, lod_window
from tests.partitions import same_partition


def _data(seed: int, n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)) + rng.integers(0, 4, n)[:, None] * 3


def _rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    a = np.round(np.c_[xs, ys], 9)
    return a[np.lexsort(a.T[::-1])]


@pytest.mark.parametrize("method", ["ward", "single", "average", "complete", "centroid", "median"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_window_is_scipys_dendrogram(method: str, seed: int) -> None:
    Z = linkage(_data(seed), method)
    t = lod_tree(Z)
    ref = dendrogram(Z, no_plot=True)
    np.testing.assert_array_equal(t.leaves, leaves_list(Z))
    w = lod_window(t, 0.0, LEAF_SPACING * t.n, px=10**6)
    assert w.links.size == t.n - 1 and w.marks.size == 0
    np.testing.assert_array_equal(w.leaves, np.arange(t.n))
    xs, ys = w.icoord_dcoord(t)
    np.testing.assert_allclose(_rows(xs, ys),
                               _rows(np.asarray(ref["icoord"]), np.asarray(ref["dcoord"])))


@pytest.mark.parametrize("seed", [0, 3])
def test_narrow_window_collapses_exactly_the_sub_pixel_subtrees(seed: int) -> None:
    Z = linkage(_data(seed, 400), "ward")
    t = lod_tree(Z)
    n = t.n
    x0, x1, px = 800.0, 2_300.0, 50.0  # 30 units (3 leaves) a pixel
    w = lod_window(t, x0, x1, px)
    pixel = (x1 - x0) / px
    lo = LEAF_SPACING * t.first
    hi = lo + LEAF_SPACING * t.count
    for r in w.links:
        v = n + r
        assert hi[v] - lo[v] > pixel and hi[v] > x0 and lo[v] < x1
    for v in w.marks:
        assert v >= n and hi[v] - lo[v] <= pixel and hi[v] > x0 and lo[v] < x1
    # Every leaf position in the window is covered exactly once: by an individual leaf or
    # by one mark's run of positions.
    covered = np.zeros(n, dtype=int)
    covered[w.leaves] += 1
    for v in w.marks:
        covered[t.first[v]: t.first[v] + t.count[v]] += 1
    inside = np.flatnonzero((LEAF_SPACING * np.arange(n) + LEAF_SPACING > x0)
                            & (LEAF_SPACING * np.arange(n) < x1))
    assert set(np.unique(covered[inside])) == {1}
    # Zooming into 20 leaves at 1,000 px shows each of them individually.
    w = lod_window(t, 1_000.0, 1_200.0, 1_000)
    np.testing.assert_array_equal(w.leaves, np.arange(100, 120))
    assert w.marks.size == 0


def test_max_links_coarsens_the_pixel() -> None:
    x = np.cumsum(1 + 1e-3 * np.arange(300))[:, None]  # a chain: one long spine
    t = lod_tree(linkage(x, "single"))
    w = lod_window(t, 0.0, 3_000.0, px=3_000, max_links=50)
    assert w.links.size <= 50 and w.pixel > 1.0


@pytest.mark.parametrize("method", ["ward", "average", "centroid", "median"])
def test_colours_are_fcluster_labels(method: str) -> None:
    Z = linkage(_data(4, 200), method)
    t = lod_tree(Z)
    n = t.n
    np.testing.assert_array_equal(lod_gaps(t) > -1, True)
    for cut in np.quantile(Z[:, 2], [0.5, 0.8, 0.95]):
        leaf_cluster = lod_colours(t, np.arange(n), cut)  # leaves: never above the cut
        assert (leaf_cluster >= 1).all()
        assert same_partition(leaf_cluster, fcluster(Z, cut, "distance"))
        # numbered left to right
        by_pos = leaf_cluster[t.leaves]
        assert by_pos[0] == 1 and np.all(np.diff(by_pos) >= 0)
        # A node below the cut has its leaves' cluster; above, 0.
        nodes = np.arange(n, 2 * n - 1)
        c = lod_colours(t, nodes, cut)
        for v, cv in zip(nodes, c, strict=True):
            rows = t.leaves[t.first[v]: t.first[v] + t.count[v]]
            labels = set(leaf_cluster[rows].tolist())
            assert (cv == 0) == (len(labels) > 1 or t.maxdist[v] > cut)
            if cv:
                assert labels == {cv}


def test_bad_windows_are_refused() -> None:
    t = lod_tree(linkage(_data(0, 10), "ward"))
    with pytest.raises(DataError, match="x0 < x1"):
        lod_window(t, 5.0, 5.0, 100)
    with pytest.raises(DataError, match="pixels"):
        lod_window(t, 0.0, 5.0, 0)
