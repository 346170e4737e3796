"""Cluster stability against R's fpc::clusterboot.

Tolerance for the Monte Carlo comparison (per cluster, ours vs clusterboot on the same data,
independent random streams): mean Jaccard within ``4 * sqrt(se_ours^2 + se_R^2) + 0.01``,
each se being that side's SD / sqrt(B); the dissolved and recovered shares within
``4 * sqrt(2 q (1 - q) / B) + 0.02`` (q their pooled share; binomial). Four standard deviations
over the ~10 numbers per case keep a false alarm well under 1%; the floors cover clusters that
are (almost) always recovered, where both standard errors are ~0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform

from clustering.errors import DataError
from clustering.stability import (
    STABILITY_METRICS,
    _replicate_rows,
    _replicate_tree,
    bootstrap_jaccard,
    cluster_stability,
    cut_by_merge_order,
    plan_stability,
    summarise_stability,
)
from tests.oracles import run_r
from tests.partitions import same_partition


def groups(n: int, d: int, seed: int, spread: float = 1.0) -> np.ndarray:
    """Three groups, one of them close to another: clusters from stable to fragile."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * d, [6.0] + [0.0] * (d - 1), [2.2] + [1.5] * (d - 1)])
    return centres[np.arange(n) % 3] + rng.normal(0, spread, (n, d))


# --- the Monte Carlo ----------------------------------------------------------------------

def test_chunked_equals_one_pass_exactly():
    X = groups(40, 3, 0)
    plan = plan_stability(X, "average", "euclidean", 3, n_boot=11, seed=4)
    whole = bootstrap_jaccard(plan, 0, 11)
    parts = [bootstrap_jaccard(plan, 6, 11), bootstrap_jaccard(plan, 0, 2),
             bootstrap_jaccard(plan, 2, 6)]
    one = summarise_stability(plan, [whole])
    many = summarise_stability(plan, parts)
    assert np.array_equal(one.jaccard, many.jaccard)
    pd.testing.assert_frame_equal(one.table, many.table, check_exact=True)
    a = cluster_stability(X, "average", "euclidean", 3, n_boot=11, seed=4, chunk_size=11)
    b = cluster_stability(X, "average", "euclidean", 3, n_boot=11, seed=4, chunk_size=3)
    assert np.array_equal(a.jaccard, b.jaccard)


@pytest.mark.parametrize("method, metric", [("average", "euclidean"), ("ward", "euclidean"),
                                            ("complete", "cityblock"), ("single", "cosine")])
def test_jaccard_equals_brute_force(method, metric):
    # reference: SciPy's linkage on the replicate's distinct rows, cut into k by fcluster
    # (tie-free data: the same as a cut by merge order), Jaccard with Python sets
    X = groups(30, 4, 1)
    k = 3
    plan = plan_stability(X, method, metric, k, n_boot=5, seed=2)
    orig = fcluster(linkage(X, method, metric), k, "maxclust")
    assert same_partition(plan.labels, orig)
    got = bootstrap_jaccard(plan, 0, 5).jaccard
    for b in range(5):
        rows = _replicate_rows(plan, b)
        rep = fcluster(linkage(X[rows], method, metric), k, "maxclust")
        present = set(rows.tolist())
        for j in range(k):  # our clusters are numbered by their first row
            C = {i for i in present if plan.labels[i] == j}
            best = max(len(C & D) / len(C | D) for D in
                       ({int(r) for r, lab in zip(rows, rep, strict=True) if lab == e}
                        for e in set(rep)))
            assert got[b, j] == pytest.approx(best, abs=1e-15)


def test_replicate_keeps_each_drawn_row_once_in_draw_order():
    plan = plan_stability(groups(20, 2, 3), "average", "euclidean", 2, n_boot=3, seed=9)
    rng = np.random.default_rng(np.random.SeedSequence(9, spawn_key=(1,)))
    draw = rng.integers(0, 20, 20)
    assert _replicate_rows(plan, 1).tolist() == list(dict.fromkeys(draw.tolist()))


def test_cut_by_merge_order_is_cutree():
    rng = np.random.default_rng(5)
    for method in ("average", "ward", "single", "centroid"):
        Z = linkage(rng.normal(size=(25, 3)), method)
        for k in (1, 2, 5, 13, 25):
            labels = cut_by_merge_order(Z, k)
            assert len(set(labels.tolist())) == k
            if method != "centroid":  # heights monotone: maxclust cuts the same way
                assert same_partition(labels, fcluster(Z, k, "maxclust"))


def test_labels_or_k_give_the_same_answer():
    X = groups(30, 3, 6)
    by_k = cluster_stability(X, "ward", "euclidean", 3, n_boot=8, seed=1)
    labels = np.array(["abc"[i] for i in fcluster(linkage(X, "ward"), 3, "maxclust") - 1])
    by_labels = cluster_stability(X, "ward", "euclidean", labels, n_boot=8, seed=1)
    assert by_labels.table.index.tolist() == ["a", "b", "c"]
    assert sorted(by_k.table["mean_jaccard"]) == sorted(by_labels.table["mean_jaccard"])
    assert by_labels.table["size"].sum() == 30


def test_precomputed_distances_equal_the_metric():
    X = groups(30, 3, 7)
    D = squareform(pdist(X, "cityblock"))
    a = cluster_stability(X, "complete", "cityblock", 3, n_boot=6, seed=3)
    b = cluster_stability(D, "complete", "precomputed", 3, n_boot=6, seed=3)
    assert np.array_equal(a.jaccard, b.jaccard)


def test_well_separated_clusters_are_always_recovered():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, (12, 2)) for c in (0, 10, 20)])
    st = cluster_stability(X, "average", "euclidean", 3, n_boot=15, seed=0)
    assert st.table["mean_jaccard"].tolist() == [1.0, 1.0, 1.0]
    assert st.table["recovered"].tolist() == [15, 15, 15]
    assert st.table["dissolved"].tolist() == [0, 0, 0]


def test_summarise_refuses_gaps_and_repeats():
    plan = plan_stability(groups(12, 2, 0), "average", "euclidean", 2, n_boot=4)
    a, b = bootstrap_jaccard(plan, 0, 2), bootstrap_jaccard(plan, 2, 4)
    with pytest.raises(DataError, match="exactly once"):
        summarise_stability(plan, [a])
    with pytest.raises(DataError, match="exactly once"):
        summarise_stability(plan, [a, a, b])
    with pytest.raises(DataError, match="between 0 and 1"):
        summarise_stability(plan, [a, b], recover=1.5)


@pytest.mark.parametrize("args, message", [
    (("average", "euclidean", 1), "between 2 and 9"),
    (("average", "euclidean", 10), "between 2 and 9"),
    (("average", "euclidean", [1] * 10), "the labels make 1 clusters"),
    (("average", "euclidean", [1, 2]), "one label per row"),
    (("avg", "euclidean", 2), "choose one of single, complete, average"),
    (("average", "cosinus", 2), "choose one of euclidean"),
    (("ward", "cosine", 2), "needs the euclidean metric"),
])
def test_arguments_are_checked_up_front(args, message):
    with pytest.raises(DataError, match=message):
        plan_stability(groups(10, 2, 0), *args)


def test_counts_and_seed_are_checked():
    X = groups(10, 2, 0)
    with pytest.raises(DataError, match="n_boot must be a whole number of at least 1"):
        plan_stability(X, "average", "euclidean", 2, n_boot=0)
    with pytest.raises(DataError, match="seed must be"):
        plan_stability(X, "average", "euclidean", 2, seed=-3)
    with pytest.raises(DataError, match="square, symmetric"):
        plan_stability(X, "average", "precomputed", 2)
    assert "precomputed" in STABILITY_METRICS


def test_replicate_tree_is_the_method_on_the_distinct_rows():
    X = groups(20, 2, 1)
    plan = plan_stability(X, "ward", "euclidean", 2, n_boot=1, seed=0)
    rows = _replicate_rows(plan, 0)
    np.testing.assert_allclose(_replicate_tree(plan, rows)[:, 2], linkage(X[rows], "ward")[:, 2])


# --- R's fpc::clusterboot as the oracle ---------------------------------------------------

CASES = [
    # (method, our metric, k, R's clustermethod call)
    ("average", "euclidean", 3,
     "clusterboot(X, B = {B}, bootmethod = 'boot', clustermethod = hclustCBI, "
     "method = 'average', k = 3, scaling = FALSE, count = FALSE, seed = {seed})"),
    ("complete", "cityblock", 3,
     "clusterboot(as.matrix(dist(X, 'manhattan')), B = {B}, distances = TRUE, "
     "bootmethod = 'boot', clustermethod = disthclustCBI, method = 'complete', k = 3, "
     "count = FALSE, seed = {seed})"),
    ("ward", "euclidean", 4,
     "clusterboot(X, B = {B}, bootmethod = 'boot', clustermethod = hclustCBI, "
     "method = 'ward.D2', k = 4, scaling = FALSE, count = FALSE, seed = {seed})"),
]


@pytest.mark.oracle
def test_mean_jaccard_matches_clusterboot():
    B = 150
    X = groups(60, 3, 12, spread=1.1)
    script = "X <- as.matrix(read.csv(file.path(dir, 'X.csv')))\n"
    for i, (_, _, _, call) in enumerate(CASES):
        script += f"""
cb <- {call.format(B=B, seed=100 + i)}
write.csv(data.frame(partition = cb$partition), file.path(dir, "part{i}.csv"), row.names = FALSE)
write.csv(data.frame(mean = cb$bootmean, sd = apply(cb$bootresult, 1, sd),
                     dissolved = cb$bootbrd, recovered = cb$bootrecover),
          file.path(dir, "boot{i}.csv"), row.names = FALSE)
"""
    outputs = [f"{w}{i}" for i in range(len(CASES)) for w in ("part", "boot")]
    out = run_r(script, inputs={"X": pd.DataFrame(X)}, outputs=outputs, packages=["fpc"])
    beyond = []
    for i, (method, metric, k, _) in enumerate(CASES):
        st = cluster_stability(X, method, metric, k, n_boot=B, seed=i)
        r_part = out[f"part{i}"]["partition"].to_numpy()
        plan = plan_stability(X, method, metric, k, n_boot=1)
        assert same_partition(plan.labels, r_part)
        theirs = out[f"boot{i}"]
        for j in range(k):  # our cluster j is R's cluster (the label of any of its rows)
            e = theirs.iloc[r_part[np.flatnonzero(plan.labels == j)[0]] - 1]
            t = st.table.iloc[j]
            tol = 4 * np.hypot(t["se_jaccard"], e["sd"] / np.sqrt(B)) + 0.01
            if abs(t["mean_jaccard"] - e["mean"]) > tol:
                beyond.append((method, j, "mean", t["mean_jaccard"], e["mean"], tol))
            for col in ("dissolved", "recovered"):
                q = (t[col] + e[col]) / (2 * B)
                tol = 4 * np.sqrt(2 * q * (1 - q) / B) + 0.02
                if abs(t[col] - e[col]) / B > tol:
                    beyond.append((method, j, col, t[col], e[col], tol))
    assert not beyond, beyond
