/*
 * Dendrogram Explorer: the cut by keyboard, and the graphs in words (issue 19).
 *
 * The cut line has a keyboard twin: the `cut-slider` element above the tree
 * (components/page/cut.py:cut_slider), an ARIA slider whose value is max_d. With it focused:
 *   ArrowUp / ArrowRight   the cut rises to the next band: one cluster fewer (k - 1);
 *   ArrowDown / ArrowLeft  the cut falls to the next band: one cluster more (k + 1);
 *   PageUp / PageDown      ten bands at a time;
 *   Home / End             the lowest cut of the k table (most clusters) / the root (k = 1).
 * The bands are the k -> height table the server sends with the tree (tree-data's k_height and
 * k_of, clustering.suggest.heights_for_k, the table dendro.js:heightForK reads): a key writes
 * that band's height into the max_d field with dash_clientside.set_props, as a released drag
 * does (cutdrag.js), so dendro.js:applyCut recolours, writes k, and the link follows. A k that
 * no cut gives (ties) is skipped.
 *
 * `describe` (a clientside callback, components/page/cut.py) runs whenever the cut or the
 * tree changes -- the same inputs that redraw the figures -- and writes the slider's value and
 * the visually hidden descriptions the two graphs point to with aria-describedby: n, method,
 * metric, the cut, k and the cluster sizes.
 */
(function () {
    "use strict";

    var SIZES_LISTED = 12;
    // The tree and cut the page shows (this page's browser state; the server keeps none).
    var current = null;

    function dendro() {
        return (window.dash_clientside || {}).dendro;
    }

    function isNumber(v) {
        return v !== null && v !== undefined && v !== "" && !isNaN(v);
    }

    function tables(td) {
        var d = dendro();
        if (!td || !td.n || !d || !d.decode) {
            return null;
        }
        if (!tables.cache || tables.cache.td !== td) {
            tables.cache = {
                td: td, gaps: d.decode(td.gaps), kHeight: d.decode(td.k_height),
                kOf: d.decode(td.k_of), rowPos: d.decode(td.row_pos)
            };
        }
        return tables.cache;
    }

    // Leaf position -> cluster 1..k at height t (fcluster's 'distance' rule, as dendro.js).
    function clusters(a, n, t) {
        var pos = new Int32Array(n), c = 1;
        for (var i = 0; i < n; i++) {
            if (i > 0 && !(a.gaps[i - 1] <= t)) {
                c++;
            }
            pos[i] = c;
        }
        return {pos: pos, k: n > 0 ? c : 0};
    }

    function fmt(t) {
        var d = dendro();
        return d && d._formatHeight ? d._formatHeight(t) : String(t);
    }

    function sizesText(counts, k, unit) {
        var parts = [];
        for (var c = 1; c <= Math.min(k, SIZES_LISTED); c++) {
            parts.push("cluster " + c + ": " + counts[c] + " " + unit);
        }
        if (k > SIZES_LISTED) {
            parts.push("and " + (k - SIZES_LISTED) + " more clusters");
        }
        return parts.join(", ");
    }

    function currentHeight(td, cutValue, preview) {
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered || []).map(function (x) { return x.prop_id; });
        if (trig.indexOf("cut-preview.data") >= 0 && preview && isNumber(preview.t)) {
            return Number(preview.t);
        }
        if (trig.indexOf("tree-data.data") >= 0 && isNumber(td.cut)) {
            return Number(td.cut);
        }
        return isNumber(cutValue) ? Number(cutValue) : (isNumber(td.cut) ? Number(td.cut) : null);
    }

    // Outputs: slider aria-valuenow, aria-valuetext, aria-valuemin, aria-valuemax, its visible
    // text; the dendrogram's description; the scatter's description.
    function describe(td, cutValue, countText, preview) {
        var nu = window.dash_clientside.no_update;
        var a = tables(td);
        if (!a) {
            current = null;
            return [nu, nu, nu, nu, nu, "No tree drawn yet.", "No points drawn yet."];
        }
        var t = currentHeight(td, cutValue, preview);
        if (t === null) {
            return [nu, nu, nu, nu, nu, nu, nu];
        }
        var cl = clusters(a, td.n, t);
        var k = cl.k;
        current = {td: td, t: t, k: k};
        var leafCounts = new Int32Array(k + 1);
        for (var i = 0; i < td.n; i++) {
            leafCounts[cl.pos[i]]++;
        }
        var rowCounts = new Int32Array(k + 1);
        for (i = 0; i < a.rowPos.length; i++) {
            rowCounts[cl.pos[a.rowPos[i]]]++;
        }
        var p = td.params || {};
        var what = (p.method || "?") + " linkage, " + (p.metric || "?") + " distance";
        var clusterWord = k === 1 ? " cluster" : " clusters";
        var valueText = "max_d " + fmt(t) + ", " + k + clusterWord;
        var leaves = td.approx_note ? " leaves (micro-clusters of rows)" : " rows";
        var tree = "Dendrogram of " + td.n.toLocaleString("en") + leaves + ", " + what
            + ". Cut at max_d " + fmt(t) + ": " + k + clusterWord + ". Sizes: "
            + sizesText(leafCounts, k, td.approx_note ? "leaves" : "rows") + ".";
        var scatter = "Scatter of " + a.rowPos.length.toLocaleString("en")
            + " rows coloured by cluster at max_d " + fmt(t) + " (" + k + clusterWord
            + "). Points per cluster: " + sizesText(rowCounts, k, "points") + ".";
        var top = a.kHeight.length ? a.kHeight[0] : t;
        var bottom = a.kHeight.length ? a.kHeight[a.kHeight.length - 1] : t;
        var shown = "Cut line: max_d = " + fmt(t) + " · " + k + clusterWord;
        return [Number(fmt(t)), valueText, Number(fmt(Math.min(bottom, t))),
                Number(fmt(Math.max(top, t))), shown, tree, scatter];
    }

    // The row of the k table one band away in direction dir (+1: more clusters, -1: fewer),
    // `steps` bands on from k; null when there is none that way.
    function nextBand(a, k, dir, steps) {
        var K = a.kOf.length, at = null, want = k;
        for (var s = 0; s < steps; s++) {
            var found = null;
            if (dir > 0) {
                for (var i = 0; i < K && found === null; i++) {
                    if (a.kOf[i] > want) {
                        found = i;
                    }
                }
            } else {
                for (var j = K - 1; j >= 0 && found === null; j--) {
                    if (a.kOf[j] < want) {
                        found = j;
                    }
                }
            }
            if (found === null) {
                break;
            }
            at = found;
            want = a.kOf[found];
        }
        return at;
    }

    function onKey(ev) {
        if (!current || !ev.target.matches || !ev.target.matches("#cut-slider")) {
            return;
        }
        var a = tables(current.td);
        if (!a || !a.kOf.length) {
            return;
        }
        var k = current.k, row = null;
        switch (ev.key) {
        case "ArrowUp":
        case "ArrowRight":
            row = nextBand(a, k, -1, 1);
            break;
        case "ArrowDown":
        case "ArrowLeft":
            row = nextBand(a, k, +1, 1);
            break;
        case "PageUp":
            row = nextBand(a, k, -1, 10);
            break;
        case "PageDown":
            row = nextBand(a, k, +1, 10);
            break;
        case "Home":
            row = a.kOf.length - 1;
            break;
        case "End":
            row = 0;
            break;
        default:
            return;
        }
        ev.preventDefault();
        if (row === null || a.kOf[row] === k) {
            return;
        }
        // Several keys before the page answers move on from the band asked for last.
        current = {td: current.td, t: a.kHeight[row], k: a.kOf[row]};
        // As a released drag does (cutdrag.js): the max_d field; dendro.js:applyCut follows.
        window.dash_clientside.set_props("cut-height", {value: a.kHeight[row]});
    }

    // While the slider has focus, the line it moves is drawn thicker (style.css).
    function onFocus(ev, on) {
        if (!ev.target.matches || !ev.target.matches("#cut-slider")) {
            return;
        }
        var g = document.getElementById("dendrogram");
        if (g) {
            g.classList.toggle("dendro-cut-focus", on);
        }
    }

    // The graphs are figures named by their heading text and described by the text above.
    function nameGraphs() {
        [["dendrogram", "Dendrogram"], ["scatter", "Scatter of the rows by cluster"]]
            .forEach(function (pair) {
                var g = document.getElementById(pair[0]);
                if (g && g.getAttribute("role") !== "figure") {
                    g.setAttribute("role", "figure");
                    g.setAttribute("aria-label", pair[1]);
                    g.setAttribute("aria-describedby", pair[0] + "-desc");
                }
            });
    }

    document.addEventListener("keydown", onKey);
    document.addEventListener("focusin", function (ev) { onFocus(ev, true); });
    document.addEventListener("focusout", function (ev) { onFocus(ev, false); });

    function describeAndName(td, cutValue, countText, preview) {
        nameGraphs();
        return describe(td, cutValue, countText, preview);
    }

    // Add to, never replace, the namespace: the renderer keeps Patch and no_update there.
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroA11y = {describe: describeAndName, _nextBand: nextBand};
}());
