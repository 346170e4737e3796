/*
 * Dendrogram Explorer: the cut, entirely in the browser.
 *
 * The server sends the tree once (the `tree-data` store, built by
 * components/figures/tree_data.py:make_tree_data). Moving the cut -- by dragging the line (cutdrag.js,
 * which sets the max_d field on release), typing max_d or typing k -- recolours the links, the merge dots and the scatter here, with
 * dash_clientside.Patch, so nothing travels to the server.
 *
 * Rule (as fcluster(Z, t, 'distance')): leaf positions i and i+1 are in different clusters
 * when gaps[i] > t; clusters are numbered 1..k left to right. A link keeps its cluster's
 * colour when the largest merge height in its subtree is <= t, else it is "above the cut".
 * A cluster whose top hangs from a link above the cut gets a stem in its colour from its top
 * up to the line, and every shown leaf a mark in its cluster's colour (a (count) leaf the cut
 * goes through one mark per cluster inside): clustering/geometry_model.py, Geometry.stems and
 * Geometry.leaf_marks, which the Node test (tests/js/test_dendro_colours.py) compares with.
 * The stems are layout shapes after the line (one path per colour, stemShapes), so that a cut
 * moved within its partition moves their tops with the line by a relayout, the traces kept.
 * The trace layout mirrors make_dendrogram_figure / make_scatter_figure (see figures.py).
 */
(function () {
    "use strict";

    var LEGEND_MAX = 30;
    var decoded = new WeakMap();

    // Typed arrays sent as base64: the tree data's ({dtype: "float32", b64}, figures.py:_b64)
    // and plotly's JSON ({dtype: "f4", bdata, shape}). Also used by inspect.js.
    var TYPED = {float32: Float32Array, float64: Float64Array, int32: Int32Array,
                 f4: Float32Array, f8: Float64Array, i4: Int32Array, u4: Uint32Array,
                 i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array};

    function decode(spec) {
        var bin = atob(spec.bdata !== undefined ? spec.bdata : spec.b64);
        var bytes = new Uint8Array(bin.length);
        for (var i = 0; i < bin.length; i++) {
            bytes[i] = bin.charCodeAt(i);
        }
        return new TYPED[spec.dtype](bytes.buffer);
    }

    function arrays(td) {
        var got = decoded.get(td);
        if (!got) {
            got = {
                x: decode(td.x), y: decode(td.y), maxdist: decode(td.maxdist),
                first: decode(td.first), gaps: decode(td.gaps), rowPos: decode(td.row_pos),
                kHeight: decode(td.k_height), kOf: decode(td.k_of),
                legX: td.leg_x ? decode(td.leg_x) : new Float32Array(0),
                legBottom: td.leg_bottom ? decode(td.leg_bottom) : new Float64Array(0),
                legTop: td.leg_top ? decode(td.leg_top) : new Float64Array(0),
                legFirst: td.leg_first ? decode(td.leg_first) : new Int32Array(0),
                legMaxdist: td.leg_maxdist ? decode(td.leg_maxdist) : new Float64Array(0),
                markX: td.mark_x ? decode(td.mark_x) : new Float64Array(0),
                markFirst: td.mark_first ? decode(td.mark_first) : new Int32Array(0),
                markLast: td.mark_last ? decode(td.mark_last) : new Int32Array(0)
            };
            decoded.set(td, got);
        }
        return got;
    }

    // Same text as Python's f"{t:.4g}" for the values a cut takes.
    function formatHeight(t) {
        if (t === 0) {
            return "0";
        }
        var e = Math.floor(Math.log10(Math.abs(t)));
        if (e < -4 || e >= 4) {
            var s = t.toExponential(3).split("e");
            var mant = s[0].indexOf(".") >= 0 ? s[0].replace(/0+$/, "").replace(/\.$/, "") : s[0];
            var ex = parseInt(s[1], 10);
            var exs = (ex < 0 ? "-" : "+") + (Math.abs(ex) < 10 ? "0" : "") + Math.abs(ex);
            return mant + "e" + exs;
        }
        var p = t.toPrecision(4);
        return p.indexOf(".") >= 0 ? p.replace(/0+$/, "").replace(/\.$/, "") : p;
    }

    function clustersAt(a, n, t) {
        var pos = new Int32Array(n);
        var c = 1;
        if (n > 0) {
            pos[0] = 1;
        }
        for (var i = 0; i < n - 1; i++) {
            if (!(a.gaps[i] <= t)) {
                c++;
            }
            pos[i + 1] = c;
        }
        return {pos: pos, k: n > 0 ? c : 0};
    }

    function kAt(a, n, t) {
        var k = 1;
        for (var i = 0; i < n - 1; i++) {
            if (!(a.gaps[i] <= t)) {
                k++;
            }
        }
        return k;
    }

    // The cut height for a wanted k, looked up in the table the server sent (k_height, k_of:
    // clustering.suggest.heights_for_k, SciPy's fcluster rule, tidy decimals); past the table's
    // end, its last entry (the k field's max is the table's size).
    function heightForK(a, k) {
        var K = a.kHeight.length;
        var i = Math.max(1, Math.min(K, Math.round(k))) - 1;
        return {t: a.kHeight[i], k: a.kOf[i]};
    }

    function cutShape(t, k, orientation, old) {
        var shape = {
            type: "line",
            line: {color: "#d62728", width: 2, dash: "dash"},
            label: {
                text: "max_d = " + formatHeight(t) + " · k = " + k,
                textposition: "end",
                font: {color: "#d62728", size: 12},
                yanchor: "bottom"
            }
        };
        if (old && old.line) {
            shape.line = old.line;
        }
        if (orientation === "top" || orientation === "bottom") {
            shape.xref = "paper"; shape.x0 = 0; shape.x1 = 1;
            shape.yref = "y"; shape.y0 = t; shape.y1 = t;
        } else {
            shape.yref = "paper"; shape.y0 = 0; shape.y1 = 1;
            shape.xref = "x"; shape.x0 = t; shape.x1 = t;
        }
        return shape;
    }

    // The stems: the part of a leg above a cluster's top, up to the line, when the link the
    // leg belongs to is above the cut (Geometry.stems). Returns per stem its group and corners.
    function stems(td, a, cl, t) {
        var P = td.palette.length;
        var L = a.legX.length;
        var out = {group: [], x: [], lo: [], hi: []};
        for (var i = 0; i < L; i++) {
            if (!(a.maxdist[i >> 1] > t) || !(a.legMaxdist[i] <= t)) {
                continue;
            }
            var top = Math.min(a.legTop[i], t);
            if (!(top > a.legBottom[i])) {
                continue;
            }
            out.group.push(((cl.pos[a.legFirst[i]] - 1) % P) + 1);
            out.x.push(a.legX[i]);
            out.lo.push(a.legBottom[i]);
            out.hi.push(top);
        }
        return out;
    }

    // The stems as layout shapes, one SVG path per colour in palette order
    // (components/figures/dendrogram.py:stem_shapes draws the same). Shapes, not trace points:
    // a cut moved within its partition moves the stems' tops with the line by a relayout,
    // where points in the links traces would cost plotly a recalculation of the whole tree.
    // Full float64 numbers: a stem ends exactly at the line.
    var STEMS = "stems";

    function stemShapes(td, a, cl, t) {
        var st = stems(td, a, cl, t);
        var P = td.palette.length;
        var paths = [];
        for (var q = 0; q <= P; q++) {
            paths.push("");
        }
        var across = td.orientation === "top" || td.orientation === "bottom";
        for (var s = 0; s < st.group.length; s++) {
            paths[st.group[s]] += across
                ? "M" + st.x[s] + "," + st.lo[s] + "V" + st.hi[s]
                : "M" + st.lo[s] + "," + st.x[s] + "H" + st.hi[s];
        }
        var out = [];
        for (q = 1; q <= P; q++) {
            if (paths[q]) {
                out.push({type: "path", path: paths[q], xref: "x", yref: "y", name: STEMS,
                          line: {color: colourOf(td, q), width: 1.5}, layer: "above"});
            }
        }
        return out;
    }

    function isStems(shape) {
        return !!shape && shape.name === STEMS;
    }

    // The tree's shapes at the cut t: the line (shapes[0], cutdrag.js and plotly_adapter.js
    // read it there), the shapes the figure keeps (the contracted marks, shapes[1]), then the
    // stems. oldShapes: the figure's shapes now (only read).
    function treeShapes(td, a, cl, t, oldShapes) {
        var old = oldShapes || [];
        var kept = old.slice(1).filter(function (sh) { return !isStems(sh); });
        return [cutShape(t, cl.k, td.orientation, old[0] || null)].concat(
            kept, stemShapes(td, a, cl, t));
    }

    function linkTraces(td, a, cl, t) {
        var P = td.palette.length;
        var m = td.m;
        var group = new Int32Array(m);  // 0: above the cut, g >= 1: palette[g - 1]
        var counts = new Int32Array(P + 1);
        for (var j = 0; j < m; j++) {
            var g = a.maxdist[j] <= t ? ((cl.pos[a.first[j]] - 1) % P) + 1 : 0;
            group[j] = g;
            counts[g]++;
        }
        var xs = [], ys = [], fill = new Int32Array(P + 1);
        for (var q = 0; q <= P; q++) {
            xs.push(new Float32Array(counts[q] * 5));
            ys.push(new Float32Array(counts[q] * 5));
        }
        for (j = 0; j < m; j++) {
            g = group[j];
            var o = fill[g] * 5, src = j * 5;
            for (var e = 0; e < 5; e++) {
                xs[g][o + e] = a.x[src + e];
                ys[g][o + e] = a.y[src + e];
            }
            fill[g]++;
        }
        var traces = [];
        for (q = 0; q <= P; q++) {
            if (!counts[q]) {
                continue;
            }
            traces.push({
                type: td.gl ? "scattergl" : "scatter",
                x: xs[q], y: ys[q], mode: "lines",
                line: {color: colourOf(td, q), width: 1.5},
                hoverinfo: "skip", showlegend: false, meta: "links"
            });
        }
        return {traces: traces, group: group};
    }

    // The leaf marks (Geometry.leaf_marks): one per marked leaf in its cluster's colour, or one
    // per cluster inside a (count) leaf the cut goes through, spread across its slot.
    function markTrace(td, a, cl) {
        var px = [], cs = [];
        for (var i = 0; i < a.markX.length; i++) {
            var c0 = cl.pos[a.markFirst[i]], c1 = cl.pos[a.markLast[i]];
            var count = c1 - c0 + 1;
            for (var o = 0; o < count; o++) {
                px.push(count > 1 ? a.markX[i] + (-4.0 + 8.0 * (o + 0.5) / count) : a.markX[i]);
                cs.push(c0 + o);
            }
        }
        var leaf = Float32Array.from(px), zero = new Float32Array(px.length);
        var across = td.orientation === "top" || td.orientation === "bottom";
        var webgl = td.gl || px.length > (td.gl_points || 2000);
        var trace = {
            type: webgl ? "scattergl" : "scatter",
            x: across ? leaf : zero, y: across ? zero : leaf, mode: "markers",
            marker: {color: cs.map(function (c) { return colourOf(td, c); }),
                     size: td.mark_size || 7},
            customdata: Int32Array.from(cs), hoverinfo: "skip",
            showlegend: false, meta: "leafmarks"
        };
        if (!webgl) {
            trace.cliponaxis = false;
        }
        return trace;
    }

    function colourOf(td, c) {
        return c <= 0 ? td.above : td.palette[(c - 1) % td.palette.length];
    }

    // The hover's words for each link at the cut (components/figures/dendrogram.py
    // cluster_names): its flat cluster by name, so colour is never the only carrier.
    var ABOVE_THE_CUT = "above the cut (joins clusters)";

    function clusterNames(td, a, cl, t) {
        var names = new Array(td.m);
        for (var j = 0; j < td.m; j++) {
            names[j] = a.maxdist[j] <= t ? "in cluster " + cl.pos[a.first[j]] : ABOVE_THE_CUT;
        }
        return names;
    }

    // The hover trace with new text (the other traces as they are).
    function withHoverText(traces, names) {
        return traces.map(function (tr) {
            return tr.meta === "hover" ? Object.assign({}, tr, {text: names}) : tr;
        });
    }

    // Arrays as the server sends them (plotly's JSON for numpy: {dtype, bdata, shape}) make
    // every Plotly.react of the figure a full replot, even when only the line moved: plotly
    // decodes them anew each time, and a new array counts as new data. Decoded once here (one
    // copy per sent array, kept while that array lives), the next figure holds the very same
    // arrays. With the datarevision below and figures.common.untemplated, a line-only move
    // costs a relayout, not a replot (16-23 against 65-110 ms at 20,000 rows, issue 14). A
    // (rows, cols) array becomes rows of plain arrays, as plotly decodes it, so
    // customdata[i][j] reads the same.
    var settledArrays = new WeakMap();

    function settled(v) {
        if (!v || typeof v !== "object" || v.bdata === undefined || !TYPED[v.dtype]) {
            return v;
        }
        var got = settledArrays.get(v);
        if (got === undefined) {
            var flat = decode(v);
            var shape = v.shape ? String(v.shape).split(",").map(Number) : [flat.length];
            if (shape.length === 2) {
                got = new Array(shape[0]);
                for (var r = 0; r < shape[0]; r++) {
                    got[r] = Array.prototype.slice.call(flat, r * shape[1], (r + 1) * shape[1]);
                }
            } else {
                got = flat;
            }
            settledArrays.set(v, got);
        }
        return got;
    }

    // layout.datarevision: dcc.Graph hands plotly a deep copy of the layout on every update, so
    // the leaf axis's tickvals and ticktext are new arrays each time, and without a datarevision
    // plotly takes any new array for new data and replots the whole tree. With one, plotly
    // takes arrays as unchanged until the revision changes: a line-only move keeps the figure's
    // revision, and every patch here that changes the tree's arrays gives it a new one
    // (dataRevision; assets/partition.js does the same). A figure the server draws has none,
    // and plotly compares its arrays by identity again.
    var revisions = 0;

    function dataRevision() {
        revisions += 1;
        return revisions;
    }

    // The trace with its sent arrays decoded (itself when it has none).
    function settledTrace(tr) {
        var out = null;
        for (var key in tr) {
            if (Object.prototype.hasOwnProperty.call(tr, key) && tr[key] &&
                    tr[key].bdata !== undefined) {
                out = out || Object.assign({}, tr);
                out[key] = settled(tr[key]);
            }
        }
        return out || tr;
    }

    // The figure's traces settled, or null when none held a sent array.
    function settledData(fig) {
        var data = (fig && fig.data) || [];
        var out = data.map(settledTrace);
        return out.some(function (tr, i) { return tr !== data[i]; }) ? out : null;
    }

    function recolourDendrogram(td, fig, group) {
        var rest = [];
        var data = (fig && fig.data) || [];
        for (var i = 0; i < data.length; i++) {
            var tr = data[i];
            if (tr.meta === "links" || tr.meta === "ticks" || tr.meta === "leafmarks") {
                continue;
            }
            if (tr.meta === "annot") {
                var cols = td.annot.map(function (j) { return colourOf(td, group[j]); });
                tr = Object.assign({}, tr, {marker: Object.assign({}, tr.marker, {color: cols})});
            }
            rest.push(settledTrace(tr));
        }
        return rest;
    }

    // A figure's array as plotly's JSON carries it: typed ({dtype, bdata, shape}) or plain.
    function plain(v) {
        return v && typeof v === "object" && v.bdata !== undefined ? decode(v) : v;
    }

    // Every scatter row with its coordinates and text, from the per-colour traces.
    function scatterRows(fig) {
        var traces = fig.data.filter(function (t) { return t.meta === "points"; });
        var n = 0, i, j;
        var parts = traces.map(function (t) {
            var x = plain(t.x), y = plain(t.y), cd = plain(t.customdata);
            var len = x ? x.length : 0;
            n += len;
            return {x: x, y: y, cd: cd, text: t.text || [], len: len};
        });
        var rows = {x: new Float32Array(n), y: new Float32Array(n), text: new Array(n), n: n};
        for (i = 0; i < parts.length; i++) {
            var p = parts[i];
            var flat = p.cd && p.cd.length === 2 * p.len && !Array.isArray(p.cd[0]);
            for (j = 0; j < p.len; j++) {
                var row = flat ? p.cd[2 * j] : p.cd[j][0];
                rows.x[row] = p.x[j];
                rows.y[row] = p.y[j];
                rows.text[row] = p.text[j];
            }
        }
        return rows;
    }

    // The rows behind the scatter's point traces, by the first point trace object: a re-cut
    // regroups the same rows into new traces, and keys the rows by the new first trace, so
    // they are read out of the traces once per figure the server draws, not on every re-cut
    // (at 20,000 rows that read was about a sixth of applyCut's time, in Node; issue 14).
    var rowsByTrace = new WeakMap();

    function rowsOf(fig) {
        var rows = rowsByTrace.get(fig.data[0]);
        return rows || scatterRows(fig);
    }

    // The scatter's traces recoloured for the clusters cl, or null when the figure is not the
    // row scatter of this tree.
    function scatterData(td, a, cl, fig) {
        if (!fig || !fig.data || !fig.data.length || fig.data[0].meta !== "points") {
            return null;
        }
        var rows = rowsOf(fig);
        var n = rows.n;
        if (n !== a.rowPos.length) {
            return null;
        }
        var P = td.palette.length;
        var counts = new Int32Array(cl.k + 1), perColour = new Int32Array(P);
        var clusterOf = new Int32Array(n);
        for (var i = 0; i < n; i++) {
            var c = cl.pos[a.rowPos[i]];
            clusterOf[i] = c;
            counts[c]++;
            perColour[(c - 1) % P]++;
        }
        var groups = [];
        for (var g = 0; g < P; g++) {
            groups.push({x: new Float32Array(perColour[g]), y: new Float32Array(perColour[g]),
                         text: new Array(perColour[g]), cd: new Array(perColour[g]), fill: 0});
        }
        // Each row's customdata [row, cluster] is one array kept with the rows and updated in
        // place: 20,000 new little arrays per re-cut were most of its garbage collection. The
        // figure that held them before is replaced by this one, so nothing reads old values.
        if (!rows.pairs) {
            rows.pairs = new Array(n);
            for (i = 0; i < n; i++) {
                rows.pairs[i] = [i, 0];
            }
        }
        for (i = 0; i < n; i++) {
            var grp = groups[(clusterOf[i] - 1) % P];
            var o = grp.fill++;
            grp.x[o] = rows.x[i];
            grp.y[o] = rows.y[i];
            grp.text[o] = rows.text[i];
            var pair = rows.pairs[i];
            pair[1] = clusterOf[i];
            grp.cd[o] = pair;
        }
        var template = fig.data[0];
        var data = [];
        for (g = 0; g < P; g++) {
            if (!perColour[g]) {
                continue;
            }
            data.push(Object.assign({}, template, {
                x: groups[g].x, y: groups[g].y, text: groups[g].text, customdata: groups[g].cd,
                marker: Object.assign({}, template.marker, {color: td.palette[g]}),
                legendgroup: "g" + g
            }));
        }
        if (data.length) {
            rowsByTrace.set(data[0], rows);
        }
        var present = 0;
        for (c = 1; c <= cl.k; c++) {
            if (!counts[c]) {
                continue;
            }
            present++;
            if (present > LEGEND_MAX) {
                continue;
            }
            data.push({
                type: "scatter", x: [null], y: [null], mode: "lines",
                line: {color: colourOf(td, c), width: 8},
                name: c + " · " + counts[c] + " rows",
                showlegend: true, hoverinfo: "skip", meta: "legend", legendgroup: "g" + ((c - 1) % P)
            });
        }
        if (present > LEGEND_MAX) {
            data.push({
                type: "scatter", x: [null], y: [null], mode: "lines",
                line: {color: "rgba(0,0,0,0)", width: 8},
                name: "… " + (present - LEGEND_MAX) + " more" +
                    (cl.k > P ? " (colours repeat after " + P + " clusters)" : ""),
                showlegend: true, hoverinfo: "skip", meta: "legend"
            });
        }
        return data;
    }

    var lastK = new WeakMap();
    // The tree the page shows, for the label and k of a line being dragged (cutdrag.js). Browser
    // state of this one page; the server keeps none.
    var shown = null;

    // What the page's tree gives at height t: k and the line's label (same text as cutShape's).
    function liveCut(t) {
        if (!shown || !shown.n) {
            return null;
        }
        var k = kAt(arrays(shown), shown.n, t);
        return {k: k, label: "max_d = " + formatHeight(t) + " · k = " + k};
    }

    function liveLabel(t) {
        var live = liveCut(t);
        return live ? live.label : null;
    }

    // A field's value that means a number (an emptied or half-typed field does not).
    function isNumber(v) {
        return v !== null && v !== undefined && v !== "" && !isNaN(v);
    }

    function applyCut(td, cutValue, kValue, preview, dendroFig, scatterFig, source) {
        var nu = window.dash_clientside.no_update;
        var none = [nu, nu, nu, nu, nu];
        if (!td || !td.n) {
            return none;
        }
        shown = td;
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "";
        // A new tree wins over a cut typed in the same instant: the tree brings its own cut.
        if (ctx && ctx.triggered && ctx.triggered.some(function (t) {
            return t.prop_id === "tree-data.data";
        })) {
            trig = "tree-data.data";
        }
        var a = arrays(td);
        var t, fromK = null;
        if (trig.indexOf("cluster-k.") === 0) {
            // Refused k (components/page/cut.py says why under the field): the cut stays.
            var kMax = a.kHeight.length;
            if (!isNumber(kValue) || Number(kValue) < 1 || Number(kValue) > kMax ||
                    Math.floor(Number(kValue)) !== Number(kValue)) {
                return none;
            }
            var hk = heightForK(a, Number(kValue));
            t = hk.t;
            fromK = hk.k;
        } else if (trig.indexOf("cut-preview.") === 0) {
            // A line held still mid-drag: colours, count and k follow; the max_d field (and
            // with it the link and the analysis tabs) waits for the release.
            if (!preview || !isNumber(preview.t)) {
                return none;
            }
            t = Number(preview.t);
        } else if (trig.indexOf("cut-height.") === 0) {
            if (!isNumber(cutValue) || Number(cutValue) < 0) {
                return none;
            }
            t = Number(cutValue);
        } else {
            // New tree from the server: it says where it drew the cut.
            t = td.cut !== undefined && td.cut !== null ? td.cut : Number(cutValue);
        }
        var k = kAt(a, td.n, t);
        var fresh = trig.indexOf("tree-data.") === 0 || trig === "";
        var drawn = fresh ? null : takeEarly(td, t);
        if (drawn) {
            // Already on screen (cut_now.js): Dash gets what plotly holds.
            var patches = asPatches(drawn);
            return [patches.dendro, patches.scatter,
                    trig.indexOf("cut-height.") === 0 ? nu : t,
                    fromK === k && Number(kValue) === k ? nu : k, countText(k)];
        }
        // Same k means the same partition (cuts are nested), so only the line and the stems'
        // tops move: a relayout of the shapes, the traces kept. While another partition source
        // is on (assets/partition.js paints it, without stems), a typed or restored cut only
        // moves the line: the source switches back on Enter or a drag.
        var held = source && source !== "height" && trig.indexOf("cut-preview.") !== 0;
        var samePartition = !fresh && (held || lastK.get(td) === k);
        lastK.set(td, held ? -1 : k);
        var oldShapes = dendroFig && dendroFig.layout && dendroFig.layout.shapes;
        var dpatch = null;
        var spatch = nu;
        if (fresh && td.cut === t) {
            // The server drew both figures at this very cut.
            dpatch = null;
        } else if (samePartition) {
            if (held) {
                dpatch = new window.dash_clientside.Patch();
                dpatch.assign(["layout", "shapes", 0],
                              cutShape(t, k, td.orientation, oldShapes ? oldShapes[0] : null));
                dpatch = settle(dpatch, dendroFig).build();
            } else {
                dpatch = asPatches(lineRaw(td, t, dendroFig)).dendro;
            }
        } else {
            var painted = paintAt(td, t, dendroFig, scatterFig);
            dpatch = painted.dendro;
            spatch = painted.scatter;
        }
        return [
            dpatch === null ? nu : dpatch,
            spatch,
            trig.indexOf("cut-height.") === 0 || trig.indexOf("cut-preview.") === 0 ? nu : t,
            fromK === k && trig.indexOf("cluster-k.") === 0 && Number(kValue) === k ? nu : k,
            held ? nu : countText(k)
        ];
    }

    function countText(k) {
        return k + (k === 1 ? " cluster" : " clusters");
    }

    // What a recolour at the height cut t changes, as plain values: the tree's traces, its
    // shapes (the cut line, the kept contracted marks, the stems: treeShapes) and data
    // revision, the scatter's traces (null: no row scatter), and k. dendroFig and scatterFig
    // are the figures shown (only read).
    function paintRaw(td, t, dendroFig, scatterFig) {
        var a = arrays(td);
        var cl = clustersAt(a, td.n, t);
        var oldShapes = dendroFig && dendroFig.layout && dendroFig.layout.shapes;
        var links = linkTraces(td, a, cl, t);
        var rest = withHoverText(recolourDendrogram(td, dendroFig, links.group),
                                 clusterNames(td, a, cl, t));
        return {
            dendro: {data: links.traces.concat([markTrace(td, a, cl)], rest),
                     shapes: treeShapes(td, a, cl, t, oldShapes),
                     revision: dataRevision()},
            scatter: scatterData(td, a, cl, scatterFig),
            k: cl.k
        };
    }

    // The figure's sent arrays settled (its traces decoded once) and, when that changed them or
    // the figure had none, a new data revision: {data or null, revision or null}.
    function settledRaw(dendroFig) {
        var data = settledData(dendroFig);
        var revision = dendroFig && dendroFig.layout && dendroFig.layout.datarevision;
        return {data: data, revision: data || !revision ? dataRevision() : null};
    }

    function settle(dpatch, dendroFig) {
        var got = settledRaw(dendroFig);
        if (got.data) {
            dpatch.assign(["data"], got.data);
        }
        if (got.revision !== null) {
            dpatch.assign(["layout", "datarevision"], got.revision);
        }
        return dpatch;
    }

    // A move within the partition the tree shows, as plain values: the line and the stems at
    // t (the traces kept: a relayout), with the figure's arrays settled as applyCut does.
    function lineRaw(td, t, dendroFig) {
        var a = arrays(td);
        var cl = clustersAt(a, td.n, t);
        var got = settledRaw(dendroFig);
        return {dendro: {data: got.data, revision: got.revision,
                         shapes: treeShapes(td, a, cl, t, dendroFig && dendroFig.layout &&
                                            dendroFig.layout.shapes)},
                scatter: null, k: cl.k};
    }

    // paintRaw's (or lineRaw's) values as the patches Dash applies to the two figures; a
    // null data or revision (lineRaw) leaves the figure's own.
    function asPatches(raw) {
        var dpatch = new window.dash_clientside.Patch();
        if (raw.dendro.data) {
            dpatch.assign(["data"], raw.dendro.data);
        }
        dpatch.assign(["layout", "shapes"], raw.dendro.shapes);
        if (raw.dendro.revision !== null) {
            dpatch.assign(["layout", "datarevision"], raw.dendro.revision);
        }
        var spatch = window.dash_clientside.no_update;
        if (raw.scatter) {
            spatch = new window.dash_clientside.Patch();
            spatch.assign(["data"], raw.scatter);
            spatch = spatch.build();
        }
        return {dendro: dpatch.build(), scatter: spatch, k: raw.k};
    }

    // Both figures recoloured for the height cut t: {dendro: built patch, scatter: patch or
    // no_update, k}. Also what assets/partition.js calls when the height source comes back.
    function paintAt(td, t, dendroFig, scatterFig) {
        return asPatches(paintRaw(td, t, dendroFig, scatterFig));
    }

    // A recolour drawn before Dash's turn (assets/cut_now.js, on Enter or a drag's release):
    // the very values drawn, so that the applyCut that follows hands Dash the same objects and
    // dcc.Graph's redraw finds nothing changed. Taken once, and only for the same tree and
    // height within EARLY_MS; anything else is recomputed as usual.
    var EARLY_MS = 10000;
    var early = null;

    function drawnEarly(td, t, raw) {
        early = {td: td, t: t, raw: raw, at: Date.now()};
        lastK.set(td, raw.k);
    }

    function takeEarly(td, t) {
        var got = early;
        early = null;
        return got && got.td === td && got.t === t && Date.now() - got.at < EARLY_MS
            ? got.raw : null;
    }

    // Whether a drawn recolour still waits for Dash's applyCut (tests wait for it: until then
    // the fields, the link and the tabs show the cut before).
    function aheadOfDash() {
        return early !== null && Date.now() - early.at < EARLY_MS;
    }

    // The tree shown and the k its colours show now (null before a tree, or while another
    // partition source holds the colours).
    function shownTree() {
        return shown && shown.n ? shown : null;
    }

    function shownK(td) {
        var k = lastK.get(td);
        return k === undefined || k < 0 ? null : k;
    }

    // Add to, never replace, the namespace: the renderer keeps Patch and no_update there.
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendro = {
        applyCut: applyCut,
        paintAt: paintAt,
        paintRaw: paintRaw,
        lineRaw: lineRaw,
        drawnEarly: drawnEarly,
        aheadOfDash: aheadOfDash,
        shownTree: shownTree,
        shownK: shownK,
        heightForK: heightForK,
        countText: countText,
        dataRevision: dataRevision,
        arrays: arrays,
        colourOf: colourOf,
        withHoverText: withHoverText,
        scatterRows: scatterRows,
        cutShape: cutShape,
        isStems: isStems,
        LEGEND_MAX: LEGEND_MAX,
        liveCut: liveCut,
        liveLabel: liveLabel,
        kAt: kAt,
        decode: decode,
        // exposed for the Node test of the height format (tests/test_app.py)
        _formatHeight: formatHeight
    };
}());
