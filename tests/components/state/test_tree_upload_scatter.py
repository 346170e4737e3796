"""An uploaded tree past TREE_MDS_MAX leaves gets an O(n) scatter (issue 14: MDS of the
cophenetic distances of 100,000 leaves needs a 37 GB vector), and says so."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage

from components.state.inputs import TREE_MDS_MAX, _leaf_order_points


def test_leaf_order_points() -> None:
    rng = np.random.default_rng(0)
    Z = linkage(rng.normal(size=(50, 2)), "ward")
    points, note = _leaf_order_points(Z)
    assert points.shape == (50, 2) and (points[:, 1] == 0).all()
    np.testing.assert_array_equal(np.argsort(points[:, 0]), leaves_list(Z))
    assert "leaf order" in note and f"{TREE_MDS_MAX:,} leaves" in note
