"""assets/plotly_adapter.js on a real plotly graph: its pixels are where plotly draws the cut.

The adapter computes pixel <-> height itself (from the public ``gd.layout`` and the plot area);
plotly.js draws the cut line with its own private scale. In all four orientations (heights up,
down, right, left; down and left on a reversed axis) the line's SVG must sit where
``toPixel(height)`` says, span the plot area ``plotBox`` reports, and read back as its height,
at the height the page opened with, at a typed one, and after a zoom; then a drag by the
adapter's pixels must land in the band it aimed at. Run this first after a plotly upgrade.
"""

from __future__ import annotations

import pytest
from scipy.cluster.hierarchy import fcluster

from tests.browser import harness as h
from tests.browser.test_explorer import band_middle, blob_table, open_ward_blobs, write_csv

pytestmark = pytest.mark.browser

_MEASURE_JS = """() => {
  const P = window.dendroPlotly;
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const shape = P.cutShape(gd), axis = P.heightAxis(gd, shape), box = P.plotBox(gd);
  const path = P.cutLineNodes(gd).find((n) => n.tagName.toLowerCase() === 'path');
  const rect = (el) => { const r = el.getBoundingClientRect();
                         return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const drawn = rect(path);
  const label = P.cutLabelNode(gd);
  return {
    version: window.Plotly.version, checked: P.CHECKED_VERSION, shape, axis, box,
    pixel: P.toPixel(axis, shape.value), drawn,
    // plotly's drag rectangle covers exactly the plot area (a check of plotBox only).
    area: rect(gd.querySelector('.draglayer .nsewdrag')),
    back: P.toValue(axis, shape.level ? drawn.top : drawn.left),
    label: label ? label.textContent : null,
    layer: P.cutLineNodes(gd).map((n) => n.tagName.toLowerCase()),
  };
}"""


@pytest.fixture
def blobs_csv(tmp_path):
    X = blob_table()
    return write_csv(tmp_path / "four_blobs.csv", X), X


def measure(page) -> dict:
    return page.evaluate(_MEASURE_JS)


def check_agrees(m: dict, orientation: str) -> None:
    """The adapter's numbers against what plotly drew (0.5 px: plotly rounds to 0.01 px)."""
    assert m["version"] == m["checked"], (
        f"plotly.js {m['version']} runs, the adapter was checked against {m['checked']}")
    level = orientation in ("top", "bottom")
    assert m["shape"]["level"] is level and m["axis"]["vertical"] is level, m
    d, box, px = m["drawn"], m["box"], m["pixel"]
    for side in ("left", "top", "right", "bottom"):
        assert abs(box[side] - m["area"][side]) <= 0.5, (side, box, m["area"])
    along = (d["top"], d["bottom"]) if level else (d["left"], d["right"])
    across = (d["left"], d["right"]) if level else (d["top"], d["bottom"])
    ends = (box["left"], box["right"]) if level else (box["top"], box["bottom"])
    assert all(abs(a - px) <= 0.5 for a in along), (orientation, along, px, m["shape"])
    assert all(abs(a - e) <= 1.0 for a, e in zip(across, ends, strict=True)), (across, ends)
    per_px = abs(m["axis"]["r1"] - m["axis"]["r0"]) / m["axis"]["length"]
    assert abs(m["back"] - m["shape"]["value"]) <= 0.5 * per_px, (m["back"], m["shape"])
    assert m["layer"][0] == "path" and m["label"] and m["label"].startswith("max_d = ")
    # Higher cuts lie further from the leaves: the root's side of the plot.
    higher = m["axis"]["r1"] > m["axis"]["r0"]
    assert higher is (orientation in ("top", "right")), (orientation, m["axis"])


def drag_to(page, m: dict, height: float) -> None:
    """Press on the line at the middle of its length and release at the adapter's pixel for
    ``height``, the way a person drags it (the resize cursor must show first)."""
    level = m["shape"]["level"]
    box = m["box"]
    target = page.evaluate("""(t) => { const P = window.dendroPlotly;
        const gd = document.querySelector('#dendrogram .js-plotly-plot');
        return P.toPixel(P.heightAxis(gd, P.cutShape(gd)), t); }""", height)
    mid_x, mid_y = (box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2
    if level:  # a slanted pull: only the part along the height axis counts
        x, y, to = mid_x, m["pixel"], (mid_x + 30, target)
    else:
        x, y, to = m["pixel"], mid_y, (target, mid_y + 30)
    page.mouse.move(x, y)
    cursor = "dendro-cut-grab-y" if level else "dendro-cut-grab-x"
    assert page.evaluate("(c) => document.querySelector('#dendrogram .js-plotly-plot').classList"
                         ".contains(c)", cursor), f"no {cursor} over the line at ({x:.0f}, {y:.0f})"
    page.mouse.down()
    page.mouse.move(*to, steps=8)
    page.mouse.up()


@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_adapter_pixels_are_where_plotly_draws_the_cut(page, blobs_csv, orientation):
    X, Z = open_ward_blobs(page, blobs_csv)
    if orientation != "top":
        h.choose(page, "orientation", orientation)
    page.keyboard.press("Escape")
    page.locator("#dendrogram").scroll_into_view_if_needed()
    h.wait_dash_idle(page)
    check_agrees(measure(page), orientation)

    # A typed height: plotly redraws the line, the adapter follows.
    h.change(page, lambda: h.type_number(page, "cut-height", round(band_middle(Z, 3), 2)))
    m = measure(page)
    assert m["shape"]["value"] == pytest.approx(band_middle(Z, 3), rel=1e-3)
    check_agrees(m, orientation)

    # Zoomed in on the height axis through plotly's public relayout: a new scale.
    key = "yaxis" if orientation in ("top", "bottom") else "xaxis"
    lo, hi = float(Z[-4, 2]), float(Z[-1, 2])
    rng = [lo, hi] if orientation in ("top", "right") else [hi, lo]
    page.evaluate("""([key, rng]) => Plotly.relayout(
        document.querySelector('#dendrogram .js-plotly-plot'), {[key + '.range']: rng})""", [key, rng])
    h.wait_dash_idle(page)
    m = measure(page)
    assert [m["axis"]["r0"], m["axis"]["r1"]] == pytest.approx(rng)
    check_agrees(m, orientation)

    # A drag aimed with the adapter's pixels lands in the band it aimed at.
    before = h.view_signature(page)
    drag_to(page, m, band_middle(Z, 2))
    h.wait_for_change(page, before)
    m = measure(page)
    t = m["shape"]["value"]
    assert Z[-2, 2] <= t < Z[-1, 2], f"released at {t}, outside k=2's band ({orientation})"
    assert h.cluster_count(page) == fcluster(Z, t, "distance").max() == 2
    check_agrees(m, orientation)
    h.assert_no_console_errors(page)
