"""Figure builders without a server: structure, colours against fcluster, escaping, payload."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.cluster.hierarchy import dendrogram, fcluster, linkage

from clustering.cut import tree_index
from clustering.geometry import dendrogram_geometry
from clustering.merges import subtree_first_position
from components.figures import dendrogram as dendro_fig
from components.figures import palette, scatter, tree_data
from tests.partitions import same_partition


def _blobs(n: int, seed: int, d: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(4, d))
    return centres[rng.integers(0, 4, n)] + rng.standard_normal((n, d))


def _links(trace) -> list[np.ndarray]:
    """The polylines of one 'links' trace (split at NaN), each (4, 2)."""
    x = np.asarray(trace.x, dtype=float)
    y = np.asarray(trace.y, dtype=float)
    assert len(x) % 5 == 0
    out = []
    for j in range(len(x) // 5):
        assert math.isnan(x[5 * j + 4]) and math.isnan(y[5 * j + 4])
        out.append(np.column_stack([x[5 * j : 5 * j + 4], y[5 * j : 5 * j + 4]]))
    return out


def _key(poly: np.ndarray) -> tuple[float, ...]:
    """A link's identity: its corners at float32 precision (what the figure carries)."""
    return tuple(np.round(np.asarray(poly, dtype=np.float32).astype(float).ravel(), 3).tolist())


def _tree(n: int = 60, seed: int = 0, method: str = "ward", **geo):
    X = _blobs(n, seed)
    Z = linkage(X, method)
    return X, Z, dendrogram_geometry(Z, **geo), tree_index(Z)


@pytest.mark.parametrize("seed", range(4))
def test_every_link_in_exactly_one_colour_trace_with_its_cluster_colour(seed):
    X, Z, g, idx = _tree(80, seed)
    t = float(np.quantile(Z[:, 2], 0.9))
    fig = dendro_fig.make_dendrogram_figure(g, t, Z=Z)
    link_traces = [tr for tr in fig.data if tr.meta == "links"]
    # One trace per colour, never one per link.
    colours = [tr.line.color for tr in link_traces]
    assert len(colours) == len(set(colours)) <= len(palette.PALETTE) + 1
    drawn = {}
    for tr in link_traces:
        for poly in _links(tr):
            # stems are shapes (test_cluster_colours.py checks those)
            assert not np.all(poly[:, 0] == poly[0, 0]), "a stem in a links trace"
            key = _key(poly)
            assert key not in drawn, "a link is drawn twice"
            drawn[key] = tr.line.color
    assert len(drawn) == len(Z)
    expected = g.link_clusters(t)
    for j in range(len(Z)):
        key = _key(np.column_stack([g.icoord[j], g.dcoord[j]]))
        assert drawn[key] == palette.cluster_color(int(expected[j]))
    # Links above the cut are grey, the others are not.
    for j in range(len(Z)):
        above = g.dcoord[j, 1] > t
        key = _key(np.column_stack([g.icoord[j], g.dcoord[j]]))
        assert (drawn[key] == palette.ABOVE_CUT_COLOR) == above


def test_link_colours_group_samples_like_fcluster():
    X, Z, g, idx = _tree(120, 7)
    for t in np.quantile(Z[:, 2], [0.5, 0.8, 0.95, 0.99]):
        labels = idx.labels_at(t)
        assert same_partition(labels, fcluster(Z, t, "distance"))
        # Each sample's colour: the colour of the leaf-level link above it, when below the cut.
        colours = np.array([palette.cluster_color(int(c)) for c in labels])
        for c in np.unique(labels):
            assert len(set(colours[labels == c])) == 1


def test_cut_line_and_label():
    X, Z, g, idx = _tree(50, 1)
    t = float(Z[-3, 2] + Z[-2, 2]) / 2
    fig = dendro_fig.make_dendrogram_figure(g, t, Z=Z, k=idx.k_at(t))
    shape = fig.layout.shapes[0]
    assert shape.type == "line" and shape.xref == "paper"
    assert shape.y0 == shape.y1 == pytest.approx(t)
    assert shape.label.text == f"max_d = {t:.4g} · k = 3"


@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_orientation_swaps_axes(orientation):
    X, Z, g, idx = _tree(30, 2)
    fig = dendro_fig.make_dendrogram_figure(g, 1.0, Z=Z, orientation=orientation)
    hover = next(tr for tr in fig.data if tr.meta == "hover")
    heights = np.asarray(hover.y if orientation in ("top", "bottom") else hover.x, dtype=float)
    np.testing.assert_allclose(np.sort(heights), np.sort(Z[:, 2]), rtol=1e-6)
    shape = fig.layout.shapes[0]
    if orientation in ("top", "bottom"):
        assert shape.y0 == shape.y1 == 1.0 and shape.xref == "paper"
        assert (fig.layout.yaxis.autorange == "reversed") == (orientation == "bottom")
        assert list(fig.layout.xaxis.ticktext) == g.ivl
    else:
        assert shape.x0 == shape.x1 == 1.0 and shape.yref == "paper"
        assert (fig.layout.xaxis.autorange == "reversed") == (orientation == "left")
        assert list(fig.layout.yaxis.ticktext) == g.ivl
        assert fig.layout.yaxis.side == ("right" if orientation == "left" else "left")


@pytest.mark.parametrize("orientation", ["top", "left"])
def test_contracted_marks_follow_the_orientation(orientation):
    X, Z, g, idx = _tree(60, 4, truncate_mode="lastp", p=8, show_contracted=True)
    fig = dendro_fig.make_dendrogram_figure(g, float(Z[-3, 2]), Z=Z, orientation=orientation)
    marks = fig.layout.shapes[1].to_plotly_json()
    # A bar runs along the height axis: V(ertical) when the root is on top, H when left.
    assert ("V" in marks["path"]) == (orientation == "top")
    assert ("H" in marks["path"]) == (orientation == "left")
    mx, my = dendro_fig.contracted_marks(marks, orientation)
    np.testing.assert_array_equal(mx, g.contracted[0])
    np.testing.assert_allclose(my, g.contracted[1], rtol=1e-6, atol=1e-6 * float(Z[-1, 2]))


def test_annotations_only_above_threshold_in_link_colour():
    X, Z, g, idx = _tree(40, 3)
    above = float(np.quantile(Z[:, 2], 0.8))
    t = float(Z[-2, 2]) * 0.99
    fig = dendro_fig.make_dendrogram_figure(g, t, Z=Z, annotate_above=above)
    annot = next(tr for tr in fig.data if tr.meta == "annot")
    ax, ay, rows = g.annotations(above)
    assert len(annot.y) == len(ay) == int((Z[:, 2] > above).sum())
    np.testing.assert_allclose(np.sort(np.asarray(annot.y, float)), np.sort(ay), rtol=1e-6)
    assert all(float(s) == pytest.approx(h, rel=1e-3) for s, h in zip(annot.text, annot.y, strict=True))
    link_cl = g.link_clusters(t)
    sel = np.flatnonzero(g.dcoord[:, 1] > above)
    assert list(annot.marker.color) == [palette.cluster_color(int(link_cl[j])) for j in sel]
    none = dendro_fig.make_dendrogram_figure(g, t, Z=Z, annotate_above=None)
    assert len(next(tr for tr in none.data if tr.meta == "annot").y) == 0


def test_leaf_ticks_are_ivl_and_escaped():
    X = _blobs(12, 4)
    Z = linkage(X, "average")
    labels = [f"<script>alert({i})</script>" if i == 3 else f"r&{i}" for i in range(12)]
    g = dendrogram_geometry(Z, labels=labels)
    fig = dendro_fig.make_dendrogram_figure(g, 1.0, Z=Z)
    ivl = dendrogram(Z, no_plot=True, labels=labels)["ivl"]
    assert list(fig.layout.xaxis.ticktext) == [s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for s in ivl]
    assert not any("<script>" in s for s in fig.layout.xaxis.ticktext)
    np.testing.assert_allclose(fig.layout.xaxis.tickvals, g.leaf_x)


def test_truncated_tree_shows_count_labels_and_contracted_marks():
    X, Z, g, idx = _tree(200, 5, truncate_mode="lastp", p=10, show_contracted=True)
    fig = dendro_fig.make_dendrogram_figure(g, float(Z[-3, 2]), Z=Z)
    ticks = list(fig.layout.xaxis.ticktext)
    assert ticks == dendrogram(Z, no_plot=True, truncate_mode="lastp", p=10)["ivl"]
    assert any(s.startswith("(") for s in ticks)
    # One path shape of short bars (no SVG node per mark), each centred on its merge's height,
    # after the cut line; no trace.
    assert "contracted" not in {tr.meta for tr in fig.data}
    marks = fig.layout.shapes[1]
    assert marks.type == "path" and marks.xref == "x" and marks.yref == "y"
    mx, my = dendro_fig.contracted_marks(marks.to_plotly_json())
    assert len(mx) == len(g.contracted[0]) > 0
    np.testing.assert_array_equal(mx, g.contracted[0])
    np.testing.assert_allclose(my, g.contracted[1], rtol=1e-6, atol=1e-6 * float(Z[-1, 2]))
    off = dendro_fig.make_dendrogram_figure(g, float(Z[-3, 2]), Z=Z, show_contracted=False)
    # Without marks the stems (shapes named "stems") follow the line at once.
    assert [sh.name for sh in off.layout.shapes][:2] == [None, dendro_fig.STEMS]


def test_many_contracted_marks_drop_only_those_drawn_on_another():
    X, Z, g, idx = _tree(3_000, 7, truncate_mode="lastp", p=20, show_contracted=True)
    cx, cy = (np.asarray(a, dtype=float) for a in g.contracted)
    assert cx.size > dendro_fig.GL_POINTS
    fig = dendro_fig.make_dendrogram_figure(g, float(Z[-3, 2]), Z=Z)
    # Thinned, then one SVG path (no WebGL canvas for the compositor to read back).
    kx, ky = dendro_fig.contracted_marks(fig.layout.shapes[1].to_plotly_json())
    assert 0 < kx.size < cx.size
    # Every mark kept is a contracted mark, and every dropped one sits on a kept one:
    # same leaf, height within a MARK_STEPS-th of the tree's height (float32 on the wire).
    tol = float(np.max(g.dcoord)) / dendro_fig.MARK_STEPS + 1e-4 * float(np.max(g.dcoord))
    for x, y in zip(kx, ky, strict=True):
        assert np.any((cx == x) & (np.abs(cy - y) <= 1e-4 * max(1.0, abs(y))))
    for x, y in zip(cx, cy, strict=True):
        assert np.any((kx == x) & (np.abs(ky - y) <= tol))


def test_scatter_uses_webgl_past_scatter_gl_points():
    n = scatter.SCATTER_GL_POINTS + 1
    fig = scatter.make_scatter_figure(np.zeros(n), np.zeros(n), np.ones(n, dtype=int), labels=[""] * n)
    assert {t.type for t in fig.data if t.meta == "points"} == {"scattergl"}
    small = scatter.make_scatter_figure(np.zeros(3), np.zeros(3), [1, 1, 2], labels=["a", "b", "c"])
    assert {t.type for t in small.data if t.meta == "points"} == {"scatter"}


def test_hover_names_row_height_and_size():
    X, Z, g, idx = _tree(25, 6)
    fig = dendro_fig.make_dendrogram_figure(g, 1.0, Z=Z)
    hover = next(tr for tr in fig.data if tr.meta == "hover")
    root = int(np.argmax(g.dcoord[:, 1]))
    # SciPy's numbering: row i of Z forms cluster n + i
    assert hover.customdata[root].tolist() == [len(Z) - 1, 25, 2 * len(Z)]
    assert hover.y[root] == pytest.approx(Z[-1, 2], rel=1e-6)
    np.testing.assert_array_equal(np.asarray(hover.customdata)[:, 0], g.link_rows)
    np.testing.assert_array_equal(np.asarray(hover.customdata)[:, 1], Z[g.link_rows, 3])
    assert hover.hovertemplate.startswith(
        "merge %{customdata[0]} (row %{customdata[0]} of Z, forms cluster %{customdata[2]})"
        "<br>height %{y")
    side = dendro_fig.make_dendrogram_figure(g, 1.0, Z=Z, orientation="left")
    assert "height %{x" in next(tr for tr in side.data if tr.meta == "hover").hovertemplate


def test_big_trees_use_webgl_and_hide_ticks():
    X, Z, g, idx = _tree(2_500, 8)
    fig = dendro_fig.make_dendrogram_figure(g, float(Z[-4, 2]), Z=Z)
    assert {tr.type for tr in fig.data} == {"scattergl"}
    assert fig.layout.xaxis.showticklabels is False
    assert len([tr for tr in fig.data if tr.meta == "links"]) <= len(palette.PALETTE) + 1
    small = dendro_fig.make_dendrogram_figure(*_tree(20, 8)[2:3], 1.0, Z=_tree(20, 8)[1])
    assert {tr.type for tr in small.data} == {"scatter"}


def test_tree_data_reproduces_link_clusters_and_labels():
    """The browser's rule (gaps, first position, subtree max) gives what the server draws."""
    rng = np.random.default_rng(11)
    for trial in range(6):
        X = _blobs(int(rng.integers(5, 150)), trial)
        method = ["single", "complete", "average", "ward", "centroid", "median"][trial]
        Z = linkage(X, method)
        mode = [None, "lastp", "level"][trial % 3]
        g = dendrogram_geometry(Z, truncate_mode=mode, p=6)
        idx = tree_index(Z)
        td = tree_data.make_tree_data(g, idx, Z)
        gaps = tree_data.decode_b64(td["gaps"])
        first = tree_data.decode_b64(td["first"])
        maxdist = tree_data.decode_b64(td["maxdist"])
        row_pos = tree_data.decode_b64(td["row_pos"])
        assert td["m"] == len(g.link_rows) and td["n"] == len(X)
        for t in rng.choice(Z[:, 2], 5):
            pos = np.concatenate([[1], 1 + np.cumsum(~(gaps <= t))])
            link = np.where(maxdist <= t, pos[first], 0)
            np.testing.assert_array_equal(link, g.link_clusters(t))
            np.testing.assert_array_equal(pos[row_pos], idx.labels_at(t))
        x = tree_data.decode_b64(td["x"]).reshape(-1, 5)
        np.testing.assert_allclose(x[:, :4], g.icoord, rtol=1e-6)


def test_subtree_first_position_matches_brute_force():
    X, Z, g, idx = _tree(70, 9, method="average")
    first = subtree_first_position(Z, idx.leaves)
    pos = np.empty(len(X), int)
    pos[idx.leaves] = np.arange(len(X))
    n = len(X)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    for r, (a, b) in enumerate(Z[:, :2].astype(int)):
        members[n + r] = members[a] + members[b]
        assert first[r] == pos[members[n + r]].min()


def test_scatter_colours_follow_labels_and_legend_sizes():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(50), rng.standard_normal(50)
    clusters = rng.integers(1, 14, 50)
    labels = [f"<b>{i}</b>" for i in range(50)]
    fig = scatter.make_scatter_figure(x, y, clusters, labels=labels, x_title="a<b", y_title="b")
    points = [t for t in fig.data if t.meta == "points"]
    # One trace per colour; every row exactly once, in its cluster's colour.
    assert len({t.marker.color for t in points}) == len(points) <= len(palette.PALETTE)
    seen = []
    for t in points:
        cd = np.asarray(t.customdata)
        for (row, c), px, py, txt in zip(cd.tolist(), t.x, t.y, t.text, strict=True):
            assert c == clusters[row] and t.marker.color == palette.cluster_color(int(c))
            assert px == pytest.approx(x[row], rel=1e-6) and py == pytest.approx(y[row], rel=1e-6)
            assert txt == f"&lt;b&gt;{row}&lt;/b&gt;"
            seen.append(row)
    assert sorted(seen) == list(range(50))
    legend = [t for t in fig.data if t.meta == "legend"]
    counts = np.bincount(clusters)
    assert [tr.name for tr in legend] == [f"{c} · {counts[c]} rows" for c in np.flatnonzero(counts)]
    assert all(tr.mode == "lines" and list(tr.x) == [None] for tr in legend)
    assert fig.layout.xaxis.title.text == "a&lt;b"


def test_scatter_legend_is_capped_and_big_scatter_uses_webgl():
    n = 6_000
    clusters = np.arange(n) % 40 + 1
    fig = scatter.make_scatter_figure(np.zeros(n), np.zeros(n), clusters, labels=[""] * n)
    assert {t.type for t in fig.data if t.meta == "points"} == {"scattergl"}
    assert len(fig.data) == len(palette.PALETTE) + scatter.LEGEND_MAX + 1
    assert fig.data[-1].name == "… 10 more"


def test_the_tree_says_what_it_is_for_an_exported_image():
    """The title (dataset · method · metric) is text, never markup; the cut line's label adds
    max_d and k, so a PNG/SVG taken with the modebar names the whole view."""
    Z = linkage(np.array([[0.0], [1.0], [5.0], [6.0]]), "ward")
    fig = dendro_fig.make_dendrogram_figure(dendrogram_geometry(Z), 2.5, Z=Z,
                                            title="<b>my</b>.csv · ward · euclidean")
    assert fig.layout.title.text == "&lt;b&gt;my&lt;/b&gt;.csv · ward · euclidean"
    assert fig.layout.shapes[0].label.text == "max_d = 2.5 · k = 2"
    assert fig.layout.yaxis.title.text == "height"
    assert dendro_fig.make_dendrogram_figure(dendrogram_geometry(Z), 2.5, Z=Z).layout.title.text \
        is None


@pytest.mark.parametrize("orientation", ["top", "left"])
def test_the_graphs_every_cut_updates_carry_the_white_look_without_a_template(orientation):
    # plotly.js compares a layout's template by identity and dcc.Graph copies the layout on
    # every update, so a template would make every cut a full replot (issue 14). The look is
    # written into the layout instead; what the figure sets itself wins over it.
    from components.figures.common import WHITE

    X, Z, g, idx = _tree(40, 3, truncate_mode="lastp", p=8, show_contracted=True)
    tree = dendro_fig.make_dendrogram_figure(g, float(Z[-3, 2]), Z=Z, orientation=orientation)
    points = scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(float(Z[-3, 2])),
                                         labels=[str(i) for i in range(len(X))])
    white = WHITE.layout.to_plotly_json()
    for fig in (tree, points):
        lay = json.loads(fig.to_json())["layout"]  # as the browser gets it
        assert lay.get("template") is None  # absent, or null in the unvalidated scatter
        assert lay["plot_bgcolor"] == white["plot_bgcolor"] and lay["font"] == white["font"]
        assert lay["xaxis"]["gridcolor"] == white["xaxis"]["gridcolor"]
        assert lay["yaxis"]["zerolinecolor"] == white["yaxis"]["zerolinecolor"]
    # The figure's own settings over the look: no zero line on the scatter, the leaf labels.
    assert json.loads(points.to_json())["layout"]["xaxis"]["zeroline"] is False
    leaf_axis = "xaxis" if orientation == "top" else "yaxis"
    assert json.loads(tree.to_json())["layout"][leaf_axis]["ticktext"] == list(g.ivl)
