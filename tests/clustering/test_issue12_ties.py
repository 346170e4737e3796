"""Issue 12: the tie detector (clustering/ties.py) against SciPy on tie-prone data.

The claim to check: when :func:`may_have_ties` says False, the fast backend's tree equals
``scipy.cluster.hierarchy.linkage``'s (the same clades in the same order, heights to 1e-12
relative, labels at every k equal up to renumbering), so handing only flagged data to SciPy
keeps the README's promise. Neighbour gaps alone were not enough: on data rounded to one decimal
(values 0, 1, 3, 6, 10 have distinct neighbour gaps but |0-3| = |3-6|) the old test called 196
of 5,850 seeded cases tie-free although the fast backend gave another tree; the grid check
(:func:`clustering.ties._on_grid`) flags them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.linkage import compute_linkage
from clustering.ties import may_have_ties
from tests.partitions import same_partition

METHODS = ("ward", "average", "complete", "weighted", "centroid", "median")


def clades(Z: np.ndarray) -> list[frozenset[int]]:
    n = len(Z) + 1
    members = {i: frozenset([i]) for i in range(n)}
    out = []
    for i, (a, b) in enumerate(Z[:, :2].astype(int)):
        members[n + i] = members[a] | members[b]
        out.append(members[n + i])
    return out


def same_tree(Z: np.ndarray, W: np.ndarray) -> bool:
    if clades(Z) != clades(W):
        return False
    if not np.allclose(Z[:, 2], W[:, 2], rtol=1e-12, atol=0):
        return False
    n = len(Z) + 1
    return all(same_partition(fcluster(Z, k, "maxclust"), fcluster(W, k, "maxclust"))
               for k in range(1, n + 1))


def tie_prone(rng: np.random.Generator, kind: str) -> np.ndarray:
    n, d = int(rng.integers(4, 16)), int(rng.integers(1, 3))
    if kind == "decimals":
        return np.round(rng.uniform(0, 5, (n, d)), int(rng.integers(0, 4)))
    if kind == "scaled counts":  # z-scored integers: an affine image of a grid
        X = rng.integers(0, 6, (n, d)).astype(float)
        return (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    if kind == "count + noise":  # one continuous column keeps the fast path
        return np.c_[rng.normal(size=n), rng.integers(0, 3, n)]
    return rng.normal(size=(n, d))


@pytest.mark.parametrize("kind", ["decimals", "scaled counts", "count + noise", "normal"])
def test_data_called_tie_free_gives_scipys_tree_on_the_fast_path(kind):
    rng = np.random.default_rng(12)
    unflagged = 0
    wrong = []
    for case in range(60):
        X = tie_prone(rng, kind)
        if may_have_ties(X, "euclidean"):
            continue
        unflagged += 1
        for method in METHODS:
            fast = compute_linkage(X, method, "euclidean", scipy_ties_max_n=0)
            assert not fast.backend.startswith("scipy")
            if not same_tree(fast.Z, linkage(X, method, "euclidean")):
                wrong.append((case, method, X.tolist()))
    assert not wrong, wrong[:3]
    if kind in ("count + noise", "normal"):
        # Continuous data keeps the fast path. With 2 or 3 gaps a column can look like a
        # grid by chance: a false alarm only sends a tiny table to SciPy (safe, cheap).
        assert unflagged >= 55


@pytest.mark.parametrize("X", [
    np.array([[0.0], [1.0], [3.0], [6.0], [10.0]]),  # distinct neighbour gaps, |0-3| = |3-6|
    np.array([[4.9, 4.8], [0.7, 4.9], [4.4, 4.1], [2.4, 1.2], [4.0, 4.6]]),  # centroid differed
    (np.array([[0.0], [1.0], [3.0], [6.0], [10.0]]) - 4.0) / 3.7,  # the same, scaled
])
def test_grids_are_flagged(X):
    assert may_have_ties(X, "euclidean")


def test_flagged_data_gives_scipys_tree_through_compute_linkage():
    rng = np.random.default_rng(5)
    for _ in range(40):
        X = np.round(rng.uniform(0, 5, (int(rng.integers(4, 16)), 2)), 1)
        for method in METHODS:
            ours = compute_linkage(X, method, "euclidean")
            # Ward may keep the fast path when its tree is checked tie-free
            # (tests/clustering/test_ward_tie_check.py); every other method goes to SciPy.
            certified = method == "ward" and ours.backend.endswith("checked tie-free")
            assert (ours.backend.startswith("scipy") and ours.ties) or certified
            assert same_tree(ours.Z, linkage(X, method, "euclidean"))


def test_the_check_stays_cheap_at_ten_thousand_rows():
    import time

    X = np.random.default_rng(0).normal(size=(10_000, 10))
    t = time.process_time()
    assert not may_have_ties(X, "euclidean")
    assert may_have_ties(np.round(X, 2), "euclidean")
    assert time.process_time() - t < 5.0
