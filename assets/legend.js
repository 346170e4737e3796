/*
 * Dendrogram Explorer: the scatter's legend drives the tree (issue 12).
 *
 * A click on a cluster in the scatter's legend hides its points (plotly's own toggle: the
 * points trace and the legend entry share a legendgroup, components/figures/scatter.py); a
 * double-click on a cluster shows it alone, and a double-click while any cluster is hidden
 * shows them all again. Whatever is hidden in the scatter is dimmed in the tree: its links,
 * stems and leaf marks (traces "links" and "leafmarks", shapes named "stems",
 * components/figures/dendrogram.py), so
 * the clusters still shown stand out. Pure view state of this page, reset by any redraw of
 * the scatter (a new cut, k or partition source, a new tree): every cluster is shown again and
 * nothing in the tree is dimmed. plotly.js alone would keep a legend-hidden trace hidden across
 * a redraw with the same uirevision, on whatever cluster then sits at that trace's index.
 *
 * Stability in the legend (issue 15): when the Evidence tab's stability table is on the page
 * (components/analysis/support.py, one ".stability-row" per cluster, memoised for the cut's k),
 * each legend entry "c · n rows" gets " · J 0.873", the cluster's mean Jaccard over the
 * bootstraps, as fpc::clusterboot's bootmean. Only when the table is of the partition the
 * scatter shows: the same number of clusters and every cluster's row count equal; otherwise
 * any such suffix is taken off again.
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
        // The stems are shapes (one path per colour): a relayout of their opacity.
        var stems = {};
        ((dgd.layout && dgd.layout.shapes) || []).forEach(function (sh, i) {
            if (sh && sh.name === "stems" && sh.line) {
                var want = hidden[sh.line.color] ? DIM : 1;
                if ((sh.opacity === undefined ? 1 : sh.opacity) !== want) {
                    stems["shapes[" + i + "].opacity"] = want;
                }
            }
        });
        if (Object.keys(stems).length) {
            window.Plotly.relayout(dgd, stems);
        }
    }

    var ENTRY = /^(\d+) · ([\d,]+) rows?/;
    var SUFFIX = / · J [\d.]+$/;

    // The stability table's rows: cluster -> {size, mean} (texts as the table writes them).
    function stabilityRows() {
        var out = {}, n = 0;
        document.querySelectorAll(".stability-table .stability-row").forEach(function (tr) {
            var cells = tr.querySelectorAll("td");
            if (cells.length < 3) {
                return;
            }
            var mean = (cells[2].textContent || "").split("±")[0].trim();
            out[tr.getAttribute("data-cluster")] = {
                size: (cells[1].textContent || "").trim(), mean: mean
            };
            n++;
        });
        return {rows: out, n: n};
    }

    // The legend names with (or without) stability; restyled only when one changes.
    function annotate() {
        var sgd = graph("scatter");
        if (!sgd || !sgd.data || !window.Plotly) {
            return;
        }
        var st = stabilityRows(), idx = [], names = [], entries = [];
        sgd.data.forEach(function (tr, i) {
            var m = tr.meta === "legend" && typeof tr.name === "string" &&
                tr.name.replace(SUFFIX, "").match(ENTRY);
            if (m) {
                entries.push({i: i, base: tr.name.replace(SUFFIX, ""), c: m[1], size: m[2]});
            }
        });
        var fits = entries.length > 0 && st.n === entries.length && entries.every(function (e) {
            return st.rows[e.c] && st.rows[e.c].size.replace(/,/g, "") === e.size.replace(/,/g, "");
        });
        entries.forEach(function (e) {
            var want = fits ? e.base + " · J " + st.rows[e.c].mean : e.base;
            if (sgd.data[e.i].name !== want) {
                idx.push(e.i);
                names.push(want);
            }
        });
        if (idx.length) {
            window.Plotly.restyle(sgd, {name: names}, idx);
        }
    }

    // A redraw of the scatter (Plotly.react from a figure update; legend clicks restyle):
    // show every cluster again, then the tree follows.
    function onScatterReact() {
        var sgd = graph("scatter"), idx = [];
        (sgd && sgd.data || []).forEach(function (tr, i) {
            if (tr.visible === "legendonly") {
                idx.push(i);
            }
        });
        if (idx.length) {
            window.Plotly.restyle(sgd, {visible: true}, idx);  // fires plotly_restyle: sync
        } else {
            sync();
        }
        annotate();
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
            sgd.on("plotly_react", onScatterReact);
            sgd.on("plotly_legenddoubleclick", onDoubleClick);
        }
        if (dgd && dgd.on && !dgd.__dendroLegend) {
            dgd.__dendroLegend = true;
            dgd.on("plotly_react", sync);
        }
    }

    window.setInterval(function () {
        attach();
        annotate();
    }, 500);
    window.dendroLegend = {sync: sync, annotate: annotate};
}());
