"""A submitted cut is drawn before Dash's turn, and Dash then holds what was drawn (issue 14).

``assets/cut_now.js`` draws a re-cut that makes a new partition at the Enter (max_d or k) or
the line's release, with dendro.js's own recolour, and gives the value to Dash after that
frame. What must hold, read back from plotly and the page:
- each graph is computed once per re-cut: plotly's ``plotly_react`` fires twice (the early draw,
  then dcc.Graph's redraw with Dash's figure), both times with the same data array and the
  same ``calcdata``, which differs from the one before (Dash's figure *is* the drawn one);
- the colours are fcluster's at the cut, and the fields, the count and the link follow;
- a value applyCut refuses is not drawn and gets its message; a cut in the same partition is
  drawn as a relayout (the traces kept, nothing computed); a re-cut while another partition
  source holds the colours ends as Dash alone would end it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster

from tests.browser import harness as h
from tests.browser.test_explorer import (
    band_middle,
    blob_table,
    check_colours_match_cut,
    open_ward_blobs,
    scatter_partition,
    write_csv,
)
from tests.browser.test_partition import _switch

pytestmark = pytest.mark.browser


@pytest.fixture
def blobs(tmp_path):
    X = blob_table()
    return write_csv(tmp_path / "four_blobs.csv", X), X

# From now on, log each graph's Plotly.react: the data array it was given and plotly's calcdata
# after it (a new calcdata object means the traces were computed again).
_WATCH_JS = """() => {
  window.__reacts = {};
  for (const id of ['dendrogram', 'scatter']) {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    const log = window.__reacts[id] = {before: gd.calcdata, events: []};
    if (!gd.__reactWatched) {
      gd.on('plotly_react', (ev) => gd.__reactLog.push({calc: gd.calcdata, data: ev.data}));
      gd.__reactWatched = true;
    }
    gd.__reactLog = log.events;
  }
}"""

_REACTS_JS = """() => {
  const out = {};
  for (const [id, log] of Object.entries(window.__reacts)) {
    const ev = log.events;
    out[id] = {reacts: ev.length,
               calcs: new Set(ev.map((e) => e.calc)).size,
               arrays: new Set(ev.map((e) => e.data)).size,
               recomputed: ev.length > 0 && ev[0].calc !== log.before};
  }
  return out;
}"""


def _reacts_after(page, action) -> dict:
    page.evaluate(_WATCH_JS)
    h.change(page, action)
    h.wait_dash_idle(page)
    return page.evaluate(_REACTS_JS)


def _drawn_once(reacts: dict) -> None:
    for graph, r in reacts.items():
        assert r == {"reacts": 2, "calcs": 1, "arrays": 1, "recomputed": True}, (graph, reacts)


def _check_cut(page, X, Z, k: int) -> float:
    t = h.cut_line(h.figure(page, "dendrogram"))["y0"]
    assert h.cluster_count(page) == k, h.text_of(page, "cluster-count")
    check_colours_match_cut(page, k)
    assert h.same_partition(scatter_partition(page, X), fcluster(Z, t, "distance"))
    assert int(h.field_value(page, "cluster-k")) == k
    assert float(h.field_value(page, "cut-height")) == pytest.approx(t)
    assert f"cut={h.field_value(page, 'cut-height')}" in page.url, page.url
    return t


def test_typed_max_d_k_and_a_drag_are_drawn_once_and_dash_holds_the_drawing(page, blobs):
    X, Z = open_ward_blobs(page, blobs)
    for k in (3, 4):
        t = band_middle(Z, k)
        _drawn_once(_reacts_after(page, lambda t=t: h.type_number(page, "cut-height", t)))
        assert _check_cut(page, X, Z, k) == pytest.approx(t)
    _drawn_once(_reacts_after(page, lambda: h.type_number(page, "cluster-k", 2)))
    _check_cut(page, X, Z, 2)
    _drawn_once(_reacts_after(page, lambda: h.drag_cut_line(page, band_middle(Z, 4))))
    _check_cut(page, X, Z, 4)
    h.assert_no_console_errors(page)


def test_a_refused_value_goes_through_dash_and_a_same_partition_move_is_a_relayout(page, blobs):
    X, Z = open_ward_blobs(page, blobs)
    h.change(page, lambda: h.type_number(page, "cut-height", band_middle(Z, 3)))
    # Refused: nothing is drawn, the message says what to type, the cut stays.
    page.evaluate(_WATCH_JS)
    h.type_number(page, "cluster-k", 0)
    page.wait_for_function("() => document.getElementById('cluster-k-message').textContent "
                           "!== ''", timeout=30_000)
    h.wait_dash_idle(page)
    assert page.evaluate(_REACTS_JS)["dendrogram"]["reacts"] == 0
    assert h.cluster_count(page) == 3
    # The same partition: the line and the stems move, drawn first, then Dash holds the same
    # (two reacts of the tree, one data array, no new calcdata; the scatter is not touched).
    t = (Z[-3, 2] + band_middle(Z, 3)) / 2
    t = round(float(t), 6)
    reacts = _reacts_after(page, lambda: h.type_number(page, "cut-height", t))
    assert reacts["dendrogram"] == {"reacts": 2, "calcs": 1, "arrays": 1,
                                    "recomputed": False}, reacts
    assert reacts["scatter"]["reacts"] == 0, reacts
    assert h.cut_line(h.figure(page, "dendrogram"))["y0"] == pytest.approx(t)
    assert h.cluster_count(page) == 3 and int(h.field_value(page, "cluster-k")) == 3
    assert h.same_partition(scatter_partition(page, X), fcluster(Z, t, "distance"))
    # The stems moved with the line (shapes, a relayout): none pokes above it, and the tree's
    # colours are fcluster's at the new height (they poked above it after a move down).
    check_colours_match_cut(page, 3)
    dendro = h.figure(page, "dendrogram")
    line = h.cut_line(dendro)["y0"]
    stems = h.stem_segments(dendro)
    assert stems and {max(ys) for _, ys in stems} == {line}, (line, stems)


def test_a_typed_height_while_another_source_holds_the_colours_brings_the_height_back(
        page, blobs):
    X, Z = open_ward_blobs(page, blobs)
    _switch(page, "cut-source", "roots")
    h.wait_dash_idle(page)
    h.change(page, lambda: h.type_number(page, "cut-height", band_middle(Z, 4)))
    h.wait_dash_idle(page)
    assert h.dropdown_value(page, "cut-source").startswith("height")
    t = _check_cut(page, X, Z, 4)
    assert np.isclose(t, band_middle(Z, 4))
    h.assert_no_console_errors(page)
