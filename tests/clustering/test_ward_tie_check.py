"""Ward on tie-prone data keeps the fast path when no tie can change its tree
(:func:`clustering.ties.ward_tree_is_tie_free`), and that check is sound against SciPy.

Soundness is the point: on seeded tie-prone tables (rounded decimals, z-scored counts) the
fast backend and ``scipy.cluster.hierarchy.linkage`` build different Ward trees in about a third
of the cases; the check must call every one of those tied, and a tree it calls tie-free must be
SciPy's (clades, heights to 1e-12, labels at every k). It must also be useful: most trees of
rounded continuous data are certified, so they skip SciPy's slower routine.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.linkage import compute_linkage
from clustering.ties import may_have_ties, tie_note, ward_tree_is_tie_free
from tests.clustering.test_issue12_ties import same_tree


def tie_prone(rng: np.random.Generator, case: int) -> np.ndarray:
    n, d = int(rng.integers(4, 40)), int(rng.integers(1, 4))
    kind = case % 4
    if kind == 0:
        return np.round(rng.uniform(0, 5, (n, d)), int(rng.integers(0, 3)))
    if kind == 1:  # z-scored counts
        X = rng.integers(0, 6, (n, d)).astype(float)
        return (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    if kind == 2:
        return np.round(rng.normal(size=(n, d)) * 3, 2)
    return np.round(rng.normal(size=(n, d)), 4)


def test_every_tree_that_differs_from_scipys_is_called_tied_and_certified_ones_are_scipys():
    import fastcluster

    rng = np.random.default_rng(7)
    differ = certified_same = same = 0
    for case in range(1200):
        X = tie_prone(rng, case)
        fast = fastcluster.linkage_vector(X, "ward")
        theirs = linkage(X, "ward")
        certified = ward_tree_is_tie_free(X, fast)
        if same_tree(fast, theirs):
            same += 1
            certified_same += certified
        else:
            differ += 1
            assert not certified, X.tolist()
    # The data is tie-prone enough to matter, and the check is not vacuous.
    assert differ > 200, differ
    assert certified_same > 0.6 * same, (certified_same, same)


@pytest.mark.parametrize("X", [
    np.arange(8.0).reshape(-1, 1),  # 0-1, 2-3, 4-5, 6-7 all at 1
    np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [5.0, 1.0]]),  # a duplicate row
    np.array([[0.0], [2.0], [4.0]]),  # 0-2 and 2-4 share the middle point
])
def test_known_ties_are_called_tied(X):
    assert not ward_tree_is_tie_free(X, linkage(X, "ward"))


def test_huge_values_give_an_answer_not_an_error():
    import fastcluster

    X = np.array([[0.0], [1e200], [-1e200], [3.0]])
    assert ward_tree_is_tie_free(X, fastcluster.linkage_vector(X, "ward")) in (True, False)


def test_compute_linkage_keeps_the_fast_path_for_a_certified_ward_tree():
    rng = np.random.default_rng(11)
    centres = rng.uniform(-50, 50, (8, 4))
    X = np.round(centres[rng.integers(0, 8, 600)] + rng.standard_normal((600, 4)) * 3, 4)
    assert may_have_ties(X, "euclidean")  # 4 decimals: on a grid
    h = compute_linkage(X, "ward")
    assert h.backend == "fastcluster.linkage_vector, checked tie-free" and not h.ties
    assert tie_note(h.ties, h.backend, h.method) is None
    assert same_tree(np.asarray(h.Z), linkage(X, "ward"))


def test_compute_linkage_sends_a_tied_ward_tree_to_scipy_or_says_why():
    X = np.arange(8.0).reshape(-1, 1)
    h = compute_linkage(X, "ward")
    assert h.ties and h.backend == "scipy.cluster.hierarchy.linkage"
    above = compute_linkage(X, "ward", scipy_ties_max_n=5)
    assert above.ties and above.backend == "fastcluster.linkage_vector"
    assert "equally valid" in tie_note(above.ties, above.backend, above.method)
