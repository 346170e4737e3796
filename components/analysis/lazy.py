"""Analysis tabs that cost nothing while hidden, and cut moves that send little.

A cut move is recoloured in the browser (``assets/dendro.js``); what reaches the server is the
work of the analysis tab that follows the cut. Two things kept that work large:

* every tab's callback took ``cut-height`` as an input, so each move sent one request per tab,
  shown or not (the hidden ones answered no_update, after the round trip);
* each request carried the whole ``tree-data`` store (the tree's arrays for the clientside
  cut: 82 KB at 5,000 rows, 316 KB at 20,000), which the browser serialised and the server
  parsed once per tab per move.

Here, in the browser and without a request:

* ``tree-ref`` is ``tree-data`` less its arrays (what the server needs to find the memoised
  tree: the parameters and the tree's key);
* ``diag-cut`` / ``heatmap-cut`` / ``profiles-cut`` / ``evidence-cut`` take the cut only while their tab is the
  active one (and when it is opened, or a new tree is drawn while it is open). A hidden tab's
  callback does not fire at all; opening it computes it for the current cut.
* a tab whose cut-dependent parts the browser keeps in step itself (Diagnostics:
  ``assets/diagnostics.js``) is not in :data:`FOLLOWS_CUT`: its store is written when the tab
  opens or the tree or partition changes, never for a cut move alone, so a cut on that tab
  sends no request at all.

Which tab each store serves and which keys ``tree-ref`` keeps are defined once, here, and sent
to ``assets/lazy.js`` in the ``lazy-config`` store (no constants kept in step by hand).
"""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html

from clustering.errors import DataError
from components import ids
from components.state.trees import Tree, try_load_tree
from components.view import number_or_none
from components.view_partition import PartitionSpec

#: The analysis tab each gated store belongs to (``dbc.Tab`` ``tab_id`` values).
GATED = ((ids.DIAG_CUT, ids.TAB_DIAGNOSTICS), (ids.HEATMAP_CUT, ids.TAB_HEATMAP),
         (ids.PROFILES_CUT, ids.TAB_PROFILES), (ids.EVIDENCE_CUT, ids.TAB_EVIDENCE),
         (ids.AGREEMENT_CUT, ids.TAB_AGREEMENT), (ids.COMPARE_CUT, ids.TAB_COMPARE))

#: The gated tabs whose server callback redraws on every cut move (the others follow the cut
#: in the browser and are sent the cut only when opened).
FOLLOWS_CUT = frozenset({ids.TAB_HEATMAP, ids.TAB_PROFILES, ids.TAB_EVIDENCE, ids.TAB_AGREEMENT,
                         ids.TAB_COMPARE})

#: Stores of tabs that need the tree but not the cut, each written (``assets/lazy.js``
#: refGate) with ``tree-ref`` only while its tab is open, and only when it holds another ref;
#: the known columns' store also while columns are chosen (their bars sit under the tree).
REF_GATED = ((ids.SUPPORT_REF, ids.TAB_EVIDENCE), (ids.KNOWN_REF, ids.TAB_AGREEMENT),
             (ids.LINKAGE_REF, ids.TAB_LINKAGE), (ids.FULL_TREE_REF, ids.TAB_FULL_TREE))
REF_KEEP = frozenset({ids.KNOWN_REF})

#: What the server callbacks read of the shown tree (tree-ref): tree-data less its arrays, so
#: each request sends a few hundred bytes, not the tree (~355 KB at 20,000 rows; issue 14).
REF_KEYS = ("params", "tree_key", "approx_note", "orientation", "cut", "n", "tie_check")


def lazy_stores() -> html.Div:
    """The small stores, and the config the browser's twins read (place anywhere)."""
    config = {"tabs": [tab for _, tab in GATED], "ref_keys": list(REF_KEYS),
              "follows": [tab in FOLLOWS_CUT for _, tab in GATED],
              "ref_tabs": [tab for _, tab in REF_GATED],
              "ref_keep": [cid in REF_KEEP for cid, _ in REF_GATED]}
    return html.Div([dcc.Store(id=ids.TREE_REF), dcc.Store(id=ids.LAZY_CONFIG, data=config)]
                    + [dcc.Store(id=cid) for cid, _ in GATED]
                    + [dcc.Store(id=cid) for cid, _ in REF_GATED]
                    + [dcc.Store(id=ids.JOBS_STALE)])


def tree_ref(tree_data: dict[str, Any] | None, config: dict[str, Any] | None = None
             ) -> dict[str, Any] | None:
    """Python twin of ``dendroLazy.treeRef`` (``assets/lazy.js``), for HTTP-level tests.

    >>> tree_ref({"params": {"method": "ward"}, "tree_key": "k", "gaps": {"b64": "..."}})
    {'params': {'method': 'ward'}, 'tree_key': 'k'}
    """
    if not tree_data:
        return None
    keys = (config or {}).get("ref_keys", REF_KEYS)
    return {k: tree_data[k] for k in keys if k in tree_data}


def gate(cut: Any, active: str | None, ref: dict[str, Any] | None,
         partition: dict[str, Any] | None = None, config: dict[str, Any] | None = None,
         triggered: Any = ()) -> list[Any]:
    """Python twin of ``dendroLazy.gate``: the cut (and the partition spec in force, when it is
    not a height: ``components.page.partition``) for the active tab's store, ``None`` meaning
    "no update" for the others. ``triggered``: the prop ids that fired; a cut move alone
    (``cut-height.value``) reaches only a tab in :data:`FOLLOWS_CUT`.

    >>> gate(3.5, "tab-heatmap", {"tree_key": "k"})
    [None, {'cut': 3.5, 'tree_key': 'k'}, None, None, None, None]
    >>> gate(3.5, "tab-diagnostics", {"tree_key": "k"}, triggered=["cut-height.value"])
    [None, None, None, None, None, None]
    """
    value = {"cut": cut, "tree_key": (ref or {}).get("tree_key")}
    if partition and partition.get("source", "height") != "height":
        value["partition"] = partition
    config = config or {"tabs": [tab for _, tab in GATED],
                        "follows": [tab in FOLLOWS_CUT for _, tab in GATED]}
    cut_only = bool(triggered) and set(triggered) == {f"{ids.CUT_HEIGHT}.value"}
    return [value if tab == active and (follows or not cut_only) else None
            for tab, follows in zip(config["tabs"], config["follows"], strict=True)]


clientside_callback(
    ClientsideFunction(namespace="dendroLazy", function_name="treeRef"),
    Output(ids.TREE_REF, "data"),
    Input(ids.TREE_DATA, "data"),
    State(ids.LAZY_CONFIG, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="dendroLazy", function_name="gate"),
    *[Output(cid, "data") for cid, _ in GATED],
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.TREE_REF, "data"),
    Input(ids.PARTITION, "data"),
    State(ids.LAZY_CONFIG, "data"),
)


def ref_gate(ref: dict[str, Any] | None, active: str | None, known: list[str] | None,
             *held: Any) -> list[Any]:
    """Python twin of ``dendroLazy.refGate``: ``ref`` for each :data:`REF_GATED` store whose
    tab is open (the known columns' store also while ``known`` columns are chosen) and that
    does not hold it already; ``None`` meaning "no update".

    >>> ref_gate({"tree_key": "k"}, "tab-linkage", [], None, None, None, None)
    [None, None, {'tree_key': 'k'}, None]
    >>> ref_gate({"tree_key": "k"}, "tab-diagnostics", ["x"], None, None, None, None)
    [None, {'tree_key': 'k'}, None, None]
    >>> ref_gate({"tree_key": "k"}, "tab-linkage", [], None, None, {"tree_key": "k"}, None)
    [None, None, None, None]
    """
    out: list[Any] = []
    for (cid, tab), have in zip(REF_GATED, held[:len(REF_GATED)], strict=True):
        wanted = tab == active or (cid in REF_KEEP and bool(known))
        out.append(ref if ref and wanted and have != ref else None)
    return out


clientside_callback(
    ClientsideFunction(namespace="dendroLazy", function_name="refGate"),
    *[Output(cid, "data") for cid, _ in REF_GATED],
    Input(ids.TREE_REF, "data"),
    Input(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.KNOWN_COLUMNS, "value"),
    *[State(cid, "data") for cid, _ in REF_GATED],
    State(ids.LAZY_CONFIG, "data"),
)


#: The run buttons of the analysis tabs' background jobs: each is disabled while its job runs.
JOB_BUTTONS = (ids.COPHENETIC_RUN, ids.EVIDENCE_RUN, ids.SUPPORT_RUN, ids.STABILITY_RUN)

# A new tree makes a running job stale: each job cancels on ``jobs-stale``, written only while
# one runs. (A cancel input on tree-data itself sent one request per drawn tree, at load too.)
clientside_callback(
    """function (td) {
        for (var i = 1; i < arguments.length; i++) {
            if (arguments[i]) { return Date.now(); }
        }
        return window.dash_clientside.no_update;
    }""",
    Output(ids.JOBS_STALE, "data"),
    Input(ids.TREE_DATA, "data"),
    *[State(cid, "disabled") for cid in JOB_BUTTONS],
    prevent_initial_call=True,
)

def gated_partition(value: Any, tree_key: str | None = None) -> PartitionSpec | None:
    """The partition spec in a gated store's value (None: the height cut). A spec of another
    tree than ``tree_key`` (when given) is ignored.

    >>> gated_partition({"cut": 2.5, "partition": {"source": "roots", "roots": "4.5"}}).roots
    (4, 5)
    >>> gated_partition({"cut": 2.5}) is None
    True
    """
    spec = value.get("partition") if isinstance(value, dict) else None
    if not spec or (tree_key is not None and spec.get("tree_key") not in (None, tree_key)):
        return None
    try:
        out = PartitionSpec.from_json(spec)
    except DataError:
        return None
    return None if out.is_height else out


def gated_cut(value: Any) -> Any:
    """The cut from a gated store (``{"cut", "tree_key"}``), or the value itself when a
    caller passes the cut directly (tests, scripts).

    >>> gated_cut({"cut": 2.5, "tree_key": "k"}), gated_cut(2.5), gated_cut(None)
    (2.5, 2.5, None)
    """
    return value.get("cut") if isinstance(value, dict) else value


def open_tab_cut(active: str | None, tab: str, value: Any, tree_ref: dict[str, Any] | None
                 ) -> tuple[Tree | None, float | None] | None:
    """What a gated tab's callback starts from: None when ``tab`` is not the open one (answer
    no_update), else the tree ``tree_ref`` names (None when there is none) and the cut in the
    gated store's ``value`` (None when it is not a number).

    >>> open_tab_cut("tab-heatmap", "tab-compare", {"cut": 2.5}, None) is None
    True
    >>> open_tab_cut("tab-compare", "tab-compare", {"cut": "2.5"}, None)
    (None, 2.5)
    """
    if active != tab:
        return None
    return try_load_tree((tree_ref or {}).get("params")), number_or_none(gated_cut(value))
