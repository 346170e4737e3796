"""The page, top to bottom: data, model choice, the cut, the tree view, sharing, the analysis.

``layout()`` is a function so every page load starts fresh (no state shared between users).
One module a part of the page, each with its layout and callbacks: ``data`` (upload, example),
``preview`` (the dataset's preview and the pickers it sets), ``model`` (preprocessing, method
and metric), ``cut`` (max_d and k, recoloured in the browser), ``compute`` (the tree, inline or
as a background job), ``tree_view`` (the tree and the scatter on the page; ``drawing`` builds
them, with no callbacks), ``sharing`` (the link, and restoring a link or a view file).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.analysis import analysis_tabs
from components.page.compute import job_panel
from components.page.cut import cut_fields
from components.page.data import data_card
from components.page.model import cluster_card, prep_card
from components.page.opening import opening_layout
from components.page.sharing import share_bar
from components.page.tree_view import data_summary, graphs, status_line, view_card
from components.page.uploads import uploads_card


def layout() -> dbc.Container:
    """A fresh page, opened on the default example (``opening``: its dataset, preview and
    pickers are in the layout, not fetched by callbacks at load). A link replaces it
    (``components.page.sharing.apply_url``) before anything is computed."""
    return opening_layout(dbc.Container(
        [
            dcc.Store(id=ids.DATASET),
            dcc.Store(id=ids.TREE_DATA),
            dcc.Store(id=ids.CUT_PREVIEW),
            dcc.Store(id=ids.TAB_SCROLL),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand(html.H1("Dendrogram Explorer", className="h5 mb-0 fw-semibold")),
                        html.Span("hierarchical clustering, SciPy-exact",
                                  className="navbar-text small"),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
                className="mb-2 py-1",
            ),
            dbc.Row(
                [
                    dbc.Col([data_card(), prep_card(), cluster_card(), view_card(),
                             uploads_card()],
                            xs=12, md=4, xl=3, className="controls"),
                    # The loop in one view: cut bar, then tree and scatter side by side; the
                    # data summary and the analysis tabs below.
                    dbc.Col([status_line(), share_bar(), job_panel(), *cut_fields(),
                             *graphs(), data_summary(), analysis_tabs()],
                            xs=12, md=8, xl=9),
                ]
            ),
        ],
        fluid=True,
        className="pb-4",
    ))
