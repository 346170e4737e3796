"""plotly.js's defaults for the page's graphs (assets/plot_defaults.js).

The scatter's WebGL canvas is drawn at the screen's pixel ratio: plotly.js's default draws
WebGL canvases at twice the graph's CSS size on every screen; with software WebGL that
read-back was most of a re-cut's frame (issue 14). The canvas must match the device pixel
ratio: 1 on an ordinary screen, 2 on a retina one (never blurrier than it).

No graph offers plotly.js 4's "Share chart..." (an upload of the chart, its data with it, to
Plotly Cloud).
"""

from __future__ import annotations

import pytest

from tests.browser import harness as h

pytestmark = pytest.mark.browser

_CANVASES_JS = """() => {
  const gd = document.querySelector('#scatter .js-plotly-plot');
  const gl = gd._fullData.filter((t) => t.type === 'scattergl').length;
  return {gl, ratio: window.devicePixelRatio,
          canvases: Array.from(gd.querySelectorAll('canvas.gl-canvas')).map((c) => {
            const r = c.getBoundingClientRect();
            return {width: c.width, css: r.width};
          })};
}"""


@pytest.mark.parametrize("scale", [1, 2])
def test_the_scatter_canvas_has_the_screens_resolution(browser, live_server, scale):
    with h.opened_page(browser, live_server.url, device_scale_factor=scale) as page:
        h.choose_example(page, "blobs-5k")
        got = page.evaluate(_CANVASES_JS)
        assert got["ratio"] == scale
        assert got["gl"] > 0, "blobs-5k's scatter is drawn with WebGL"
        assert got["canvases"], got
        for c in got["canvases"]:
            # plotly rounds the canvas to whole pixels.
            assert abs(c["width"] - scale * c["css"]) <= 1, (scale, got)
        h.assert_no_console_errors(page)


def test_no_graph_offers_to_upload_its_chart(browser, live_server):
    with h.opened_page(browser, live_server.url) as page:
        h.choose_example(page, "blobs-5k")
        page.get_by_role("tab", name="Full tree").click()
        page.wait_for_selector("#full-tree-graph .js-plotly-plot .modebar-btn")
        graphs = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .map((gd) => Array.from(gd.querySelectorAll('.modebar-btn'))
                 .map((b) => b.getAttribute('data-title') || ''))""")
        assert len(graphs) >= 3 and all(graphs), graphs  # tree, scatter, full tree: modebars
        offered = [t for titles in graphs for t in titles if "share" in t.lower()
                   or "cloud" in t.lower()]
        assert not offered, offered
        h.assert_no_console_errors(page)
