"""Issue 16: the hybrid dynamic cut is refused past the memory budget; the estimate the page
refuses by (``hybrid_bytes``: 16 n² bytes) must bound what the cut really holds.

Measured with tracemalloc (NumPy reports its buffers to it) on the service call the page makes
(``dynamic_cut(Z, X=..., method="hybrid")``, distances computed inside): about 13 n² bytes.
"""

from __future__ import annotations

import tracemalloc

from scipy.cluster.hierarchy import linkage

from clustering.dynamic_cut import dynamic_cut
from components.state.partition import hybrid_bytes
from tests.clustering.test_dynamic_cut import blobs


def test_hybrid_peak_memory_is_within_the_estimate():
    n = 1500
    X = blobs(5, n)
    Z = linkage(X, "average")
    tracemalloc.start()
    try:
        labels = dynamic_cut(Z, X=X, method="hybrid", min_cluster_size=20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert labels.max() >= 2
    assert 8 * n * n <= peak <= hybrid_bytes(n)  # holds the n x n matrix, and no more than said
