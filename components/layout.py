"""The page: a left column of controls, the dendrogram and the scatter in the main area.

``layout()`` is a function so every page load starts fresh (no state shared between users).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from clustering.datasets import EXAMPLES
from clustering.prepare import MISSING, SCALINGS
from components import ids
from components.background import job_panel

# Importing the analysis panels also registers their callbacks.
from components.diagnostics_panel import analysis_tabs
from components.figures import empty_figure
from components.lazy import lazy_stores
from components.options import method_options, metric_options
from components.security import upload_limit_message
from components.service import get_settings
from components.url_state import share_bar

DEFAULT_EXAMPLE = "tutorial-blobs"

# Labels are the values themselves (what SciPy and the URL call them); the tooltip explains.
SCALING_HELP = {
    "none": "use the numbers as they are",
    "minmax": "(x - min) / (max - min) per column",
    "zscore": "(x - mean) / std per column",
    "whiten": "x / std per column, as scipy.cluster.vq.whiten",
}
MISSING_LABELS = {
    "drop": "drop rows with missing values",
    "mean": "fill with column mean",
    "median": "fill with column median",
}
TRUNCATE_HELP = {
    "none": "the full tree",
    "lastp": "only the last p merges: p leaves, each a subtree, labelled (count)",
    "level": "no more than p levels below the root",
}
ORIENTATION_LABELS = {"top": "root at top", "bottom": "root at bottom", "left": "root left",
                      "right": "root right"}

GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "scrollZoom": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "svg"},
}


def _field(label: str, control: Any, help_text: str | None = None, **kw: Any) -> html.Div:
    children = [dbc.Label(label, html_for=getattr(control, "id", None), className="mb-1 small")]
    children.append(control)
    if help_text:
        children.append(html.Div(help_text, className="form-text"))
    return html.Div(children, className="mb-2", **kw)


def _upload() -> html.Div:
    """The upload area, inside a box that tells the browser the size limit and its message.

    dcc.Upload silently drops a file over ``max_size`` (no callback fires), so
    ``assets/upload_limit.js`` reads ``data-max-bytes`` and shows ``data-message`` itself.
    """
    settings = get_settings()
    max_bytes = int(settings.max_upload_mb * 1024 * 1024)
    return html.Div(
        dcc.Upload(
            id=ids.UPLOAD,
            children=html.Div(
                ["Drop a file here or ", html.A("choose one", href="#")],
                className="upload-text",
            ),
            className="upload-box",
            multiple=False,
            max_size=max_bytes,
            accept=".csv,.tsv,.txt,.xlsx,.parquet,.json,text/csv",
        ),
        id=ids.UPLOAD_LIMIT,
        **{"data-max-bytes": str(max_bytes),
           "data-message": upload_limit_message(settings.max_upload_mb)},
    )


def _data_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Data"),
            dbc.CardBody(
                [
                    _upload(),
                    html.Div(
                        "CSV, TSV, Excel (.xlsx), Parquet or JSON records.",
                        className="form-text mb-2",
                    ),
                    html.Div(id=ids.UPLOAD_NAME, className="small text-muted mb-1"),
                    html.Div(
                        [
                            dbc.Alert(id=ids.UPLOAD_ERROR, color="danger", is_open=False,
                                      className="mb-2 small", dismissable=False),
                            dbc.Alert(id=ids.COMPUTE_ERROR, color="warning", is_open=False,
                                      className="mb-2 small", dismissable=False),
                        ],
                        id=ids.ERROR,
                        role="alert",
                        **{"aria-live": "polite"},
                    ),
                    _field(
                        "or open an example",
                        dcc.Dropdown(
                            id=ids.EXAMPLE,
                            options=[{"label": e.title, "value": e.id} for e in EXAMPLES.values()],
                            value=DEFAULT_EXAMPLE,
                            clearable=False,
                            placeholder="choose an example",
                        ),
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def _prep_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Preprocessing"),
            dbc.CardBody(
                [
                    _field(
                        "Feature columns",
                        dcc.Dropdown(id=ids.FEATURE_COLUMNS, multi=True,
                                     placeholder="all numeric columns"),
                    ),
                    _field(
                        "Label column (names the leaves)",
                        dcc.Dropdown(id=ids.LABEL_COLUMN, placeholder="row number"),
                    ),
                    _field(
                        "Missing values",
                        dcc.Dropdown(
                            id=ids.MISSING,
                            options=[{"label": MISSING_LABELS[m], "value": m} for m in MISSING],
                            value="drop",
                            clearable=False,
                        ),
                    ),
                    dbc.Checkbox(id=ids.ONE_HOT, label="one-hot encode categorical columns",
                                 value=False, className="mb-2 small"),
                    _field(
                        "Scaling",
                        dcc.Dropdown(
                            id=ids.SCALING,
                            options=[{"label": s, "value": s, "title": SCALING_HELP[s]}
                                     for s in SCALINGS],
                            value="none",
                            clearable=False,
                        ),
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def _cluster_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Clustering"),
            dbc.CardBody(
                [
                    _field(
                        "Linkage method",
                        dcc.Dropdown(id=ids.METHOD, options=method_options("euclidean"),
                                     value="ward", clearable=False),
                    ),
                    _field(
                        "Distance metric",
                        dcc.Dropdown(id=ids.METRIC, options=metric_options("ward"),
                                     value="euclidean", clearable=False),
                    ),
                    html.Div(id=ids.METRIC_NOTE, className="form-text mb-2"),
                    dbc.Row(
                        [
                            dbc.Col(
                                _field(
                                    "Cut height (max_d)",
                                    dcc.Input(id=ids.CUT_HEIGHT, type="number", min=0,
                                              step="any", debounce=True,
                                              className="form-control form-control-sm"),
                                )
                            ),
                            dbc.Col(
                                _field(
                                    "Clusters (k)",
                                    dcc.Input(id=ids.CLUSTER_K, type="number", min=1, step=1,
                                              debounce=True,
                                              className="form-control form-control-sm"),
                                )
                            ),
                        ],
                        className="g-2",
                    ),
                    html.Div(id=ids.CLUSTER_COUNT, className="fw-semibold small"),
                ]
            ),
        ],
        className="mb-3",
    )


def _view_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("View"),
            dbc.CardBody(
                [
                    _field(
                        "Truncate",
                        dcc.Dropdown(
                            id=ids.TRUNCATE_MODE,
                            options=[{"label": k, "value": k, "title": v}
                                     for k, v in TRUNCATE_HELP.items()],
                            value="none",
                            clearable=False,
                        ),
                    ),
                    _field(
                        "p",
                        dcc.Input(id=ids.TRUNCATE_P, type="number", min=1, step=1, value=30,
                                  debounce=True, className="form-control form-control-sm"),
                        "lastp: leaves shown; level: levels below the root.",
                    ),
                    dbc.Checkbox(id=ids.SHOW_CONTRACTED, label="mark contracted merges",
                                 value=True, className="mb-2 small"),
                    _field(
                        "Annotate merges above height",
                        dcc.Input(id=ids.ANNOTATE_ABOVE, type="number", min=0, step="any",
                                  debounce=True, placeholder="off",
                                  className="form-control form-control-sm"),
                    ),
                    _field(
                        "Orientation",
                        dcc.Dropdown(
                            id=ids.ORIENTATION,
                            options=[{"label": v, "value": k}
                                     for k, v in ORIENTATION_LABELS.items()],
                            value="top",
                            clearable=False,
                        ),
                    ),
                    _field("Scatter x", dcc.Dropdown(id=ids.SCATTER_X, clearable=False)),
                    _field("Scatter y", dcc.Dropdown(id=ids.SCATTER_Y, clearable=False)),
                ]
            ),
        ],
        className="mb-3",
    )


def layout() -> dbc.Container:
    """A fresh page."""
    return dbc.Container(
        [
            # No dataset until the URL is read (components/url_state.apply_url): a link opens
            # its own dataset without the default example being computed first.
            dcc.Store(id=ids.DATASET),
            dcc.Store(id=ids.TREE_DATA),
            dcc.Store(id=ids.CUT_PREVIEW),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("Dendrogram Explorer", className="fw-semibold"),
                        html.Span("hierarchical clustering, SciPy-exact",
                                  className="navbar-text small"),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
                className="mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [_data_card(), _prep_card(), _cluster_card(), _view_card()],
                        xs=12, md=4, xl=3,
                        className="controls",
                    ),
                    dbc.Col(
                        [
                            html.Div(
                                [
                                    html.Span(id=ids.STATUS_MAIN),
                                    html.Span(id=ids.COPHENETIC),
                                    html.Span(id=ids.STATUS_TIME),
                                ],
                                id=ids.STATUS,
                                className="status small mb-2",
                            ),
                            share_bar(),
                            job_panel(),
                            lazy_stores(),
                            dbc.Alert(id=ids.APPROX_NOTE, color="info", is_open=False,
                                      className="small py-2 mb-2", dismissable=False),
                            dcc.Loading(
                                dcc.Graph(
                                    id=ids.DENDROGRAM,
                                    figure=empty_figure("Loading…"),
                                    config=GRAPH_CONFIG,  # the cut line is dragged by assets/cutdrag.js
                                    className="graph-dendrogram",
                                ),
                                delay_show=300,
                                overlay_style={"visibility": "visible", "opacity": 0.6},
                            ),
                            dbc.Row(
                                [
                                    dbc.Col(
                                        dcc.Graph(
                                            id=ids.SCATTER,
                                            figure=empty_figure(""),
                                            config=GRAPH_CONFIG,
                                            className="graph-scatter",
                                        ),
                                        lg=7,
                                    ),
                                    dbc.Col(
                                        [
                                            html.H6("Data", className="mt-2"),
                                            html.Div(id=ids.PREVIEW, className="preview small"),
                                            html.H6("Preprocessing", className="mt-2"),
                                            html.Ul(id=ids.PREPARE_STEPS, className="small"),
                                        ],
                                        lg=5,
                                    ),
                                ]
                            ),
                            analysis_tabs(),
                        ],
                        xs=12, md=8, xl=9,
                    ),
                ]
            ),
        ],
        fluid=True,
        className="pb-4",
    )
