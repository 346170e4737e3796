"""Colour is never the only carrier (issue 19, point 4), checked on the figures themselves.

test_palette.py checks the palette against white. Here the background is not assumed: it is
read from the figures the page draws (their layout, else their template), and every colour a
figure puts on it -- each cluster colour (the colour-blind-safe eight first, then the rest),
the above-cut grey, the unassigned black, and whatever else the builder drew -- must reach 3:1
(WCAG 2.1, 1.4.11 non-text contrast). The browser recolours with the palette the server sends
in tree-data: that must be this palette. And each cluster is named in words where its colour
shows it: the scatter's hover and legend.
"""

from __future__ import annotations

import numpy as np
import plotly.io as pio
import pytest
from plotly.colors import unlabel_rgb
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.cut import tree_index
from clustering.geometry import dendrogram_geometry
from components.figures import dendrogram as dendro_fig
from components.figures import palette, scatter, tree_data
from components.figures.palette import (
    ABOVE_CUT_COLOR,
    PALETTE,
    SAFE_COLOURS,
    UNASSIGNED_COLOR,
    contrast_ratio,
)

#: CSS colour names plotly templates use for backgrounds.
NAMED = {"white": "#ffffff", "black": "#000000"}


def as_hex(colour: str) -> str:
    """``#rrggbb`` of a CSS colour as plotly writes them (#rgb, #rrggbb, rgb(), a few names)."""
    c = colour.strip().lower()
    if c in NAMED:
        return NAMED[c]
    if c.startswith("rgb"):
        r, g, b = (int(round(float(v))) for v in unlabel_rgb(c)[:3])
        return f"#{r:02x}{g:02x}{b:02x}"
    if len(c) == 4:
        return "#" + "".join(ch * 2 for ch in c[1:])
    assert len(c) == 7 and c.startswith("#"), colour
    return c


def plot_background(fig) -> str:
    """What the marks are drawn on: the plot area's colour, from the layout or its template."""
    layout = fig.to_dict()["layout"]
    template = layout.get("template") or {}
    if isinstance(template, str):  # a figure built unvalidated keeps the template's name
        template = pio.templates[template].to_plotly_json()
    bg = layout.get("plot_bgcolor") or template.get("layout", {}).get("plot_bgcolor")
    assert bg, "the figure sets no plot background"
    return as_hex(bg)


def drawn_colours(fig) -> set[str]:
    """Every line and marker colour of the figure's visible traces (transparent ones excluded:
    the invisible hover markers carry no meaning)."""
    out: set[str] = set()
    for t in fig.data:
        for part in ("line", "marker"):
            obj = getattr(t, part, None)
            colour = getattr(obj, "color", None) if obj is not None else None
            values = colour if isinstance(colour, (list, tuple, np.ndarray)) else [colour]
            for v in values:
                if isinstance(v, str) and not v.startswith("rgba"):
                    out.add(as_hex(v))
    return out


def _tree(seed: int = 0, k: int = 12):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(8.0 * c, 1.0, size=(20, 2)) for c in range(k)])
    Z = linkage(X, "ward")
    return X, Z


@pytest.fixture(scope="module")
def figures():
    X, Z = _tree()
    t = float(Z[-12, 2])  # 12 clusters: every colour-blind-safe colour and a few more
    labels = fcluster(Z, t, "distance")
    dendro = dendro_fig.make_dendrogram_figure(dendrogram_geometry(Z), t, Z=Z,
                                               k=int(labels.max()))
    scat = scatter.make_scatter_figure(X[:, 0], X[:, 1], labels,
                                       labels=[str(i) for i in range(len(X))])
    return {"dendrogram": dendro, "scatter": scat}


@pytest.mark.parametrize("name", ["dendrogram", "scatter"])
def test_every_palette_colour_reaches_3_to_1_on_the_figures_background(figures, name):
    bg = plot_background(figures[name])
    colours = [*PALETTE[:SAFE_COLOURS], *PALETTE[SAFE_COLOURS:], ABOVE_CUT_COLOR,
               UNASSIGNED_COLOR]
    low = {c: round(contrast_ratio(c, bg), 2) for c in colours if contrast_ratio(c, bg) < 3.0}
    assert not low, f"{name}: below 3:1 on {bg}: {low}"


@pytest.mark.parametrize("name", ["dendrogram", "scatter"])
def test_what_each_figure_draws_reaches_3_to_1(figures, name):
    bg = plot_background(figures[name])
    drawn = drawn_colours(figures[name])
    # The figure really is coloured by cluster (not only by the cut line's red).
    assert len(drawn & {c.lower() for c in PALETTE}) >= 12, drawn
    low = {c: round(contrast_ratio(c, bg), 2) for c in drawn if contrast_ratio(c, bg) < 3.0}
    assert not low, f"{name}: drawn below 3:1 on {bg}: {low}"


def test_the_above_cut_grey_is_drawn_and_reaches_3_to_1(figures):
    assert ABOVE_CUT_COLOR in drawn_colours(figures["dendrogram"])
    assert contrast_ratio(ABOVE_CUT_COLOR, plot_background(figures["dendrogram"])) >= 3.0


def test_the_browser_recolours_with_the_checked_palette():
    _, Z = _tree()
    td = tree_data.make_tree_data(dendrogram_geometry(Z), tree_index(Z), Z)
    assert td["palette"] == list(PALETTE) and td["above"] == ABOVE_CUT_COLOR
    assert palette.cluster_color(0) == ABOVE_CUT_COLOR


def test_scatter_names_each_cluster_in_hover_and_legend(figures):
    fig = figures["scatter"]
    points = [t for t in fig.data if t.meta == "points"]
    assert points and all("cluster %{customdata[1]}" in t.hovertemplate for t in points)
    legend = [t.name for t in fig.data if t.meta == "legend"]
    assert fig.layout.legend.title.text == "clusters"
    assert [int(n.split(" · ")[0]) for n in legend] == list(range(1, 13)), legend
