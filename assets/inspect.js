/*
 * Dendrogram Explorer: clicks on the dendrogram and the scatter highlight, in the browser.
 *
 * onClick: a click on the invisible merge marker (trace meta "hover", customdata [row, size])
 * picks that merge; on a leaf marker (meta "leaves", customdata [position, node, count]) picks
 * the leaf or truncated leaf; on a candidate cut line (meta "candidates", customdata
 * [height, k]) moves the cut there -- and only then: nothing moves the cut by itself.
 *
 * snap: a "snap" button of the diagnostics tab moves the cut to its candidate height. The
 * buttons are re-created with every summary (each cut move), and a fresh button fires with
 * n_clicks None; answering that here, not on the server, saves a request per cut move.
 *
 * highlight: the members of the picked merge stay opaque in the scatter, the rest fade. It
 * uses each points trace's selectedpoints (opacity), never colours, so it does not fight the
 * clientside cut (dendro.js), which owns the colours. dendro.js rebuilds the points traces
 * when the partition changes (copying the first trace's settings into all), so this runs again
 * after every recolour (cluster-count changes with it) and sets each trace's selection from
 * its own customdata (row, cluster).
 */
(function () {
    "use strict";

    var FADED = 0.12;

    function onClick(clickData, clearClicks, fig, td) {
        var nu = window.dash_clientside.no_update;
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "";
        if (trig.indexOf("inspect-clear.") === 0) {
            return [null, nu];
        }
        var got = td ? clickedPoint(clickData, fig) : null;
        if (!got) {
            return [nu, nu];
        }
        var meta = got.meta;
        var cd = got.customdata;
        if (meta === "candidates") {
            return [nu, Number(cd[0])];
        }
        if (meta === "hover") {
            return [{kind: "merge", row: Number(cd[0]), tree_key: td.tree_key}, nu];
        }
        if (meta === "leaves") {
            return [{kind: "leaf", node: Number(cd[1]), position: Number(cd[0]),
                     tree_key: td.tree_key}, nu];
        }
        return [nu, nu];
    }

    function snap(clicks, candidates) {
        var nu = window.dash_clientside.no_update;
        var ctx = window.dash_clientside.callback_context;
        var fired = ((ctx && ctx.triggered) || []).filter(function (t) { return t.value; });
        var cuts = candidates && candidates.cuts;
        if (!cuts || !fired.length) {
            return nu;
        }
        var pid = fired[0].prop_id;
        var id = JSON.parse(pid.slice(0, pid.lastIndexOf(".")));
        var cut = cuts[Number(id.index)];
        return cut ? cut.height : nu;
    }

    // The clicked point's trace meta and customdata row, or null (no point, or no customdata).
    // Shared with partition.js (dendroPart.clickNode): one decoding of a dendrogram click.
    function clickedPoint(clickData, fig) {
        if (!clickData || !clickData.points || !clickData.points.length || !fig) {
            return null;
        }
        var pt = clickData.points[0];
        var trace = fig.data && fig.data[pt.curveNumber];
        // dcc.Graph drops array-valued fields from clickData: read customdata from the figure.
        var cd = trace ? customdataAt(trace.customdata, pt.pointNumber) : null;
        if (cd === undefined || cd === null) {
            return null;
        }
        return {meta: trace.meta, customdata: cd};
    }

    // Row j of a trace's customdata: nested arrays, or typed {dtype, bdata, shape}.
    function customdataAt(cd, j) {
        if (!cd || j === undefined || j === null) {
            return null;
        }
        if (cd.bdata !== undefined) {
            var cols = cd.shape ? Number(String(cd.shape).split(",")[1] || 1) : 1;
            var arr = decode(cd);
            var out = [];
            for (var c = 0; c < cols; c++) {
                out.push(arr[j * cols + c]);
            }
            return out;
        }
        return cd[j];
    }

    // dendro.js's base64 decoder (assets load before any callback runs).
    function decode(spec) {
        return window.dash_clientside.dendro.decode(spec);
    }

    // Each point's row (column 0 of customdata [row, cluster]): nested arrays, a flat array,
    // or typed {dtype, bdata, shape}.
    function rowsOf(cd) {
        if (!cd) {
            return null;
        }
        var flat = cd.bdata !== undefined ? decode(cd) : (Array.isArray(cd[0]) ? null : cd);
        if (!flat) {
            return cd.map(function (c) { return c[0]; });
        }
        var out = new Array(flat.length >> 1);
        for (var i = 0; i < out.length; i++) {
            out[i] = flat[2 * i];
        }
        return out;
    }

    function highlight(hl, countText, td, fig) {
        var nu = window.dash_clientside.no_update;
        if (!fig || !fig.data) {
            return nu;
        }
        var active = hl && hl.rows && td && hl.tree_key === td.tree_key;
        var members = null;
        if (active) {
            members = new Set(hl.rows);
        }
        var patch = new window.dash_clientside.Patch();
        var changed = false;
        for (var i = 0; i < fig.data.length; i++) {
            var t = fig.data[i];
            if (t.meta !== "points") {
                continue;
            }
            if (!active) {
                if (t.selectedpoints !== undefined && t.selectedpoints !== null) {
                    patch.assign(["data", i, "selectedpoints"], null);
                    changed = true;
                }
                continue;
            }
            var rows = rowsOf(t.customdata) || [];
            var sel = [];
            for (var j = 0; j < rows.length; j++) {
                if (members.has(rows[j])) {
                    sel.push(j);
                }
            }
            patch.assign(["data", i, "selectedpoints"], sel);
            patch.assign(["data", i, "unselected"], {marker: {opacity: FADED}});
            patch.assign(["data", i, "selected"], {marker: {opacity: 1}});
            changed = true;
        }
        return changed ? patch.build() : nu;
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.inspect = {onClick: onClick, highlight: highlight, snap: snap,
                                       clickedPoint: clickedPoint};
}());
