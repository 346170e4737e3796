/*
 * Dendrogram Explorer: the view in the URL (components/page/sharing.py has the server side).
 *
 * writeUrl: after each drawing (tree-data) or cut move (cut-height), the query string becomes
 * tree-data.query + the cut. A change the analyst made is a new history entry (back/forward
 * walk through views); changes while a link or a history step is being restored replace the
 * entry, so opening a link leaves one entry, not one per step of the page settling.
 * readUrl: passes on the URL changes this page did not make (load, back/forward).
 * State here is per page (per browser tab), never shared.
 */
(function () {
    "use strict";

    var written = null;      // the query string this page wrote last
    var restoring = true;    // true from load / back-forward until the analyst acts

    window.addEventListener("popstate", function () { restoring = true; });
    ["pointerdown", "keydown"].forEach(function (type) {
        document.addEventListener(type, function () { restoring = false; }, true);
    });

    function cutText(v) {
        var f = Number(v);
        return (v === null || v === undefined || v === "" || !isFinite(f)) ? null : String(f);
    }

    function writeUrl(td, cutValue) {
        if (!td || !td.query) {
            return window.location.href;  // nothing drawn: the link stays as it was opened
        }
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "";
        // A new tree says where it drew the cut; the field catches up a moment later.
        var cut = trig.indexOf("tree-data.") === 0 || trig === "" ? cutText(td.cut) : cutText(cutValue);
        var search = "?" + td.query + (cut === null ? "" : "&cut=" + encodeURIComponent(cut));
        written = search;
        if (search !== window.location.search) {
            var url = window.location.pathname + search + window.location.hash;
            if (restoring) {
                window.history.replaceState(null, "", url);
            } else {
                window.history.pushState(null, "", url);
            }
            // dcc.Location follows (readUrl then ignores it: it is `written`).
            window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        }
        return window.location.href;
    }

    function readUrl(search) {
        if (search === null || search === undefined || search === written) {
            return window.dash_clientside.no_update;
        }
        written = search;
        return {search: search};
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroUrl = {writeUrl: writeUrl, readUrl: readUrl};
}());
