"""The Export tab: rows with their cluster (CSV), Z (CSV), the view (JSON), the tree as Newick
or nested JSON (whole or as the truncated view shows it), a Python script that reproduces the
view, and every figure as PNG or SVG from its modebar with a telling file name.

The content comes from ``clustering.exports`` (pure) and ``components.view`` (the view file is
the page's link as JSON); these callbacks read the tree the page shows (``tree-data`` params,
``components.state.trees``) and the cut in the ``cut-height`` field. In approximate mode the
rows CSV still has one cluster per row (its micro-cluster's), and Z is the micro-cluster tree.
Loading a view file back is sharing's job (``components.page.sharing.load_view``): the upload
field for it sits in this tab.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import dash_bootstrap_components as dbc
from dash import (
    ClientsideFunction,
    Input,
    Output,
    Patch,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from clustering.errors import DataError
from clustering.exports import export_filename, labelled_rows_csv, linkage_csv
from components import ids
from components.analysis.export_trees import tree_files_panel
from components.analysis.lazy import gated_partition
from components.state.partition import view_labels
from components.state.tables import load_table
from components.state.trees import try_load_tree
from components.view import DatasetRef, View, number_or_none
from components.view_file import view_file_from_query

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg")
#: Graphs whose modebar download gets a file name; the name's first word.
FIGURES = {
    ids.DENDROGRAM: "dendrogram",
    ids.SCATTER: "scatter",
    ids.DIAG_SCREE: "scree",
    ids.HEATMAP: "heatmap",
    ids.PROFILE_HEATMAP: "profiles",
}



def dataset_name(dataset: dict[str, Any] | None) -> str:
    """What file names call the dataset: the example id, or the uploaded file's name.

    >>> dataset_name({"example": "tutorial-blobs"})
    'tutorial-blobs'
    >>> dataset_name({"dataset_id": "ab" * 32, "filename": "x.csv"})
    'x.csv'
    """
    try:
        return DatasetRef.from_json(dataset).display_name
    except DataError:
        return "data"


def image_format(fmt: str | None) -> str:
    """``fmt`` when the modebars offer it, else PNG.

    >>> image_format("svg"), image_format("bmp"), image_format(None)
    ('svg', 'png', 'png')
    """
    return fmt if fmt in IMAGE_FORMATS else "png"


def image_name(kind: str, params: dict[str, Any] | None) -> str:
    """The file name (no extension) of graph ``kind``'s image for the view of ``params``.

    >>> image_name("scree", {"dataset": {"example": "mpg"}, "method": "ward",
    ...                      "metric": "euclidean"})
    'scree-mpg-ward-euclidean'
    """
    p = params or {}
    return export_filename(kind, dataset_name(p.get("dataset")), p.get("method") or "",
                           p.get("metric") or "")


def image_config(config: dict[str, Any] | None, kind: str, params: dict[str, Any] | None,
                 fmt: str) -> dict[str, Any]:
    """``config`` with the modebar's download set to ``fmt`` and a file name for this view.

    Examples
    --------
    >>> c = image_config({"scrollZoom": True}, "dendrogram",
    ...                  {"dataset": {"example": "tutorial-blobs"}, "method": "ward",
    ...                   "metric": "euclidean"}, "svg")
    >>> c["toImageButtonOptions"], c["scrollZoom"]
    ({'format': 'svg', 'filename': 'dendrogram-tutorial-blobs-ward-euclidean', 'scale': 2}, True)
    """
    out = dict(config or {})
    out["toImageButtonOptions"] = {"format": image_format(fmt),
                                   "filename": image_name(kind, params), "scale": 2}
    out.setdefault("displaylogo", False)
    return out

def export_tab() -> html.Div:
    """Download buttons, the image format of the modebars, loading a view back."""
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button("Rows with cluster (CSV)", id=ids.EXPORT_LABELS, size="sm",
                               color="primary", className="me-2 mb-1"),
                    dbc.Button("Linkage matrix Z (CSV)", id=ids.EXPORT_LINKAGE, size="sm",
                               color="secondary", className="me-2 mb-1"),
                    dbc.Button("View parameters (JSON)", id=ids.EXPORT_VIEW, size="sm",
                               color="secondary", className="me-2 mb-1"),
                ]
            ),
            html.Ul(
                [
                    html.Li("Rows: every row of the original table in its order, plus a "
                            "`cluster` column numbered as on the page (1 = leftmost in the tree). "
                            "Rows dropped by preprocessing keep their place with an empty cluster "
                            "and a `cluster_note`. Cells that a spreadsheet would run as a formula "
                            "(starting with = + - @) get a leading ' ."),
                    html.Li("Z: idx1, idx2, height, size per merge (row r forms id n + r)."),
                    html.Li("View: the link to this view as JSON (dataset, preprocessing, "
                            "method, metric, view settings and the cut); loading it below opens "
                            "that link. In approximate mode (big tables) Z is the tree of the "
                            "micro-clusters; the rows file still has every row's cluster."),
                ],
                className="small form-text mt-1",
            ),
            tree_files_panel(),
            dcc.Store(id=ids.IMAGE_NAMES),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Figure downloads (camera icon on each plot)",
                                      className="small mb-1", html_for=ids.IMAGE_FORMAT),
                            dbc.RadioItems(
                                id=ids.IMAGE_FORMAT,
                                options=[{"label": f.upper(), "value": f} for f in IMAGE_FORMATS],
                                value="png", inline=True, className="small",
                            ),
                        ],
                        md=5,
                    ),
                    dbc.Col(
                        [
                            dcc.Upload(
                                id=ids.LOAD_VIEW,
                                children=html.Div(["Load a view (.json): drop it here or ",
                                                   html.A("choose", href="#")]),
                                className="upload-box small", accept=".json,application/json",
                                multiple=False, max_size=1024 * 1024,
                            ),
                            html.Div(id=ids.LOAD_VIEW_MESSAGE, className="small mt-1",
                                     role="status"),
                        ],
                        md=7,
                    ),
                ],
                className="mt-2",
            ),
        ],
        className="p-2",
    )


# ---------------------------------------------------------------- downloads
@callback(
    Output(ids.DOWNLOAD, "data"),
    Input(ids.EXPORT_LABELS, "n_clicks"),
    Input(ids.EXPORT_LINKAGE, "n_clicks"),
    Input(ids.EXPORT_VIEW, "n_clicks"),
    State(ids.TREE_REF, "data"),
    State(ids.CUT_HEIGHT, "value"),
    *[State(cid, "value") for cid in ids.DRAW_CONTROLS],
    State(ids.PARTITION, "data"),
    prevent_initial_call=True,
)
def download(_labels: Any, _z: Any, _view: Any, tree_data: dict[str, Any] | None,
             cut_value: Any, *args: Any) -> Any:
    """The file asked for, built from the tree on the page and the current cut (or the
    partition in force, ``components.page.partition``)."""
    n = len(ids.DRAW_CONTROLS)
    controls, partition = args[:n], (args[n] if len(args) > n else None)
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None:
        return no_update
    part = gated_partition({"partition": partition}, tree.spec.key)
    spec = tree.spec
    name = spec.dataset.display_name
    if ctx.triggered_id == ids.EXPORT_LINKAGE:
        return dcc.send_string(linkage_csv(tree.Z),
                               export_filename("linkage", name, spec.method, spec.metric, "csv"))
    cut = number_or_none(cut_value)
    if cut is None:
        cut = float(tree_data.get("cut", 0.0))
    if ctx.triggered_id == ids.EXPORT_VIEW:
        try:
            view = replace(View.from_controls(spec, *controls, cut=cut), partition=part)
            text = view_file_from_query(view.to_query())
        except DataError as err:
            log.warning("view export refused: %s", err)
            return no_update
        return dcc.send_string(text, export_filename("view", name, spec.method, spec.metric,
                                                     "json"))
    # One cluster per row (0 = unassigned); in approximate mode each row takes its
    # micro-cluster's.
    try:
        labels = view_labels(tree, cut, part)
    except DataError as err:
        log.warning("labels export refused: %s", err)
        return no_update
    text = labelled_rows_csv(load_table(spec.dataset), tree.prepared.row_ids, labels)
    return dcc.send_string(text, export_filename("clusters", name, spec.method, spec.metric,
                                                 "csv"))


# The names the modebars' downloads take, for the tree on the page: read at the click
# (assets/image_names.js). Not written into the graphs' configs: a new config is a full
# replot in plotly.js, and after every new tree that replotted all five graphs (0.38-0.57 s of
# the page's main thread, the scatter's WebGL context made anew; issue 14).
@callback(
    Output(ids.IMAGE_NAMES, "data"),
    Input(ids.TREE_REF, "data"),
    Input(ids.IMAGE_FORMAT, "value"),
    prevent_initial_call=True,
)
def image_names(tree_ref: dict[str, Any] | None, fmt: str | None) -> Any:
    """The format and, per graph of :data:`FIGURES`, the file name of its modebar download.

    >>> image_names({"params": {"dataset": {"example": "mpg"}, "method": "ward",
    ...                         "metric": "euclidean"}}, "svg")["names"]["scatter"]
    'scatter-mpg-ward-euclidean'
    """
    params = (tree_ref or {}).get("params")
    if not params:
        return no_update
    return {"format": image_format(fmt),
            "names": {cid: image_name(kind, params) for cid, kind in FIGURES.items()}}


clientside_callback(
    ClientsideFunction(namespace="dendroImages", function_name="remember"),
    Input(ids.IMAGE_NAMES, "data"),
)


@callback(
    *[Output(cid, "config") for cid in FIGURES],
    *[Output(cid, "figure", allow_duplicate=True) for cid in FIGURES],
    Input(ids.IMAGE_FORMAT, "value"),
    State(ids.TREE_REF, "data"),
    *[State(cid, "config") for cid in FIGURES],
    prevent_initial_call=True,
)
def figure_configs(fmt: str | None, tree_data: dict[str, Any] | None, *configs: Any
                   ) -> tuple[Any, ...]:
    """A chosen format in every graph's config, so that the modebar's button says it (the
    download itself takes :func:`image_names`): a replot of each, on this choice only.

    dcc.Graph hands a new config to plotly.js only when its figure changes too, so each figure
    gets a one-key patch (``layout.meta``) alongside.
    """
    params = (tree_data or {}).get("params")
    if not params:
        return (no_update,) * (2 * len(FIGURES))
    fmt = fmt or "png"
    new = tuple(image_config(c, kind, params, fmt)
                for c, kind in zip(configs, FIGURES.values(), strict=True))
    nudges = []
    for cid in FIGURES:
        patch = Patch()
        if cid == ids.DIAG_SCREE:
            # The scree's meta is the tab's own record (analysis/diagnostics.py): added to.
            patch["layout"]["meta"]["image"] = fmt
        else:
            # A string: plotly.js compares an object in a layout by identity, and dcc.Graph
            # hands it a copy on every update, so an object here made every later update of
            # the tree and the scatter a full replot (issue 14).
            patch["layout"]["meta"] = f"image:{fmt}"
        nudges.append(patch)
    return (*new, *nudges)
