/*
 * Dendrogram Explorer: plotly.js's defaults for every graph of the page.
 *
 * - No "Share chart..." button. plotly.js 4 offers it on every graph unless told not to
 *   (`showSendToCloud`, default true): it uploads the chart, and so the analyst's rows, to
 *   Plotly Cloud. A hosted instance holds people's data; nothing of it leaves by one click.
 *
 * - WebGL graphs drawn at the screen's resolution, not twice it (issue 14):
 *
 * plotly.js draws every WebGL trace (the scatter's points above 2,000 rows) on canvases
 * `plotGlPixelRatio` times the graph's CSS size, 2 by default whatever the screen.
 * On a screen of device pixel ratio 1 that is four times the pixels anyone sees: with software
 * WebGL (no GPU, as on this project's machines and many remote desktops) each re-cut's frame
 * then waited about 87 ms for the scatter's canvas to be read back, and plotly's own redraw of
 * the 20,000 points took about 50 ms; at the screen's ratio, 45-54 ms in a re-cut and about
 * 20 ms in isolation (bench/recolour_timeline.py --cpu; tests/browser/test_plot_defaults.py
 * checks the canvas).
 * A retina screen (ratio 2) keeps plotly's 2; ratios in between get their own.
 *
 * Both are set through plotly.js's public `Plotly.setPlotConfig`, the default every graph's
 * config starts from (dcc.Graph passes neither of its own; the Full tree's graph is plotly's
 * own, assets/lod.js). dcc.Graph loads plotly.js with a <script> it appends when the first
 * graph mounts; a capturing `load` listener on the document runs before that script's own
 * `onload`, so the very first drawing already has it.
 */
(function () {
    "use strict";

    // The canvas-to-CSS pixel ratio for this screen, within plotly's allowed 1..2 we use.
    function ratio() {
        var dpr = Number(window.devicePixelRatio) || 1;
        return Math.min(2, Math.max(1, dpr));
    }

    function configure() {
        if (!window.Plotly || !window.Plotly.setPlotConfig) {
            return false;
        }
        window.Plotly.setPlotConfig({plotGlPixelRatio: ratio(), showSendToCloud: false});
        return true;
    }

    if (!configure()) {
        var onLoad = function (e) {
            var el = e.target;
            if (el && el.tagName === "SCRIPT" && configure()) {
                document.removeEventListener("load", onLoad, true);
            }
        };
        document.addEventListener("load", onLoad, true);
    }
}());
