/*
 * Dendrogram Explorer: clicks on the dendrogram and the scatter highlight, in the browser.
 *
 * onClick: a click on the invisible merge marker (trace meta "hover", customdata [row, size])
 * picks that merge; on a leaf marker (meta "leaves", customdata [position, node, count]) picks
 * the leaf or truncated leaf; on a candidate cut line (meta "candidates", customdata
 * [height, k]) moves the cut there -- and only then: nothing moves the cut by itself.
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
        if (!clickData || !clickData.points || !clickData.points.length || !fig || !td) {
            return [nu, nu];
        }
        var pt = clickData.points[0];
        var trace = fig.data && fig.data[pt.curveNumber];
        var meta = trace ? trace.meta : null;
        var cd = pt.customdata;
        if (cd === undefined || cd === null) {
            return [nu, nu];
        }
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

    // customdata as plotly's JSON carries it: nested arrays, or {dtype, bdata, shape}.
    function rowsOf(cd, len) {
        if (!cd) {
            return null;
        }
        if (cd.bdata !== undefined) {
            var bin = atob(cd.bdata);
            var bytes = new Uint8Array(bin.length);
            for (var i = 0; i < bin.length; i++) {
                bytes[i] = bin.charCodeAt(i);
            }
            var flat = new Int32Array(bytes.buffer);
            var out = new Array(len);
            for (i = 0; i < len; i++) {
                out[i] = flat[2 * i];
            }
            return out;
        }
        if (cd.length === 2 * len && !Array.isArray(cd[0])) {
            var o = new Array(len);
            for (var j = 0; j < len; j++) {
                o[j] = cd[2 * j];
            }
            return o;
        }
        return cd.map(function (c) { return c[0]; });
    }

    function lengthOf(v) {
        if (!v) {
            return 0;
        }
        if (v.bdata !== undefined) {
            var bytesPer = {f4: 4, f8: 8, i4: 4, u4: 4, i2: 2, u2: 2, i1: 1, u1: 1}[v.dtype] || 4;
            return Math.floor(atob(v.bdata).length / bytesPer);
        }
        return v.length;
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
            var len = lengthOf(t.x);
            var rows = rowsOf(t.customdata, len) || [];
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
    window.dash_clientside.inspect = {onClick: onClick, highlight: highlight};
}());
