/*
 * Dendrogram Explorer: the job panel's clock (components/page/compute.py, job_panel).
 *
 * While a tree job runs its panel shows a still striped bar and, beside it, the seconds since
 * the panel was shown ("12 s"), written once a second: the sign that the job is alive, instead
 * of Bootstrap's moving stripes, which repaint the bar on every frame (~0.3 s of Chromium's CPU
 * each second with software rendering, measured in the page; the linkage may share the
 * machine's cores with the browser). The clock is aria-hidden: the progress bar's label says
 * what the job does, and a screen reader need not hear every second.
 *
 * The panel is shown and hidden by its inline style (Dash's `running` output): a
 * MutationObserver on its style starts and stops the clock (another on the document finds the
 * panel once Dash has rendered the layout, then stops).
 */
(function () {
    "use strict";

    var PANEL_ID = "job-panel";
    var CLOCK_ID = "job-clock";
    var timer = null;
    var since = 0;

    function shown(panel) {
        return panel && panel.style.display !== "none";
    }

    function tick() {
        var clock = document.getElementById(CLOCK_ID);
        if (clock) {
            clock.textContent = Math.floor((performance.now() - since) / 1000) + " s";
        }
    }

    function update() {
        var panel = document.getElementById(PANEL_ID);
        if (shown(panel) && timer === null) {
            since = performance.now();
            tick();
            timer = window.setInterval(tick, 1000);
        } else if (!shown(panel) && timer !== null) {
            window.clearInterval(timer);
            timer = null;
        }
    }

    var finder = null;

    function watch() {
        var panel = document.getElementById(PANEL_ID);
        if (!panel) {
            return;
        }
        new MutationObserver(update).observe(panel, {attributes: true,
                                                     attributeFilter: ["style"]});
        update();
        if (finder) {
            finder.disconnect();  // the panel is part of the layout: rendered once
        }
        finder = null;
    }

    if (document.getElementById(PANEL_ID)) {
        watch();
    } else {
        finder = new MutationObserver(watch);
        finder.observe(document.documentElement, {childList: true, subtree: true});
    }
})();
