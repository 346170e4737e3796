"""One colour per cluster in the tree and the scatter, in every truncation mode and
orientation, with SciPy's ``fcluster`` as the oracle (issue 12, section 1).

For a cut at ``t``, every tree element drawn in a colour (a link below the cut, a cluster's stem
up to the line, a leaf mark) is mapped to the ``fcluster(Z, t, 'distance')`` labels of the
samples under it (SciPy's ``to_tree``). Then: each fcluster cluster has exactly one colour, in
the tree and in the scatter alike; different clusters have different colours (k <= 40); every
cluster shows in the tree; grey marks only links whose samples span several clusters.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage, to_tree

from clustering.cut import tree_index
from clustering.datasets import load_example
from clustering.geometry import dendrogram_geometry
from components.figures import dendrogram as dendro_fig
from components.figures import palette, scatter

GREY = palette.ABOVE_CUT_COLOR


def _blobs(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(6, 2))
    return centres[rng.integers(0, 6, n)] + rng.standard_normal((n, 2))


def _members(Z: np.ndarray) -> list[np.ndarray]:
    """Samples under every node id (SciPy's own tree walk)."""
    _, nodes = to_tree(Z, rd=True)
    return [np.array(node.pre_order()) for node in nodes]


def _segments(trace, orientation: str) -> list[tuple[np.ndarray, np.ndarray]]:
    x = np.asarray(trace.x, dtype=float)
    y = np.asarray(trace.y, dtype=float)
    if orientation in ("left", "right"):
        x, y = y, x
    return [(x[5 * j: 5 * j + 4], y[5 * j: 5 * j + 4]) for j in range(len(x) // 5)]


def tree_colours(fig, g, Z: np.ndarray, t: float, orientation: str) -> dict[str, list]:
    """What the figure draws, as (fcluster labels of the samples under it, colour) pairs."""
    F = fcluster(Z, t, "distance")
    members = _members(Z)
    n = len(Z) + 1
    link_key = {tuple(np.round(np.concatenate([g.icoord[j], g.dcoord[j]]).astype(np.float32), 3)):
                int(g.link_rows[j]) for j in range(len(g.link_rows))}
    legs = g.legs()
    out: dict[str, list] = {"links": [], "stems": [], "marks": []}
    for tr in fig.data:
        if tr.meta != "links":
            continue
        for xs, ys in _segments(tr, orientation):
            assert not np.all(xs == xs[0]), "a stem in a links trace (stems are shapes)"
            key = tuple(np.round(np.concatenate([xs, ys]).astype(np.float32), 3))
            row = link_key[key]
            out["links"].append((set(F[members[n + row]].tolist()), tr.line.color))
    shapes = [sh.to_plotly_json() for sh in fig.layout.shapes]
    # The line stays shapes[0], the contracted marks (if any) shapes[1]; the stems follow.
    names = [sh.get("name") for sh in shapes]
    assert shapes[0]["type"] == "line" and names[1:2] in ([], ["contracted"], ["stems"])
    assert all(nm == dendro_fig.STEMS for nm in names[1 + (names[1:2] == ["contracted"]):])
    for colour, x, bottom, top in dendro_fig.stem_lines(shapes, orientation):
        # a stem: the leg it rises along, from the cluster's top to the line exactly (or to
        # the parent's merge, if lower: a non-monotone tree)
        hit = np.flatnonzero((legs["x"] == x) & (legs["bottom"] == bottom))
        assert hit.size >= 1, "a stem on no leg"
        child = int(legs["child"][hit[0]])
        assert top == min(float(legs["top"][hit[0]]), t), "a stem does not end at the line"
        out["stems"].append((set(F[members[child]].tolist()), colour))
    marks = next(tr for tr in fig.data if tr.meta == "leafmarks")
    mx = np.asarray(marks.x if orientation in ("top", "bottom") else marks.y, dtype=float)
    for x, colour in zip(mx, marks.marker.color, strict=True):
        leaf = int(np.floor(x / 10.0))  # leaf j's slot is [10 j, 10 j + 10)
        node = int(g.leaves[leaf])
        out["marks"].append((set(F[members[node]].tolist()), colour, leaf))
    return out


def check_one_colour_per_cluster(fig, scatter_fig, g, Z, t, orientation):
    F = fcluster(Z, t, "distance")
    k = int(F.max())
    drawn = tree_colours(fig, g, Z, t, orientation)
    colour_of: dict[int, set] = defaultdict(set)
    for labels, colour in drawn["links"] + drawn["stems"]:
        if len(labels) > 1:
            assert colour == GREY, "a link over several clusters must be grey"
            continue
        assert colour != GREY, "a link inside one cluster must have its colour"
        colour_of[next(iter(labels))].add(colour)
    for labels, colour, _leaf in drawn["marks"]:
        assert colour != GREY
        if len(labels) == 1:
            colour_of[next(iter(labels))].add(colour)
    # A (count) leaf the cut goes through: one mark per cluster inside, each in its colour.
    by_leaf: dict[int, set] = defaultdict(set)
    for _labels, colour, leaf in drawn["marks"]:
        by_leaf[leaf].add(colour)
    for labels, _, leaf in drawn["marks"]:
        if len(labels) > 1:
            assert len(by_leaf[leaf]) == len(labels)
    shown = set(colour_of).union(*(labels for labels, *_ in drawn["marks"]))
    assert shown == set(range(1, k + 1)), "every cluster shows in the tree"
    for lab, colours in colour_of.items():
        assert len(colours) == 1, f"cluster {lab} drawn in {colours}"
    phi = {lab: next(iter(c)) for lab, c in colour_of.items()}
    if k <= len(palette.PALETTE):
        assert len(set(phi.values())) == len(phi), "two clusters share a colour"
    # The scatter: each row in its cluster's tree colour.
    for tr in scatter_fig.data:
        if tr.meta != "points":
            continue
        for row, _ in np.asarray(tr.customdata):
            lab = int(F[row])
            if lab in phi:
                assert tr.marker.color == phi[lab]
    for labels, colour, _ in drawn["marks"]:
        for lab in labels:
            if lab in phi and len(labels) == 1:
                assert phi[lab] == colour
    return phi


CASES = [(None, 30), ("lastp", 12), ("lastp", 30), ("level", 3), ("level", 5)]


def _check_cuts(mode, p, orientation, method, seed, quantiles):
    X = _blobs(90, seed)
    Z = linkage(X, method)
    idx = tree_index(Z)
    g = dendrogram_geometry(Z, truncate_mode=mode, p=p, index=idx)
    for q in quantiles:
        t = float(np.quantile(Z[:, 2], q))
        fig = dendro_fig.make_dendrogram_figure(g, t, Z=Z, orientation=orientation)
        sc = scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(t),
                                         labels=[str(i) for i in range(len(X))])
        check_one_colour_per_cluster(fig, sc, g, Z, t, orientation)


@pytest.mark.parametrize(("mode", "p"), CASES)
@pytest.mark.parametrize(("method", "seed"), [("ward", 1), ("single", 2), ("average", 3),
                                              ("centroid", 4)])
def test_one_colour_per_fcluster_cluster(mode, p, method, seed):
    _check_cuts(mode, p, "top", method, seed, (0.3, 0.8, 0.95, 1.0))


@pytest.mark.parametrize(("mode", "p"), [("lastp", 12), ("level", 3)])
@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_one_colour_per_cluster_in_every_orientation(mode, p, orientation):
    _check_cuts(mode, p, orientation, "average", 7, (0.5, 0.93))


def test_tutorial_five_lastp_30_at_170_has_five_colours_in_tree_and_scatter():
    X = load_example("tutorial-five")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    idx = tree_index(Z)
    g = dendrogram_geometry(Z, truncate_mode="lastp", p=30, index=idx)
    t = 170.0
    assert fcluster(Z, t, "distance").max() == 5
    fig = dendro_fig.make_dendrogram_figure(g, t, Z=Z)
    sc = scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(t),
                                     labels=[str(i) for i in range(len(X))])
    phi = check_one_colour_per_cluster(fig, sc, g, Z, t, "top")
    tree = {tr.line.color for tr in fig.data if tr.meta == "links"} - {GREY}
    tree |= {sh.line.color for sh in fig.layout.shapes if sh.name == dendro_fig.STEMS}
    tree |= set(next(tr for tr in fig.data if tr.meta == "leafmarks").marker.color)
    points = {tr.marker.color for tr in sc.data if tr.meta == "points"}
    assert tree == points == set(phi.values()) and len(tree) == 5
    # The "(50)" and "(100)" clusters SciPy leaves grey are single (count) leaves here.
    assert any(s in g.ivl for s in ("(50)", "(100)"))


def test_beyond_the_palette_the_legend_says_colours_repeat():
    k = len(palette.PALETTE) + 5
    clusters = np.arange(1, k + 1)
    fig = scatter.make_scatter_figure(clusters, clusters, clusters,
                                      labels=[str(i) for i in clusters])
    names = [tr.name for tr in fig.data if tr.meta == "legend"]
    assert names[-1].endswith(f"(colours repeat after {len(palette.PALETTE)} clusters)")
    small = scatter.make_scatter_figure([0, 1], [0, 1], [1, 2], labels=["a", "b"])
    assert not any("repeat" in (tr.name or "") for tr in small.data)
    # Legend clicks work, and a cluster's entry toggles its points.
    assert fig.layout.legend.itemclick == "toggle"
    groups = {tr.legendgroup for tr in small.data}
    assert groups == {"g0", "g1"}


def test_approximate_tree_one_colour_per_cluster_down_to_the_rows():
    """Approximate mode: the tree's leaves are micro-clusters; each row takes its
    micro-cluster's cluster, and its colour in the scatter is that cluster's tree colour."""
    from clustering.approximate import approximate_linkage

    X = _blobs(3_000, 9)
    ah = approximate_linkage(X, m=60, agreement_sample=0)
    Z = ah.Z
    idx = tree_index(Z)
    assignment = np.asarray(ah.micro.assignment)
    for mode, p in ((None, 30), ("lastp", 15), ("level", 3)):
        g = dendrogram_geometry(Z, truncate_mode=mode, p=p, index=idx)
        for q in (0.5, 0.9, 0.98):
            t = float(np.quantile(Z[:, 2], q))
            fig = dendro_fig.make_dendrogram_figure(g, t, Z=Z)
            micro = scatter.make_scatter_figure(np.arange(60), np.arange(60), idx.labels_at(t),
                                                labels=[str(i) for i in range(60)])
            phi = check_one_colour_per_cluster(fig, micro, g, Z, t, "top")
            rows = scatter.make_scatter_figure(X[:, 0], X[:, 1],
                                               idx.labels_at(t)[assignment],
                                               labels=[str(i) for i in range(len(X))])
            # Clusters only seen inside a split (count) leaf: their colour from the
            # micro-cluster scatter (checked against the tree where the tree shows it alone).
            Fm = fcluster(Z, t, "distance")
            for tr in micro.data:
                if tr.meta == "points":
                    for row, _ in np.asarray(tr.customdata):
                        assert phi.setdefault(int(Fm[row]), tr.marker.color) == tr.marker.color
            F = Fm[assignment]
            for tr in rows.data:
                if tr.meta == "points":
                    rows_in = np.asarray(tr.customdata)[:, 0]
                    assert {phi[int(f)] for f in F[rows_in]} == {tr.marker.color}
