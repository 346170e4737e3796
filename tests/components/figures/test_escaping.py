"""Every figure builder writes user text (column names, row labels, file names, titles)
through one helper, ``components.figures.text.plot_text``: plotly.js renders a subset of HTML
in labels, hover and titles, so a name like ``<b>`` or ``<script>`` must be shown as typed.

Each case feeds a hostile name through a builder and reads the figure's JSON: the escaped form
is there and the raw tags are nowhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import numpy as np
import plotly.graph_objects as go
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.geometry import dendrogram_geometry
from components.figures import (
    analysis,
    common,
    dendrogram,
    evidence,
    known_columns,
    scatter,
    tanglegram,
)
from components.figures.text import plot_text

NASTY = "<script>alert(1)</script> <b>bold</b> & co"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; co"
RAW_TAGS = ("<script", "</script", "<b>", "</b>")

_X = np.array([[0.0, 1.0], [0.5, 1.5], [5.0, 6.0], [5.5, 6.5]])
_Z = linkage(_X, "ward")
_LABELS = [NASTY, "b", "c", "d"]


#: Keys plotly.js never renders: identifiers the browser's code matches on, kept as typed.
_IDENTIFIERS = ("meta", "legendgroup")


def _strings(node: object) -> Iterator[str]:
    """Every string plotly.js may render (identifier keys skipped)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if k not in _IDENTIFIERS:
                yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _figure_strings(fig: go.Figure | dict) -> list[str]:
    if isinstance(fig, go.Figure):
        return list(_strings(json.loads(fig.to_json())))
    return list(_strings(json.loads(json.dumps(fig, default=lambda a: np.asarray(a).tolist()))))


def _dendrogram() -> go.Figure:
    geometry = dendrogram_geometry(_Z, labels=_LABELS)
    return dendrogram.make_dendrogram_figure(geometry, 3.0, Z=_Z, title=NASTY)


def _scatter() -> go.Figure:
    return scatter.make_scatter_figure(_X[:, 0], _X[:, 1], [1, 1, 2, 2], labels=_LABELS,
                                       x_title=NASTY, y_title=NASTY, note=NASTY)


def _clustermap() -> go.Figure:
    return analysis.make_clustermap_figure(_X, np.arange(4), [NASTY, "y"],
                                           np.array([1, 1, 2, 2]), row_labels=_LABELS,
                                           caption=NASTY)


def _profile() -> go.Figure:
    return analysis.make_profile_figure(np.array([[1.0, 2.0]]), np.array([[0.1, 0.2]]), [1],
                                        [NASTY, "y"], [4])


def _silhouette() -> go.Figure:
    return evidence.make_silhouette_figure(np.array([0.5, 0.4, 0.6, 0.7]),
                                           np.array([1, 1, 2, 2]), np.array([0, 1, 3, 2]),
                                           {1: 0.45, 2: 0.65}, 0.55, row_labels=_LABELS)


def _tanglegram() -> go.Figure:
    g1 = dendrogram_geometry(_Z)
    g2 = dendrogram_geometry(linkage(_X, "single"))
    return tanglegram.make_tanglegram_figure(
        g1, g2, ["#000"] * 3, ["#000"] * 3, ["#111"] * 4, left_title=NASTY, right_title=NASTY,
        labels=_LABELS)


def _colour_bars() -> go.Figure:
    classes = known_columns.column_classes([NASTY, "b", NASTY, "b"], NASTY)
    return known_columns.make_colour_bars_figure([(classes, classes.codes)],
                                                 np.array([5.0, 15.0, 25.0, 35.0]))


def _leaves() -> dict:
    return analysis.leaves_trace(np.array([5.0, 15.0]), np.array([0, 1]), [NASTY, "b"],
                                 np.array([1, 1]))


def _candidates() -> dict:
    return analysis.candidate_trace([{"height": 2.0, "k": 2, "why": NASTY}], 4)


def _empty() -> go.Figure:
    return common.empty_figure(NASTY)


BUILDERS: dict[str, Callable[[], go.Figure | dict]] = {
    "dendrogram": _dendrogram, "scatter": _scatter, "clustermap": _clustermap,
    "profile": _profile, "silhouette": _silhouette, "tanglegram": _tanglegram,
    "colour_bars": _colour_bars, "leaves": _leaves, "candidates": _candidates,
    "empty": _empty,
}


def test_the_one_helper_escapes_tags_and_ampersands():
    assert plot_text(NASTY) == ESCAPED
    assert plot_text('"q"') == '"q"'  # plotly.js shows &quot; literally: quotes stay


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_user_text_reaches_the_figure_escaped(name):
    strings = _figure_strings(BUILDERS[name]())
    assert any(ESCAPED in s for s in strings), f"{name}: the escaped name is missing"
    raw = [s for s in strings if any(tag in s for tag in RAW_TAGS)]
    assert not raw, f"{name}: raw tags reach plotly: {raw[:3]}"
    # Nothing escaped twice (an '&amp;lt;' would show the entity, not the '<').
    assert not any("&amp;lt;" in s for s in strings), f"{name}: escaped twice"
