"""Big synthetic trees for level-of-detail tests and benchmarks (tests/browser/test_lod.py,
bench/bench_lod.py): one definition, so the benchmark measures the tree the test checks."""

from __future__ import annotations

import numpy as np


def chain_free_tree(n: int, seed: int = 3) -> np.ndarray:
    """Single linkage of n random 1-D points, built by merging neighbours in order of their
    gap (O(n log n); SciPy's linkage would take minutes): a valid, monotone Z."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(size=n - 1) * rng.choice([1.0, 30.0], size=n - 1, p=[0.995, 0.005])
    parent = list(range(n))
    node = list(range(n))  # current cluster id of each union-find root
    size = [1] * n

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    Z = np.empty((n - 1, 4))
    for r, g in enumerate(np.argsort(gaps, kind="stable")):
        a, b = find(int(g)), find(int(g) + 1)
        ia, ib = node[a], node[b]
        Z[r] = (min(ia, ib), max(ia, ib), gaps[g], size[a] + size[b])
        parent[b] = a
        size[a] += size[b]
        node[a] = n + r
    return Z
