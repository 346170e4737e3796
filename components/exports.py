"""Take results away: rows with their cluster (CSV), Z (CSV), the view (JSON, and loading one
back), and every figure as PNG or SVG from its modebar with a telling file name.

The content comes from ``clustering.exports`` (pure); these callbacks read the tree the page
shows (``tree-data`` params; exact or approximate, ``inspect_panel.tree_of``) and the cut in
the ``cut-height`` field. In approximate mode the rows CSV still has one cluster per row (its
micro-cluster's), and Z is the micro-cluster tree.

The view file is the page's link as JSON (``clustering.exports.view_file_from_query`` of
``url_state.view_to_query``). Loading one navigates to its link (``url.search``), so a file
and a link are restored by the same steps (``url_state.apply_url``, then the two steps here
that it hands the view to, because choosing a dataset resets the pickers): (1) once the
preview of the view's dataset is written, the pickers take the view's values; (2) once a tree
with the view's parameters is drawn, the cut is set and the pending view cleared.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, Patch, State, callback, ctx, dcc, html, no_update

from clustering.errors import DataError
from clustering.exports import (
    export_filename,
    labelled_rows_csv,
    linkage_csv,
    query_from_view_file,
    validate_view,
    view_file_from_query,
)
from components import big, ids
from components.inspect_panel import tree_of
from components.service import get_store, load_table, upload_bytes
from components.tab_common import number_or_none
from components.url_state import query_to_view, same_tree, view_to_query

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
_VIEW_CONTROLS = (
    ("truncate_mode", ids.TRUNCATE_MODE),
    ("truncate_p", ids.TRUNCATE_P),
    ("annotate_above", ids.ANNOTATE_ABOVE),
    ("orientation", ids.ORIENTATION),
    ("show_contracted", ids.SHOW_CONTRACTED),
    ("scatter_x", ids.SCATTER_X),
    ("scatter_y", ids.SCATTER_Y),
)


def dataset_name(dataset: dict[str, Any] | None) -> str:
    """What file names call the dataset: the example id, or the uploaded file's name.

    >>> dataset_name({"example": "tutorial-blobs"}), dataset_name({"dataset_id": "ab", "filename": "x.csv"})
    ('tutorial-blobs', 'x.csv')
    """
    dataset = dataset or {}
    return dataset.get("example") or dataset.get("filename") or "data"


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
    p = params or {}
    name = export_filename(kind, dataset_name(p.get("dataset")), p.get("method") or "",
                           p.get("metric") or "")
    out = dict(config or {})
    out["toImageButtonOptions"] = {"format": fmt if fmt in IMAGE_FORMATS else "png",
                                   "filename": name, "scale": 2}
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
    State(ids.TREE_DATA, "data"),
    State(ids.CUT_HEIGHT, "value"),
    *[State(cid, "value") for _, cid in _VIEW_CONTROLS],
    prevent_initial_call=True,
)
def download(_labels: Any, _z: Any, _view: Any, tree_data: dict[str, Any] | None,
             cut_value: Any, *controls: Any) -> Any:
    """The file asked for, built from the tree on the page and the current cut."""
    tree = tree_of(tree_data)
    if tree is None:
        return no_update
    p = tree_data["params"]
    name = dataset_name(p["dataset"])
    method, metric = p["method"], p["metric"]
    cut = number_or_none(cut_value)
    if ctx.triggered_id == ids.EXPORT_LINKAGE:
        return dcc.send_string(linkage_csv(tree.hierarchy.Z),
                               export_filename("linkage", name, method, metric, "csv"))
    if cut is None:
        cut = float(tree_data.get("cut", 0.0))
    if ctx.triggered_id == ids.EXPORT_VIEW:
        view = {"dataset": p["dataset"], "options": p["options"], "method": method,
                "metric": metric, "cut": cut}
        for (key, _), value in zip(_VIEW_CONTROLS, controls, strict=True):
            if value is not None:
                view[key] = _control_value(key, value)
        try:
            text = view_file_from_query(view_to_query(validate_view(view)))
        except DataError as err:
            log.warning("view export refused: %s", err)
            return no_update
        return dcc.send_string(text, export_filename("view", name, method, metric, "json"))
    # One cluster per row; in approximate mode each row takes its micro-cluster's.
    labels = big.row_clusters(tree, cut)
    text = labelled_rows_csv(load_table(p["dataset"]), tree.prepared.row_ids, labels)
    return dcc.send_string(text, export_filename("clusters", name, method, metric, "csv"))


def _control_value(key: str, value: Any) -> Any:
    if key == "truncate_p":
        return int(value)
    if key == "annotate_above":
        return number_or_none(value)
    if key == "show_contracted":
        return bool(value)
    return value


@callback(
    *[Output(cid, "config") for cid in FIGURES],
    *[Output(cid, "figure", allow_duplicate=True) for cid in FIGURES],
    Input(ids.TREE_DATA, "data"),
    Input(ids.IMAGE_FORMAT, "value"),
    *[State(cid, "config") for cid in FIGURES],
    prevent_initial_call=True,
)
def figure_configs(tree_data: dict[str, Any] | None, fmt: str | None, *configs: Any
                   ) -> tuple[Any, ...]:
    """Every modebar downloads as the chosen format with a name saying what and for which view.

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
    for _ in FIGURES:
        patch = Patch()
        patch["layout"]["meta"] = {"image": fmt}
        nudges.append(patch)
    return (*new, *nudges)


# ---------------------------------------------------------------- loading a view
def view_file_query(data: bytes) -> str:
    """The link's query string of a view file, checked as every link is; DataError says why.

    Version-1 files (the older layout) are read too. An upload the server no longer stores is
    refused here, naming the file to upload first.
    """
    query = query_from_view_file(data, legacy=view_to_query)
    view = query_to_view(query)
    if view is None:
        raise DataError("the view names no dataset")
    ds = view["dataset"]
    if "dataset_id" in ds and not get_store().has_dataset(ds["dataset_id"]):
        try:
            name = json.loads(data).get("dataset", {}).get("filename")
        except (ValueError, AttributeError):
            name = None
        raise DataError("its data file is not stored on this server; upload "
                        f"{name or 'the file'} first, then load the view again")
    return query


@callback(
    Output(ids.URL, "search"),
    Output(ids.LOAD_VIEW_MESSAGE, "children"),
    Input(ids.LOAD_VIEW, "contents"),
    State(ids.LOAD_VIEW, "filename"),
    State(ids.TREE_DATA, "data"),
    prevent_initial_call=True,
)
def load_view(contents: str | None, filename: str | None,
              tree_data: dict[str, Any] | None) -> tuple[Any, Any]:
    """Read and check a view file, then open its link (the page restores it as any link)."""
    if not contents:
        return no_update, no_update
    name = filename or "view.json"
    try:
        query = view_file_query(upload_bytes(contents))
    except DataError as err:
        return no_update, html.Span(f"{name}: {err}", className="text-danger")
    # The same tree (only view settings or the cut differ) is restored at once, without a
    # pending view to finish, so it is loaded as soon as the link is read.
    done = same_tree(query_to_view(query), (tree_data or {}).get("params"))
    message = (html.Span("View loaded.", className="text-success") if done
               else html.Span(f"Loading view {name}…"))
    return "?" + query, message


@callback(
    Output(ids.FEATURE_COLUMNS, "value", allow_duplicate=True),
    Output(ids.LABEL_COLUMN, "value", allow_duplicate=True),
    Output(ids.MISSING, "value", allow_duplicate=True),
    Output(ids.ONE_HOT, "value", allow_duplicate=True),
    Output(ids.SCALING, "value", allow_duplicate=True),
    Output(ids.METHOD, "value", allow_duplicate=True),
    Output(ids.METRIC, "value", allow_duplicate=True),
    *[Output(cid, "value", allow_duplicate=True) for _, cid in _VIEW_CONTROLS],
    Output(ids.PENDING_VIEW, "data", allow_duplicate=True),
    Input(ids.PREVIEW, "children"),
    State(ids.PENDING_VIEW, "data"),
    prevent_initial_call=True,
)
def apply_view_controls(_preview: Any, pending: dict[str, Any] | None) -> tuple[Any, ...]:
    """Step 2: the dataset's pickers are filled; now set them to the view's values."""
    n_out = 7 + len(_VIEW_CONTROLS) + 1
    if not pending or pending.get("stage") != "dataset":
        return (no_update,) * n_out
    v = validate_view(pending["view"])
    o = v["options"]
    values = [list(o["features"]) if o["features"] else [], o["label_column"], o["missing"],
              o["one_hot"], o["scaling"], v["method"], v["metric"]]
    values += [v[key] if v[key] is not None or key == "annotate_above" else no_update
               for key, _ in _VIEW_CONTROLS]
    return (*values, {"view": v, "stage": "controls"})


@callback(
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Output(ids.PENDING_VIEW, "data", allow_duplicate=True),
    Output(ids.LOAD_VIEW_MESSAGE, "children", allow_duplicate=True),
    Input(ids.TREE_DATA, "data"),
    State(ids.PENDING_VIEW, "data"),
    prevent_initial_call=True,
)
def apply_view_cut(tree_data: dict[str, Any] | None, pending: dict[str, Any] | None
                   ) -> tuple[Any, Any, Any]:
    """Step 3: the view's tree is drawn; put the cut where the view had it."""
    if not pending or pending.get("stage") != "controls" or not tree_data:
        return no_update, no_update, no_update
    v = pending["view"]
    p = tree_data.get("params") or {}
    same = (p.get("dataset") == v["dataset"] and p.get("method") == v["method"]
            and p.get("metric") == v["metric"] and p.get("options") == v["options"])
    if not same:
        return no_update, no_update, no_update
    cut = v["cut"] if v["cut"] is not None else no_update
    return cut, None, html.Span("View loaded.", className="text-success")
