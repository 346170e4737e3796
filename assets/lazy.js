/*
 * Dendrogram Explorer: lazy analysis tabs (components/analysis/lazy.py has the why and Python twins).
 *
 * treeRef: tree-data less its arrays, so the server callbacks that follow the cut are sent
 *   a few hundred bytes, not the tree (316 KB at 20,000 rows).
 * gate: the cut goes to the store of the active analysis tab only; a hidden tab's server
 *   callback does not fire, and opening a tab computes it for the current cut. A tab that
 *   follows the cut in the browser (not in config.follows) is not sent a cut move at all.
 * refGate: the tree alone for tabs that need no cut (support note, known columns, linkage
 *   matrix, full tree), only while open (issue 14: no request for hidden tabs at load).
 */
(function () {
    "use strict";

    // config: the lazy-config store, {tabs, ref_keys}, written by components/analysis/lazy.py.
    function treeRef(td, config) {
        if (!td) {
            return null;
        }
        var ref = {};
        config.ref_keys.forEach(function (k) {
            if (k in td) {
                ref[k] = td[k];
            }
        });
        return ref;
    }

    // partition: the spec in force (components/page/partition.py) when it is not a height.
    // A cut move alone reaches only a tab whose server callback follows the cut
    // (config.follows); the others (Diagnostics) follow it in the browser.
    function gate(cut, active, ref, partition, config) {
        var nu = window.dash_clientside.no_update;
        var value = {cut: cut, tree_key: ref ? ref.tree_key : null};
        if (partition && partition.source && partition.source !== "height") {
            value.partition = partition;
        }
        var ctx = window.dash_clientside.callback_context;
        var fired = (ctx && ctx.triggered) || [];
        var cutOnly = fired.length > 0 && fired.every(function (t) {
            return t.prop_id === "cut-height.value";
        });
        return config.tabs.map(function (tab, i) {
            return tab === active && (config.follows[i] || !cutOnly) ? value : nu;
        });
    }

    // refGate: tree-ref for the stores of tabs that need only the tree (config.ref_tabs):
    // written when the tab is open (or config.ref_keep[i] and known columns are chosen) and
    // the store does not hold this ref already. A hidden tab costs no request at load.
    function refGate(ref, active, known, s0, s1, s2, s3, config) {
        var nu = window.dash_clientside.no_update;
        var held = [s0, s1, s2, s3];
        var chosen = !!(known && known.length);
        return config.ref_tabs.map(function (tab, i) {
            if (!ref || !(tab === active || (config.ref_keep[i] && chosen))) {
                return nu;
            }
            return held[i] && JSON.stringify(held[i]) === JSON.stringify(ref) ? nu : ref;
        });
    }

    // Add to, never replace, the namespace: the renderer keeps Patch and no_update there.
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroLazy = {treeRef: treeRef, gate: gate, refGate: refGate};
}());
