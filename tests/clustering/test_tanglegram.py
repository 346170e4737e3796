"""clustering.tanglegram against R's dendextend (cor_bakers_gamma, cor_cophenetic,
entanglement, untangle step1side) on fixed and seeded random trees, 1e-9."""

from __future__ import annotations

import doctest
import importlib
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import cophenet, leaves_list, linkage
from scipy.stats import spearmanr

from clustering.errors import DataError
from clustering.tanglegram import (
    bakers_gamma,
    cophenetic_between,
    crossings,
    entanglement,
    untangle,
)
from tests.oracles import run_r

# Z (0-based SciPy ids) -> R hclust (negative leaves, 1-based rows), order = leaves_list.
R_HELPERS = r"""
to_hclust <- function(Z) {
  n <- nrow(Z) + 1
  m <- unname(as.matrix(Z[, 1:2]))
  merge <- ifelse(m < n, -(m + 1), m - n + 1)
  storage.mode(merge) <- "integer"
  o <- Z$order[!is.na(Z$order)] + 1
  structure(list(merge = merge, height = unname(Z[, 3]), order = o,
                 labels = as.character(seq_len(n)), method = "scipy"), class = "hclust")
}
"""


def _frame(Z: np.ndarray, case: int) -> pd.DataFrame:
    n = Z.shape[0] + 1
    df = pd.DataFrame(Z, columns=["a", "b", "h", "c"])
    df.loc[len(df)] = [np.nan] * 4  # n rows so that the leaf order fits beside Z
    df["order"] = leaves_list(Z)
    df["case"] = case
    assert len(df) == n
    return df


def _r_results(pairs: list[tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """One R run for every case: gamma and cophenetic on hclust objects (merge order kept),
    gamma on dendrograms, entanglement, and step1side untangling of tree 2 against tree 1."""
    one = pd.concat([_frame(a, i) for i, (a, _) in enumerate(pairs)])
    two = pd.concat([_frame(b, i) for i, (_, b) in enumerate(pairs)])
    out = run_r(R_HELPERS + r"""
    one <- read.csv(file.path(dir, "one.csv")); two <- read.csv(file.path(dir, "two.csv"))
    res <- NULL; orders <- NULL
    for (cs in unique(one$case)) {
      h1 <- to_hclust(cbind(one[one$case == cs, 1:4][-sum(one$case == cs), ], order = NA))
      h1$order <- one$order[one$case == cs] + 1
      h2 <- to_hclust(cbind(two[two$case == cs, 1:4][-sum(two$case == cs), ], order = NA))
      h2$order <- two$order[two$case == cs] + 1
      d1 <- as.dendrogram(h1); d2 <- as.dendrogram(h2)
      # dendextend's cut() fails on tied heights and inversions: no untangling to compare there
      # (and is slow in R: untangle the small trees only)
      un <- if (nleaves(d1) > 45) list(d2) else
        tryCatch(untangle(d2, d1, method = "step1side"), error = function(e) list(d2))
      res <- rbind(res, data.frame(
        case = cs,
        gamma = cor_bakers_gamma(h1, h2),
        gamma_dend = cor_bakers_gamma(d1, d2),
        coph = cor_cophenetic(h1, h2),
        ent = entanglement(d1, d2),
        ent_untangled = entanglement(un[[1]], d1)))
      orders <- rbind(orders, data.frame(case = cs, pos = seq_along(labels(un[[1]])),
                                         leaf = as.integer(labels(un[[1]])) - 1))
    }
    write.csv(res, file.path(dir, "res.csv"), row.names = FALSE)
    write.csv(orders, file.path(dir, "orders.csv"), row.names = FALSE)
    """, inputs={"one": one, "two": two}, outputs=["res", "orders"], packages=["dendextend"])
    return out["res"], out["orders"]


def _random_pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = []
    for seed, (n, m1, m2) in enumerate([(5, "single", "complete"), (12, "average", "ward"),
                                         (40, "complete", "single"), (44, "ward", "average"),
                                         (150, "average", "weighted"), (60, "centroid", "ward")]):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 3)) + rng.integers(0, 3, size=(n, 1)) * 3
        pairs.append((linkage(X, m1), linkage(X, m2)))
    return pairs


def _tied_pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    """Integer data: tied heights, so merge order matters (hclust objects keep Z's)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5], [9, 0], [9, 1], [0, 9]], float)
    rng = np.random.default_rng(7)
    Y = rng.integers(0, 4, size=(30, 2)).astype(float)
    return [(linkage(X, "single"), linkage(X, "complete")),
            (linkage(X, "average"), linkage(X, "single", metric="cityblock")),
            (linkage(Y, "single"), linkage(Y, "average"))]


def test_doctests():
    assert doctest.testmod(importlib.import_module("clustering.tanglegram")).failed == 0


def _brute_gamma(Z1, Z2) -> float:
    """dendextend's definition written out: k-level = n - (merge step that joins the pair)."""
    n = Z1.shape[0] + 1
    steps = []
    for Z in (Z1, Z2):
        Zs = np.array(Z, float)
        Zs[:, 2] = np.arange(1, n)  # monotone: a parent's row comes after its children's
        steps.append(n - cophenet(Zs))
    return float(spearmanr(steps[0], steps[1])[0])


@pytest.mark.parametrize("pair", range(6))
def test_gamma_and_cophenetic_equal_brute_force(pair):
    Z1, Z2 = _random_pairs()[pair]
    assert bakers_gamma(Z1, Z2) == pytest.approx(_brute_gamma(Z1, Z2), abs=1e-12)
    expected = np.corrcoef(cophenet(Z1), cophenet(Z2))[0, 1]
    assert cophenetic_between(Z1, Z2) == pytest.approx(expected, abs=1e-12)


def test_blocks_give_the_same_answer(monkeypatch):
    import clustering.tanglegram as tg
    Z1, Z2 = _random_pairs()[4]
    whole = (bakers_gamma(Z1, Z2), cophenetic_between(Z1, Z2))
    monkeypatch.setattr(tg, "_BLOCK_PAIRS", 97)  # also past the all-pairs-at-once size
    assert bakers_gamma(Z1, Z2) == pytest.approx(whole[0], abs=1e-12)
    assert cophenetic_between(Z1, Z2) == pytest.approx(whole[1], abs=1e-12)


@pytest.mark.oracle
def test_equal_dendextend_on_random_and_tied_trees():
    pairs = _random_pairs() + _tied_pairs()
    res, orders = _r_results(pairs)
    for case, (Z1, Z2) in enumerate(pairs):
        row = res[res.case == case].iloc[0]
        tied = case >= len(_random_pairs()) or case == 5  # case 5: centroid, inversions
        assert bakers_gamma(Z1, Z2) == pytest.approx(row.gamma, abs=1e-9), case
        assert cophenetic_between(Z1, Z2) == pytest.approx(row.coph, abs=1e-9), case
        if not tied:  # as.hclust(dendrogram) may reorder tied merges; untied it must agree
            assert bakers_gamma(Z1, Z2) == pytest.approx(row.gamma_dend, abs=1e-9), case
        assert entanglement(leaves_list(Z1), leaves_list(Z2)) == pytest.approx(row.ent, abs=1e-9)
        if not tied and Z1.shape[0] < 45:
            u = untangle(Z2, leaves_list(Z1))
            r_order = orders[orders.case == case].sort_values("pos").leaf.to_numpy()
            assert u.entanglement_after == pytest.approx(row.ent_untangled, abs=1e-9), case
            assert u.order.tolist() == r_order.tolist(), case


def test_untangled_tree_is_the_same_tree():
    Z1, Z2 = _random_pairs()[3]
    u = untangle(Z2, leaves_list(Z1))
    assert np.allclose(cophenet(u.Z), cophenet(Z2))
    assert u.order.tolist() == leaves_list(u.Z).tolist()
    assert u.entanglement_after <= u.entanglement_before
    assert crossings(leaves_list(Z1), u.order) <= crossings(leaves_list(Z1), leaves_list(Z2))


@pytest.mark.parametrize("seed", range(5))
def test_crossings_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    a, b = rng.permutation(n), rng.permutation(n)
    pa = np.argsort(a)
    pb = np.argsort(b)
    brute = sum(1 for x, y in itertools.combinations(range(n), 2)
                if (pa[x] - pa[y]) * (pb[x] - pb[y]) < 0)
    assert crossings(a, b) == brute


def test_two_leaves_and_errors():
    Z = np.array([[0, 1, 1.0, 2]])
    assert bakers_gamma(Z, Z) == 1.0  # dendextend: NA -> 1
    assert np.isnan(cophenetic_between(Z, Z))
    X = np.arange(5.0)[:, None]
    with pytest.raises(DataError, match="same rows"):
        bakers_gamma(linkage(X, "single"), Z)
    with pytest.raises(DataError, match="exactly once"):
        entanglement([0, 1, 2], [0, 1, 1])
