/*
 * Dendrogram Explorer: lazy analysis tabs (components/analysis/lazy.py has the why and Python twins).
 *
 * treeRef: tree-data less its arrays, so the server callbacks that follow the cut are sent
 *   a few hundred bytes, not the tree (316 KB at 20,000 rows).
 * gate: the cut goes to the store of the active analysis tab only; a hidden tab's server
 *   callback does not fire, and opening a tab computes it for the current cut.
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
    function gate(cut, active, ref, partition, config) {
        var nu = window.dash_clientside.no_update;
        var value = {cut: cut, tree_key: ref ? ref.tree_key : null};
        if (partition && partition.source && partition.source !== "height") {
            value.partition = partition;
        }
        return config.tabs.map(function (tab) { return tab === active ? value : nu; });
    }

    // Add to, never replace, the namespace: the renderer keeps Patch and no_update there.
    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dendroLazy = {treeRef: treeRef, gate: gate};
}());
