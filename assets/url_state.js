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
    var announcing = false;  // true while our own popstate (below) is being dispatched

    window.addEventListener("popstate", function () {
        // Our own announcement of a URL we wrote is no back/forward step.
        if (!announcing) {
            restoring = true;
        }
    });
    ["pointerdown", "keydown"].forEach(function (type) {
        document.addEventListener(type, function () { restoring = false; }, true);
    });

    function cutText(v) {
        var f = Number(v);
        return (v === null || v === undefined || v === "" || !isFinite(f)) ? null : String(f);
    }

    // history.pushState/replaceState fire no event, so tell dcc.Location with the standard
    // popstate it listens to (as for back/forward); readUrl then ignores the URL: it is
    // `written`. dispatchEvent runs the listeners before it returns, so `announcing` covers
    // exactly this event. (dcc.Link uses an event private to Dash.)
    function announce() {
        announcing = true;
        try {
            window.dispatchEvent(new PopStateEvent("popstate", {state: null}));
        } finally {
            announcing = false;
        }
    }

    // The open tab and the inconsistency depth ride along (QUERY_FIELDS' "diagdepth", "tab").
    function pageState(tab, depth) {
        var out = "";
        var d = Number(depth);
        if (depth !== null && depth !== undefined && depth !== "" && isFinite(d) && d >= 1) {
            out += "&diagdepth=" + encodeURIComponent(String(Math.round(d)));
        }
        if (tab) {
            out += "&tab=" + encodeURIComponent(tab);
        }
        return out;
    }

    // pd: partition-data (components/page/partition.py); a partition that is not a height
    // adds its source and parameters (its `query`) after the cut.
    function writeUrl(td, cutValue, pd, tab, depth) {
        if (!td || !td.query) {
            return window.location.href;  // nothing drawn: the link stays as it was opened
        }
        var ctx = window.dash_clientside.callback_context;
        var trig = (ctx && ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "";
        // A new tree says where it drew the cut; the field catches up a moment later.
        // ...unless the field moved in the same batch (a link's cut set after its tree is drawn).
        var fieldMoved = !!(ctx && ctx.triggered && ctx.triggered.some(function (t) {
            return t.prop_id.indexOf("cut-height.") === 0;
        }));
        var cut = !fieldMoved && (trig.indexOf("tree-data.") === 0 || trig === "")
            ? cutText(td.cut) : cutText(cutValue);
        if (trig.indexOf("cut-height.") === 0 && (cut === null || Number(cut) < 0)) {
            // A refused max_d (components/page/cut.py says why): the cut, so the link, stays.
            return window.location.href;
        }
        var search = "?" + td.query + (cut === null ? "" : "&cut=" + encodeURIComponent(cut)) +
            (pd && pd.query && pd.source !== "height" && pd.tree_key === td.tree_key ? "&" + pd.query : "") +
            pageState(tab, depth);
        written = search;
        if (search !== window.location.search) {
            var url = window.location.pathname + search + window.location.hash;
            if (restoring) {
                window.history.replaceState(null, "", url);
            } else {
                window.history.pushState(null, "", url);
            }
            announce();
        }
        return window.location.href;
    }

    // -> [url-request, view-opened]. dataset: the store as the layout opened it
    // (components/page/opening.py). A page opened without a query already shows the default
    // view: nothing is asked for, and its tree may be computed (view-opened; a link's is once
    // sharing.apply_url has read it).
    function readUrl(search, dataset) {
        var none = window.dash_clientside.no_update;
        if (search === null || search === undefined || search === written) {
            return [none, none];
        }
        var first = written === null;
        written = search;
        if (first && dataset && (search === "" || search === "?")) {
            return [none, true];
        }
        return [{search: search}, none];
    }

    // The drawn tree, passed on to the server only while a link's view waits for it
    // (pending-view at stage "controls"; components/page/sharing.py has the twin, view_tree).
    function viewTree(td, pending) {
        if (!pending || pending.stage !== "controls" || !td || !td.params) {
            return window.dash_clientside.no_update;
        }
        return {params: td.params, tree_key: td.tree_key};
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroUrl = {writeUrl: writeUrl, readUrl: readUrl, viewTree: viewTree};
}());
