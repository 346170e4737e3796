/*
 * Dendrogram Explorer: the scatter's legend drives the tree (issue 12).
 *
 * A click on a cluster in the scatter's legend hides its points (plotly's own toggle: the
 * points trace and the legend entry share a legendgroup, components/figures/scatter.py); a
 * double-click on a cluster shows it alone, and a double-click while any cluster is hidden
 * shows them all again. Whatever is hidden in the scatter is dimmed in the tree: its links,
 * stems and leaf marks (traces "links" and "leafmarks", components/figures/dendrogram.py), so
 * the clusters still shown stand out. Pure view state of this page: a new partition redraws
 * both plots with every cluster shown.
 */
(function () {
    "use strict";

    var DIM = 0.15;

    function graph(id) {
        var el = document.getElementById(id);
        return el ? el.querySelector(".js-plotly-plot") : null;
    }

    // Colours of the scatter's hidden clusters (a points trace is one colour).
    function hiddenColours(sgd) {
        var hidden = {};
        (sgd.data || []).forEach(function (tr) {
            if (tr.meta === "points" && tr.visible === "legendonly") {
                hidden[tr.marker.color] = true;
            }
        });
        return hidden;
    }

    function sync() {
        var sgd = graph("scatter"), dgd = graph("dendrogram");
        if (!sgd || !dgd || !window.Plotly || !dgd.data) {
            return;
        }
        var hidden = hiddenColours(sgd);
        var idx = [], op = [], markIdx = null, markOp = null;
        dgd.data.forEach(function (tr, i) {
            if (tr.meta === "links") {
                var want = hidden[tr.line.color] ? DIM : 1;
                if ((tr.opacity === undefined ? 1 : tr.opacity) !== want) {
                    idx.push(i);
                    op.push(want);
                }
            } else if (tr.meta === "leafmarks" && Array.isArray(tr.marker.color)) {
                var ops = tr.marker.color.map(function (c) { return hidden[c] ? DIM : 1; });
                var now = tr.marker.opacity;
                var same = Array.isArray(now) ? now.join() === ops.join()
                    : ops.every(function (o) { return o === 1; });
                if (!same) {
                    markIdx = i;
                    markOp = ops;
                }
            }
        });
        if (idx.length) {
            window.Plotly.restyle(dgd, {opacity: op}, idx);
        }
        if (markIdx !== null) {
            window.Plotly.restyle(dgd, {"marker.opacity": [markOp]}, [markIdx]);
        }
    }

    function onDoubleClick(ev) {
        var sgd = graph("scatter");
        if (!sgd) {
            return true;
        }
        var hiddenIdx = [];
        (sgd.data || []).forEach(function (tr, i) {
            if (tr.visible === "legendonly") {
                hiddenIdx.push(i);
            }
        });
        if (!hiddenIdx.length) {
            return true;  // plotly's own: show this cluster alone
        }
        window.Plotly.restyle(sgd, {visible: true}, hiddenIdx);
        return false;
    }

    function attach() {
        var sgd = graph("scatter"), dgd = graph("dendrogram");
        if (sgd && sgd.on && !sgd.__dendroLegend) {
            sgd.__dendroLegend = true;
            sgd.on("plotly_restyle", sync);
            sgd.on("plotly_react", sync);
            sgd.on("plotly_legenddoubleclick", onDoubleClick);
        }
        if (dgd && dgd.on && !dgd.__dendroLegend) {
            dgd.__dendroLegend = true;
            dgd.on("plotly_react", sync);
        }
    }

    window.setInterval(attach, 500);
    window.dendroLegend = {sync: sync};
}());
