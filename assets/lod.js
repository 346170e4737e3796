/* Level of detail for the full dendrogram of a big tree, in the browser (issue 14, goal 3).
 *
 * The same rule as clustering/lod.py (which the tests hold this file to): the whole tree is
 * laid out once in SciPy's dendrogram coordinates (leaf position i at x = 10 i + 5, a node
 * midway between its children); a zoom window px pixels wide draws every link whose subtree
 * is wider than one pixel and meets the window, each narrower child as one vertical mark from
 * its height to 0, and leaves as themselves. A subtree's leaves are one run of positions, so
 * the choice is one pass over the nodes' extents (O(n), no traversal): ~1-3 ms at 100,000.
 * Colours are the page's: a link or mark is above the cut when the largest merge height in
 * its subtree is (maxdist), else it takes the cluster of its first leaf position, clusters
 * numbered left to right where the gaps exceed the cut (fcluster(Z, t, 'distance')).
 *
 * window.dendroLod = {build, fromPayload, view, clusters, drawing}; nothing runs by
 * itself. The compact tree comes from components/figures/lod.py's lod_payload (children,
 * heights and leaf order, base64), about 20 bytes a leaf.
 */
(function () {
    "use strict";
    var SPACING = 10;

    function decode(spec) {
        var bin = atob(spec.b64);
        var buf = new ArrayBuffer(bin.length);
        var bytes = new Uint8Array(buf);
        for (var i = 0; i < bin.length; i++) {
            bytes[i] = bin.charCodeAt(i);
        }
        var T = {float64: Float64Array, float32: Float32Array, int32: Int32Array}[spec.dtype];
        return new T(buf);
    }

    // children: Int32Array 2(n-1) (Z[:, :2] row by row), height: Float64Array n-1,
    // leaves: Int32Array n (row at each leaf position).
    function build(children, height, leaves) {
        var n = leaves.length, total = 2 * n - 1;
        var x = new Float64Array(total), h = new Float64Array(total);
        var first = new Int32Array(total), count = new Int32Array(total);
        var maxdist = new Float64Array(total);
        for (var p = 0; p < n; p++) {
            var leaf = leaves[p];
            first[leaf] = p;
            count[leaf] = 1;
            x[leaf] = SPACING * p + SPACING / 2;
            maxdist[leaf] = -Infinity;
        }
        for (var r = 0; r < n - 1; r++) {
            var a = children[2 * r], b = children[2 * r + 1], v = n + r;
            first[v] = Math.min(first[a], first[b]);
            count[v] = count[a] + count[b];
            x[v] = (x[a] + x[b]) / 2;
            h[v] = height[r];
            maxdist[v] = Math.max(height[r], maxdist[a], maxdist[b]);
        }
        // gaps[i]: maxdist of the merge joining positions i and i + 1 (its left child's last).
        var gaps = new Float64Array(Math.max(n - 1, 0));
        for (r = 0; r < n - 1; r++) {
            var left = children[2 * r];
            gaps[first[left] + count[left] - 1] = maxdist[n + r];
        }
        return {n: n, x: x, h: h, first: first, count: count, maxdist: maxdist,
                children: children, leaves: leaves, gaps: gaps};
    }

    function fromPayload(payload) {
        return build(decode(payload.children), decode(payload.height), decode(payload.leaves));
    }

    function visible(tree, v, x0, x1) {
        var lo = SPACING * tree.first[v];
        return lo + SPACING * tree.count[v] > x0 && lo < x1;
    }

    // What the window [x0, x1], px pixels wide, draws: links (rows of Z, ascending), marks
    // (nodes), leaves (positions), and the pixel used (doubled until at most maxLinks links).
    // A walk down from the root that enters only links wider than a pixel and in the window
    // (a parent's extent holds its children's): its cost is the links drawn, not n.
    function view(tree, x0, x1, px, maxLinks) {
        var n = tree.n;
        maxLinks = maxLinks || 20000;
        var pixel = (x1 - x0) / px;
        var root = 2 * n - 2;
        var stack = new Int32Array(Math.max(2 * n, 2));
        for (;;) {
            var links = [], marks = [], leaves = [], top = 0, over = false;
            if (n > 1 && visible(tree, root, x0, x1)) {
                stack[top++] = root;
            }
            while (top > 0) {
                var v = stack[--top];
                if (v < n) {
                    leaves.push(tree.first[v]);
                } else if (SPACING * tree.count[v] > pixel) {
                    if (links.length >= maxLinks) {
                        over = true;
                        break;
                    }
                    links.push(v - n);
                    for (var s = 1; s >= 0; s--) {
                        var c = tree.children[2 * (v - n) + s];
                        if (visible(tree, c, x0, x1)) {
                            stack[top++] = c;
                        }
                    }
                } else {
                    marks.push(v);
                }
            }
            if (!over) {
                break;
            }
            pixel *= 2;
        }
        var asc = function (p, q) { return p - q; };
        links.sort(asc);
        marks.sort(asc);
        leaves.sort(asc);
        return {links: links, marks: marks, leaves: leaves, pixel: pixel};
    }

    // Cluster 1..k of each leaf position at height t.
    function clusters(tree, t) {
        var n = tree.n, pos = new Int32Array(n), c = 1;
        if (n) {
            pos[0] = 1;
        }
        for (var i = 0; i < n - 1; i++) {
            if (!(tree.gaps[i] <= t)) {
                c++;
            }
            pos[i + 1] = c;
        }
        return pos;
    }

    // 0 above the cut, else 1 + (cluster - 1) mod P (the palette slot + 1).
    function group(tree, pos, v, t, P) {
        return tree.maxdist[v] <= t ? ((pos[tree.first[v]] - 1) % P) + 1 : 0;
    }

    // What a view draws at cut t, for plotly: {shapes, data}. The links and marks are path
    // shapes, one per colour ("M x,y L ..." in data units: a link is its U of 4 points, a mark
    // its stroke from the node's height to 0), drawn below the traces: one SVG path each,
    // where a line trace costs an SVG path per NaN-separated piece and a WebGL trace a
    // software-GL draw and read-back per frame (bench/bench_lod.py). data holds the leaves as
    // markers (row names for hover, coloured by cluster) and an undrawn trace (mode "none")
    // on each link's top that names the merge on hover. Options: palette, above (colour
    // above the cut), labels (row labels, by row).
    function drawing(tree, win, t, opts) {
        var P = opts.palette.length, n = tree.n;
        var pos = clusters(tree, t);
        var parts = [], i, v, q;
        for (q = 0; q <= P; q++) {
            parts.push([]);
        }
        for (i = 0; i < win.links.length; i++) {
            var r = win.links[i], a = tree.children[2 * r], b = tree.children[2 * r + 1];
            v = n + r;
            parts[group(tree, pos, v, t, P)].push(
                "M" + tree.x[a] + "," + tree.h[a] + "L" + tree.x[a] + "," + tree.h[v] +
                "L" + tree.x[b] + "," + tree.h[v] + "L" + tree.x[b] + "," + tree.h[b]);
        }
        for (i = 0; i < win.marks.length; i++) {
            v = win.marks[i];
            parts[group(tree, pos, v, t, P)].push("M" + tree.x[v] + "," + tree.h[v] + "L" +
                                                  tree.x[v] + ",0");
        }
        var shapes = [];
        for (q = 0; q <= P; q++) {
            if (parts[q].length) {
                shapes.push({type: "path", xref: "x", yref: "y", layer: "below",
                             name: "lod-links", path: parts[q].join(""),
                             line: {width: 1.5, color: q ? opts.palette[q - 1] : opts.above}});
            }
        }
        var lx = [], ly = [], text = [], colours = [];
        for (i = 0; i < win.leaves.length; i++) {
            var p = win.leaves[i], row = tree.leaves[p];
            lx.push(SPACING * p + SPACING / 2);
            ly.push(0);
            var label = opts.labels ? opts.labels[row] : "row " + row;
            text.push(label + " · cluster " + pos[p]);
            colours.push(opts.palette[(pos[p] - 1) % P]);
        }
        var leaves = {type: "scatter", mode: "markers", x: lx, y: ly, text: text,
                      hoverinfo: "text", marker: {size: 5, color: colours}, showlegend: false,
                      meta: "lod-leaves",
                      customdata: win.leaves.map(function (p) { return tree.leaves[p]; })};
        return {shapes: shapes, data: [leaves, mergeTrace(tree, win)]};
    }

    // Hover on merges: a trace that draws nothing (mode "none"; plotly still finds its points
    // for hover) on the top of each drawn link.
    function mergeTrace(tree, win) {
        var n = tree.n, x = [], y = [], text = [];
        for (var i = 0; i < win.links.length; i++) {
            var r = win.links[i], v = n + r;
            x.push(tree.x[v]);
            y.push(tree.h[v]);
            text.push("merge " + r + " (forms id " + v + ") at height " +
                      tree.h[v].toPrecision(6) + " · " + tree.count[v] + " leaves");
        }
        return {type: "scatter", mode: "none", x: x, y: y, text: text, hoverinfo: "text",
                showlegend: false, meta: "lod-merges"};
    }

    // The page's hook (components/analysis/full_tree.py). The graph is plotly.js's own, in a
    // div Dash does not draw into (not a dcc.Graph): a clientside callback hands over the
    // compact tree (built here once per tree) and the cut (render), and every zoom and pan
    // is drawn on plotly's relayout event with no request. Through dcc.Graph each frame also
    // went through Dash (relayoutData to a callback, the figure back): at 100,000 leaves
    // ~220 ms a frame, against ~130 without (bench/bench_lod.py --page, same run).
    var cache = {key: null, tree: null, range: null};
    var CONFIG = {scrollZoom: true, displaylogo: false, responsive: true};

    function windowFrom(relayout, tree, old) {
        var full = [0, SPACING * tree.n];
        if (!relayout || relayout["xaxis.autorange"]) {
            return relayout && relayout["xaxis.autorange"] ? full : (old || full);
        }
        if (relayout["xaxis.range[0]"] !== undefined) {
            return [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]];
        }
        if (relayout["xaxis.range"]) {
            return relayout["xaxis.range"].slice();
        }
        return old || full;
    }

    function movesX(relayout) {
        return Boolean(relayout) && (relayout["xaxis.autorange"] || relayout.xaxis ||
            relayout["xaxis.range"] || relayout["xaxis.range[0]"] !== undefined);
    }

    function cutOf(cut) {
        var t = Number(cut);
        return isFinite(t) ? t : Infinity;
    }

    // The figure of window `range` at cut t (null when the window holds no leaf slot).
    function figureOf(data, range, t, el) {
        var tree = cache.tree;
        var px = Math.max(100, ((el && el.offsetWidth) || 800) - 60);
        var x0 = Math.max(range[0], 0), x1 = Math.min(range[1], SPACING * tree.n);
        if (!(x1 > x0)) {
            return null;
        }
        var win = view(tree, x0, x1, px);
        var drawn = drawing(tree, win, t, {palette: data.palette, above: data.above,
                                           labels: data.labels});
        var shapes = isFinite(t) ? [{type: "line", xref: "paper", x0: 0, x1: 1, y0: t, y1: t,
                                     line: {color: "#444", width: 1, dash: "dash"}}] : [];
        return {
            data: drawn.data,
            layout: {
                height: 420, margin: {l: 50, r: 10, t: 10, b: 30}, hovermode: "closest",
                uirevision: data.tree_key, shapes: shapes.concat(drawn.shapes), dragmode: "zoom",
                xaxis: {range: range, showticklabels: false, zeroline: false,
                        title: {text: win.leaves.length ? win.leaves.length +
                                " leaves shown individually" : "zoom in to see leaves"}},
                yaxis: {title: {text: "height"}, zeroline: false},
                meta: {links: win.links.length, marks: win.marks.length,
                       leaves: win.leaves.length, pixel: win.pixel, cut: t}
            }
        };
    }

    // One listener per plotted div: plotly.js gives a div a new `on` when it plots it anew,
    // so the `on` a listener was added with tells whether it still listens.
    var listening = new WeakMap();

    // The div plotly.js draws into: a child of the page's (which React owns), made once.
    function plotDiv(graphId) {
        var host = document.getElementById(graphId);
        if (!host) {
            return null;
        }
        var el = host.querySelector(".lod-plot");
        if (!el) {
            el = document.createElement("div");
            el.className = "lod-plot";
            host.appendChild(el);
        }
        return el;
    }

    // Draw window `range` into the graph (plotting it the first time, or when the page made
    // the div anew) and follow its zooms; the figure's meta, or null if nothing to draw.
    function draw(graphId, range) {
        var el = plotDiv(graphId);
        var fig = el && figureOf(cache.data, range, cache.cut, el);
        if (!fig) {
            return null;
        }
        cache.range = range;
        if (typeof el.on !== "function" || listening.get(el) !== el.on) {
            window.Plotly.newPlot(el, fig.data, fig.layout, CONFIG);
            listening.set(el, el.on);
            el.on("plotly_relayout", function (ev) {
                if (cache.tree && movesX(ev)) {
                    draw(graphId, windowFrom(ev, cache.tree, cache.range));
                }
            });
        } else {
            window.Plotly.react(el, fig.data, fig.layout, CONFIG);
        }
        return fig.layout.meta;
    }

    // The clientside callback: a new tree (drawn whole) or a new cut (the window shown
    // recoloured). Returns what is drawn (the view store), for tests and the page.
    function render(data, cut, graphId) {
        var nu = window.dash_clientside.no_update;
        if (!data || !data.payload) {
            var el = plotDiv(graphId);
            if (el && typeof el.on === "function") {
                window.Plotly.purge(el);
            }
            cache = {key: null, tree: null, range: null};
            return null;
        }
        if (cache.key !== data.tree_key) {
            cache = {key: data.tree_key, tree: fromPayload(data.payload), range: null};
        }
        cache.data = data;
        cache.cut = cutOf(cut);
        return draw(graphId, cache.range || [0, SPACING * cache.tree.n]) || nu;
    }

    window.dendroLod = {build: build, fromPayload: fromPayload, view: view,
                        clusters: clusters, drawing: drawing, decode: decode,
                        render: render};
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroLod = {render: render};
})();
