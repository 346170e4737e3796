"""'Where should I cut, and what are these clusters?': the analysis tabs under the graphs.

One module a tab, each with its layout and callbacks: ``diagnostics`` (scree and elbow, gaps
and snap buttons, inconsistency, candidate cut lines; with ``cophenetic``), ``evidence``
(validity per k, the gap statistic, silhouettes at the cut; issue 15), ``merge`` (click a
merge or a leaf), ``linkage`` (Z as a table), ``heatmap``, ``profiles``, ``agreement``
(known columns: colour bars under the tree, agreement with a reference column; issue 16),
``compare`` (a second tree as a tanglegram; issue 16), ``export``.
``lazy`` makes a hidden tab cost nothing: only the open tab follows the cut.

Every tab is fed the same two things: the tree reference (``tree-ref``/``tree-data`` params,
loaded with ``components.state.trees``) and the cut.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.analysis.agreement import agreement_tab
from components.analysis.compare import compare_tab
from components.analysis.diagnostics import diagnostics_tab
from components.analysis.evidence import evidence_tab
from components.analysis.export import export_tab
from components.analysis.full_tree import full_tree_tab
from components.analysis.heatmap import heatmap_tab
from components.analysis.lazy import lazy_stores
from components.analysis.linkage import linkage_tab
from components.analysis.merge import inspect_tab
from components.analysis.profiles import profiles_tab

#: Label and body of each tab, keyed by its id (``ids.TABS`` gives the order).
_TABS = {
    ids.TAB_DIAGNOSTICS: ("Diagnostics", diagnostics_tab),
    ids.TAB_EVIDENCE: ("Evidence", evidence_tab),
    ids.TAB_INSPECT: ("Merge", inspect_tab),
    ids.TAB_LINKAGE: ("Linkage matrix", linkage_tab),
    ids.TAB_HEATMAP: ("Heatmap", heatmap_tab),
    ids.TAB_PROFILES: ("Profiles", profiles_tab),
    ids.TAB_AGREEMENT: ("Known columns", agreement_tab),
    ids.TAB_COMPARE: ("Compare trees", compare_tab),
    ids.TAB_FULL_TREE: ("Full tree", full_tree_tab),  # issue 14: every leaf, level of detail
    ids.TAB_EXPORT: ("Export", export_tab),
}


def analysis_tabs() -> html.Div:
    """Every analysis tab and the small stores they share (placed under the graphs)."""
    return html.Div(
        [
            dcc.Store(id=ids.CANDIDATES),
            dcc.Store(id=ids.INSPECT),
            dcc.Store(id=ids.HIGHLIGHT),
            dcc.Download(id=ids.DOWNLOAD),
            lazy_stores(),
            dbc.Tabs(
                [dbc.Tab(_TABS[t][1](), label=_TABS[t][0], tab_id=t) for t in ids.TABS],
                id=ids.ANALYSIS_TABS,
                active_tab=ids.TAB_DIAGNOSTICS,
            ),
        ],
        className="analysis mt-2",
    )
