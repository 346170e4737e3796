/*
 * Dendrogram Explorer: the leaf labels' angle follows the zoom.
 *
 * The server chooses the angle of a top/bottom tree's leaf labels for the whole tree
 * (components/figures/dendrogram.py: leaf_label_angle, level only when all of them fit side by
 * side in NARROW_PLOT_PX; plotly.js's own `tickangle: "auto"` measured every label on each
 * draw). This file applies the same estimate of a label's width (CHAR_EM em per character, a
 * whole em for a wide CJK one, a 6 px gap): labels the server made upright are laid level
 * while a zoom shows few enough of them to fit side by side in the plot, and upright again
 * when it does not. A tree drawn level stays level: its margins were sized for level labels.
 * (The server's choice is recomputed here, not carried in `layout.meta`: a layout object with
 * meta made plotly.js replot every trace when the cut line alone moved.) The check runs after
 * each draw (`plotly_afterplot`: a zoom, a pan, a new figure under the same zoom); it changes
 * the angle only when it differs, so its own relayout ends the loop.
 */
(function () {
    "use strict";

    var CHAR_EM = 0.65;  // dendrogram.py CHAR_EM
    var GAP_PX = 6;      // dendrogram.py _level_fits
    var NARROW_PLOT_PX = 600;  // dendrogram.py NARROW_PLOT_PX
    // dendrogram.py widest_label_px: East Asian wide and full-width characters take a whole em.
    var WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/;
    var watched = new WeakSet();

    function graph() {
        return document.querySelector("#dendrogram .js-plotly-plot");
    }

    function ems(text) {
        var n = 0;
        Array.from(String(text)).forEach(function (ch) { n += WIDE.test(ch) ? 1 : CHAR_EM; });
        return n;
    }

    // How many of the labels lie in [lo, hi], and the widest of them in px.
    function inView(ax, lo, hi, size) {
        var n = 0;
        var widest = 0;
        for (var i = 0; i < ax.tickvals.length; i++) {
            if (ax.tickvals[i] >= lo && ax.tickvals[i] <= hi) {
                n += 1;
                widest = Math.max(widest, ems(ax.ticktext[i]) * size);
            }
        }
        return {n: n, widest: widest};
    }

    function fits(got, width) {
        return got.n > 0 && got.n * (got.widest + GAP_PX) <= width;
    }

    // 0 or 90 for the labels now in view; null when the server laid them level (or the graph
    // has no leaf labels on its x axis: a left/right tree's are always level).
    function wanted(gd) {
        var ax = (gd.layout || {}).xaxis || {};
        if (!Array.isArray(ax.tickvals) || !Array.isArray(ax.ticktext) ||
                !Array.isArray(ax.range) || (ax.tickangle !== 0 && ax.tickangle !== 90)) {
            return null;
        }
        var size = (ax.tickfont && ax.tickfont.size) || 11;
        if (fits(inView(ax, -Infinity, Infinity, size), NARROW_PLOT_PX)) {
            return null;
        }
        var P = window.dendroPlotly;
        var box = P ? P.plotBox(gd) : null;
        if (!box) {
            return null;
        }
        var lo = Math.min(ax.range[0], ax.range[1]);
        var hi = Math.max(ax.range[0], ax.range[1]);
        return fits(inView(ax, lo, hi, size), box.right - box.left) ? 0 : 90;
    }

    function follow(gd) {
        var want = wanted(gd);
        if (want !== null && gd.layout.xaxis.tickangle !== want) {
            window.Plotly.relayout(gd, {"xaxis.tickangle": want});
        }
    }

    // The graph's div is made by dcc.Graph (and made anew if the page rebuilds it): looked
    // for twice a second, one querySelector each (a MutationObserver on the page would be
    // told of every node plotly.js changes in a re-cut).
    function watch() {
        var gd = graph();
        if (gd && typeof gd.on === "function" && !watched.has(gd)) {
            watched.add(gd);
            gd.on("plotly_afterplot", function () { follow(gd); });
        }
    }

    window.setInterval(watch, 500);
    window.dendroLeafAngle = {wanted: wanted};
}());
