/*
 * Dendrogram Explorer: the graphs' WebGL made ready while a background tree job runs (issue 14,
 * goal 1).
 *
 * A big tree's links and a big scatter's points are WebGL traces. The first WebGL trace of a
 * graph costs plotly.js its WebGL context, its canvases and its shaders: with software WebGL
 * (no GPU: this project's machines, many remote desktops) 90-160 ms a graph on a fresh div,
 * against ~22 ms for an SVG trace (measured in the page with Plotly.newPlot). In the first view
 * of a 20,000-row upload that was most of the ~320 ms between the figures' arrival and the tree
 * drawn, paid after the job, while the analyst waits. The job itself leaves the page idle for
 * seconds.
 *
 * So when a tree job starts (`tree-job` or `upload-job` set; compute.py), each graph that will
 * draw WebGL and has no WebGL trace yet gets one: a two-point trace, invisible (transparent,
 * no hover, no legend), at the middle of the axes' current ranges, so nothing moves and
 * autorange does not change.
 * It is drawn with the public Plotly.react outside Dash's figure (Dash's figure prop is not
 * changed), after the current frame. When the job's figures arrive, dcc.Graph's Plotly.react
 * replaces all traces and plotly keeps the context it has. Should the job fail, the graphs show
 * what they showed; the invisible trace goes with Dash's next drawing of the graph.
 * Measured with a scratch A/B before this file (a script warming both graphs from outside the
 * page as the upload answered, 3 uploads each, load ~3): figure received -> tree drawn 419-589
 * ms without, 258-288 with; with this file, bench/bench_browser.py --uploads 5 gave 246 (1 Dec).
 */
(function () {
    "use strict";

    function middle(axis) {
        var r = axis && axis.range;
        return r && r.length === 2 && isFinite(r[0]) && isFinite(r[1]) &&
            typeof r[0] === "number" && typeof r[1] === "number" ? (r[0] + r[1]) / 2 : null;
    }

    function hasWebGL(gd) {
        return gd.data.some(function (t) { return /gl$/.test(t.type || ""); });
    }

    // One graph: an invisible WebGL trace at the middle of its view (public gd.data/gd.layout:
    // plotly writes the autoranged ranges back into the layout).
    function warmGraph(id) {
        var gd = document.querySelector("#" + id + " .js-plotly-plot");
        if (!gd || !gd.data || !gd.layout || hasWebGL(gd)) {
            return;
        }
        var x = middle(gd.layout.xaxis), y = middle(gd.layout.yaxis);
        if (x === null || y === null) {
            return;
        }
        window.Plotly.react(gd, gd.data.concat([{
            type: "scattergl", mode: "lines+markers", x: [x, x], y: [y, y],
            marker: {opacity: 0, size: 1}, line: {color: "rgba(0,0,0,0)", width: 1},
            hoverinfo: "skip", showlegend: false, meta: "gl-warm"
        }]), gd.layout);
    }

    // The scatter is WebGL past 2,000 rows, so for any job's table; the tree only when drawn
    // whole (truncation "none"): a truncated tree's few links are SVG.
    function warm(treeJob, uploadJob, truncateMode) {
        if ((treeJob || uploadJob) && window.Plotly && window.Plotly.react) {
            var graphs = truncateMode === "none" ? ["scatter", "dendrogram"] : ["scatter"];
            setTimeout(function () {
                graphs.forEach(function (id) {
                    try {
                        warmGraph(id);
                    } catch (err) {
                        // A warm-up that fails costs the first drawing its time, nothing else.
                    }
                });
            }, 0);
        }
        return window.dash_clientside.no_update;
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroWarm = {warm: warm};
}());
