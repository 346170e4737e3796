"""A cut moved within the partition it is in moves the line only: the tree is not replotted.

plotly.js replots a whole graph (every trace recalculated and redrawn, ~110 ms for the 50-leaf
view at 20,000 rows) whenever the figure it is given holds an array it cannot tell is the one it
had: the arrays the server sends as ``{dtype, bdata}`` are decoded anew on every redraw, so any
update counted as new data, even the line's move alone. ``assets/dendro.js`` (``settled``)
decodes them once and keeps them, so after the first move the figure holds the same arrays and
plotly only moves the line (issue 14). Two more things made every update a full replot, both
because dcc.Graph hands plotly a deep copy of the layout each time and plotly compares some of
it by identity: the leaf axis's tick arrays (``layout.datarevision`` now says when arrays
changed) and objects in the layout (the template, now written into the layout itself:
``figures.common.untemplated``; the export's ``meta``, now a string). A replot restyles every
mark of the tree; a line-only move touches none.
"""

from __future__ import annotations

import pytest

from tests.browser import harness as h

pytestmark = pytest.mark.browser

# Does any trace plotly was given hold an array as the server sends it?
_SENT_ARRAYS_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  return gd.data.some((t) => Object.keys(t).some((k) => t[k] && t[k].bdata !== undefined));
}"""

# A second height a little above h (below, with sign -1) that cuts the tree into the same
# clusters (the page's rule).
_SAME_PARTITION_JS = """(h, sign = 1) => {
  const D = window.dash_clientside.dendro, k = D.liveCut(h).k;
  for (const f of [0.02, 0.01, 0.005, 0.002, 0.001]) {
    const t = Number((h * (1 + sign * f)).toPrecision(6));
    if (t !== h && D.liveCut(t).k === k) return t;
  }
  return null;
}"""

# Count changes to the tree's drawn traces from now on: a replot restyles every mark.
_WATCH_TRACES_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  window.__traceEdits = 0;
  if (window.__traceWatch) window.__traceWatch.disconnect();
  window.__traceWatch = new MutationObserver((records) => { window.__traceEdits += records.length; });
  window.__traceWatch.observe(gd.querySelector('.scatterlayer'),
                              {subtree: true, attributes: true, childList: true});
}"""

_LINE_AT_JS = """(t) => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const s = gd._fullLayout.shapes[0];
  return Math.abs(s.y0 - t) <= 1e-9 * Math.max(1, Math.abs(t));
}"""

# Hover the first merge of the tree's hover trace; the label plotly writes.
_HOVER_MERGE_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const i = gd._fullData.findIndex((t) => t.meta === 'hover');
  window.Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: 0}]);
  const label = gd.querySelector('.hoverlayer .hovertext');
  return label ? label.textContent : null;
}"""


# The tree's shapes as plotly drew them, less the stems: the cut line, then the contracted
# marks' one path.
_SHAPES_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const shapes = gd._fullLayout.shapes, stems = shapes.filter((s) => s.name === 'stems');
  return {types: shapes.filter((s) => s.name !== 'stems').map((s) => s.type),
          marks: shapes.length > 1 && shapes[1].name === 'contracted' ? shapes[1].path : null,
          drawn: gd.querySelectorAll('.shapelayer path').length - stems.length};
}"""

# The line's height and every stem plotly drew (shapes named "stems", one path per colour:
# "M x,bottom V top" each), with the trace computation plotly holds now.
_STEMS_JS = """() => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  const shapes = gd._fullLayout.shapes, stems = [];
  for (const s of shapes.filter((s) => s.name === 'stems')) {
    for (const m of s.path.matchAll(/M([^,]+),([^V]+)V([^M]+)/g)) {
      stems.push({colour: s.line.color, x: Number(m[1]), bottom: Number(m[2]), top: Number(m[3])});
    }
  }
  return {line: shapes[0].y0, stems: stems, sameCalc: gd.calcdata === window.__calcBefore,
          drawnPaths: gd.querySelectorAll('.shapelayer path').length};
}"""


def _move_line(page, t: float) -> None:
    h.type_number(page, "cut-height", repr(t))
    page.wait_for_function(_LINE_AT_JS, arg=t, timeout=30_000)
    h.wait_dash_idle(page)


def test_a_cut_in_the_same_partition_moves_the_line_without_a_replot(page):
    h.choose_example(page, "blobs-5k")
    assert page.evaluate(_SENT_ARRAYS_JS), "premise: the server's figure holds sent arrays"
    here = float(h.field_value(page, "cut-height"))
    there = page.evaluate(_SAME_PARTITION_JS, here)
    assert there is not None, f"no second height in the partition at {here}"
    k = h.cluster_count(page)
    colours = h.link_colours(h.figure(page, "dendrogram"))

    _move_line(page, there)  # the first move settles the sent arrays (one recalculation)
    assert not page.evaluate(_SENT_ARRAYS_JS)
    page.evaluate(_WATCH_TRACES_JS)
    _move_line(page, here)
    _move_line(page, there)
    assert page.evaluate("() => window.__traceEdits") == 0, "a move of the line redrew the tree"

    # Same partition: same count, same colours; the merges still hover with their rows of Z.
    assert h.cluster_count(page) == k
    assert h.link_colours(h.figure(page, "dendrogram")) == colours
    label = page.evaluate(_HOVER_MERGE_JS)
    assert label is not None and "of Z, forms cluster" in label, label


def test_a_new_partition_after_line_only_moves_still_recolours(page):
    h.choose_example(page, "blobs-5k")
    shapes = page.evaluate(_SHAPES_JS)
    # The truncated tree's contracted marks are one path shape (not a marker each) that every
    # recolour and line move keeps, right after the line (the stems come after them).
    assert shapes["types"] == ["line", "path"] and shapes["marks"].count("M") > 50, shapes
    here = float(h.field_value(page, "cut-height"))
    _move_line(page, page.evaluate(_SAME_PARTITION_JS, here))
    before = h.link_colours(h.figure(page, "dendrogram"))
    h.change(page, lambda: h.type_number(page, "cluster-k", 3))
    assert h.cluster_count(page) == 3
    after = h.link_colours(h.figure(page, "dendrogram"))
    assert after != before
    assert page.evaluate(_SHAPES_JS) == shapes
    label = page.evaluate(_HOVER_MERGE_JS)
    assert label is not None and "of Z, forms cluster" in label, label


def test_a_move_within_the_partition_takes_the_stems_to_the_line_without_a_replot(page):
    # The bug: the stems were points of the links traces, which a line-only move keeps, so
    # after a move down the clusters' stems poked above the dashed line, after a move up they
    # stopped short of it. Now they are shapes, moved with the line by a relayout.
    h.choose_example(page, "blobs-5k")
    here = float(h.field_value(page, "cut-height"))
    up = page.evaluate(_SAME_PARTITION_JS, here)
    down = page.evaluate("([h, s]) => (" + _SAME_PARTITION_JS + ")(h, s)", [here, -1])
    assert up is not None and down is not None, f"no heights in the partition around {here}"
    k = h.cluster_count(page)
    _move_line(page, up)  # settles the sent arrays (one recalculation)
    start = page.evaluate(_STEMS_JS)
    assert start["stems"], "premise: the cut gives stems"
    page.evaluate("() => { window.__calcBefore = document.querySelector("
                  "'#dendrogram .js-plotly-plot').calcdata; }")
    page.evaluate(_WATCH_TRACES_JS)
    for t in (down, up):
        _move_line(page, t)
        got = page.evaluate(_STEMS_JS)
        assert got["line"] == t
        # The same stems (same partition), each now ending exactly at the line.
        assert [(s["colour"], s["x"], s["bottom"]) for s in got["stems"]] == [
            (s["colour"], s["x"], s["bottom"]) for s in start["stems"]]
        tops = {s["top"] for s in got["stems"]}
        assert tops == {t}, f"stems end at {sorted(tops)[:5]}, the line at {t}"
        assert got["sameCalc"], "a move within the partition recomputed the traces"
        assert got["drawnPaths"] == start["drawnPaths"]
    assert page.evaluate("() => window.__traceEdits") == 0, "a move of the line redrew the tree"
    assert h.cluster_count(page) == k
    # What the page shows is fcluster's: every colour above the line is grey, the clusters'
    # colours stay below it.
    dendro = h.figure(page, "dendrogram")
    above = {c for c, top in h.link_groups(dendro) if top > up}
    assert len(above) == 1, above
