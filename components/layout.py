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


def _card(title: str, body: list[Any]) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3")


def _select(label: str, id_: str, options: list[Any], value: Any) -> html.Div:
    """A labelled dropdown that always holds a value (not clearable)."""
    return _field(label, dcc.Dropdown(id=id_, options=options, value=value, clearable=False))


def _number(label: str, id_: str, help_text: str | None = None, **kw: Any) -> html.Div:
    """A labelled number field, sent when typing stops (debounce)."""
    return _field(label, dcc.Input(id=id_, type="number", debounce=True,
                                   className="form-control form-control-sm", **kw), help_text)


def _data_card() -> dbc.Card:
    return _card("Data", [
        _upload(),
        html.Div("CSV, TSV, Excel (.xlsx), Parquet or JSON records.", className="form-text mb-2"),
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
    ])


def _prep_card() -> dbc.Card:
    return _card("Preprocessing", [
        _field("Feature columns", dcc.Dropdown(id=ids.FEATURE_COLUMNS, multi=True,
                                               placeholder="all numeric columns")),
        _field("Label column (names the leaves)",
               dcc.Dropdown(id=ids.LABEL_COLUMN, placeholder="row number")),
        _select("Missing values", ids.MISSING,
                [{"label": MISSING_LABELS[m], "value": m} for m in MISSING], "drop"),
        dbc.Checkbox(id=ids.ONE_HOT, label="one-hot encode categorical columns", value=False,
                     className="mb-2 small"),
        _select("Scaling", ids.SCALING,
                [{"label": s, "value": s, "title": SCALING_HELP[s]} for s in SCALINGS], "none"),
    ])


def _cluster_card() -> dbc.Card:
    return _card("Clustering", [
        _select("Linkage method", ids.METHOD, method_options("euclidean"), "ward"),
        _select("Distance metric", ids.METRIC, metric_options("ward"), "euclidean"),
        html.Div(id=ids.METRIC_NOTE, className="form-text mb-2"),
        dbc.Row(
            [
                dbc.Col(_number("Cut height (max_d)", ids.CUT_HEIGHT, min=0, step="any")),
                dbc.Col(_number("Clusters (k)", ids.CLUSTER_K, min=1, step=1)),
            ],
            className="g-2",
        ),
        html.Div(id=ids.CLUSTER_COUNT, className="fw-semibold small"),
    ])


def _view_card() -> dbc.Card:
    return _card("View", [
        _select("Truncate", ids.TRUNCATE_MODE,
                [{"label": k, "value": k, "title": v} for k, v in TRUNCATE_HELP.items()], "none"),
        _number("p", ids.TRUNCATE_P, "lastp: leaves shown; level: levels below the root.",
                min=1, step=1, value=30),
        dbc.Checkbox(id=ids.SHOW_CONTRACTED, label="mark contracted merges", value=True,
                     className="mb-2 small"),
        _number("Annotate merges above height", ids.ANNOTATE_ABOVE, min=0, step="any",
                placeholder="off"),
        _select("Orientation", ids.ORIENTATION,
                [{"label": v, "value": k} for k, v in ORIENTATION_LABELS.items()], "top"),
        # Options and values come with the dataset (callbacks.describe_dataset).
        _field("Scatter x", dcc.Dropdown(id=ids.SCATTER_X, clearable=False)),
        _field("Scatter y", dcc.Dropdown(id=ids.SCATTER_Y, clearable=False)),
    ])


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
