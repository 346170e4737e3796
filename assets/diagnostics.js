/*
 * Dendrogram Explorer: the Diagnostics tab follows the cut in the browser
 * (components/analysis/diagnostics.py has the why; follow_cut is the Python twin of the text).
 *
 * follow: on every cut move, and after the server draws the tab, the "Now: k = … at max_d = …"
 * line, the scree's solid k line and which snap button is the current cut, from the k the
 * page's tree gives at the cut (dendro.js kAt: fcluster's rule on the tree the page shows).
 * The server is not asked: a cut move on this tab sends no request.
 */
(function () {
    "use strict";

    var SOLID = "#d62728";  // components/figures/analysis.scree_shapes: the page's k
    var NAME = "k-now";     // that line's name there

    // The scree's two lines: the elbow's (kept as the server drew it) and the page's k, shown
    // only inside the scree's range of k.
    function screeShapes(meta, shapes, k) {
        var kept = (shapes || []).filter(function (s) {
            return s.name !== NAME;
        });
        if (meta.ks && k >= meta.ks[0] && k <= meta.ks[1]) {
            kept.push({type: "line", xref: "x", yref: "paper", x0: k, x1: k, y0: 0, y1: 1,
                       name: NAME, line: {color: SOLID, width: 1}});
        }
        return kept;
    }

    function follow(cutValue, summary, td, scree, candidates) {
        var nu = window.dash_clientside.no_update;
        var ctx = window.dash_clientside.callback_context;
        var outs = (ctx && ctx.outputs_list) || [];
        var nButtons = outs[2] ? outs[2].length : 0;
        var none = [nu, nu, new Array(nButtons).fill(nu), new Array(nButtons).fill(nu)];
        var dendro = window.dash_clientside.dendro;
        var t = Number(cutValue);
        // Refused values leave the cut (and so this tab) where it was (components/page/cut.py).
        if (!td || !td.n || cutValue === null || cutValue === "" || !isFinite(t) || t < 0) {
            return none;
        }
        var meta = scree && scree.layout && scree.layout.meta;
        // The tab shows another tree (the server has not drawn the new one yet): leave it.
        if (!meta || meta.tree_key !== td.tree_key || !candidates ||
                candidates.tree_key !== td.tree_key) {
            return none;
        }
        var k = dendro.kAt(dendro.arrays(td), td.n, t);
        var now = "Now: k = " + k + " at max_d = " + dendro._formatHeight(t) + ".";
        var patch = new window.dash_clientside.Patch();
        patch.assign(["layout", "shapes"], screeShapes(meta, scree.layout.shapes, k));
        var cuts = candidates.cuts || [];
        var current = (outs[2] || []).map(function (o) {
            var c = cuts[Number(o.id.index)];
            return Boolean(c) && c.k === k;
        });
        return [now, patch.build(),
                current.map(function (on) { return on ? "primary" : "secondary"; }),
                current.map(function (on) { return !on; })];
    }

    // Add to, never replace, the namespace: the renderer keeps Patch and no_update there.
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroDiag = {follow: follow, screeShapes: screeShapes};
}());
