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
* ``diag-cut`` / ``heatmap-cut`` / ``profiles-cut`` take the cut only while their tab is the
  active one (and when it is opened, or a new tree is drawn while it is open). A hidden tab's
  callback does not fire at all; opening it computes it for the current cut.
"""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Input, Output, clientside_callback, dcc, html

from components import ids

#: The analysis tab each gated store belongs to (``dbc.Tab`` ``tab_id`` values).
GATED = ((ids.DIAG_CUT, "tab-diagnostics"), (ids.HEATMAP_CUT, "tab-heatmap"),
         (ids.PROFILES_CUT, "tab-profiles"))

#: Keys of ``tree-data`` the server callbacks read; the arrays stay in the browser.
REF_KEYS = ("params", "tree_key", "approx_note", "orientation", "cut")


def lazy_stores() -> html.Div:
    """The small stores (place anywhere in the layout)."""
    return html.Div([dcc.Store(id=ids.TREE_REF)] + [dcc.Store(id=cid) for cid, _ in GATED])


def tree_ref(tree_data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Python twin of ``dendroLazy.treeRef`` (``assets/lazy.js``), for HTTP-level tests.

    >>> tree_ref({"params": {"method": "ward"}, "tree_key": "k", "gaps": {"b64": "..."}})
    {'params': {'method': 'ward'}, 'tree_key': 'k'}
    """
    if not tree_data:
        return None
    return {k: tree_data[k] for k in REF_KEYS if k in tree_data}


def gate(cut: Any, active: str | None, ref: dict[str, Any] | None) -> list[Any]:
    """Python twin of ``dendroLazy.gate``: the cut for the active tab's store, ``None`` meaning
    "no update" for the others.

    >>> gate(3.5, "tab-heatmap", {"tree_key": "k"})
    [None, {'cut': 3.5, 'tree_key': 'k'}, None]
    """
    value = {"cut": cut, "tree_key": (ref or {}).get("tree_key")}
    return [value if tab == active else None for _, tab in GATED]


clientside_callback(
    ClientsideFunction(namespace="dendroLazy", function_name="treeRef"),
    Output(ids.TREE_REF, "data"),
    Input(ids.TREE_DATA, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="dendroLazy", function_name="gate"),
    *[Output(cid, "data") for cid, _ in GATED],
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.TREE_REF, "data"),
)


def gated_cut(value: Any) -> Any:
    """The cut from a gated store (``{"cut", "tree_key"}``), or the value itself when a
    caller passes the cut directly (tests, scripts).

    >>> gated_cut({"cut": 2.5, "tree_key": "k"}), gated_cut(2.5), gated_cut(None)
    (2.5, 2.5, None)
    """
    return value.get("cut") if isinstance(value, dict) else value
