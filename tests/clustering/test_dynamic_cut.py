"""clustering.dynamic_cut against R's dynamicTreeCut::cutreeDynamic (Debian r-cran-dynamictreecut).

R gets the same tree: it builds hclust on dist(X) of the same rows, and each test first
checks that R's merge heights equal SciPy's (1e-9 relative) and that r_tree(Z) reproduces
R's $merge and $order exactly, so any label difference would be the cut's. Data are
continuous (no tied distances). Labels are compared up to renumbering, unassigned rows (0)
exactly, and R's own numbering (largest cluster = 1) is checked too.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

from clustering.datasets import EXAMPLES, load_example
from clustering.dynamic_cut import dynamic_cut, r_tree
from clustering.errors import DataError
from clustering.prepare import prepare
from tests.oracles import run_r
from tests.partitions import same_partition

R_METHOD = {"average": "average", "complete": "complete", "ward": "ward.D2"}


def blobs(seed: int, n: int, d: int = 3) -> np.ndarray:
    """Gaussian blobs with unequal spreads (0.3 to 3) and unequal sizes."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 7))
    centres = rng.normal(scale=8, size=(k, d))
    spreads = rng.uniform(0.3, 3, size=k)
    which = rng.integers(0, k, size=n)
    return centres[which] + rng.normal(size=(n, d)) * spreads[which][:, None]


# One row per cutreeDynamic call: method, minClusterSize, deepSplit, pamStage,
# pamRespectsDendro, cutHeight, maxPamDist (NaN = R's default), respectSmallClusters.
Combo = tuple[str, int, int, int, int, float, float, int]
NA = np.nan


def grid(n: int, cut: float) -> list[Combo]:
    combos: list[Combo] = []
    for mcs in (5, 20, 50):
        if mcs * 2 > n:
            continue
        combos += [("tree", mcs, ds, 1, 1, NA, NA, 1) for ds in (0, 1)]
        combos += [("hybrid", mcs, ds, pam, resp, NA, NA, 1)
                   for ds in range(5) for pam, resp in ((1, 1), (0, 1), (1, 0))]
    combos += [("tree", 5, 1, 1, 1, cut, NA, 1), ("hybrid", 5, 2, 1, 1, cut, NA, 1),
               ("hybrid", 5, 2, 1, 0, cut, NA, 1), ("hybrid", 5, 2, 0, 1, cut, NA, 1)]
    return combos


def edge_grid(top: float) -> list[Combo]:
    """R's less common arguments: tiny clusters, a cut above the tree (R clamps the cut but
    passes the unclamped value on as maxPamDist), maxPamDist, respectSmallClusters = FALSE."""
    return [("hybrid", 1, 1, 1, 1, NA, NA, 1), ("hybrid", 2, 2, 1, 1, NA, NA, 1),
            ("hybrid", 3, 4, 1, 0, NA, NA, 1), ("hybrid", 10, 1, 1, 1, 2 * top, NA, 1),
            ("hybrid", 10, 2, 1, 1, NA, 0.01 * top, 1), ("hybrid", 10, 2, 1, 1, NA, NA, 0),
            ("hybrid", 10, 3, 1, 0, NA, NA, 0), ("hybrid", 4, 0, 1, 1, 0.3 * top, NA, 1),
            ("tree", 2, 1, 1, 1, NA, NA, 1)]


#: cutreeDynamic once per row of combos.csv (a :data:`Combo` each) on the tree ``h`` and the
#: distances ``D``; the labels, one column per combo, to labels.csv.
CUTREE_GRID_R = """
cs <- read.csv(file.path(dir, "combos.csv"))
out <- sapply(seq_len(nrow(cs)), function(i) {
  r <- cs[i, ]
  ch <- if (is.na(r$cut)) NULL else r$cut
  mpd <- if (is.na(r$mpd)) NULL else r$mpd
  if (r$method == "tree")
    cutreeDynamic(h, method = "tree", cutHeight = ch, minClusterSize = r$mcs,
                  deepSplit = as.logical(r$ds), verbose = 0)
  else
    cutreeDynamic(h, distM = D, method = "hybrid", cutHeight = ch, minClusterSize = r$mcs,
                  deepSplit = r$ds, pamStage = as.logical(r$pam),
                  pamRespectsDendro = as.logical(r$resp), maxPamDist = mpd,
                  respectSmallClusters = as.logical(r$rsc), verbose = 0)
})
write.csv(out, file.path(dir, "labels.csv"), row.names = FALSE)
"""

R_SCRIPT = """
X <- as.matrix(read.csv(file.path(dir, "X.csv")))
D <- as.matrix(dist(X)); dimnames(D) <- NULL
h <- hclust(as.dist(D), METHOD)
write.csv(data.frame(m1 = h$merge[, 1], m2 = h$merge[, 2], height = h$height),
          file.path(dir, "tree.csv"), row.names = FALSE)
write.csv(data.frame(order = h$order), file.path(dir, "order.csv"), row.names = FALSE)
""" + CUTREE_GRID_R


def r_cuts(X: np.ndarray, method: str, combos: list[Combo]) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame(combos, columns=["method", "mcs", "ds", "pam", "resp", "cut", "mpd", "rsc"])
    return run_r(R_SCRIPT.replace("METHOD", f'"{R_METHOD[method]}"'),
                 inputs={"X": pd.DataFrame(X), "combos": frame},
                 outputs=["tree", "order", "labels"], packages=["dynamicTreeCut"])


def ours(Z: np.ndarray, D: np.ndarray, combo: Combo) -> np.ndarray:
    method, mcs, ds, pam, resp, cut, mpd, rsc = combo
    cut_height = None if np.isnan(cut) else float(cut)
    if method == "tree":
        return dynamic_cut(Z, method="tree", min_cluster_size=mcs, deep_split=bool(ds),
                           cut_height=cut_height)
    return dynamic_cut(Z, D, method="hybrid", min_cluster_size=mcs, deep_split=ds,
                       pam_stage=bool(pam), pam_respects_dendro=bool(resp),
                       cut_height=cut_height, max_pam_dist=None if np.isnan(mpd) else float(mpd),
                       respect_small_clusters=bool(rsc))


def check_against_r(X: np.ndarray, method: str, edges: bool = False) -> int:
    """Every grid combination equals R; returns how many were compared."""
    d = pdist(X)
    D = squareform(d)
    Z = linkage(d, method)
    combos = (edge_grid(float(Z[-1, 2])) if edges
              else grid(X.shape[0], float(np.quantile(Z[:, 2], 0.9))))
    out = r_cuts(X, method, combos)
    np.testing.assert_allclose(out["tree"]["height"], Z[:, 2], rtol=1e-9)
    rt = r_tree(Z)
    assert np.array_equal(out["tree"][["m1", "m2"]].to_numpy(), rt.merge)
    assert np.array_equal(out["order"]["order"].to_numpy(), rt.order)
    labels = out["labels"].to_numpy()
    for j, combo in enumerate(combos):
        mine, theirs = ours(Z, D, combo), labels[:, j]
        assert same_partition(mine, theirs), combo
        assert np.array_equal(mine == 0, theirs == 0), combo
        assert np.array_equal(mine, theirs), ("R's numbering", combo)
    return len(combos)


def test_doctests():
    assert doctest.testmod(importlib.import_module("clustering.dynamic_cut")).failed == 0


def test_two_groups_by_hand():
    X = np.r_[np.arange(6.0), np.arange(6.0) + 20, [50.0]][:, None]
    d = pdist(X)
    Z = linkage(d, "average")
    # The outlier's merge (height ~38) is above R's default cut, so it is unassigned.
    labels = dynamic_cut(Z, d, min_cluster_size=3)
    assert labels.tolist() == [1] * 6 + [2] * 6 + [0]


def test_r_tree_conventions():
    # Leaves 3 and 1 merge first (R writes the lower index first), then leaf 0 joins
    # that cluster (singleton first), then leaf 2 joins; order = depth-first, first child first.
    Z = np.array([[3, 1, 1.0, 2], [4, 0, 2.0, 3], [5, 2, 4.0, 4]])
    t = r_tree(Z)
    assert t.merge.tolist() == [[-2, -4], [-1, 1], [-3, 2]]
    assert t.order.tolist() == [3, 1, 2, 4]
    assert t.height.tolist() == [1.0, 2.0, 4.0]


@pytest.mark.oracle
@pytest.mark.parametrize("seed,n,method", [
    (0, 60, "average"), (0, 60, "complete"), (0, 60, "ward"), (1, 150, "average"),
    (1, 150, "ward"), (3, 120, "complete"),
    pytest.param(2, 300, "average", marks=pytest.mark.slow),
])
def test_equals_r_on_blobs(seed, n, method):
    assert check_against_r(blobs(seed, n), method) > 10


@pytest.mark.oracle
@pytest.mark.parametrize("seed,method", [(30, "average"), (31, "ward")])
def test_equals_r_on_less_common_arguments(seed, method):
    check_against_r(blobs(seed, 120), method, edges=True)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [
    "tutorial-blobs",
    pytest.param("mpg", marks=pytest.mark.slow),
    pytest.param("tutorial-five", marks=pytest.mark.slow),
])
def test_equals_r_on_tutorial_data(name):
    example = EXAMPLES[name]
    X = prepare(load_example(name), example.options).matrix
    check_against_r(X, example.method)


@pytest.mark.oracle
def test_equals_r_when_the_cut_is_too_low():
    X = blobs(7, 80)
    d = pdist(X)
    Z = linkage(d, "average")
    low = float(Z[3, 2])  # only 4 merges below: fewer than minClusterSize
    combos: list[Combo] = [("hybrid", 5, 1, 1, 1, low, NA, 1), ("tree", 5, 0, 1, 1, low, NA, 1)]
    labels = r_cuts(X, "average", combos)["labels"].to_numpy()
    for j, combo in enumerate(combos):
        assert np.array_equal(ours(Z, squareform(d), combo), labels[:, j])
    assert (labels[:, 0] == 0).all()


def test_hybrid_accepts_condensed_and_square_distances():
    X = blobs(3, 90)
    d = pdist(X)
    Z = linkage(d, "average")
    a = dynamic_cut(Z, d, min_cluster_size=10)
    b = dynamic_cut(Z, squareform(d), min_cluster_size=10)
    assert np.array_equal(a, b)
    c = dynamic_cut(Z, X=X, metric="euclidean", min_cluster_size=10)
    assert np.array_equal(a, c)
    Zc = linkage(pdist(X, "cityblock"), "average")
    assert np.array_equal(dynamic_cut(Zc, X=X, metric="cityblock", min_cluster_size=10),
                          dynamic_cut(Zc, pdist(X, "cityblock"), min_cluster_size=10))
    # R reads a logical deepSplit as 0 or 3
    assert np.array_equal(dynamic_cut(Z, d, deep_split=True, min_cluster_size=10),
                          dynamic_cut(Z, d, deep_split=3, min_cluster_size=10))


@pytest.mark.parametrize("kwargs,match", [
    ({"method": "dynamic"}, "method must be one of hybrid, tree"),
    ({"method": "hybrid", "D": None}, "needs the distances the tree was built from"),
    ({"deep_split": 5}, "0, 1, 2, 3 or 4"),
    ({"deep_split": 1.5}, "whole number"),
    ({"method": "tree", "deep_split": 2}, "True or False"),
    ({"min_cluster_size": 0}, "at least 1"),
    ({"min_cluster_size": 2.5}, "whole number"),
    ({"cut_height": "high"}, "cut_height must be a number"),
    ({"cut_height": float("nan")}, "finite"),
    ({"pam_stage": "yes"}, "pam_stage must be True or False"),
    ({"D": np.zeros((3, 3))}, "must be 10 x 10"),
    ({"D": np.zeros(7)}, "condensed distance vector for 10 rows has 45"),
    ({"max_pam_dist": [1]}, "max_pam_dist must be a number"),
    ({"X": np.zeros((10, 2))}, "not both"),
    ({"D": None, "X": np.zeros((9, 2))}, "X has 9 rows but the tree has 10 leaves"),
    ({"D": None, "X": np.ones((10, 2)), "metric": "cosine2"}, "metric must be one of euclidean"),
])
def test_arguments_checked_up_front(kwargs, match):
    X = blobs(5, 10)
    d = pdist(X)
    Z = linkage(d, "average")
    kw = {"D": d, **kwargs}
    with pytest.raises(DataError, match=match):
        dynamic_cut(Z, **kw)


def test_bad_distance_matrices():
    X = blobs(5, 6)
    Z = linkage(X, "average")
    D = squareform(pdist(X))
    asym = D.copy()
    asym[0, 1] += 1
    with pytest.raises(DataError, match="not symmetric"):
        dynamic_cut(Z, asym)
    nan = D.copy()
    nan[0, 1] = nan[1, 0] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        dynamic_cut(Z, nan)
    with pytest.raises(DataError, match="negative"):
        dynamic_cut(Z, -D)


def test_inversions_refused():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.9]])
    Z = linkage(X, "centroid")
    assert (np.diff(Z[:, 2]) < 0).any()
    with pytest.raises(DataError, match="inversions"):
        dynamic_cut(Z, pdist(X), min_cluster_size=1)


def test_bad_linkage_matrix():
    with pytest.raises(DataError, match="4 columns"):
        dynamic_cut(np.zeros((3, 3)), method="tree")
