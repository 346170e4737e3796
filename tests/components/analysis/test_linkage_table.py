"""The Linkage matrix tab: Z's rows as the grid asks for them (sorted blocks)."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import linkage

from components.analysis.linkage import linkage_rows


def test_linkage_rows_sorting_and_blocks():
    rng = np.random.default_rng(5)
    Z = linkage(rng.normal(size=(40, 2)), "average")
    recs, order = linkage_rows(Z, [{"colId": "height", "sort": "desc"}], 0, 5)
    assert [r["height"] for r in recs] == sorted(Z[:, 2], reverse=True)[:5]
    assert order.size == 39
    recs, _ = linkage_rows(Z, [], 35, 40)
    assert [r["row"] for r in recs] == [35, 36, 37, 38]
    assert recs[0]["id"] == 40 + 35 and recs[0]["merge"] == 35
    assert recs[0]["idx1"] == int(Z[35, 0]) and recs[0]["size"] == int(Z[35, 3])
    # Every row exactly once, whatever the sort
    for col in ("merge", "idx1", "idx2", "height", "size", "id"):
        for way in ("asc", "desc"):
            recs, _ = linkage_rows(Z, [{"colId": col, "sort": way}], 0, 100)
            assert sorted(r["row"] for r in recs) == list(range(39))
