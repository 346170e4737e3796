/* Level of detail for the full dendrogram of a big tree, in the browser (issue 14, goal 3).
 *
 * The same rule as clustering/lod.py (which the tests hold this file to): the whole tree is
 * laid out once in SciPy's dendrogram coordinates (leaf position i at x = 10 i + 5, a node
 * midway between its children); a zoom window px pixels wide draws every link whose subtree
 * is wider than one pixel and meets the window, each narrower child as one vertical mark from
 * its height to 0, and leaves as themselves. A subtree's leaves are one run of positions, so
 * the choice is a walk down from the root that enters only links wider than a pixel (view):
 * its cost is the links drawn, 1-9 ms at 100,000 leaves (bench/bench_lod.py).
 * Colours are the page's: a link or mark is above the cut when the largest merge height in
 * its subtree is (maxdist), else it takes the cluster of its first leaf position, clusters
 * numbered left to right where the gaps exceed the cut (fcluster(Z, t, 'distance')).
 *
 * window.dendroLod = {build, fromPayload, view, clusters, drawing, decode, render}; nothing
 * runs by itself (render is the page's clientside callback). The compact tree comes from
 * components/figures/lod.py's lod_payload (children, heights and leaf order, base64), about
 * 27 bytes a leaf as JSON.
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

    // What a view draws at cut t: {strokes, data}. strokes: SVG paths ({colour, width, dot,
    // path}: "M x,y L ..."), the links and marks one path per colour (a link is its U of 4
    // points, a mark its stroke from the node's height to 0), then the leaves, a dot each
    // (dot: true), one path per colour; in data units, or through opts.px / opts.py (data
    // to pixels) when given. The page draws them itself, under plotly's graph
    // (overlay below): one SVG path a colour, where a plotly line trace costs a path per
    // NaN-separated piece, a WebGL trace a software-GL draw and read-back, and a layout
    // shape is redrawn by plotly twice a zoom (bench/bench_lod.py). data: plotly traces that
    // draw nothing (mode "none"; plotly still hovers their points): one on the leaves naming
    // each row and its cluster, one on each link's top naming the merge. Options: palette,
    // above (colour above the cut), labels (row labels, by row), px, py.
    function drawing(tree, win, t, opts) {
        var P = opts.palette.length, n = tree.n;
        var X = opts.px || function (v) { return v; }, Y = opts.py || function (v) { return v; };
        var pos = clusters(tree, t);
        var parts = [], i, v, q;
        for (q = 0; q <= P; q++) {
            parts.push([]);
        }
        for (i = 0; i < win.links.length; i++) {
            var r = win.links[i], a = tree.children[2 * r], b = tree.children[2 * r + 1];
            v = n + r;
            var xa = X(tree.x[a]), xb = X(tree.x[b]), top = Y(tree.h[v]);
            parts[group(tree, pos, v, t, P)].push(
                "M" + xa + "," + Y(tree.h[a]) + "L" + xa + "," + top +
                "L" + xb + "," + top + "L" + xb + "," + Y(tree.h[b]));
        }
        for (i = 0; i < win.marks.length; i++) {
            v = win.marks[i];
            var xv = X(tree.x[v]);
            parts[group(tree, pos, v, t, P)].push("M" + xv + "," + Y(tree.h[v]) + "L" + xv +
                                                  "," + Y(0));
        }
        var strokes = [], dots = [];
        for (q = 0; q <= P; q++) {
            if (parts[q].length) {
                strokes.push({colour: q ? opts.palette[q - 1] : opts.above, width: 1.5,
                              path: parts[q].join("")});
            }
            dots.push([]);
        }
        var text = [], colours = [], y0 = Y(0);
        for (i = 0; i < win.leaves.length; i++) {
            var p = win.leaves[i], row = tree.leaves[p], g = (pos[p] - 1) % P;
            var label = opts.labels ? opts.labels[row] : "row " + row;
            text.push(label + " · cluster " + pos[p]);
            colours.push(opts.palette[g]);
            var xp = X(SPACING * p + SPACING / 2);
            dots[g].push("M" + xp + "," + y0 + "L" + xp + "," + y0);
        }
        // Each leaf a dot of its cluster's colour (a zero-length stroke with round caps).
        for (q = 0; q < P; q++) {
            if (dots[q].length) {
                strokes.push({colour: opts.palette[q], width: 5, dot: true,
                              path: dots[q].join("")});
            }
        }
        // The leaves' hover (row and cluster; the label in the cluster's colour), undrawn.
        var leaves = {type: "scatter", mode: "none", text: text, hoverinfo: "text",
                      x: win.leaves.map(function (p) { return SPACING * p + SPACING / 2; }),
                      y: win.leaves.map(function () { return 0; }),
                      hoverlabel: {bgcolor: colours}, showlegend: false, meta: "lod-leaves",
                      customdata: win.leaves.map(function (p) { return tree.leaves[p]; })};
        return {strokes: strokes, data: [leaves, mergeTrace(tree, win)]};
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
    // went through Dash (relayoutData to a callback, the figure back), ~170 ms of a ~230 ms
    // frame at 100,000 leaves (bench/bench_lod.py --page).
    var cache = {key: null, tree: null, range: null};
    // No "download as PNG": plotly's image would hold only the axes, not the strokes drawn
    // under them (the Export tab and the main dendrogram's own button export the tree).
    var CONFIG = {scrollZoom: true, displaylogo: false, responsive: true,
                  modeBarButtonsToRemove: ["toImage"]};

    // The x window a relayout event asks for: the whole tree after a double-click
    // (autorange), the zoom's range, else the window shown.
    function windowFrom(relayout, tree, old) {
        if (relayout["xaxis.autorange"]) {
            return [0, SPACING * tree.n];
        }
        if (relayout["xaxis.range[0]"] !== undefined) {
            return [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]];
        }
        return relayout["xaxis.range"] ? relayout["xaxis.range"].slice() : old;
    }

    // Whether a relayout event zooms or pans an axis (not, say, a modebar mode change).
    function zooms(relayout) {
        return ["x", "y"].some(function (a) {
            return relayout[a + "axis.autorange"] || relayout[a + "axis.range"] ||
                relayout[a + "axis.range[0]"] !== undefined;
        });
    }

    function cutOf(cut) {
        var t = Number(cut);
        return isFinite(t) ? t : Infinity;
    }

    var MARGIN = {l: 50, r: 10, t: 10, b: 30}, HEIGHT = 420;

    // The heights shown: the user's (a zoom box also sets y), else 0 to the highest drawn
    // merge or the cut, padded.
    function heightRange(tree, win, t, y) {
        if (y) {
            return y;
        }
        var top = isFinite(t) ? t : 0, i;
        for (i = 0; i < win.links.length; i++) {
            top = Math.max(top, tree.h[tree.n + win.links[i]]);
        }
        for (i = 0; i < win.marks.length; i++) {
            top = Math.max(top, tree.h[win.marks[i]]);
        }
        top = top || 1;
        return [-0.04 * top, 1.04 * top];
    }

    // Window `range` at cut t in a plot area w x h pixels: plotly's figure (leaves, merges'
    // hover, axes, the cut line) and the strokes in pixels; null when no leaf slot is shown.
    function figureOf(data, range, t, w, h) {
        var tree = cache.tree;
        var x0 = Math.max(range[0], 0), x1 = Math.min(range[1], SPACING * tree.n);
        if (!(x1 > x0)) {
            return null;
        }
        var win = view(tree, x0, x1, Math.max(100, w));
        var y = heightRange(tree, win, t, cache.y);
        var sx = w / (range[1] - range[0]), sy = h / (y[1] - y[0]);
        var round = function (v) { return Math.round(v * 10) / 10; };
        var drawn = drawing(tree, win, t, {
            palette: data.palette, above: data.above, labels: data.labels,
            px: function (v) { return round((v - range[0]) * sx); },
            py: function (v) { return round(h - (v - y[0]) * sy); }
        });
        var shapes = isFinite(t) ? [{type: "line", xref: "paper", x0: 0, x1: 1, y0: t, y1: t,
                                     line: {color: "#444", width: 1, dash: "dash"}}] : [];
        var clear = "rgba(0,0,0,0)";  // the strokes are under the graph
        return {
            strokes: drawn.strokes, x: range.slice(), y: y, w: w, h: h,
            data: drawn.data,
            layout: {
                height: HEIGHT, margin: MARGIN, hovermode: "closest",
                paper_bgcolor: clear, plot_bgcolor: clear,
                uirevision: data.tree_key, shapes: shapes, dragmode: "zoom",
                xaxis: {range: range, showticklabels: false, zeroline: false,
                        title: {text: win.leaves.length ? win.leaves.length +
                                " leaves shown individually" : "zoom in to see leaves"}},
                yaxis: {range: y, title: {text: "height"}, zeroline: false},
                meta: {links: win.links.length, marks: win.marks.length,
                       leaves: win.leaves.length, pixel: win.pixel, cut: t}
            }
        };
    }

    // One listener per plotted div: plotly.js gives a div a new `on` when it plots it anew,
    // so the `on` a listener was added with tells whether it still listens.
    var listening = new WeakMap();
    var SVG = "http://www.w3.org/2000/svg";

    // The div plotly.js draws into, and under it the SVG of the strokes (over the plot area,
    // clipped to it, no pointer events, hidden from assistive technology: hover and the
    // plot's own SVG name what is drawn): children of the page's div (React's), made once.
    function parts(graphId) {
        var host = document.getElementById(graphId);
        if (!host) {
            return null;
        }
        var el = host.querySelector(".lod-plot"), svg = host.querySelector("svg.lod-strokes");
        if (!el) {
            host.style.position = "relative";
            host.style.background = "#fff";
            svg = document.createElementNS(SVG, "svg");
            svg.setAttribute("class", "lod-strokes");
            svg.setAttribute("aria-hidden", "true");
            svg.style.cssText = "position:absolute;left:" + MARGIN.l + "px;top:" + MARGIN.t +
                "px;overflow:hidden;pointer-events:none;z-index:0";
            svg.appendChild(document.createElementNS(SVG, "g"));
            el = document.createElement("div");
            el.className = "lod-plot";
            el.style.cssText = "position:relative;z-index:1";
            host.appendChild(svg);
            host.appendChild(el);
            // Shown again (a hidden tab has no width: nothing is drawn there) or resized:
            // draw the window at the new width.
            new ResizeObserver(function () {
                var w = el.clientWidth - MARGIN.l - MARGIN.r;
                if (cache.tree && w > 0 && (!cache.drawn || cache.drawn.w !== w)) {
                    draw(graphId, cache.range);
                }
            }).observe(host);
        }
        return {el: el, svg: svg};
    }

    // The strokes of a figure into the SVG: one path a colour, reused from frame to frame.
    function paintStrokes(svg, fig) {
        svg.setAttribute("width", fig.w);
        svg.setAttribute("height", fig.h);
        var g = svg.firstChild;
        g.removeAttribute("transform");
        while (g.childNodes.length > fig.strokes.length) {
            g.removeChild(g.lastChild);
        }
        fig.strokes.forEach(function (s, i) {
            var path = g.childNodes[i];
            if (!path) {
                path = document.createElementNS(SVG, "path");
                path.setAttribute("fill", "none");
                path.setAttribute("vector-effect", "non-scaling-stroke");
                g.appendChild(path);
            }
            path.setAttribute("stroke", s.colour);
            path.setAttribute("stroke-width", s.width);
            path.setAttribute("stroke-linecap", s.dot ? "round" : "butt");
            path.setAttribute("d", s.path);
        });
        cache.drawn = fig;
    }

    // While plotly pans or scroll-zooms (before its relayout), move the strokes drawn along.
    function followGesture(svg, ev) {
        var d = cache.drawn;
        if (!d) {
            return;
        }
        var nx = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
        var ny = [ev["yaxis.range[0]"], ev["yaxis.range[1]"]];
        nx = nx[0] === undefined ? d.x : nx;
        ny = ny[0] === undefined ? d.y : ny;
        var sx = (d.x[1] - d.x[0]) / (nx[1] - nx[0]), sy = (d.y[1] - d.y[0]) / (ny[1] - ny[0]);
        var tx = (d.x[0] - nx[0]) / (nx[1] - nx[0]) * d.w;
        var ty = d.h * (1 - sy) - (d.y[0] - ny[0]) / (ny[1] - ny[0]) * d.h;
        svg.firstChild.setAttribute("transform",
                                    "matrix(" + [sx, 0, 0, sy, tx, ty].join(" ") + ")");
    }

    // Draw window `range` into the graph (plotting it the first time, or when the page made
    // the div anew) and follow its zooms; the figure's meta, or null if nothing to draw.
    function draw(graphId, range) {
        var p = parts(graphId);
        var w = p ? p.el.clientWidth - MARGIN.l - MARGIN.r : 0;
        if (w <= 0) {  // hidden (a tab not open): drawn when shown (parts' ResizeObserver)
            cache.range = range;
            cache.drawn = null;
            return null;
        }
        var fig = figureOf(cache.data, range, cache.cut, w, HEIGHT - MARGIN.t - MARGIN.b);
        if (!fig) {
            return null;
        }
        cache.range = range;
        var el = p.el;
        if (typeof el.on !== "function" || listening.get(el) !== el.on) {
            window.Plotly.newPlot(el, fig.data, fig.layout, CONFIG);
            listening.set(el, el.on);
            el.on("plotly_relayout", function (ev) {
                if (cache.tree && zooms(ev)) {
                    cache.y = heightsFrom(ev, cache.y);
                    draw(graphId, windowFrom(ev, cache.tree, cache.range));
                }
            });
            el.on("plotly_relayouting", function (ev) { followGesture(p.svg, ev); });
        } else {
            window.Plotly.react(el, fig.data, fig.layout, CONFIG);
        }
        paintStrokes(p.svg, fig);
        return fig.layout.meta;
    }

    // The heights the user chose: a zoom box's, none after a double-click (autorange).
    function heightsFrom(relayout, old) {
        if (relayout["yaxis.range[0]"] !== undefined) {
            return [relayout["yaxis.range[0]"], relayout["yaxis.range[1]"]];
        }
        return relayout["yaxis.autorange"] || relayout["xaxis.autorange"] ? null : old;
    }

    // The clientside callback: a new tree (drawn whole) or a new cut (the window shown
    // recoloured). Returns what is drawn (the view store), for tests and the page.
    function render(data, cut, graphId) {
        var nu = window.dash_clientside.no_update;
        if (!data || !data.payload) {
            // No tree here (the tab never opened): a cut changes nothing, not even the store.
            if (cache.key === null) {
                return nu;
            }
            var p = parts(graphId);
            if (p && typeof p.el.on === "function") {
                window.Plotly.purge(p.el);
                paintStrokes(p.svg, {strokes: [], w: 0, h: 0});
            }
            cache = {key: null, tree: null, range: null};
            return null;
        }
        if (cache.key !== data.tree_key) {
            var tree = fromPayload(data.payload);
            cache = {key: data.tree_key, tree: tree, range: [0, SPACING * tree.n]};
        }
        cache.data = data;
        cache.cut = cutOf(cut);
        return draw(graphId, cache.range) || nu;
    }

    window.dendroLod = {build: build, fromPayload: fromPayload, view: view,
                        clusters: clusters, drawing: drawing, decode: decode,
                        render: render};
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroLod = {render: render};
})();
