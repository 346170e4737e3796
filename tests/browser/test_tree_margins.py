"""The tree's margins are set from its labels' text, not measured by plotly.js (issue 14:
``automargin`` measured every leaf label on each draw and drew a new tree twice).

So the estimates must hold in the drawn page: in every orientation, with short leaf labels
(row numbers) and long ones (a name column), upright or level, the leaf labels, the leaf
title (issue 12, an annotation at the margin's outer edge) and the height axis's ticks and
title all lie inside the figure, and neither title covers a label.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.browser import harness as h

pytestmark = pytest.mark.browser

_BOXES_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                                text: el.textContent}; };
  const leafSide = gd._fullLayout.xaxis.tickvals ? 'x' : 'y';
  const height = leafSide === 'x' ? 'y' : 'x';
  return {
    figure: box(gd.querySelector('.main-svg')),
    leaves: [...gd.querySelectorAll('.' + leafSide + 'tick text')].map(box),
    ticks: [...gd.querySelectorAll('.' + height + 'tick text')].map(box),
    leafTitle: [...gd.querySelectorAll('.annotation')].map(box)
        .filter((b) => b.text.startsWith('leaves:')),
    heightTitle: [...gd.querySelectorAll('.g-' + height + 'title text')].map(box),
    margin: gd._fullLayout.margin,
  };
}"""


def _inside(b: dict, fig: dict, what: str) -> None:
    assert (b["left"] >= fig["left"] - 0.5 and b["right"] <= fig["right"] + 0.5
            and b["top"] >= fig["top"] - 0.5 and b["bottom"] <= fig["bottom"] + 0.5), (
        f"{what} {b} is not inside the figure {fig}")


def _apart(a: dict, b: dict, what: str) -> None:
    assert (a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"]
            or b["bottom"] <= a["top"]), f"{what}: {a} overlaps {b}"


def check_labels_fit(page) -> dict:
    got = page.evaluate(_BOXES_JS)
    fig = got["figure"]
    assert got["leaves"], "no leaf labels drawn"
    assert len(got["leafTitle"]) == 1, f"leaf title: {got['leafTitle']}"
    assert len(got["heightTitle"]) == 1 and got["heightTitle"][0]["text"] == "height"
    title, height_title = got["leafTitle"][0], got["heightTitle"][0]
    for b in got["leaves"]:
        _inside(b, fig, "leaf label")
        _apart(b, title, "leaf title")
    for b in got["ticks"]:
        _inside(b, fig, "height tick label")
        _apart(b, height_title, "height title")
    _inside(title, fig, "leaf title")
    _inside(height_title, fig, "height title")
    return got


_SIDE = {"top": ("xaxis", "bottom"), "bottom": ("xaxis", "top"), "left": ("yaxis", "right"),
         "right": ("yaxis", "left")}


def set_orientation(page, orientation: str) -> None:
    """Choose the root's side and wait for the leaf axis to be drawn on the other side (a
    bottom tree has the top tree's traces: the view's signature may not change)."""
    h.choose(page, "orientation", orientation)
    axis, side = _SIDE[orientation]
    page.wait_for_function("""([axis, side]) => {
        const gd = document.querySelector('#dendrogram .js-plotly-plot');
        const ax = gd && gd._fullLayout && gd._fullLayout[axis];
        return ax && ax.side === side && ax.tickvals && ax.tickvals.length > 0;
    }""", arg=[axis, side], timeout=60_000)
    h.wait_dash_idle(page)


@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_row_number_leaves_fit_in_every_orientation(page, orientation):
    h.choose_example(page, "tutorial-blobs")
    set_orientation(page, orientation)
    check_labels_fit(page)


@pytest.mark.parametrize("orientation", ["top", "left"])
def test_long_names_and_small_heights_fit(page, tmp_path, orientation):
    rng = np.random.default_rng(3)
    n = 24  # level labels would not fit side by side: upright, 24 characters deep
    frame = pd.DataFrame({
        "name": [f"specimen-{i:03d}-collected-x" for i in range(n)],
        "a": rng.normal(size=n) * 1e-4, "b": rng.normal(size=n) * 1e-4,  # small heights
    })
    path = tmp_path / "named.csv"
    frame.to_csv(path, index=False)
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    h.change(page, lambda: h.choose(page, "label-column", "name"))
    set_orientation(page, orientation)
    got = check_labels_fit(page)
    assert any("specimen-" in b["text"] for b in got["leaves"])
    # plotly.js writes heights of order 1e-4 as 100μ, 200μ, ...
    assert any("μ" in b["text"] for b in got["ticks"]), [b["text"] for b in got["ticks"]]


_ANGLE_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  return gd && gd.layout && gd.layout.xaxis ? gd.layout.xaxis.tickangle : null;
}"""


def _zoom_to(page, lo_hi) -> None:
    page.evaluate("""(r) => window.Plotly.relayout(
        document.querySelector('#dendrogram .js-plotly-plot'), {'xaxis.range': r})""", lo_hi)


def test_upright_leaf_labels_lie_level_in_a_zoom_that_fits_them_and_upright_again(page):
    """plotly.js's automatic angle is gone (it measured every label on each draw): the page
    lays the labels level itself while a zoom shows few enough of them side by side."""
    h.choose_example(page, "tutorial-blobs")  # 150 leaves: upright
    assert page.evaluate(_ANGLE_JS) == 90
    _zoom_to(page, [0, 80])  # 8 leaves (leaf i at 10 i + 5)
    page.wait_for_function(f"() => ({_ANGLE_JS})() === 0", timeout=10_000)
    got = page.evaluate(_BOXES_JS)
    shown = [b for b in got["leaves"] if b["right"] > b["left"]]
    assert 6 <= len(shown) <= 10, [b["text"] for b in shown]
    for b in shown:
        assert b["bottom"] - b["top"] < 2 * (b["right"] - b["left"]) + 20, b  # level, not tall
        _inside(b, got["figure"], "leaf label")
    for a, b in zip(shown, shown[1:], strict=False):
        _apart(a, b, "level leaf labels")
    # A zoom showing too many for the plot's width, then the whole tree: upright again.
    _zoom_to(page, [0, 900])
    page.wait_for_function(f"() => ({_ANGLE_JS})() === 90", timeout=10_000)
    _zoom_to(page, [0, 80])
    page.wait_for_function(f"() => ({_ANGLE_JS})() === 0", timeout=10_000)
    page.evaluate("""() => window.Plotly.relayout(
        document.querySelector('#dendrogram .js-plotly-plot'), {'xaxis.autorange': true})""")
    page.wait_for_function(f"() => ({_ANGLE_JS})() === 90", timeout=10_000)
    check_labels_fit(page)


def test_a_tree_drawn_level_stays_level(page, tmp_path):
    """Labels the server laid level were given a level label's margin: never made upright."""
    path = tmp_path / "eight.csv"
    rng = np.random.default_rng(5)
    pd.DataFrame(rng.normal(size=(8, 2)), columns=["a", "b"]).to_csv(path, index=False)
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)
    assert page.evaluate(_ANGLE_JS) == 0
    _zoom_to(page, [0, 30])
    h.wait_dash_idle(page)
    assert page.evaluate(_ANGLE_JS) == 0
    check_labels_fit(page)
