/*
 * Dendrogram Explorer: a submitted cut is drawn before Dash's turn (issue 14, goal 2).
 *
 * A re-cut through Dash alone went: the field's new value -> Dash's dispatch -> the clientside
 * applyCut (dendro.js) -> patches applied to the figures -> dcc.Graph's Plotly.react -> the
 * follow-up callbacks (the link, the tabs, the slider's words) -> the frame. At 20,000 rows
 * Dash's part before the first react was 15-30 ms, and after a typed Enter the follow-ups ran
 * before the frame too (bench/recolour_timeline.py).
 *
 * Here, on Enter in max_d or k, and on a cut line's release (cutdrag.js calls `submit`):
 * 1. the recolour is computed by dendro.js's own paintRaw (a move within the partition: its
 *    lineRaw, the line and the stems, the traces kept), from the figures plotly holds, and
 *    drawn at once with the public Plotly.react; the count is written into its live region;
 * 2. after the next frame has been painted, the value goes to Dash as Enter would send it
 *    (dash_clientside.set_props: value and n_submit). The applyCut that follows takes the very
 *    values drawn (dendro.js drawnEarly), so Dash's figures become what plotly already shows,
 *    and dcc.Graph's redraw finds nothing changed (same traces, same data revision: no calc).
 * A value applyCut would refuse, a cut already where the line is, or a page without a tree
 * goes to Dash at once, as before. Dash's state stays the one truth:
 * step 2 carries the same value, and every later figure comes from Dash.
 */
(function () {
    "use strict";

    var FIELDS = {"cut-height": true, "cluster-k": true};

    function D() {
        return window.dash_clientside && window.dash_clientside.dendro;
    }

    function graph(id) {
        return document.querySelector("#" + id + " .js-plotly-plot");
    }

    // The figure a graph shows: plotly's own gd.data and gd.layout (public), which dcc.Graph
    // handed it from Dash's figure.
    function shownFigure(gd) {
        return gd && gd.data && gd.layout ? {data: gd.data, layout: gd.layout} : null;
    }

    // The height a field's value cuts at (k through the tree's k table), or null when the value
    // is one applyCut refuses (its message is Dash's to show).
    function heightOf(field, value, td) {
        if (!isFinite(value)) {
            return null;
        }
        if (field === "cut-height") {
            return value >= 0 ? value : null;
        }
        var a = D().arrays(td);
        if (value < 1 || value > a.kHeight.length || Math.floor(value) !== value) {
            return null;
        }
        return D().heightForK(a, value).t;
    }

    // Draw the cut at height t now. False when there is nothing to draw (no tree, no graph,
    // the line already there) or drawing failed: then Dash does it all, as before.
    function draw(t) {
        var dendro = D();
        var td = dendro && dendro.shownTree ? dendro.shownTree() : null;
        var tree = graph("dendrogram"), scatter = graph("scatter");
        var fig = shownFigure(tree);
        if (!td || !fig || !window.Plotly || !window.Plotly.react) {
            return false;
        }
        // The line's height: y on a level line (x spans the paper), x on an upright one.
        var line = fig.layout.shapes && fig.layout.shapes[0];
        var at = line ? (line.xref === "paper" ? line.y0 : line.x0) : null;
        if (at === t) {
            return false;  // the cut is already there
        }
        try {
            // The same k: the line and the stems move, the traces stay (dendro.js lineRaw).
            var same = dendro.kAt(dendro.arrays(td), td.n, t) === dendro.shownK(td);
            var raw = same ? dendro.lineRaw(td, t, fig)
                : dendro.paintRaw(td, t, fig, shownFigure(scatter));
            // As asPatches assigns them (shapes, data and revision when given), so that Dash's
            // layout after the patch equals this one by value.
            var layout = Object.assign({}, fig.layout, {shapes: raw.dendro.shapes});
            if (raw.dendro.revision !== null) {
                layout.datarevision = raw.dendro.revision;
            }
            window.Plotly.react(tree, raw.dendro.data || fig.data, layout);
            if (raw.scatter) {
                window.Plotly.react(scatter, raw.scatter, scatter.layout);
            }
            var count = document.getElementById("cluster-count");
            if (count) {
                count.textContent = dendro.countText(raw.k);
            }
            dendro.drawnEarly(td, t, raw);
            return true;
        } catch (err) {
            return false;
        }
    }

    // fn after the next frame is painted (a task queued from that frame's rAF runs after it).
    function afterPaint(fn) {
        requestAnimationFrame(function () {
            setTimeout(fn, 0);
        });
    }

    // Draw what the submitted value of a cut field recolours, if anything: true when drawn.
    function drawValue(field, value) {
        var td = D() && D().shownTree ? D().shownTree() : null;
        var t = td ? heightOf(field, value, td) : null;
        return t !== null && draw(t);
    }

    function send(field, value) {
        window.dash_clientside.set_props(field, {value: value, n_submit: Date.now()});
    }

    // A submitted value of a cut field (cutdrag.js's release): drawn now when it recolours,
    // then given to Dash as Enter gives it (value and n_submit, so another partition source
    // gives way), after the paint when drawn here. Returns whether it was drawn here.
    function submit(field, value) {
        if (!drawValue(field, value)) {
            send(field, value);
            return false;
        }
        afterPaint(function () { send(field, value); });
        return true;
    }

    // Enter in max_d or k. The field's own Enter (dcc.Input sends on keypress) would start
    // Dash's work before the frame, so it is held back when the cut is drawn here, and the
    // value sent after the paint. A value the field cannot read (empty, half-typed) or one
    // applyCut refuses goes the usual way, and gets its message.
    function onKey(e) {
        var el = e.target;
        if (e.key !== "Enter" || e.isComposing || !el || !FIELDS[el.id] ||
                !window.dash_clientside || !window.dash_clientside.set_props ||
                el.value === "" || (el.validity && !el.validity.valid)) {
            return;
        }
        var value = Number(el.value);
        if (drawValue(el.id, value)) {
            e.preventDefault();  // no keypress: the field does not send it before the paint
            afterPaint(function () { send(el.id, value); });
        }
    }

    document.addEventListener("keydown", onKey, true);

    window.dendroCutNow = {submit: submit, draw: draw, afterPaint: afterPaint};
}());
