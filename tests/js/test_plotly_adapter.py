"""assets/plotly_adapter.js under Node, on fake graph objects: the one place the drag meets plotly.js.

The conversions are checked against plotly's own linear scale, written here as plotly's
``setScale`` builds it (``_offset``, ``_length``, ``_m``, ``_b`` from the plot area, the axis
domain and its range), so a slip in the adapter's algebra shows as a pixel difference. Whether
plotly still draws where that scale says is the browser test's job
(tests/browser/test_plotly_adapter.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "assets" / "plotly_adapter.js"
NODE = shutil.which("node")

# In CI the test command installs Node, so there a missing node fails instead of skipping.
needs_node = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="needs Node.js to run assets/plotly_adapter.js")

# A fake graph div: what the adapter reads (gd.layout, gd._fullLayout._size, the div's client
# rectangle) and a querySelector that answers the shape-layer selectors with fake SVG nodes.
_HARNESS = r"""
const fs = require('fs');
global.window = {};
eval(fs.readFileSync(process.argv[2], 'utf8'));
const P = window.dendroPlotly;
const input = JSON.parse(fs.readFileSync(0, 'utf8'));

function node(tag, cls) {
  return {tagName: tag, classList: {contains: (c) => (cls || []).includes(c)}, cls: cls || []};
}
function fakeGraph(c) {
  const asked = [];
  const group = {children: [node('PATH'), node('g', ['shape-label']), node('rect', ['other'])]};
  const label = node('text', ['shape-label-text']);
  return {
    asked: asked,
    layout: c.layout,
    _fullLayout: c.size ? {_size: c.size} : (c.drawn === false ? undefined : {}),
    getBoundingClientRect: () => c.rect,
    querySelector: (sel) => { asked.push(sel); if (!c.svg) return null;
                              return sel.endsWith('.shape-label-text') ? label : group; },
  };
}

const out = input.cases.map((c) => {
  const gd = fakeGraph(c);
  const shape = P.cutShape(gd);
  const axis = shape ? P.heightAxis(gd, shape) : null;
  const res = {shape: shape, axis: axis, box: P.plotBox(gd)};
  if (axis) {
    res.pixels = c.values.map((v) => P.toPixel(axis, v));
    res.back = res.pixels.map((px) => P.toValue(axis, px));
    res.values = (c.pixels || []).map((px) => P.toValue(axis, px));
  }
  res.nodes = P.cutLineNodes(gd).map((n) => n.tagName.toLowerCase() + '.' + n.cls.join('.'));
  const lab = P.cutLabelNode(gd);
  res.label = lab ? lab.cls.join('.') : null;
  res.asked = gd.asked;
  return res;
});
out.push({version: P.version(), checked: P.CHECKED_VERSION});
window.Plotly = {version: '9.9.9'};
out.push({version: P.version()});
out.push({none: [P.plotBox(null), P.cutShape(null), P.cutLineNodes(null), P.cutLabelNode(null)]});
process.stdout.write(JSON.stringify(out));
"""

RECT = {"left": 12.0, "top": 230.5}
SIZE = {"l": 80.0, "t": 40.0, "w": 640.0, "h": 410.0}


def plotly_scale(ref: str, rng: list[float], domain: list[float] | None = None) -> tuple[float, float, float]:
    """(offset, m, b) of plotly.js's setScale for a linear axis; pixel = offset + m * v + b."""
    d0, d1 = domain or [0.0, 1.0]
    r0, r1 = rng
    if ref.startswith("y"):
        offset = RECT["top"] + SIZE["t"] + (1 - d1) * SIZE["h"]
        length = SIZE["h"] * (d1 - d0)
        m = length / (r0 - r1)
        return offset, m, -m * r1
    offset = RECT["left"] + SIZE["l"] + d0 * SIZE["w"]
    length = SIZE["w"] * (d1 - d0)
    m = length / (r1 - r0)
    return offset, m, -m * r0


def level_line(t: float, ref: str = "y") -> dict:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": ref, "y0": t, "y1": t}


def upright_line(t: float, ref: str = "x") -> dict:
    return {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": ref, "x0": t, "x1": t}


# The four orientations of components/figures/dendrogram.py (heights along y for top/bottom,
# along x for left/right; bottom and left reversed), plus a second axis with a short domain.
ORIENTATIONS = {
    "top": ("yaxis", "y", [-13.3, 193.2], None),
    "bottom": ("yaxis", "y", [193.3, -13.3], None),
    "right": ("xaxis", "x", [-11.3, 191.5], None),
    "left": ("xaxis", "x", [191.5, -11.3], None),
    "y2-domain": ("yaxis2", "y2", [0.0, 4.0], [0.25, 0.75]),
    "x3-domain": ("xaxis3", "x3", [100.0, -20.0], [0.1, 0.6]),
}


def _run(cases: list[dict], tmp_path: Path) -> list[dict]:
    script = tmp_path / "adapter_harness.js"
    script.write_text(_HARNESS)
    done = subprocess.run([NODE, str(script), str(ADAPTER)], input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _case(key: str, ref: str, rng: list[float], domain: list[float] | None, values: list[float],
          pixels: list[float]) -> dict:
    axis = {"range": rng, "type": "linear"}
    if domain:
        axis["domain"] = domain
    shape = level_line(50.0, ref) if ref.startswith("y") else upright_line(50.0, ref)
    return {"layout": {"shapes": [shape], key: axis}, "size": SIZE, "rect": RECT, "svg": True,
            "values": values, "pixels": pixels}


@needs_node
def test_conversions_match_plotlys_linear_scale_in_every_orientation(tmp_path):
    rng = np.random.default_rng(11)
    names = list(ORIENTATIONS)
    cases = []
    for name in names:
        key, ref, r, domain = ORIENTATIONS[name]
        lo, hi = sorted(r)
        values = [50.0, lo, hi, *rng.uniform(lo - 5, hi + 5, 40).tolist()]
        offset, m, _ = plotly_scale(ref, r, domain)
        pixels = (offset + rng.uniform(-20, abs(m) * (hi - lo) + 20, 40)).tolist()
        cases.append(_case(key, ref, r, domain, values, pixels))
    out = _run(cases, tmp_path)
    for name, case, res in zip(names, cases, out, strict=False):
        key, ref, r, domain = ORIENTATIONS[name]
        offset, m, b = plotly_scale(ref, r, domain)
        assert res["shape"] == {"level": ref.startswith("y"), "ref": ref, "value": 50.0}, name
        assert res["axis"]["vertical"] is ref.startswith("y"), name
        # toPixel is plotly's offset + l2p(d2l(v)) (l2p rounds to 0.01 px; ours does not).
        expected = offset + m * np.array(case["values"]) + b
        np.testing.assert_allclose(res["pixels"], expected, rtol=0, atol=1e-9, err_msg=name)
        # toValue is plotly's l2d(p2l(px - offset)), and undoes toPixel.
        expected_v = (np.array(case["pixels"]) - offset - b) / m
        np.testing.assert_allclose(res["values"], expected_v, rtol=1e-12, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(res["back"], case["values"], rtol=1e-12, atol=1e-9, err_msg=name)
        assert res["box"] == {"left": 92.0, "top": 270.5, "right": 732.0, "bottom": 680.5}


@needs_node
def test_the_higher_cut_is_further_from_the_leaves(tmp_path):
    # Root on top: higher cuts are higher up (smaller y); bottom: lower down; right: further
    # right; left: further left. Cheap to state, and what a reversed range must keep.
    cases = [_case(*ORIENTATIONS[n][:4], [10.0, 20.0], []) for n in ("top", "bottom", "right", "left")]
    out = _run(cases, tmp_path)
    (t10, t20), (b10, b20), (r10, r20), (l10, l20) = (res["pixels"] for res in out[:4])
    assert t20 < t10 and b20 > b10 and r20 > r10 and l20 < l10


@needs_node
def test_nothing_to_drag_until_plotly_has_drawn_a_linear_height_axis(tmp_path):
    good = _case("yaxis", "y", [0.0, 10.0], None, [1.0], [])
    no_draw = {**good, "size": None, "drawn": False}
    no_size = {**good, "size": None}
    no_shapes = {**good, "layout": {"yaxis": {"range": [0, 10]}}}
    empty_shapes = {**good, "layout": {"shapes": [], "yaxis": {"range": [0, 10]}}}
    both_paper = {**good, "layout": {"shapes": [{**level_line(1.0), "yref": "paper"}],
                                     "yaxis": {"range": [0, 10]}}}
    no_value = {**good, "layout": {"shapes": [level_line(None)], "yaxis": {"range": [0, 10]}}}
    no_axis = {**good, "layout": {"shapes": [level_line(1.0)]}}
    no_range = {**good, "layout": {"shapes": [level_line(1.0)], "yaxis": {"autorange": True}}}
    flat = {**good, "layout": {"shapes": [level_line(1.0)], "yaxis": {"range": [3, 3]}}}
    log = {**good, "layout": {"shapes": [level_line(1.0)], "yaxis": {"range": [0, 1], "type": "log"}}}
    auto_type = {**good, "layout": {"shapes": [level_line(1.0)], "yaxis": {"range": [0, 10], "type": "-"}}}
    no_svg = {**good, "svg": False}
    cases = [no_draw, no_size, no_shapes, empty_shapes, both_paper, no_value, no_axis, no_range,
             flat, log, auto_type, no_svg]
    out = _run(cases, tmp_path)
    for name, res in zip(["no_draw", "no_size"], out[:2], strict=True):
        assert res["box"] is None and res["axis"] is None, name
    for name, res in zip(["no_shapes", "empty_shapes", "both_paper", "no_value"], out[2:6],
                         strict=True):
        assert res["shape"] is None, name
    for name, res in zip(["no_axis", "no_range", "flat", "log"], out[6:10], strict=True):
        assert res["shape"] is not None and res["axis"] is None, name
    assert out[10]["axis"] is not None  # plotly's "-" (not yet typed) is linear for numbers
    assert out[11]["nodes"] == [] and out[11]["label"] is None and out[11]["axis"] is not None


@needs_node
def test_cut_line_nodes_are_the_first_shapes_path_and_label(tmp_path):
    out = _run([_case("yaxis", "y", [0.0, 10.0], None, [], [])], tmp_path)
    res = out[0]
    assert res["nodes"] == ["path.", "g.shape-label"]
    assert res["label"] == "shape-label-text"
    assert res["asked"] == ['.shapelayer .shape-group[data-index="0"]',
                            '.shapelayer .shape-group[data-index="0"] .shape-label-text']
    assert out[-1]["none"] == [None, None, [], None]


@needs_node
def test_checked_version_is_the_plotly_js_dash_serves(tmp_path):
    from plotly.offline import get_plotlyjs_version

    out = _run([], tmp_path)
    checked = out[0]["checked"]
    assert out[0]["version"] == "" and out[1]["version"] == "9.9.9"
    # Dash serves the plotly.js bundled with plotly.py (dash.Dash._setup_plotlyjs). A new one
    # must be re-checked (tests/browser/test_plotly_adapter.py), then CHECKED_VERSION moved.
    assert checked == get_plotlyjs_version(), (
        f"assets/plotly_adapter.js was checked against plotly.js {checked}, the app now serves "
        f"{get_plotlyjs_version()}: run tests/browser/test_plotly_adapter.py and update it")


_PRIVATE = re.compile(r"_fullLayout|_fullData|\._size\b|\b[lpdcr]2[lpdcr]\b|shapelayer|shape-group|"
                      r"shape-label|_dashprivate")


def test_no_other_asset_touches_plotly_or_dash_internals():
    offenders = {}
    for path in sorted((ROOT / "assets").glob("*.js")):
        if path.name == ADAPTER.name:
            continue
        hits = sorted(set(_PRIVATE.findall(path.read_text())))
        if hits:
            offenders[path.name] = hits
    assert not offenders, f"private plotly.js (outside plotly_adapter.js) or Dash names: {offenders}"
