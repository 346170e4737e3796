"""clustering.validity and the gap statistic (clustering.gap, clustering.gap_dispersion) against
their oracles: scikit-learn (silhouette, CH, DB), SciPy (the cuts) and R's cluster package
(silhouette, sortSilhouette, clusGap, maxSE), run from the test."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from clustering.errors import DataError
from clustering.gap import GAP_RULES, gap_reduce, gap_statistic, max_se
from clustering.gap_dispersion import (
    gap_observed,
    gap_reference,
    gap_replicates,
    within_dispersion,
)
from clustering.linkage import distance_kwargs
from clustering.sampling import replicate_chunks
from clustering.validity import silhouette_widths, validity_indices
from tests.oracles import run_r
from tests.partitions import same_partition

# Floating-point sums in another order (BLAS here, a C loop in R, NumPy in scikit-learn).
RTOL = 1e-9


def blobs(seed: int, n_per: int = 20, centres=((0, 0), (5, 0), (0, 5), (5, 5)), sd: float = 0.4,
          d: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = [rng.normal(0, sd, (n_per, d)) + np.resize(np.asarray(c, float), d) for c in centres]
    return np.vstack(parts)


# ------------------------------------------------------------------ validity_indices

# scikit-learn's euclidean distances (x.x - 2 x.y + y.y) are good to ~1e-8 relative only.
SK_EUCLID = 1e-7


def _sklearn_db_exact(X, lab):
    """sklearn.metrics.davies_bouldin_score's formula, its distances computed by cdist."""
    from scipy.spatial.distance import cdist
    values = np.unique(lab)
    centroids = np.array([X[lab == c].mean(axis=0) for c in values])
    intra = np.array([cdist(X[lab == c], centroids[i:i + 1]).mean() for i, c in enumerate(values)])
    between = cdist(centroids, centroids)
    between[between == 0] = np.inf
    return float(np.mean(np.max((intra[:, None] + intra[None, :]) / between, axis=1)))



CASES = [  # (seed, method, metric, p)
    (0, "ward", "euclidean", 2.0),
    (1, "average", "cityblock", 2.0),
    (2, "complete", "cosine", 2.0),
    (3, "average", "minkowski", 3.0),
    (4, "single", "chebyshev", 2.0),
    (5, "weighted", "seuclidean", 2.0),
    (6, "average", "correlation", 2.0),
    (7, "centroid", "euclidean", 2.0),
]


@pytest.mark.parametrize(("seed", "method", "metric", "p"), CASES)
def test_validity_equals_sklearn_and_fcluster(seed, method, metric, p):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(70, 4)) if seed % 2 else blobs(seed, 15, d=4)
    kw = distance_kwargs(X, metric, p)
    D = pdist(X, metric, **kw)
    Z = linkage(D, method) if method not in ("centroid", "ward") else linkage(X, method)
    ks = range(2, 11)
    v = validity_indices(X, Z, ks, metric=metric, p=p)
    assert v.table["k"].tolist() == list(ks)
    for j, k in enumerate(ks):
        lab = v.labels[j]
        assert same_partition(lab, fcluster(Z, k, "maxclust"))
        row = v.table.iloc[j]
        assert row["n_clusters"] == len(np.unique(lab))
        assert row["silhouette"] == pytest.approx(
            silhouette_score(squareform(D), lab, metric="precomputed"), rel=RTOL, abs=1e-12)
        assert row["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(X, lab), rel=RTOL)
        # scikit-learn's euclidean_distances expands |x|^2 - 2 x.y + |y|^2, which costs it ~1e-8
        # relative; its formula evaluated with exact distances (cdist) must agree to rounding.
        assert row["davies_bouldin"] == pytest.approx(davies_bouldin_score(X, lab), rel=SK_EUCLID)
        assert row["davies_bouldin"] == pytest.approx(_sklearn_db_exact(X, lab), rel=1e-12)
    if metric == "euclidean":  # scikit-learn computing the distances itself (same expansion)
        for j in range(len(ks)):
            assert v.table["silhouette"][j] == pytest.approx(
                silhouette_score(X, v.labels[j]), rel=SK_EUCLID)
    exact = v.table[v.table["n_clusters"] == v.table["k"]]
    assert v.best["silhouette"] == exact.loc[exact["silhouette"].idxmax(), "k"]
    assert v.best["calinski_harabasz"] == exact.loc[exact["calinski_harabasz"].idxmax(), "k"]
    assert v.best["davies_bouldin"] == exact.loc[exact["davies_bouldin"].idxmin(), "k"]


def test_validity_from_distances_only_and_square_matrix():
    X = blobs(11, 12)
    D = pdist(X, "cityblock")
    Z = linkage(D, "average")
    full = validity_indices(X, Z, [2, 3, 4, 5], metric="cityblock")
    condensed = validity_indices(None, Z, [2, 3, 4, 5], distances=D)
    square = validity_indices(None, Z, [2, 3, 4, 5], distances=squareform(D))
    np.testing.assert_allclose(condensed.table["silhouette"], full.table["silhouette"], rtol=RTOL)
    np.testing.assert_allclose(square.table["silhouette"], full.table["silhouette"], rtol=RTOL)
    assert condensed.table["calinski_harabasz"].isna().all()
    assert condensed.best["davies_bouldin"] is None and condensed.best["silhouette"] == 4
    assert any("need the features" in note for note in condensed.notes)


def test_block_rows_equal_one_block(monkeypatch):
    # Several row blocks (tiny block budget) must give the same numbers as one block.
    import clustering.validity_sums as mod
    X = blobs(12, 10, d=3)
    Z = linkage(X, "ward")
    D = pdist(X)
    one = validity_indices(X, Z, range(2, 8))
    monkeypatch.setattr(mod, "_BLOCK_ENTRIES", 7 * X.shape[0])
    many = validity_indices(X, Z, range(2, 8))
    from_d = validity_indices(None, Z, range(2, 8), distances=D)
    np.testing.assert_allclose(many.table["silhouette"], one.table["silhouette"], rtol=1e-12)
    np.testing.assert_allclose(from_d.table["silhouette"], one.table["silhouette"], rtol=1e-12)
    w1 = within_dispersion(X, list(one.labels))
    monkeypatch.setattr(mod, "_BLOCK_ENTRIES", 3 * X.shape[0])
    np.testing.assert_allclose(within_dispersion(X, list(one.labels)), w1, rtol=1e-12)


def test_ties_leave_no_cut_with_exactly_k():
    # Three merges tie at height 1: single linkage can give 1, 2 or 5 clusters, never 3 or 4.
    X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
    Z = linkage(X, "single")
    v = validity_indices(X, Z, [2, 3, 4])
    assert v.table["n_clusters"].tolist() == [2, 2, 2]
    for j, k in enumerate([2, 3, 4]):
        assert same_partition(v.labels[j], fcluster(Z, k, "maxclust"))
    assert v.best == {"silhouette": 2, "calinski_harabasz": 2, "davies_bouldin": 2}
    assert "k = 3, 4" in v.notes[0]
    # A tree whose every merge ties gives 1 cluster at every k: indices undefined, nothing favoured.
    flat = validity_indices(np.zeros((4, 1)), linkage(np.zeros((4, 1)), "single"), [2, 3])
    assert flat.table["silhouette"].isna().all()
    assert flat.best == {"silhouette": None, "calinski_harabasz": None, "davies_bouldin": None}


# ---------------------------------------------------------------- silhouette_widths vs R

R_SIL = """
cases <- read.csv(file.path(dir, "cases.csv"), stringsAsFactors = FALSE)
for (i in seq_len(nrow(cases))) {
  nm <- cases$name[i]
  lab <- read.csv(file.path(dir, paste0("lab_", nm, ".csv")))$label
  if (cases$metric[i] == "matrix") {
    d <- as.dist(as.matrix(read.csv(file.path(dir, paste0("X_", nm, ".csv")))))
  } else {
    X <- as.matrix(read.csv(file.path(dir, paste0("X_", nm, ".csv"))))
    d <- dist(X, method = cases$metric[i], p = cases$p[i])
  }
  s <- silhouette(lab, d)
  srt <- sortSilhouette(s)
  sm <- summary(s)
  write.csv(data.frame(row = attr(srt, "iOrd") - 1, cluster = srt[, "cluster"],
                       neighbor = srt[, "neighbor"], sil_width = srt[, "sil_width"]),
            file.path(dir, paste0("sorted_", nm, ".csv")), row.names = FALSE)
  write.csv(data.frame(cluster = as.integer(names(sm$clus.avg.widths)),
                       mean_width = as.numeric(sm$clus.avg.widths),
                       size = as.integer(sm$clus.sizes), avg = sm$avg.width),
            file.path(dir, paste0("summary_", nm, ".csv")), row.names = FALSE)
}
"""


def _sil_cases():
    rng = np.random.default_rng(2026)
    cases = []
    # fixed data: a singleton cluster (label 7, s = 0) and labels that are not 1..k
    X_fixed = np.array([[0.0, 0.1], [0.3, 1.0], [1.1, 0.4], [4.0, 4.2], [4.6, 3.9], [5.1, 4.8],
                        [3.9, 5.3], [9.0, -2.0], [0.7, 0.2], [4.4, 4.4]])
    lab_fixed = np.array([2, 2, 2, 5, 5, 5, 5, 7, 2, 5])
    cases.append(("fixed", X_fixed, lab_fixed, "euclidean", "euclidean", 2.0))
    cases.append(("fixed_manhattan", X_fixed, lab_fixed, "manhattan", "cityblock", 2.0))
    for i, (r_metric, metric, p) in enumerate([("euclidean", "euclidean", 2.0),
                                               ("manhattan", "cityblock", 2.0),
                                               ("maximum", "chebyshev", 2.0),
                                               ("minkowski", "minkowski", 3.0),
                                               ("canberra", "canberra", 2.0)]):
        X = blobs(100 + i, 12, sd=1.2) + 0.01  # canberra: keep away from 0/0 terms
        lab = fcluster(linkage(pdist(X, metric, **distance_kwargs(X, metric, p)), "average"),
                       5, "maxclust")
        lab[rng.integers(len(lab))] = 99  # a singleton
        cases.append((f"random_{metric}", X, lab, r_metric, metric, p))
    # a metric R's dist lacks: give R the matrix
    X = rng.normal(size=(40, 5))
    lab = rng.integers(1, 5, 40)
    cases.append(("random_cosine", X, lab, "matrix", "cosine", 2.0))
    return cases


@pytest.mark.oracle
def test_silhouette_widths_equal_r_cluster_silhouette():
    cases = _sil_cases()
    inputs = {"cases": pd.DataFrame({"name": [c[0] for c in cases], "metric": [c[3] for c in cases],
                                     "p": [c[5] for c in cases]})}
    for name, X, lab, r_metric, metric, _ in cases:
        inputs[f"X_{name}"] = (pd.DataFrame(squareform(pdist(X, metric))) if r_metric == "matrix"
                               else pd.DataFrame(X))
        inputs[f"lab_{name}"] = pd.DataFrame({"label": lab})
    outputs = [f"{kind}_{c[0]}" for c in cases for kind in ("sorted", "summary")]
    out = run_r(R_SIL, inputs=inputs, outputs=outputs, packages=["cluster"])
    for name, X, lab, _, metric, p in cases:
        ours = silhouette_widths(lab, X, metric=metric, p=p)
        r_sorted, r_sum = out[f"sorted_{name}"], out[f"summary_{name}"]
        t = ours.table()
        np.testing.assert_allclose(t["sil_width"], r_sorted["sil_width"], rtol=RTOL, atol=1e-12,
                                   err_msg=name)
        assert t["row"].tolist() == r_sorted["row"].tolist(), name
        assert t["cluster"].tolist() == r_sorted["cluster"].tolist(), name
        assert t["neighbor"].tolist() == r_sorted["neighbor"].tolist(), name
        assert ours.summary.index.tolist() == r_sum["cluster"].tolist(), name
        assert ours.summary["size"].tolist() == r_sum["size"].tolist(), name
        np.testing.assert_allclose(ours.summary["mean_width"], r_sum["mean_width"], rtol=RTOL,
                                   atol=1e-12, err_msg=name)
        assert ours.mean == pytest.approx(r_sum["avg"][0], rel=RTOL)
        single = ours.summary.index[ours.summary["size"] == 1]
        assert all(ours.widths[lab == c][0] == 0.0 for c in single)
    # the fixed case has its singleton (label 7) at s = 0, as R
    assert (out["sorted_fixed"].query("cluster == 7")["sil_width"] == 0).all()


def test_silhouette_widths_equal_sklearn_samples():
    from sklearn.metrics import silhouette_samples
    X = blobs(21, 10, d=3)
    lab = fcluster(linkage(X, "ward"), 4, "maxclust")
    lab[0] = 9  # a singleton: 0 in both
    ours = silhouette_widths(lab, X)
    np.testing.assert_allclose(ours.widths, silhouette_samples(X, lab), rtol=RTOL, atol=1e-12)
    assert ours.widths[0] == 0.0
    # string labels work and sort as R would sort their codes
    strs = np.array([f"c{v}" for v in lab])
    np.testing.assert_array_equal(silhouette_widths(strs, X).widths, ours.widths)


# ------------------------------------------------------------------------- gap statistic


R_GAP = """
X <- as.matrix(read.csv(file.path(dir, "X.csv")))
cfg <- read.csv(file.path(dir, "cfg.csv"), stringsAsFactors = FALSE)
fun <- function(x, k) list(cluster = cutree(hclust(dist(x, method = cfg$rdist), cfg$rmethod), k))
set.seed(cfg$seed)
g <- clusGap(X, FUNcluster = fun, K.max = cfg$K, B = cfg$B, spaceH0 = cfg$space,
             verbose = FALSE)
tab <- as.data.frame(g$Tab)
tab$k_firstSEmax <- maxSE(tab$gap, tab$SE.sim)
obs <- sapply(1:cfg$K, function(k) if (k == 1) rep(1L, nrow(X)) else fun(X, k)$cluster)
write.csv(tab, file.path(dir, "tab.csv"), row.names = FALSE)
write.csv(obs, file.path(dir, "labels.csv"), row.names = FALSE)
"""


def _r_clusgap(X, *, rmethod, rdist, K, B, space="scaledPCA", seed=1):
    cfg = pd.DataFrame({"rmethod": [rmethod], "rdist": [rdist], "K": [K], "B": [B],
                        "space": [space], "seed": [seed]})
    out = run_r(R_GAP, inputs={"X": pd.DataFrame(X), "cfg": cfg}, outputs=["tab", "labels"],
                packages=["cluster"])
    return out["tab"], out["labels"].to_numpy().T


def _assert_mc_agrees(ours, r_tab, B):
    # E.logW on both sides is a mean of B independent log W*; SE.sim = sqrt(1 + 1/B) sd, so the
    # Monte Carlo standard error of each mean is SE.sim / sqrt(B + 1). 4 combined SEs per k:
    # a false alarm in 8 k has probability ~5e-4.
    se_o = ours.table["SE_sim"].to_numpy() / np.sqrt(B + 1)
    se_r = r_tab["SE.sim"].to_numpy() / np.sqrt(B + 1)
    diff = np.abs(ours.table["E_logW"].to_numpy() - r_tab["E.logW"].to_numpy())
    assert (diff < 4 * np.hypot(se_o, se_r)).all(), (diff, 4 * np.hypot(se_o, se_r))
    np.testing.assert_allclose(ours.table["gap"] - r_tab["gap"],
                               ours.table["E_logW"] - r_tab["E.logW"], atol=1e-9)
    # SE.sim estimates a standard deviation: its relative error is ~1/sqrt(2B) = 7% at B = 100.
    ratio = ours.table["SE_sim"].to_numpy() / r_tab["SE.sim"].to_numpy()
    assert ((ratio > 0.6) & (ratio < 1.6)).all(), ratio


@pytest.mark.oracle
def test_gap_matches_r_clusgap_ward():
    X = blobs(31, 15, centres=((0, 0), (3, 0), (0, 3)), sd=0.8)  # 45 rows, fuzzy clusters
    K, B = 8, 100
    r_tab, r_labels = _r_clusgap(X, rmethod="ward.D2", rdist="euclidean", K=K, B=B)
    ours = gap_statistic(X, "ward", "euclidean", k_max=K, n_refs=B, seed=5)
    # Deterministic part: the same partitions, and logW equal to R's to rounding.
    labs = [np.ones(len(X), int)] + [fcluster(linkage(X, "ward"), k, "maxclust")
                                     for k in range(2, K + 1)]
    assert all(same_partition(a, b) for a, b in zip(labs, r_labels, strict=True))
    np.testing.assert_allclose(ours.table["logW"], r_tab["logW"], rtol=1e-12)
    _assert_mc_agrees(ours, r_tab, B)


@pytest.mark.oracle
def test_gap_matches_r_clusgap_average_manhattan_original_box():
    rng = np.random.default_rng(32)
    X = np.vstack([rng.normal(0, 1, (25, 3)), rng.normal(2.5, 1, (20, 3))])
    K, B = 7, 80
    r_tab, r_labels = _r_clusgap(X, rmethod="average", rdist="manhattan", K=K, B=B,
                                 space="original")
    ours = gap_statistic(X, "average", "cityblock", k_max=K, n_refs=B, seed=6, space_h0="original")
    Z = linkage(X, "average", "cityblock")
    assert all(same_partition(fcluster(Z, k, "maxclust"), r_labels[k - 1]) for k in range(2, K + 1))
    np.testing.assert_allclose(ours.table["logW"], r_tab["logW"], rtol=1e-12)
    _assert_mc_agrees(ours, r_tab, B)


@pytest.mark.oracle
def test_gap_picks_the_same_k_as_r_on_clear_clusters():
    X = blobs(33, 20, centres=((0, 0), (6, 0), (0, 6), (6, 6)), sd=0.5)
    r_tab, _ = _r_clusgap(X, rmethod="ward.D2", rdist="euclidean", K=8, B=50)
    ours = gap_statistic(X, "ward", k_max=8, n_refs=50, seed=3)
    assert ours.k_best == int(r_tab["k_firstSEmax"][0]) == 4
    assert ours.rule == "firstSEmax" and "first local maximum" in ours.rule_text


R_MAXSE = """
f <- as.matrix(read.csv(file.path(dir, "f.csv")))
se <- as.matrix(read.csv(file.path(dir, "se.csv")))
ms <- c("firstSEmax", "Tibs2001SEmax", "globalSEmax", "firstmax", "globalmax")
out <- t(sapply(seq_len(nrow(f)), function(i) sapply(ms, function(m)
  sapply(c(0, 0.5, 1, 2), function(s) maxSE(f[i, ], se[i, ], method = m, SE.factor = s)))))
write.csv(out, file.path(dir, "k.csv"), row.names = FALSE)
"""


@pytest.mark.oracle
def test_max_se_equals_r_for_every_rule_and_factor():
    rng = np.random.default_rng(40)
    K = 8
    # Random walks (many local maxima) with ties, plus monotone and flat rows.
    f = np.round(np.cumsum(rng.normal(0, 0.1, (60, K)), axis=1), 2)
    f[0] = np.arange(K)
    f[1] = -np.arange(K)
    f[2] = 0.3
    se = np.round(rng.uniform(0, 0.15, (60, K)), 2)
    out = run_r(R_MAXSE, inputs={"f": pd.DataFrame(f), "se": pd.DataFrame(se)}, outputs=["k"],
                packages=["cluster"])["k"].to_numpy()
    ours = np.array([[max_se(f[i], se[i], m, s) for m in GAP_RULES for s in (0, 0.5, 1, 2)]
                     for i in range(len(f))])
    np.testing.assert_array_equal(ours, out)


def test_chunking_does_not_change_the_numbers():
    X = blobs(50, 8, d=3)
    ref = gap_reference(X)
    whole = gap_replicates(ref, "average", "euclidean", 5, 0, 12, seed=9)
    for size in (1, 5, 7):
        parts = [(b0, gap_replicates(ref, "average", "euclidean", 5, b0, b1, seed=9))
                 for b0, b1 in replicate_chunks(12, size)]
        np.testing.assert_array_equal(np.vstack([a for _, a in parts]), whole)
        lw = gap_observed(X, "average", k_max=5)
        a = gap_reduce(lw, parts[::-1])
        b = gap_reduce(lw, [(0, whole)])
        pd.testing.assert_frame_equal(a.table, b.table)
    serial = gap_statistic(X, "average", k_max=5, n_refs=12, seed=9, chunk_size=12)
    with ThreadPoolExecutor(2) as pool:
        parallel = gap_statistic(X, "average", k_max=5, n_refs=12, seed=9, chunk_size=5,
                                 executor=pool)
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    np.testing.assert_array_equal(serial.log_w_refs, whole)
    # another seed, other numbers
    assert not np.array_equal(gap_replicates(ref, "average", "euclidean", 5, 0, 3, seed=10),
                              whole[:3])


def test_gap_with_a_function_and_a_given_tree():
    X = blobs(51, 10)
    Z = linkage(X, "ward")

    def ward_cut(x, k):
        return fcluster(linkage(x, "ward"), k, "maxclust")

    by_name = gap_statistic(X, "ward", k_max=6, n_refs=6, seed=2)
    by_fun = gap_statistic(X, ward_cut, k_max=6, n_refs=6, seed=2)
    by_tree = gap_statistic(X, "ward", k_max=6, n_refs=6, seed=2, Z=Z)
    pd.testing.assert_frame_equal(by_name.table, by_fun.table, rtol=1e-12)
    pd.testing.assert_frame_equal(by_name.table, by_tree.table)


def test_within_dispersion_is_clusgaps_w():
    # W_k = sum_r D_r / (2 n_r), D_r the sum over unordered pairs (R's dist), d.power applied
    X = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0], [10.0, 0.0]])
    lab = np.array([1, 1, 1, 2])
    assert within_dispersion(X, [lab])[0] == pytest.approx(0.5 * (5 + 10 + 5) / 3)
    assert within_dispersion(X, [lab], d_power=2)[0] == pytest.approx(0.5 * (25 + 100 + 25) / 3)


def test_within_dispersion_of_labelings_that_are_not_nested():
    # k-means-like labelings are not cuts of one tree: the sums fall back to every one-hot column.
    rng = np.random.default_rng(70)
    X = rng.normal(size=(25, 3))
    labs = [rng.integers(0, k, 25) for k in (2, 3, 4, 5)]
    D = squareform(pdist(X))
    expect = [sum(D[np.ix_(lab == c, lab == c)].sum() / 2 / (2 * (lab == c).sum())
                  for c in np.unique(lab)) for lab in labs]
    np.testing.assert_allclose(within_dispersion(X, labs), expect, rtol=1e-12)
    nested = [fcluster(linkage(X, "average"), k, "maxclust") for k in (2, 3, 4, 5)]
    expect = [sum(D[np.ix_(lab == c, lab == c)].sum() / 2 / (2 * (lab == c).sum())
                  for c in np.unique(lab)) for lab in nested]
    np.testing.assert_allclose(within_dispersion(X, nested), expect, rtol=1e-12)


def test_gap_reduce_refuses_gaps_and_overlaps():
    lw = [1.0, 0.5]
    with pytest.raises(DataError, match="replicate 1 is missing"):
        gap_reduce(lw, [(0, [[1.0, 1.0]]), (2, [[1.0, 1.0]])])
    with pytest.raises(DataError, match="replicate 1 is repeated"):
        gap_reduce(lw, [(0, [[1.0, 1.0], [1.0, 1.0]]), (1, [[1.0, 1.0]])])
    one = gap_reduce(lw, [(0, [[1.2, 0.9]])])  # B = 1: no SE, no SE rule
    assert one.k_best is None and one.table["SE_sim"].isna().all()
    assert gap_reduce(lw, [(0, [[1.2, 0.9]])], rule="globalmax").k_best == 2


def test_gap_result_pickled_before_the_split_still_loads(monkeypatch):
    # The results store holds pickles; those written before the gap statistic left
    # clustering.validity name the class there.
    from clustering.gap import GapStatistic

    g = gap_reduce([1.0, 0.5], [(0, [[1.2, 0.9], [1.1, 0.8]])])
    monkeypatch.setattr(GapStatistic, "__module__", "clustering.validity")
    old = pickle.dumps(g)
    monkeypatch.undo()
    assert b"clustering.validity" in old
    back = pickle.loads(old)
    assert type(back) is GapStatistic and back.k_best == g.k_best
    pd.testing.assert_frame_equal(back.table, g.table)


@pytest.mark.parametrize(("call", "message"), [
    (lambda X, Z: validity_indices(X, Z, [1, 2]), "at least 2 and below the number of rows"),
    (lambda X, Z: validity_indices(X, Z, [2, 30]), "choose ks between 2 and 29"),
    (lambda X, Z: validity_indices(X, Z, [2], metric="manhattan"), "choose one of euclidean"),
    (lambda X, Z: validity_indices(None, Z, [2]), "pass one"),
    (lambda X, Z: validity_indices(X[:5], Z, [2]), "the data has 5 rows but the tree has 30"),
    (lambda X, Z: validity_indices(None, Z, [2], distances=np.ones(7)), "not such a number"),
    (lambda X, Z: silhouette_widths(np.ones(30), X), "between 2 and 29 clusters"),
    (lambda X, Z: gap_statistic(X, k_max=1), "at least 2"),
    (lambda X, Z: gap_statistic(X, k_max=30), "choose K <= 29"),
    (lambda X, Z: gap_statistic(X, n_refs=0), "B must be at least 1"),
    (lambda X, Z: gap_statistic(X, metric="cosine"), "ward"),
    (lambda X, Z: gap_statistic(X, "nearest"), "nearest"),
    (lambda X, Z: gap_statistic(X, rule="best"), "choose one of firstSEmax, Tibs2001SEmax"),
    (lambda X, Z: gap_statistic(X, space_h0="pca"), "choose one of scaledPCA, original"),
    (lambda X, Z: gap_statistic(X, d_power=0), "d_power must be a positive number"),
    (lambda X, Z: gap_statistic(X, seed=-1), "seed must be 0 or a positive"),
    (lambda X, Z: gap_replicates(gap_reference(X), b0=3, b1=3), "0 <= b0 < b1"),
    (lambda X, Z: gap_statistic(np.repeat(X[:3], 10, axis=0), k_max=5), "choose K below 3"),
])
def test_arguments_are_checked_up_front(call, message):
    X = blobs(60, 10, centres=((0, 0), (4, 0)), sd=1.0)
    X = np.vstack([X, X[:10] + 7])  # 30 rows
    Z = linkage(X, "ward")
    with pytest.raises(DataError, match=message):
        call(X, Z)
