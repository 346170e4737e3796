"""clustering.partition: horizontal cuts against fcluster; every edit gives clades of the tree."""

from __future__ import annotations

import dataclasses
import doctest
import importlib

import numpy as np
import pytest
from scipy.cluster import hierarchy as sch

from clustering.cut import tree_index
from clustering.errors import DataError
from clustering.partition import (
    History,
    horizontal_partition,
    merge_clusters,
    partition_from_roots,
    split_cluster,
    with_min_size,
)
from tests.partitions import same_partition

METHODS = ("single", "complete", "average", "weighted", "centroid", "median", "ward")


def node_leaves(Z: np.ndarray) -> dict[int, frozenset[int]]:
    """Rows under every node, from SciPy's own tree."""
    _, nodes = sch.to_tree(Z, rd=True)
    return {node.id: frozenset(node.pre_order()) for node in nodes}


def clusters_are_clades(p, leaves: dict[int, frozenset[int]]) -> bool:
    labels = p.labels() if p.min_size == 1 else with_min_size(p, 1).labels()
    groups = {frozenset(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)}
    return groups == {leaves[r] for r in p.roots}


def test_doctests():
    assert doctest.testmod(importlib.import_module("clustering.partition")).failed == 0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(3))
def test_horizontal_cut_equals_fcluster(method, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 2)) if seed != 2 else rng.integers(0, 4, size=(40, 2)).astype(float)
    Z = sch.linkage(X, method)
    index = tree_index(Z)
    heights = np.r_[Z[:, 2], np.quantile(Z[:, 2], [0.1, 0.5, 0.9]), -1.0, Z[-1, 2] + 1]
    for t in heights:
        p = horizontal_partition(index, height=float(t))
        ref = sch.fcluster(Z, t, "distance")
        assert same_partition(p.labels(), ref), t
        assert np.array_equal(p.labels(), index.labels_at(t))
        assert p.k == len(np.unique(ref))
    for k in (1, 2, 3, 5, 10, 39, 40):
        assert same_partition(horizontal_partition(Z, k=k).labels(), sch.fcluster(Z, k, "maxclust"))


@pytest.mark.parametrize("seed", range(4))
def test_random_splits_and_merges_stay_clades(seed):
    rng = np.random.default_rng(seed)
    Z = sch.linkage(rng.normal(size=(60, 3)), ("average", "ward", "single", "complete")[seed])
    leaves = node_leaves(Z)
    n = 60
    p = horizontal_partition(Z, k=3)
    start = p
    history = History.start(p)
    for _ in range(40):
        inner = [r for r in p.roots if r >= n]
        parents = {}
        for r in p.roots:
            parents.setdefault(int(p.index._tree.parent[r]), []).append(r)
        siblings = [pair for pair in parents.values() if len(pair) == 2]
        if siblings and (not inner or rng.random() < 0.4):
            a, b = siblings[rng.integers(len(siblings))]
            q = merge_clusters(p, a, b)
            assert q.k == p.k - 1
            assert split_cluster(q, int(p.index._tree.parent[a])) == p
        else:
            node = inner[rng.integers(len(inner))]
            q = split_cluster(p, node)
            assert q.k == p.k + 1
        assert clusters_are_clades(q, leaves)
        assert sorted(np.unique(q.labels()).tolist()) == list(range(1, q.k + 1))
        history = history.push(q)
        p = q
    # undo all the way back, redo all the way forward
    h = history
    while h.can_undo:
        h = h.undo()
    assert h.current == start
    while h.can_redo:
        h = h.redo()
    assert h.current == p
    assert partition_from_roots(p.index, p.roots) == p
    # a link stores the roots: a fresh tree from the same Z gives the same labels
    assert np.array_equal(partition_from_roots(Z, list(p.roots)).labels(), p.labels())


def test_min_size_marks_small_clades_unassigned_and_keeps_them():
    X = np.r_[np.zeros((5, 1)) + np.arange(5)[:, None] * 0.1, [[10.0]], [[20.0], [20.1], [20.2]]]
    Z = sch.linkage(X, "average")
    p = horizontal_partition(Z, height=2.0)
    assert p.k == 3
    q = with_min_size(p, 3)
    assert q.roots == p.roots
    assert q.k == 2
    labels = q.labels()
    assert labels[5] == 0
    assert same_partition(labels[labels > 0], p.labels()[labels > 0])
    assert with_min_size(q, 1) == p


def test_history_push_after_undo_drops_redo():
    Z = sch.linkage(np.arange(8.0)[:, None] ** 1.5, "average")
    h = History.start(horizontal_partition(Z, k=2))
    a = split_cluster(h.current, h.current.roots[0])
    h = h.push(a).undo()
    b = split_cluster(h.current, h.current.roots[1])
    h = h.push(b)
    assert not h.can_redo and h.current == b and len(h.states) == 2
    with pytest.raises(DataError, match="nothing to redo"):
        h.redo()
    with pytest.raises(DataError, match="nothing to undo"):
        h.undo().undo()


def test_partitions_are_frozen():
    p = horizontal_partition(sch.linkage(np.arange(5.0)[:, None], "single"), k=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.roots = (0,)  # type: ignore[misc]


def test_refusals_say_what_to_do():
    Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 3.0, 4]])
    p = horizontal_partition(Z, k=3)  # roots (4, 2, 3)
    with pytest.raises(DataError, match="single row"):
        split_cluster(p, 2)
    with pytest.raises(DataError, match="not one of the current clusters"):
        split_cluster(p, 6)
    with pytest.raises(DataError, match="not siblings"):
        merge_clusters(p, 4, 2)
    with pytest.raises(DataError, match="exactly one of height"):
        horizontal_partition(Z)
    with pytest.raises(DataError, match="exactly one of height"):
        horizontal_partition(Z, height=1.0, k=2)
    with pytest.raises(DataError, match="overlap"):
        partition_from_roots(Z, [4, 0, 2, 3])
    with pytest.raises(DataError, match="leave 1 rows in no cluster"):
        partition_from_roots(Z, [4, 2])
    with pytest.raises(DataError, match="from 0 to 6"):
        partition_from_roots(Z, [7])
    with pytest.raises(DataError, match="1 or more"):
        horizontal_partition(Z, k=2, min_size=0)
    with pytest.raises(DataError, match="the number of clusters must be at least 1"):
        horizontal_partition(Z, k=0)
