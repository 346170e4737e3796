/*
 * Dendrogram Explorer: dragging the cut line.
 *
 * The line (`layout.shapes[0]` of the dendrogram, components/figures/dendrogram.py:cut_shape) is moved by
 * this file, not by plotly's shape editing. With `edits.shapePosition`, dcc.Graph copied each
 * finished drag into its `figure` prop and redrew the whole tree *before* the cut could recolour
 * it: a second full redraw on every drag (about 170 ms at 20,000 rows; bench/recolour_timeline.py).
 *
 * What happens here:
 * - a press within GRAB_PX of the line (inside the plot) starts a drag, and plotly never sees
 *   that press, so it starts no zoom box; anywhere else plotly's zoom and pan work as before;
 * - while the pointer moves, only the line's own SVG moves, along the height axis only: a tilted
 *   or sideways drag leaves the line level at the pointer's height. Its label shows the live
 *   max_d and k (dendro.js:liveCut, the fcluster rule on the tree in the browser);
 * - when the line is held still for PREVIEW_MS at a height with another k, the colours, the
 *   count and the k field follow (the `cut-preview` store; dendro.js recolours as for a release
 *   but leaves the max_d field, the link and the analysis tabs alone). Moving fast costs
 *   nothing: a recolour of 20,000 rows takes ~100 ms, which would stall a drag at every band;
 * - on release the height (4 significant digits, >= 0) goes into the `cut-height` field with
 *   dash_clientside.set_props (through cut_now.js, which first draws a new partition itself);
 *   the clientside cut (dendro.js:applyCut) then moves the real line and recolours whatever
 *   is not drawn yet; Escape during a drag puts everything back.
 * The cursor shows a resize arrow over the line, so the handle can be found.
 * Where the line and the plot are on screen, and which SVG draws the line, come from
 * assets/plotly_adapter.js (`window.dendroPlotly`): this file touches no plotly.js internals.
 */
(function () {
    "use strict";

    var GRAB_PX = 6;
    var PREVIEW_MS = 150;
    var drag = null;
    var previews = 0;

    function graph() {
        return document.querySelector("#dendrogram .js-plotly-plot");
    }

    // Every plotly.js detail (public or not) goes through assets/plotly_adapter.js. It loads
    // after this file (alphabetical order), so it is looked up per event, never at load.
    function plotly() {
        return window.dendroPlotly || null;
    }

    // Where the cut line is on screen; null when the graph has no line (yet).
    function lineOf(gd) {
        var P = plotly();
        var shape = P && gd ? P.cutShape(gd) : null;
        var axis = shape ? P.heightAxis(gd, shape) : null;
        var box = axis ? P.plotBox(gd) : null;
        if (!box) {
            return null;
        }
        return {level: shape.level, axis: axis, box: box, value: shape.value,
                pixel: P.toPixel(axis, shape.value)};
    }

    function pointOf(e) {
        var p = e;
        if (e.touches && e.touches.length) {
            p = e.touches[0];
        } else if (e.changedTouches && e.changedTouches.length) {
            p = e.changedTouches[0];
        }
        return {x: p.clientX, y: p.clientY};
    }

    function along(line, p) {
        return line.level ? p.y : p.x;
    }

    function across(line, p) {
        return line.level ? p.x : p.y;
    }

    function nearLine(line, p) {
        var lo = line.level ? line.box.left : line.box.top;
        var hi = line.level ? line.box.right : line.box.bottom;
        var a = across(line, p);
        return a >= lo && a <= hi && Math.abs(along(line, p) - line.pixel) <= GRAB_PX;
    }

    // Pointer position -> height: clamped to the plot, >= 0, 4 significant digits.
    function heightAt(line, p) {
        var lo = line.level ? line.box.top : line.box.left;
        var hi = line.level ? line.box.bottom : line.box.right;
        var px = Math.min(hi, Math.max(lo, along(line, p)));
        var v = plotly().toValue(line.axis, px);
        if (!isFinite(v)) {
            return null;
        }
        return {t: Math.max(0, parseFloat(Number(v).toPrecision(4))), px: px};
    }

    function lineParts(gd) {
        return plotly().cutLineNodes(gd);
    }

    function labelText(gd) {
        return plotly().cutLabelNode(gd);
    }

    // A preview redraws the line (new SVG nodes, at the previewed height): follow those.
    function reacquire(d) {
        if (d.parts.length && d.parts[0].isConnected) {
            return;
        }
        var line = lineOf(d.gd);
        if (line) {
            d.line = line;
        }
        d.parts = lineParts(d.gd);
        d.label = labelText(d.gd);
    }

    // k and label at height t (dendro.js:liveCut); null before a tree is shown.
    function liveAt(t) {
        var dendro = window.dash_clientside && window.dash_clientside.dendro;
        return dendro && dendro.liveCut ? dendro.liveCut(t) : null;
    }

    function show(d, px, t) {
        reacquire(d);
        var off = px - d.line.pixel;
        var tr = d.line.level ? "translate(0," + off + ")" : "translate(" + off + ",0)";
        d.parts.forEach(function (el) {
            el.setAttribute("transform", tr);
        });
        var live = liveAt(t);
        if (d.label && live) {
            d.label.textContent = live.label;
        }
        clearTimeout(d.timer);
        if (live && live.k !== d.shownK) {
            d.timer = setTimeout(function () {
                if (drag === d && d.t === t) {
                    preview(d, t, live.k);
                }
            }, PREVIEW_MS);
        }
    }

    function preview(d, t, k) {
        var dc = window.dash_clientside;
        if (!dc || !dc.set_props) {
            return;
        }
        previews += 1;
        dc.set_props("cut-preview", {data: {t: t, seq: previews}});
        d.shownK = k;
        d.previewed = true;
    }

    function putBack(d) {
        reacquire(d);
        d.parts.forEach(function (el) {
            el.removeAttribute("transform");
        });
        if (d.label && d.labelText !== null) {
            d.label.textContent = d.labelText;
        }
    }

    function setCursor(gd, line, on) {
        var cls = line && !line.level ? "dendro-cut-grab-x" : "dendro-cut-grab-y";
        gd.classList.toggle("dendro-cut-grab-y", on && cls === "dendro-cut-grab-y");
        gd.classList.toggle("dendro-cut-grab-x", on && cls === "dendro-cut-grab-x");
    }

    function onDown(e) {
        if (drag || (e.button !== undefined && e.button !== 0) || (e.touches && e.touches.length !== 1)) {
            return;
        }
        var gd = graph();
        if (!gd || !gd.contains(e.target)) {
            return;
        }
        var line = lineOf(gd);
        var p = pointOf(e);
        if (!line || !nearLine(line, p)) {
            return;
        }
        // Ours: plotly's drag layer must not start a zoom box or a pan.
        e.preventDefault();
        e.stopPropagation();
        var label = labelText(gd);
        var live = liveAt(line.value);
        drag = {gd: gd, line: line, parts: lineParts(gd), label: label,
                labelText: label ? label.textContent : null, t: line.value, origin: line.value,
                shownK: live ? live.k : null, previewed: false, timer: null};
        document.body.classList.add(line.level ? "dendro-cut-dragging-y" : "dendro-cut-dragging-x");
    }

    function onMove(e) {
        var p = pointOf(e);
        if (!drag) {
            if (e.buttons || e.touches) {
                return;
            }
            var gd = graph();
            if (gd) {
                var line = gd.contains(e.target) ? lineOf(gd) : null;
                setCursor(gd, line, !!line && nearLine(line, p));
            }
            return;
        }
        e.preventDefault();
        e.stopPropagation();
        var h = heightAt(drag.line, p);
        if (h === null) {
            return;
        }
        drag.t = h.t;
        show(drag, h.px, h.t);
    }

    function finish(e, cancel) {
        if (!drag) {
            return;
        }
        var d = drag;
        drag = null;
        clearTimeout(d.timer);
        // The drag's cursor goes after the release's frame: taking the class off restyles
        // every element of the page (its rule holds `body.<class> *`), which a recolour drawn
        // in this frame then paid inside its Plotly.react (~25 ms of 55 for the tree at 20,000
        // rows, bench/recolour_timeline.py --upload).
        var now = window.dendroCutNow;
        var release = function () {
            document.body.classList.remove("dendro-cut-dragging-y", "dendro-cut-dragging-x");
        };
        if (now && now.afterPaint) {
            now.afterPaint(release);
        } else {
            release();
        }
        if (e) {
            // Not stopped: the release is the page's to see too (plotly saw no press).
            e.preventDefault();
        }
        var dc = window.dash_clientside;
        if (cancel || d.t === d.origin || !dc || !dc.set_props) {
            putBack(d);
            if (d.previewed && dc && dc.set_props) {
                // The colours followed the line: take them back to where it started.
                previews += 1;
                dc.set_props("cut-preview", {data: {t: d.origin, seq: previews}});
            }
            return;
        }
        // A dragged line is a height cut: it is submitted as Enter submits a typed one, so
        // another partition source gives way (partition.js toHeight, which knows the source).
        // Setting cut-source here even when it already was "height" sent the partition's
        // server callbacks, and the Diagnostics tab's after them, on every drag. cut_now.js
        // draws a new partition at once and hands the value to Dash after that frame.
        if (window.dendroCutNow) {
            window.dendroCutNow.submit("cut-height", d.t);
        } else {
            dc.set_props("cut-height", {value: d.t, n_submit: Date.now()});
        }
        // The cut redraws the line (new SVG nodes). Should nothing redraw it -- the field
        // already held this height -- put the old nodes back rather than leave them moved.
        var parts = d.parts;
        setTimeout(function () {
            if (parts.length && parts[0].isConnected) {
                parts.forEach(function (el) { el.removeAttribute("transform"); });
            }
        }, 2000);
    }

    function onKey(e) {
        if (drag && e.key === "Escape") {
            finish(e, true);
        }
    }

    var opts = {capture: true, passive: false};
    document.addEventListener("mousedown", onDown, opts);
    document.addEventListener("touchstart", onDown, opts);
    window.addEventListener("mousemove", onMove, opts);
    window.addEventListener("touchmove", function (e) {
        if (drag) {
            onMove(e);
        }
    }, opts);
    window.addEventListener("mouseup", function (e) { finish(e, false); }, opts);
    window.addEventListener("touchend", function (e) { finish(e, false); }, opts);
    window.addEventListener("touchcancel", function (e) { finish(e, true); }, opts);
    window.addEventListener("keydown", onKey, true);
}());
