"""Merge support against R's pvclust: the fit exactly, the Monte Carlo within its errors.

Tolerance for the Monte Carlo comparison (AU and BP per clade, ours vs pvclust on the same
data, each side with its own random stream): ``|ours - R| <= 4 * sqrt(se_ours^2 + se_R^2) +
0.02``. The two estimates are independent, so their difference has a standard deviation of
about ``sqrt(se_ours^2 + se_R^2)`` (the standard errors are msfit's); 4 of them over the ~60
numbers compared per tree leaves a false alarm chance well under 1%. The 0.02 floor covers
clades where one side's fit fell back to exactly 0 or 1 with a standard error of 0 (bp within
0.001 of 0 or 1 at all but two scales) while the other side just managed a fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist

from clustering.errors import DataError
from clustering.sampling import replicate_chunks
from clustering.support import (
    DEFAULT_SCALES,
    SUPPORT_METHODS,
    SUPPORT_METRICS,
    count_clades,
    merge_support,
    multiscale_fit,
    plan_support,
    pvclust_arguments,
    summarise_support,
)
from clustering.support_counts import _replicate_columns
from tests.oracles import run_r

FIT_COLUMNS = {"au": "au", "bp": "bp", "se_au": "se.au", "se_bp": "se.bp", "si": "si",
               "se_si": "se.si", "v": "v", "c": "c", "pchi": "pchi"}


def three_groups(n: int, d: int, seed: int) -> np.ndarray:
    """Three overlapping groups: clades with every level of support, from 0 to 1."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.2, (3, d))
    X = centres[np.arange(n) % 3] + rng.normal(0, 1, (n, d))
    return X[rng.permutation(n)]


def clade_sets(Z: np.ndarray, n: int) -> list[frozenset[int]]:
    """Rows under each merge of Z, the slow and obvious way."""
    members: list[frozenset[int]] = [frozenset([i]) for i in range(n)]
    for a, b in Z[:, :2].astype(int):
        members.append(members[a] | members[b])
    return members[n:]


# --- the Monte Carlo: chunking, counting -------------------------------------------------

def test_chunked_counts_equal_one_pass_exactly():
    X = three_groups(15, 6, 1)
    plan = plan_support(X, "average", "euclidean", n_boot=13, seed=5)
    whole = count_clades(plan, 0, 13)
    parts = count_clades(plan, 7, 13) + count_clades(plan, 0, 3) + count_clades(plan, 3, 7)
    assert np.array_equal(parts.hits, whole.hits)
    assert np.array_equal(parts.done, whole.done)
    one = merge_support(X, "average", "euclidean", n_boot=13, seed=5, chunk_size=13)
    many = merge_support(X, "average", "euclidean", n_boot=13, seed=5, chunk_size=4)
    pd.testing.assert_frame_equal(one.table, many.table, check_exact=True)


@pytest.mark.parametrize("method, metric", [("average", "cityblock"), ("ward", "euclidean"),
                                            ("weighted", "correlation"), ("single", "abscor"),
                                            ("complete", "cosine"), ("median", "euclidean")])
def test_counts_equal_brute_force_on_the_same_draws(method, metric):
    # reference: SciPy's own linkage on each replicate's columns, clades as frozensets
    X = three_groups(12, 7, 2)
    plan = plan_support(X, method, metric, n_boot=6, seed=3)
    scipy_metric = {"abscor": "correlation"}.get(metric, metric)
    orig = clade_sets(linkage(X, method, scipy_metric) if metric != "abscor"
                      else linkage(1 - np.abs(1 - pdist(X, "correlation")), method), 12)
    assert clade_sets(plan.Z, 12) == orig
    expected = np.zeros((len(plan.sizes), 11), dtype=int)
    for s in range(len(plan.sizes)):
        for b in range(6):
            Xb = X[:, _replicate_columns(plan, s, b)]
            if metric == "abscor":
                Zb = linkage(1 - np.abs(1 - pdist(Xb, "correlation")), method)
            else:
                Zb = linkage(Xb, method, scipy_metric)
            found = set(clade_sets(Zb, 12))
            expected[s] += [c in found for c in orig]
    assert np.array_equal(count_clades(plan, 0, 6).hits, expected)


def test_undefined_replicates_count_in_nboot_but_never_hit():
    # rows 0 and 1 are constant on every column but the last: a draw without it leaves
    # their correlation undefined; pvclust skips such a tree but keeps nboot
    X = three_groups(10, 4, 4)
    X[0, :3], X[1, :3] = 1.0, 2.0
    ms = merge_support(X, "average", "correlation", n_boot=40, seed=0)
    assert ms.failed.sum() > 0
    assert np.all(ms.n_boot == 40)
    assert np.all(ms.counts[:, -1] == 40 - ms.failed)  # the root is hit by every defined tree


def test_sizes_and_scales_as_pvclust():
    # pvclust: size = unique(floor(d * r)), r reported as size / d
    plan = plan_support(np.eye(6, 8), n_boot=1)
    assert plan.sizes.tolist() == [4, 5, 6, 7, 8, 9, 10, 11]
    assert np.allclose(plan.scales, plan.sizes / 8)
    plan = plan_support(np.eye(6, 30), n_boot=1)
    assert plan.sizes.tolist() == [15, 18, 21, 24, 27, 30, 33, 36, 39, 42]
    one = plan_support(np.eye(6, 4), n_boot=1, scales=[1.0, 1.1])  # both floor to 4
    assert one.sizes.tolist() == [4] and one.scales.tolist() == [1.0]


def test_root_is_certain_and_bp_raw_is_the_share_at_r1():
    X = three_groups(14, 10, 6)
    ms = merge_support(X, "complete", "euclidean", n_boot=30, seed=2)
    assert ms.table[["au", "bp"]].iloc[-1].tolist() == [1.0, 1.0]
    at_one = int(np.flatnonzero(ms.sizes == 10)[0])
    assert np.array_equal(ms.table["bp_raw"].to_numpy(), ms.counts[at_one] / 30)
    assert ms.table["size"].tolist() == plan_support(X, "complete").Z[:, 3].astype(int).tolist()
    assert ms.table.index.tolist() == list(range(13))


def test_pvclust_names_are_aliases():
    X = three_groups(10, 6, 7)
    a = merge_support(X, "weighted", "cityblock", n_boot=5, seed=1)
    b = merge_support(X, "mcquitty", "manhattan", n_boot=5, seed=1)
    assert np.array_equal(a.counts, b.counts) and a.metric == b.metric == "cityblock"


def test_the_given_tree_is_the_one_supported():
    X = three_groups(10, 6, 8)
    Z = linkage(X, "average")
    ms = merge_support(X, "average", "euclidean", n_boot=5, seed=1, Z=Z)
    assert np.array_equal(ms.counts, merge_support(X, n_boot=5, seed=1).counts)


# --- the fit: msfit -----------------------------------------------------------------------

def test_msfit_fallback_branches():
    r = np.asarray(DEFAULT_SCALES)
    fit = multiscale_fit([[100] * 10, [0] * 10, [100] * 8 + [99, 60], [0] * 8 + [1, 40]], r, 100)
    # fewer than 3 scales with 0.001 < bp < 0.999: p-values 0 or 1 by the mean bp, se 0
    assert fit["au"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert fit[["se_au", "se_bp", "v", "c", "pchi"]].to_numpy().sum() == 0


def test_summarise_refuses_missing_or_repeated_chunks():
    plan = plan_support(three_groups(8, 5, 0), n_boot=6)
    with pytest.raises(DataError, match="exactly once"):
        summarise_support(plan, count_clades(plan, 0, 3))
    with pytest.raises(DataError, match="exactly once"):
        summarise_support(plan, count_clades(plan, 0, 3) + count_clades(plan, 0, 3))
    with pytest.raises(DataError, match="must lie within"):
        count_clades(plan, 4, 7)


# --- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"method": "ward.D"}, "choose one of single, complete, average, weighted, centroid"),
    ({"metric": "mahalanobis"}, "choose one of euclidean, cityblock, chebyshev, canberra"),
    ({"method": "ward", "metric": "correlation"}, "needs the euclidean metric"),
    ({"n_boot": 0}, "n_boot must be a whole number of at least 1"),
    ({"n_boot": 2.5}, "n_boot must be a whole number"),
    ({"scales": [0.5, -1]}, "scales must be a non-empty list of numbers > 0"),
    ({"scales": []}, "scales must be a non-empty list"),
    ({"scales": [0.05, 1.0]}, "scale 0.05 draws no feature from 8 columns"),
    ({"seed": -1}, "seed must be a whole number >= 0"),
    ({"Z": np.zeros((3, 4))}, r"Z must have shape \(5, 4\)"),
])
def test_arguments_are_checked_up_front(kwargs, message):
    with pytest.raises(DataError, match=message):
        plan_support(three_groups(6, 8, 0), **kwargs)


def test_one_feature_is_refused_with_the_reason():
    with pytest.raises(DataError, match="at least 2 columns"):
        plan_support(np.arange(10.0).reshape(5, 2)[:, :1])


def test_dispatch_table_covers_every_pair():
    assert set(SUPPORT_METHODS) == {"average", "complete", "single", "weighted", "ward",
                                    "centroid", "median"}
    assert pvclust_arguments("weighted", "cosine") == {"method.hclust": '"mcquitty"',
                                                       "method.dist": '"uncentered"'}
    assert "abscor" in SUPPORT_METRICS
    assert replicate_chunks(5, 5) == [(0, 5)]


# --- R's pvclust as the oracle ------------------------------------------------------------

def run_pvclust(X: np.ndarray, configs: list[tuple[str, str, int, int]]) -> list[dict]:
    """pvclust(t(X), ...) once per (method, metric, nboot, iseed); edges, counts, r, nboot."""
    script = "X <- as.matrix(read.csv(file.path(dir, 'X.csv')))\n"
    outputs = []
    for i, (method, metric, nboot, iseed) in enumerate(configs):
        a = pvclust_arguments(method, metric)
        script += f"""
res <- pvclust(t(X), method.hclust = {a['method.hclust']}, method.dist = {a['method.dist']},
               nboot = {nboot}, r = seq(.5, 1.4, by = .1), parallel = FALSE,
               iseed = {iseed}, quiet = TRUE)
e <- res$edges
e$members <- sapply(pvclust:::hc2split(res$hclust)$member,
                    function(m) paste(m - 1, collapse = ";"))
write.csv(e, file.path(dir, "edges{i}.csv"), row.names = FALSE)
write.csv(data.frame(r = res$r, nboot = res$nboot), file.path(dir, "scales{i}.csv"),
          row.names = FALSE)
write.csv(res$count, file.path(dir, "count{i}.csv"), row.names = FALSE)
"""
        outputs += [f"edges{i}", f"scales{i}", f"count{i}"]
    out = run_r(script, inputs={"X": pd.DataFrame(X)}, outputs=outputs, packages=["pvclust"])
    return [{"edges": out[f"edges{i}"], "scales": out[f"scales{i}"], "count": out[f"count{i}"]}
            for i in range(len(configs))]


def check_against_r(X, method, metric, nboot, r_out, seed=0):
    n = X.shape[0]
    edges = r_out["edges"]
    # the fit alone, fed R's own counts: equal to R's numbers
    fit = multiscale_fit(r_out["count"].to_numpy(), r_out["scales"]["r"].to_numpy(),
                         r_out["scales"]["nboot"].to_numpy())
    for ours, theirs in FIT_COLUMNS.items():
        np.testing.assert_allclose(fit[ours], edges[theirs], rtol=0, atol=1e-8, err_msg=ours)
    # the scales we use are the ones pvclust used
    ms = merge_support(X, method, metric, n_boot=nboot, seed=seed)
    np.testing.assert_allclose(ms.scales, r_out["scales"]["r"], rtol=1e-12)
    # the same clades (R's merge order differs: match them as sets of rows)
    ours_rows = {c: row for row, c in enumerate(clade_sets(ms_tree(X, method, metric), n))}
    theirs = [frozenset(int(v) for v in str(m).split(";")) for m in edges["members"]]
    assert set(theirs) == set(ours_rows), "our tree and R's hclust differ"
    beyond = []
    for clade, (_, e) in zip(theirs, edges.iterrows(), strict=True):
        t = ms.table.iloc[ours_rows[clade]]
        for q in ("au", "bp"):
            tol = 4 * np.hypot(t[f"se_{q}"], e[f"se.{q}"]) + 0.02
            if abs(t[q] - e[q]) > tol:
                beyond.append((q, sorted(clade), t[q], e[q], tol))
    assert not beyond, beyond


def ms_tree(X, method, metric):
    return plan_support(X, method, metric, n_boot=1).Z


@pytest.mark.oracle
def test_au_bp_match_pvclust_average_euclidean():
    X = three_groups(30, 10, 11)
    (r_out,) = run_pvclust(X, [("average", "euclidean", 200, 123)])
    check_against_r(X, "average", "euclidean", 200, r_out)


@pytest.mark.oracle
@pytest.mark.slow
def test_au_bp_match_pvclust_ward_correlation_centroid():
    # ward = ward.D2; correlation = pvclust's 1 - r; centroid needs squared distances in R
    X = three_groups(40, 12, 7)
    configs = [("ward", "euclidean", 250, 1), ("average", "correlation", 250, 2),
               ("centroid", "euclidean", 250, 3)]
    for (method, metric, nboot, _), r_out in zip(configs, run_pvclust(X, configs), strict=True):
        check_against_r(X, method, metric, nboot, r_out, seed=9)


@pytest.mark.oracle
def test_msfit_matches_r_on_synthetic_counts():
    # many count patterns at once, including the fallback and the clipped si
    rng = np.random.default_rng(0)
    r = np.asarray(DEFAULT_SCALES)
    p = np.clip(rng.uniform(-0.2, 1.2, (60, 1)) + rng.normal(0, 0.05, (60, 1)) * r, 0, 1)
    counts = rng.binomial(100, p)
    out = run_r("""
cnt <- as.matrix(read.csv(file.path(dir, "counts.csv")))
r <- seq(.5, 1.4, by = .1)
fits <- lapply(1:nrow(cnt), function(i) pvclust:::msfit(cnt[i, ] / 100, r, 100))
res <- t(sapply(fits, function(a) c(a$p, a$se, a$coef, pchi = a$pchi)))
colnames(res) <- c("si", "au", "bp", "se.si", "se.au", "se.bp", "v", "c", "pchi")
write.csv(res, file.path(dir, "fit.csv"), row.names = FALSE)
""", inputs={"counts": pd.DataFrame(counts)}, outputs=["fit"], packages=["pvclust"])["fit"]
    fit = multiscale_fit(counts, r, 100)
    for ours, theirs in FIT_COLUMNS.items():
        np.testing.assert_allclose(fit[ours], out[theirs], rtol=0, atol=1e-8, err_msg=ours)
