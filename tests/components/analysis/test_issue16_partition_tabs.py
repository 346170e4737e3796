"""Issue 16, point 2: a partition with unassigned rows (R's dynamic tree cut, "tree" method)
drives the Heatmap and Profiles tabs and the labels CSV, and label 0 reads "unassigned" in
its own colour there, as in the tree and the scatter.

Regression: the heatmap's cluster side bar drew unassigned rows (z = 0, below zmin = 0.5) in
cluster 1's colour, and the Profiles tab listed them as a cluster "0" in the above-cut grey.
Labels are checked against the service (``dynamic_cut``) on the same tree, up to renumbering,
with the unassigned rows exactly.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from clustering.dynamic_cut import dynamic_cut
from components.analysis import export as ex
from components.analysis import heatmap as heat_tab
from components.analysis import profiles as prof_tab
from components.figures.analysis import _band_scale
from components.figures.palette import ABOVE_CUT_COLOR, UNASSIGNED_COLOR, cluster_color
from components.view_partition import PartitionSpec
from tests.components.analysis.test_tabs import _run, blobs_tree_data, blobs_Z
from tests.partitions import same_partition

MCS = 10


@pytest.fixture(scope="module")
def case():
    X, Z = blobs_Z()
    want = dynamic_cut(Z, method="tree", min_cluster_size=MCS)
    assert (want == 0).sum() > 0 and want.max() >= 3  # the case needs unassigned rows
    td = blobs_tree_data()
    spec = dict(PartitionSpec("tree", min_cluster_size=MCS, deep_split=0).to_json(), tree_key=td["tree_key"])
    gated = {"cut": 50.0, "tree_key": td["tree_key"], "partition": spec}
    return X, Z, want, td, spec, gated


def _colour_at(scale: list, z: float, zmin: float, zmax: float) -> str:
    """The colour a discrete (band) colorscale gives to value z, as plotly.js maps it."""
    t = (z - zmin) / (zmax - zmin)
    for (lo, c_lo), (hi, _) in zip(scale[0::2], scale[1::2], strict=True):
        if lo <= t <= hi:
            return c_lo
    raise AssertionError(f"{z} outside the scale")


def test_heatmap_side_bar_follows_the_partition_and_shows_unassigned(app, case):
    X, Z, want, td, _, gated = case
    with app.server.app_context():
        fig = _run(heat_tab.fill_heatmap, "tab-heatmap", gated, ["standardise"], td)
    side = next(t for t in fig.data if t.meta == "sidebar")
    z = np.asarray(side.z, dtype=float)[:, 0].astype(int)
    from scipy.cluster.hierarchy import leaves_list
    order = leaves_list(Z)
    assert same_partition(z, want[order]) and np.array_equal(z == 0, want[order] == 0)
    scale = [list(s) for s in side.colorscale]
    colours = {int(c): _colour_at(scale, c, side.zmin, side.zmax) for c in np.unique(z)}
    assert colours[0] == UNASSIGNED_COLOR
    for c in range(1, int(z.max()) + 1):
        assert colours[c] == cluster_color(c), c
    assert len(set(colours.values())) == len(colours)  # no cluster drawn as another
    names = np.asarray(side.customdata)[:, 0, 1]
    assert set(names[z == 0]) == {"unassigned"}
    assert set(names[z == 1]) == {"cluster 1"}


def test_band_scale_without_unassigned_is_unchanged():
    scale = _band_scale(3)
    assert [c for _, c in scale] == [cluster_color(c) for c in (1, 1, 2, 2, 3, 3)]


def test_profiles_follow_the_partition_and_name_unassigned(app, case):
    _, _, want, td, _, gated = case
    with app.server.app_context():
        fig, grid = _run(prof_tab.fill_profiles, "tab-profiles", gated, td)
    ylab = list(fig.data[0].y)
    n0 = int((want == 0).sum())
    unassigned = [y for y in ylab if "unassigned" in y]
    assert len(unassigned) == 1 and f"unassigned ({n0} rows)" in unassigned[0]
    assert UNASSIGNED_COLOR in unassigned[0] and ABOVE_CUT_COLOR not in unassigned[0]
    # One row per cluster of the service's labels, with its size.
    sizes = sorted(int(y.rsplit("(", 1)[1].split()[0]) for y in ylab)
    assert sizes == sorted(np.bincount(want).tolist())
    rows = pd.DataFrame(grid.rowData)
    assert "unassigned" in rows["cluster"].tolist()
    assert sorted(rows["size"].tolist()) == sorted(np.bincount(want).tolist())


def test_labels_csv_is_the_partition(app, case):
    _, _, want, td, spec, _ = case
    with app.server.app_context():
        out = _run(ex.download, 1, None, None, td, 50, "none", 30, None, "top", True, "x", "y",
                   spec, trigger="export-labels.n_clicks")
    got = pd.read_csv(io.StringIO(out["content"]))["cluster"].to_numpy()
    assert same_partition(got, want) and np.array_equal(got == 0, want == 0)
