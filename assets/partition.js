/*
 * Dendrogram Explorer: painting a partition that is not a height cut, in the browser.
 *
 * The server sends the labels (components/page/partition.py, `partition-data`): one label per
 * leaf position of the tree (0 = unassigned), whatever their source (inconsistency, dynamic
 * tree cut, hand edits). Here, with the tree's arrays (`tree-data`, made by
 * components/figures/tree_data.py: x, y, first, count, left):
 * - a link whose leaves all carry one label takes that cluster's colour (the unassigned colour
 *   for 0); the others are above the clusters, grey;
 * - where a clade hangs from a grey link (the link was cut there) a small tick crosses its leg,
 *   in the clade's colour;
 * - the scatter's points take their leaf's label, the legend says "unassigned" for 0.
 * When the height source comes back, dendro.js:paintAt repaints at the cut.
 *
 * clickNode: in hand-edit mode, a click on a merge (or a leaf) of the dendrogram becomes the
 * `part-click` store {node, tree_key, at}; the server splits or selects the cluster there.
 */
(function () {
    "use strict";

    function D() {
        return window.dash_clientside.dendro;
    }

    function colourOf(td, pd, c) {
        if (c === 0) {
            return pd.unassigned || td.unassigned || "#000000";
        }
        return c < 0 ? td.above : td.palette[(c - 1) % td.palette.length];
    }

    var decoded = new WeakMap();

    function extra(td) {
        var got = decoded.get(td);
        if (!got) {
            var dec = D().decode;
            got = {count: td.count ? dec(td.count) : null, left: td.left ? dec(td.left) : null};
            decoded.set(td, got);
        }
        return got;
    }

    // Label of the leaf positions [lo, hi) when they all share one, else -1 (above).
    function uniform(L, changes, lo, hi) {
        if (hi <= lo) {
            return -1;
        }
        return changes[hi - 1] - changes[lo] === 0 ? L[lo] : -1;
    }

    function linkTraces(td, pd, a, ex, L, changes) {
        var m = td.m;
        var groups = {};
        var order = [];
        var ticks = {x: [], y: [], c: []};
        for (var j = 0; j < m; j++) {
            var f = a.first[j], cnt = ex.count[j], lf = ex.left[j];
            var g = uniform(L, changes, f, f + cnt);
            if (!(g in groups)) {
                groups[g] = [];
                order.push(g);
            }
            groups[g].push(j);
            if (g === -1) {
                var src = j * 5;
                var gl = uniform(L, changes, f, f + lf);
                var gr = uniform(L, changes, f + lf, f + cnt);
                if (gl >= 0) {
                    ticks.x.push((a.x[src] + a.x[src + 1]) / 2);
                    ticks.y.push((a.y[src] + a.y[src + 1]) / 2);
                    ticks.c.push(colourOf(td, pd, gl));
                }
                if (gr >= 0) {
                    ticks.x.push((a.x[src + 2] + a.x[src + 3]) / 2);
                    ticks.y.push((a.y[src + 2] + a.y[src + 3]) / 2);
                    ticks.c.push(colourOf(td, pd, gr));
                }
            }
        }
        // One trace per colour (clusters sharing a palette colour share a trace).
        var byColour = {};
        var colours = [];
        order.forEach(function (g) {
            var col = colourOf(td, pd, g);
            if (!(col in byColour)) {
                byColour[col] = [];
                colours.push(col);
            }
            byColour[col] = byColour[col].concat(groups[g]);
        });
        var traces = colours.map(function (col) {
            var links = byColour[col];
            var xs = new Float32Array(links.length * 5), ys = new Float32Array(links.length * 5);
            for (var i = 0; i < links.length; i++) {
                for (var e = 0; e < 5; e++) {
                    xs[i * 5 + e] = a.x[links[i] * 5 + e];
                    ys[i * 5 + e] = a.y[links[i] * 5 + e];
                }
            }
            return {type: td.gl ? "scattergl" : "scatter", x: xs, y: ys, mode: "lines",
                    line: {color: col, width: 1.5}, hoverinfo: "skip", showlegend: false,
                    meta: "links"};
        });
        var level = td.orientation === "top" || td.orientation === "bottom";
        traces.push({
            type: "scatter", x: ticks.x, y: ticks.y, mode: "markers", meta: "ticks",
            marker: {symbol: level ? "line-ew-open" : "line-ns-open", size: 11,
                     color: ticks.c, line: {color: ticks.c, width: 2.5}},
            hoverinfo: "skip", showlegend: false
        });
        return traces;
    }

    function scatterPatch(td, pd, a, L, fig) {
        var nu = window.dash_clientside.no_update;
        if (!fig || !fig.data || !fig.data.length || fig.data[0].meta !== "points") {
            return nu;
        }
        var rows = D().scatterRows(fig);
        var n = rows.n;
        if (n !== a.rowPos.length) {
            return nu;
        }
        var byColour = {}, colours = [], counts = {}, labels = [];
        for (var i = 0; i < n; i++) {
            var c = L[a.rowPos[i]];
            var col = colourOf(td, pd, c);
            if (!(col in byColour)) {
                byColour[col] = [];
                colours.push(col);
            }
            byColour[col].push(i);
            if (!(c in counts)) {
                counts[c] = 0;
                labels.push(c);
            }
            counts[c]++;
        }
        var template = fig.data[0];
        var data = colours.map(function (col) {
            var idx = byColour[col];
            var xs = new Float32Array(idx.length), ys = new Float32Array(idx.length);
            var text = new Array(idx.length), cd = new Array(idx.length);
            for (var q = 0; q < idx.length; q++) {
                var r = idx[q];
                xs[q] = rows.x[r];
                ys[q] = rows.y[r];
                text[q] = rows.text[r];
                cd[q] = [r, L[a.rowPos[r]]];
            }
            // Each colour is one legend group, so a legend click hides its points
            // (legend.js shows every cluster again after a repaint).
            return Object.assign({}, template, {
                x: xs, y: ys, text: text, customdata: cd, selectedpoints: null,
                marker: Object.assign({}, template.marker, {color: col}),
                legendgroup: "p" + colours.indexOf(col)
            });
        });
        labels.sort(function (p, q) { return (p === 0) - (q === 0) || p - q; });
        var max = D().LEGEND_MAX;
        labels.forEach(function (c, j) {
            if (j >= max) {
                return;
            }
            data.push({
                type: "scatter", x: [null], y: [null], mode: "lines",
                line: {color: colourOf(td, pd, c), width: 8},
                name: (c === 0 ? "unassigned" : String(c)) + " · " + counts[c] + " rows",
                showlegend: true, hoverinfo: "skip", meta: "legend",
                legendgroup: "p" + colours.indexOf(colourOf(td, pd, c))
            });
        });
        if (labels.length > max) {
            data.push({
                type: "scatter", x: [null], y: [null], mode: "lines",
                line: {color: "rgba(0,0,0,0)", width: 8},
                name: "… " + (labels.length - max) + " more",
                showlegend: true, hoverinfo: "skip", meta: "legend"
            });
        }
        var patch = new window.dash_clientside.Patch();
        patch.assign(["data"], data);
        return patch.build();
    }

    // Trees (tree-data objects) whose colours another source painted: only those need a
    // repaint at the height cut when the height source comes back. Without this every re-cut
    // redrew both graphs a second time once the server answered (issue 14).
    var otherPainted = new WeakMap();

    function paint(pd, td, cutValue, dendroFig, scatterFig) {
        var nu = window.dash_clientside.no_update;
        var none = [nu, nu, nu];
        if (!td || !td.n || !dendroFig) {
            return none;
        }
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "";
        var active = pd && pd.source && pd.source !== "height" && pd.labels &&
            pd.tree_key === td.tree_key;
        if (!active) {
            // Back to the height source: repaint at the cut (a new tree is dendro.js's).
            if (trig.indexOf("partition-data.") !== 0 || !pd || pd.tree_key !== td.tree_key ||
                    !otherPainted.get(td)) {
                return none;
            }
            otherPainted.delete(td);
            var t = Number(cutValue);
            if (cutValue === null || cutValue === undefined || cutValue === "" || isNaN(t)) {
                t = td.cut;
            }
            var done = D().paintAt(td, t, dendroFig, scatterFig);
            return [done.dendro, done.scatter, done.k + (done.k === 1 ? " cluster" : " clusters")];
        }
        var a = D().arrays(td);
        var ex = extra(td);
        if (!ex.count || !ex.left) {
            return none;
        }
        var L = D().decode(pd.labels);
        var changes = new Int32Array(L.length);
        for (var i = 1; i < L.length; i++) {
            changes[i] = changes[i - 1] + (L[i] !== L[i - 1] ? 1 : 0);
        }
        var rest = (dendroFig.data || []).filter(function (tr) {
            return tr.meta !== "links" && tr.meta !== "ticks" && tr.meta !== "leafmarks";
        });
        var traces = linkTraces(td, pd, a, ex, L, changes);
        // The hover names each link's cluster of this partition, as dendro.js does for a cut.
        var names = new Array(td.m);
        for (var j = 0; j < td.m; j++) {
            var g = uniform(L, changes, a.first[j], a.first[j] + ex.count[j]);
            names[j] = g > 0 ? "in cluster " + g : g === 0 ? "unassigned"
                : "joins clusters of this partition";
        }
        rest = D().withHoverText(rest, names);
        var dpatch = new window.dash_clientside.Patch();
        dpatch.assign(["data"], traces.concat(rest));
        dpatch.assign(["layout", "datarevision"], D().dataRevision());  // see dendro.js
        var shapes = dendroFig.layout && dendroFig.layout.shapes;
        if (shapes && shapes.length) {
            var shape = Object.assign({}, shapes[0]);
            shape.label = Object.assign({}, shape.label || {},
                {text: pd.line_label || "drag to cut by height"});
            // The line stays shapes[0] and the contracted marks shapes[1]; the height cut's
            // stems go (this partition has its ticks), and dendro.js:paintAt draws them again
            // when the height source comes back.
            dpatch.assign(["layout", "shapes"], [shape].concat(shapes.slice(1).filter(
                function (sh) { return !D().isStems(sh); })));
        }
        otherPainted.set(td, true);
        return [dpatch.build(), scatterPatch(td, pd, a, L, scatterFig), pd.count_text || ""];
    }

    function clickNode(clickData, source, fig, td) {
        var nu = window.dash_clientside.no_update;
        if (source !== "roots" || !td) {
            return nu;
        }
        // inspect.js decodes a dendrogram click for both (merge picks and hand edits).
        var got = window.dash_clientside.inspect.clickedPoint(clickData, fig);
        if (!got) {
            return nu;
        }
        var meta = got.meta;
        var cd = got.customdata;
        if (meta === "hover") {
            return {node: td.n + Number(cd[0]), tree_key: td.tree_key, at: Date.now()};
        }
        if (meta === "leaves") {
            return {node: Number(cd[1]), tree_key: td.tree_key, at: Date.now()};
        }
        return nu;
    }

    // Enter in max_d or k, or leaving either field with a changed value, is a height cut.
    function toHeight(s1, s2, b1, b2, source, cutValue, kValue, pd) {
        var nu = window.dash_clientside.no_update;
        if (!source || source === "height") {
            return nu;
        }
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "";
        if (trig.indexOf("n_submit") >= 0) {
            return "height";
        }
        var was = pd || {};
        if (trig.indexOf("cut-height.") === 0 && String(cutValue) !== String(was.cut)) {
            return "height";
        }
        if (trig.indexOf("cluster-k.") === 0 && String(kValue) !== String(was.k_field)) {
            return "height";
        }
        return nu;
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroPart = {paint: paint, clickNode: clickNode, toHeight: toHeight};
}());
