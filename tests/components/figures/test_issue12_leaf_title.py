"""Issue 12: the dendrogram's leaf axis says what the leaves are labelled by (the title the
modebar's PNG/SVG export carries), on the leaf side in every orientation."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.geometry import dendrogram_geometry
from components.figures.dendrogram import LEAF_TITLE_PX, make_dendrogram_figure
from components.page.drawing import leaf_axis_title

Z = linkage(np.random.default_rng(0).normal(size=(8, 2)), "ward")


@pytest.mark.parametrize(("orientation", "axis"), [("top", "xaxis"), ("bottom", "xaxis"),
                                                   ("left", "yaxis"), ("right", "yaxis")])
def test_the_leaf_axis_has_the_title(orientation, axis):
    """An annotation at the outer edge of the leaf side's margin, which grows to hold it (an
    axis title would make plotly.js measure every leaf label on each draw, issue 14)."""
    plain = make_dendrogram_figure(dendrogram_geometry(Z), 2.0, Z=Z, orientation=orientation)
    fig = make_dendrogram_figure(dendrogram_geometry(Z), 2.0, Z=Z, orientation=orientation,
                                 leaf_title="leaves: name")
    assert not plain.layout.annotations
    (title,) = fig.layout.annotations
    assert (title.text, title.name, title.xref, title.yref) == ("leaves: name", "leaf title",
                                                                "paper", "paper")
    other = "yaxis" if axis == "xaxis" else "xaxis"
    assert fig.layout[other].title.text == "height"
    assert fig.layout[axis].title.text is None
    side = {"top": "b", "bottom": "t", "left": "r", "right": "l"}[orientation]
    assert fig.layout.margin[side] == plain.layout.margin[side] + LEAF_TITLE_PX
    # At that margin's outer edge (2 px in), pointing away from the plot.
    shift = {"b": lambda: -title.yshift, "t": lambda: title.yshift, "r": lambda: title.xshift,
             "l": lambda: -title.xshift}[side]()
    assert shift == fig.layout.margin[side] - 2


def _tree(label=None, has_rows=True, approximate=None):
    return SimpleNamespace(approximate=approximate, spec=SimpleNamespace(
        dataset=SimpleNamespace(has_rows=has_rows),
        options=SimpleNamespace(label_column=label)))


def test_the_title_names_what_labels_the_leaves():
    assert leaf_axis_title(_tree("model"), None) == "leaves: model"
    assert leaf_axis_title(_tree(), None) == "leaves: row number (0-based, as SciPy's ivl)"
    assert leaf_axis_title(_tree(has_rows=False), "lastp").startswith(
        "leaves: the items' labels in the file · (n)")
    assert "micro-clusters" in leaf_axis_title(_tree(approximate=object()), None)
