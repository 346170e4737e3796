"""The support overlay (components/figures/support.py): which merges get badges, and the
pvrect outlines are exactly the clades with AU >= 0.95 that pvpick picks, on a fixed case
with merge_support's own numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import to_tree

from clustering.geometry import dendrogram_geometry
from clustering.support import merge_support, pick_clades
from components.figures.support import hover_texts, support_traces


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(4)
    centres = np.array([[0.0] * 12, [4.0] * 12, [0.0] * 6 + [4.0] * 6])
    X = np.vstack([rng.normal(c, 1.0, (8, 12)) for c in centres])
    ms = merge_support(X, "average", "euclidean", n_boot=60, seed=2)
    from clustering.linkage import compute_linkage

    Z = compute_linkage(X, "average", "euclidean").Z
    return X, Z, ms


def _values(ms):
    return {c: ms.table[c].to_numpy() for c in ms.table.columns}


def _members(Z, row):
    n = Z.shape[0] + 1
    _, nodes = to_tree(Z, rd=True)
    return set(nodes[n + row].pre_order())


def _rectangles(trace):
    xs, ys = list(trace.x), list(trace.y)
    out, cur = [], []
    for x, y in zip(xs, ys, strict=True):
        if x is None:
            out.append(cur)
            cur = []
        else:
            cur.append((x, y))
    return out


def test_outlines_are_the_clades_pvpick_picks(case):
    X, Z, ms = case
    g = dendrogram_geometry(Z)
    rect, badges = support_traces(g, Z, kind="features", values=_values(ms),
                                  min_size=3)
    picked = pick_clades(Z, ms.table["au"].to_numpy())
    assert picked, "the fixed case has supported clades"
    assert all(ms.table["au"].iloc[r] >= 0.95 for r in picked)
    rects = _rectangles(rect)
    assert len(rects) == len(picked)
    leaf_x = dict(zip(g.leaves.tolist(), g.leaf_x.tolist(), strict=True))
    for r, corners in zip(picked, rects, strict=True):
        xs = [leaf_x[i] for i in _members(Z, r)]
        x0 = min(c[0] for c in corners)
        x1 = max(c[0] for c in corners)
        top = max(c[1] for c in corners)
        # the outline holds exactly the clade's leaves (leaves are 10 apart)
        assert x0 < min(xs) < x0 + 5 and x1 - 5 < max(xs) < x1
        assert Z[r, 2] < top < Z[r, 2] + 0.01 * Z[:, 2].max()
    # no picked clade lies inside another, and every unpicked AU >= 0.95 merge is inside one
    sets = [_members(Z, r) for r in picked]
    for i, a in enumerate(sets):
        assert not any(a < b for j, b in enumerate(sets) if j != i)
    for r in np.flatnonzero(ms.table["au"].to_numpy()[:-1] >= 0.95):
        assert any(_members(Z, r) <= s for s in sets)


def test_badges_on_merges_of_at_least_min_size_with_both_numbers_in_the_hover(case):
    X, Z, ms = case
    g = dendrogram_geometry(Z)
    _, badges = support_traces(g, Z, kind="features", values=_values(ms), min_size=5)
    rows = badges.customdata[:, 0].tolist()
    assert rows == sorted(np.flatnonzero(Z[:, 3] >= 5).tolist())
    r = rows[-1]
    t = ms.table.iloc[r]
    hover = hover_texts(np.array([r]), kind="features", values=_values(ms), n_boot=60,
                        note="seed 2")[0]
    assert f"AU {t['au']:.3f}" in hover and f"BP {t['bp']:.3f}" in hover
    assert "60 replicates × 10 scales" in hover and "seed 2" in hover
    assert badges.text[-1] == f"AU {100 * t['au']:.0f} · BP {100 * t['bp']:.0f}"
    # the badge sits on its merge: the top of the drawn link
    j = list(g.link_rows).index(r)
    assert badges.y[-1] == pytest.approx(g.dcoord[j, 1])
    assert badges.x[-1] == pytest.approx((g.icoord[j, 1] + g.icoord[j, 2]) / 2)


def test_truncated_views_badge_only_drawn_merges_and_left_orientation_swaps_axes(case):
    X, Z, ms = case
    g = dendrogram_geometry(Z, truncate_mode="lastp", p=5)
    rect, badges = support_traces(g, Z, kind="features", values=_values(ms), min_size=2,
                                  orientation="left")
    assert set(badges.customdata[:, 0].tolist()) == set(g.link_rows.tolist())
    j = list(g.link_rows).index(Z.shape[0] - 1)
    root = badges.customdata[:, 0].tolist().index(Z.shape[0] - 1)
    assert badges.x[root] == pytest.approx(g.dcoord[j, 1])  # height along x


def test_row_subsampling_badges_read_the_support():
    Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [5, 6, 3.0, 4], [4, 7, 4.0, 5]])
    v = {"support": np.array([0.5, 0.96, 0.99, np.nan]), "se": np.zeros(4),
         "informative": np.array([10, 12, 20, 0])}
    rect, badges = support_traces(dendrogram_geometry(Z), Z, kind="rows", values=v,
                                  min_size=2)
    assert list(badges.text) == ["50%", "96%", "99%", "–"]
    hover = hover_texts(np.arange(4), kind="rows", values=v, n_boot=20)
    assert "support 0.960 ± 0.000<br>20 row subsamples, 12 informative" == hover[1]
    assert hover[3].startswith("support –")
    assert len(_rectangles(rect)) == 1  # row 2 holds row 1: only the largest is outlined


def test_the_page_adds_support_to_the_merge_hover(case, tmp_path):
    """The draw step's glue (jobs/replicates.add_support): badges, outlines, and both numbers
    in the hover of every merge, for the memoised result of the view's support."""
    from app import create_app
    from components.figures.dendrogram import make_dendrogram_figure
    from components.jobs import replicates as rep
    from components.settings import Settings
    from components.state.trees import load_tree
    from components.view import TreeSpec

    app = create_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    with app.server.app_context():
        spec = TreeSpec.from_json({"dataset": {"example": "tutorial-blobs"}, "method": "ward",
                                   "options": {"features": ["x", "y"]}})
        tree = load_tree(spec)
        work = rep.Work("support", spec, "rows", 8, 1)
        rep.compute(work, tree)
        g = dendrogram_geometry(tree.Z)
        fig = make_dendrogram_figure(g, 1.0, Z=tree.Z)
        show = {"work": work.to_json(), "min_size": 4, "tree_key": spec.key}
        rep.add_support(fig, {**show, "tree_key": "another"}, tree, g, "top")
        assert [t.meta for t in fig.data][-1] == "hover"  # another tree: nothing added
        rep.add_support(fig, show, tree, g, "top")
        metas = [t.meta for t in fig.data]
        assert metas[-2:] == ["support-rect", "support"]
        hover = next(t for t in fig.data if t.meta == "hover")
        assert "%{hovertext}" in hover.hovertemplate
        assert len(hover.hovertext) == len(g.link_rows)
        assert "8 row subsamples" in hover.hovertext[-1] and "seed 1" in hover.hovertext[-1]
