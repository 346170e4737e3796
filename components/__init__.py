"""The Dash app around ``clustering``, in rooms named by their job.

    ids, settings, view   element ids; server settings; the typed view and its link
    state/                no Dash: the store, tables, trees (the one loader), approximate mode
    jobs/                 background managers and the job bodies
    figures/              pure figure builders
    page/                 the page, top to bottom: data, model, cut, compute, tree view, sharing
    analysis/             one tab a module: diagnostics, evidence, merge, linkage, heatmap, profiles, export
    web/                  security headers and auth, data grids

:func:`register` is the one place that imports the modules holding callbacks (``page`` and
``analysis``); nothing else imports them. ``app.py`` calls it.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Every module that registers callbacks (``@callback``/``clientside_callback`` at import).
CALLBACK_MODULES = (
    "components.page.data",
    "components.page.preview",
    "components.page.model",
    "components.page.cut",
    "components.page.partition",
    "components.page.compute",
    "components.page.tree_view",
    "components.page.sharing",
    "components.page.uploads",
    "components.analysis.lazy",
    "components.analysis.diagnostics",
    "components.analysis.cophenetic",
    "components.analysis.evidence",
    "components.analysis.support",
    "components.analysis.support_poll",
    "components.analysis.merge",
    "components.analysis.linkage",
    "components.analysis.heatmap",
    "components.analysis.profiles",
    "components.analysis.export",
    "components.analysis.export_trees",
    "components.analysis.agreement",
    "components.analysis.compare",
    "components.analysis.full_tree",
)


def register(app: Any = None) -> None:
    """Import every callback module (Dash's ``@callback`` registers at import) and, given an
    app, give it the page's layout. Safe to call more than once."""
    for name in CALLBACK_MODULES:
        importlib.import_module(name)
    if app is not None:
        from components.page import layout
        from components.web.page_shell import INDEX_STRING

        app.layout = layout
        app.index_string = INDEX_STRING  # lang="en" and the <main> landmark (issue 19)
