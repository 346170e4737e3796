/*
 * Dendrogram Explorer: what the library components leave out for keyboards and screen readers.
 *
 * Each fix below is about markup that a library renders and does not let the page configure
 * (issue 19; tests/browser/test_a11y.py runs axe-core on every state of the page):
 *
 * - Dash 4's dcc.Dropdown puts the Tab stop on a hidden input (`aria-hidden="true"`,
 *   tabindex 0) that hands focus on to the real button (tabindex -1): focus lands on an element
 *   a screen reader is told does not exist (axe: aria-hidden-focus). Here the button is the Tab
 *   stop and the hidden input is disabled; the button's own keys (Enter, ArrowDown, typing)
 *   open the list as before. The button is named by the field's label and then its value
 *   (Dash names it by the value alone).
 * - dash-bootstrap-components' Tabs render every tab with the same id (`...-tab-null`),
 *   `aria-controls` pointing at no element, no `aria-selected`, and tabindex -1 on all of them,
 *   so no tab can be reached with Tab. Here each tab gets its own id, `aria-selected`, the
 *   pane it controls, one Tab stop (the active tab) and the arrow keys (ARIA tabs pattern).
 * - dcc.Clipboard renders a plain element with a click handler: no Tab stop, no role, no
 *   name. The page's copy buttons (CLIPBOARDS) become buttons named by their title, and
 *   Enter or Space clicks them.
 * - dash-bootstrap-components' Progress gives its role=progressbar element no name (and takes
 *   no aria-label): each is named after what it measures (PROGRESS_NAMES, by the id of the
 *   Progress component).
 * - dcc.Upload's file input has no name and is a second, invisible Tab stop: it is named after
 *   what that upload takes (UPLOAD_NAMES, by the dcc.Upload's id) and taken out of the tab
 *   order; the visible "choose" link of every upload box (the data, the leaf labels, a saved
 *   view) is a button, and Enter or Space on it opens the dialog directly (not through the
 *   link's synthetic click, which also wrote "#" into the address and left opening to the drop
 *   zone's click handler).
 *
 * Nothing here changes what a control does, only how it is reached and named. A
 * MutationObserver re-applies the fixes after React renders (tabs and dropdowns appear as
 * tabs open and data arrives), at most once per animation frame.
 */
(function () {
    "use strict";

    function labelFor(id) {
        var label = null;
        document.querySelectorAll("label[for]").forEach(function (l) {
            if (l.htmlFor === id) {
                label = l;
            }
        });
        return label;
    }

    function fixDropdowns(root) {
        root.querySelectorAll("input.dash-dropdown-focus-target").forEach(function (input) {
            var button = input.nextElementSibling;
            if (!button || button.tagName !== "BUTTON") {
                return;
            }
            if (!input.disabled) {
                input.disabled = true;
                input.tabIndex = -1;
            }
            if (!button.disabled && button.tabIndex !== 0) {
                button.tabIndex = 0;
            }
            var label = button.id ? labelFor(button.id) : null;
            if (label) {
                if (!label.id) {
                    label.id = button.id + "-label";
                }
                var named = label.id + " " + button.id + "-value";
                if (button.getAttribute("aria-labelledby") !== named) {
                    button.setAttribute("aria-labelledby", named);
                }
            }
        });
    }

    function fixTabs(root) {
        root.querySelectorAll("[role=tablist][id]").forEach(function (list) {
            var tabs = list.querySelectorAll("[role=tab]");
            var pane = list.nextElementSibling;
            var paneEl = pane && pane.classList.contains("tab-content")
                ? pane.querySelector(".tab-pane.active") || pane.querySelector(".tab-pane")
                : null;
            if (paneEl && !paneEl.id) {
                paneEl.id = list.id + "-panel";
            }
            if (paneEl && paneEl.getAttribute("role") !== "tabpanel") {
                paneEl.setAttribute("role", "tabpanel");
            }
            tabs.forEach(function (tab, i) {
                var id = list.id + "-tab-" + i;
                var active = tab.classList.contains("active");
                if (tab.id !== id) {
                    tab.id = id;
                }
                var sel = active ? "true" : "false";
                if (tab.getAttribute("aria-selected") !== sel) {
                    tab.setAttribute("aria-selected", sel);
                }
                var want = active ? 0 : -1;
                if (tab.tabIndex !== want) {
                    tab.tabIndex = want;
                }
                if (active && paneEl) {
                    if (tab.getAttribute("aria-controls") !== paneEl.id) {
                        tab.setAttribute("aria-controls", paneEl.id);
                    }
                    if (paneEl.getAttribute("aria-labelledby") !== id) {
                        paneEl.setAttribute("aria-labelledby", id);
                    }
                } else if (tab.hasAttribute("aria-controls")) {
                    // Only the open tab's pane exists in the page.
                    tab.removeAttribute("aria-controls");
                }
            });
            if (!list.dataset.a11yKeys) {
                list.dataset.a11yKeys = "1";
                list.addEventListener("keydown", onTabKey);
            }
        });
    }

    // ARIA tabs: Left/Right (and Home/End) move to a tab and open it; Enter and Space open the
    // focused one (the tabs are links, so Enter already clicks).
    function onTabKey(ev) {
        var tab = ev.target.closest("[role=tab]");
        if (!tab) {
            return;
        }
        var tabs = Array.prototype.slice.call(ev.currentTarget.querySelectorAll("[role=tab]"));
        var i = tabs.indexOf(tab), j = null;
        if (ev.key === "ArrowRight") {
            j = (i + 1) % tabs.length;
        } else if (ev.key === "ArrowLeft") {
            j = (i - 1 + tabs.length) % tabs.length;
        } else if (ev.key === "Home") {
            j = 0;
        } else if (ev.key === "End") {
            j = tabs.length - 1;
        } else if (ev.key === " ") {
            ev.preventDefault();
            tab.click();
            return;
        }
        if (j === null) {
            return;
        }
        ev.preventDefault();
        tabs[j].tabIndex = 0;
        tabs[j].focus();
        tabs[j].click();
    }

    var UPLOAD_NAMES = {
        "upload": "Data file to upload",
        "labels-upload": "Leaf labels file to upload",
        "load-view": "Saved view (.json) to load"
    };

    function fixUpload(root) {
        root.querySelectorAll(".upload-box").forEach(function (box) {
            var owner = box.closest("[id]");
            var name = (owner && UPLOAD_NAMES[owner.id]) || "File to upload";
            var input = box.querySelector("input[type=file]");
            if (input && input.getAttribute("aria-label") !== name) {
                input.setAttribute("aria-label", name);
                input.tabIndex = -1;
            }
            var choose = box.querySelector("a");
            if (choose && choose.getAttribute("role") !== "button") {
                choose.setAttribute("role", "button");
            }
        });
    }

    var PROGRESS_NAMES = {
        "job-progress": "Tree computation progress",
        "evidence-progress": "Gap statistic progress",
        "cophenetic-methods-progress": "Cophenetic correlations progress"
    };

    function fixProgress(root) {
        root.querySelectorAll("[role=progressbar]").forEach(function (bar) {
            if (bar.getAttribute("aria-label")) {
                return;
            }
            var owner = bar.closest("[id]");
            bar.setAttribute("aria-label", (owner && PROGRESS_NAMES[owner.id]) || "Progress");
        });
    }

    var CLIPBOARDS = ["share-copy", "export-script-copy"];

    function fixClipboards() {
        CLIPBOARDS.forEach(function (id) {
            var el = document.getElementById(id);
            if (!el || el.getAttribute("role") === "button") {
                return;
            }
            el.setAttribute("role", "button");
            el.tabIndex = 0;
            el.setAttribute("aria-label", el.getAttribute("title") || "copy");
            el.addEventListener("keydown", function (ev) {
                if (ev.key === "Enter" || ev.key === " ") {
                    ev.preventDefault();
                    el.click();
                }
            });
        });
    }

    // Delegated, so it outlives React re-rendering the upload boxes.
    function openUploadByKey(ev) {
        var t = ev.target;
        if (!t || t.tagName !== "A" || (ev.key !== "Enter" && ev.key !== " ")) {
            return;
        }
        var box = t.closest(".upload-box");
        var input = box && box.querySelector("input[type=file]");
        if (!input) {
            return;
        }
        ev.preventDefault();
        input.value = null;
        input.click();
    }

    var queued = false;

    function fixAll() {
        queued = false;
        fixDropdowns(document);
        fixTabs(document);
        fixUpload(document);
        fixClipboards();
        fixProgress(document);
    }

    function schedule(mutations) {
        if (queued) {
            return;
        }
        // Plotly redraws its SVG on every recolour: changes inside a plot need nothing here.
        var relevant = !mutations || mutations.some(function (m) {
            return !(m.target.closest && m.target.closest(".js-plotly-plot"));
        });
        if (!relevant) {
            return;
        }
        queued = true;
        window.requestAnimationFrame(fixAll);
    }

    function start() {
        document.addEventListener("keydown", openUploadByKey);
        new MutationObserver(schedule).observe(document.body, {
            childList: true, subtree: true, attributes: true,
            attributeFilter: ["class", "tabindex", "aria-labelledby"]
        });
        schedule(null);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
