/*
 * Dendrogram Explorer: everything the cut-line drag (cutdrag.js) needs from plotly.js, in one place.
 *
 * Checked against plotly.js 4.1.1 (the bundle of plotly 7.1.0, which dash 4.4.1 serves to
 * dcc.Graph; `CHECKED_VERSION`, compared with the public `Plotly.version` by
 * tests/browser/test_plotly_adapter.py). After a plotly upgrade, run that test first: it draws
 * the cut line in all four orientations and checks that these conversions land on plotly's SVG.
 *
 * Public plotly.js API used here:
 * - `gd.layout` (the layout the graph was drawn from; plotly writes the autoranged `range` of
 *   each axis back into it, which is what Dash's relayoutData and plotly's own docs rely on):
 *   the cut shape (`shapes[0]`: its refs and height) and the height axis's `range` and `domain`;
 * - `Plotly.version`.
 * Not public, because plotly.js has no public equivalent (its function reference offers no
 * pixel <-> data conversion outside click/hover events, and those never reach plotly during a
 * drag, which cutdrag.js keeps to itself):
 * - `gd._fullLayout._size` (`l`, `t`, `w`, `h`): where the plot area sits in the graph div,
 *   margins grown by automargin included. The one read of `_fullLayout` in the app's assets;
 * - the shape layer's SVG (`.shapelayer .shape-group[data-index="0"]`, its `path` and
 *   `.shape-label` children, `.shape-label-text`): the only way to move the drawn line while
 *   the pointer moves without a relayout, which would make dcc.Graph redraw the figure.
 * The conversions themselves are the linear map plotly's setScale builds for a linear axis
 * (pixel = length * (v - r0) / (r1 - r0) along x, (r1 - v) / (r1 - r0) down y, a reversed
 * range included), written here so that nothing calls plotly's private `l2p`/`p2l`.
 *
 * Loaded after cutdrag.js (Dash loads assets/*.js alphabetically): cutdrag.js looks up
 * `window.dendroPlotly` when an event arrives, never when it loads.
 */
(function () {
    "use strict";

    var CHECKED_VERSION = "4.1.1";
    var SHAPE_GROUP = ".shapelayer .shape-group[data-index=\"0\"]";

    function finite(v) {
        return typeof v === "number" && isFinite(v);
    }

    function axisKey(ref) {
        // "y" -> "yaxis", "x2" -> "xaxis2" (layout attribute names).
        return (ref.charAt(0) === "y" ? "yaxis" : "xaxis") + ref.slice(1);
    }

    // The plot area in client pixels, {left, top, right, bottom}; null before plotly drew it.
    function plotBox(gd) {
        var fl = gd && gd._fullLayout;  // private: see the header
        var sz = fl && fl._size;
        if (!sz || !finite(sz.l) || !finite(sz.t) || !finite(sz.w) || !finite(sz.h)) {
            return null;
        }
        var r = gd.getBoundingClientRect();
        return {left: r.left + sz.l, top: r.top + sz.t,
                right: r.left + sz.l + sz.w, bottom: r.top + sz.t + sz.h};
    }

    // The cut line, `layout.shapes[0]`: {level, ref, value}. A level line spans the width
    // (xref "paper") and its height runs along y; otherwise heights run along x.
    function cutShape(gd) {
        var shapes = gd && gd.layout && gd.layout.shapes;
        var s = shapes && shapes.length ? shapes[0] : null;
        if (!s) {
            return null;
        }
        var level = s.xref === "paper";
        var ref = level ? s.yref : s.xref;
        var raw = level ? s.y0 : s.x0;
        var value = raw === null || raw === undefined || raw === "" ? NaN : Number(raw);
        if (typeof ref !== "string" || !ref || ref === "paper" || !isFinite(value)) {
            return null;
        }
        return {level: level, ref: ref, value: value};
    }

    // The axis the heights run along, as the numbers the conversions need:
    // {vertical, r0, r1, start, length} (start: client pixel where the axis's pixel 0 is,
    // the top of a y axis, the left of an x axis). null when it is not drawn (yet) or is
    // not a linear axis (the dendrogram's height axis always is).
    function heightAxis(gd, shape) {
        var box = plotBox(gd);
        var ax = shape && gd.layout ? gd.layout[axisKey(shape.ref)] : null;
        if (!box || !ax || !ax.range || ax.range.length !== 2) {
            return null;
        }
        if (ax.type !== undefined && ax.type !== "-" && ax.type !== "linear") {
            return null;
        }
        var r0 = Number(ax.range[0]), r1 = Number(ax.range[1]);
        if (!isFinite(r0) || !isFinite(r1) || r0 === r1) {
            return null;
        }
        var dom = ax.domain && ax.domain.length === 2 ? ax.domain : [0, 1];
        var d0 = Number(dom[0]), d1 = Number(dom[1]);
        var vertical = shape.ref.charAt(0) === "y";
        var start, length;
        if (vertical) {
            length = (box.bottom - box.top) * (d1 - d0);
            start = box.top + (box.bottom - box.top) * (1 - d1);
        } else {
            length = (box.right - box.left) * (d1 - d0);
            start = box.left + (box.right - box.left) * d0;
        }
        return {vertical: vertical, r0: r0, r1: r1, start: start, length: length};
    }

    // Height -> client pixel along the axis (y grows downwards, so a y axis runs from r1).
    function toPixel(axis, value) {
        var f = axis.vertical ? (axis.r1 - value) / (axis.r1 - axis.r0)
                              : (value - axis.r0) / (axis.r1 - axis.r0);
        return axis.start + axis.length * f;
    }

    // Client pixel along the axis -> height (the inverse of toPixel).
    function toValue(axis, px) {
        var f = (px - axis.start) / axis.length;
        return axis.vertical ? axis.r1 - f * (axis.r1 - axis.r0)
                             : axis.r0 + f * (axis.r1 - axis.r0);
    }

    // The SVG nodes that draw the cut line (its path and its label); [] before it is drawn.
    function cutLineNodes(gd) {
        var group = gd ? gd.querySelector(SHAPE_GROUP) : null;
        if (!group) {
            return [];
        }
        return Array.prototype.filter.call(group.children, function (el) {
            return el.tagName.toLowerCase() === "path" || el.classList.contains("shape-label");
        });
    }

    // The text node of the cut line's label, or null.
    function cutLabelNode(gd) {
        return gd ? gd.querySelector(SHAPE_GROUP + " .shape-label-text") : null;
    }

    // The plotly.js that is running ("" before it loaded).
    function version() {
        return (window.Plotly && window.Plotly.version) || "";
    }

    window.dendroPlotly = {
        CHECKED_VERSION: CHECKED_VERSION, version: version,
        plotBox: plotBox, cutShape: cutShape, heightAxis: heightAxis,
        toPixel: toPixel, toValue: toValue,
        cutLineNodes: cutLineNodes, cutLabelNode: cutLabelNode,
    };
}());
