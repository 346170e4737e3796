/*
 * Dendrogram Explorer: the modebars' image downloads take the view's file name at the click
 * (issue 12: "dendrogram-mpg-ward-euclidean.png"; issue 14: without a replot per new tree).
 *
 * The name could live in each graph's config (`toImageButtonOptions.filename`), and did. But a
 * new config is a full replot in plotly.js (Plotly.react compares configs and starts over), so
 * after every new tree all five graphs were drawn again, the scatter's WebGL context made anew:
 * 0.38-0.57 s of the page's main thread right after the first view, while the analyst reaches for
 * the cut line. The config now changes only when the format is chosen in the Export tab
 * (components/analysis/export.py, figure_configs), so that the button says it.
 *
 * Here: `image-names` (export.py, image_names: the format and a name per graph) is remembered
 * by an output-less clientside callback. A click on a graph's "Download plot" button (a
 * mouse, or Enter on the focused button) is taken in the capture phase, before plotly's own
 * listener on the button, and the same download is made with the public
 * Plotly.downloadImage and that name, at the scale plotly's button uses (2). Without a name
 * (no tree yet) plotly's button does what it always does.
 */
(function () {
    "use strict";

    var current = null;

    function remember(data) {
        current = data && data.names ? data : null;
        return window.dash_clientside.no_update;
    }

    // The graph (one of current.names) whose modebar holds this button, if any.
    function graphOf(button) {
        var ids = Object.keys(current.names);
        for (var i = 0; i < ids.length; i++) {
            var holder = document.getElementById(ids[i]);
            if (holder && holder.contains(button)) {
                return {id: ids[i], gd: button.closest(".js-plotly-plot")};
            }
        }
        return null;
    }

    // plotly.js's camera: "Download plot as a PNG", or "Download plot" for other formats
    // (not its "Download plot as JSON", which the app's modebars do not show anyway).
    function onClick(e) {
        var button = e.target && e.target.closest ? e.target.closest(".modebar-btn") : null;
        if (!button || !current || !window.Plotly || !window.Plotly.downloadImage ||
                !/^Download plot( as a PNG)?$/.test(button.getAttribute("data-title") || "")) {
            return;
        }
        var graph = graphOf(button);
        if (!graph || !graph.gd) {
            return;
        }
        e.preventDefault();
        e.stopPropagation();
        window.Plotly.downloadImage(graph.gd, {
            format: current.format, filename: current.names[graph.id], scale: 2
        });
    }

    document.addEventListener("click", onClick, true);
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroImages = {remember: remember};
}());
