"""Server callbacks (thin: read inputs, call the service, call a figure builder, return) and
the registration of the clientside cut callback (``assets/dendro.js``).

Registered with ``@callback`` when this module is imported (``app.py`` does; it imports the
other component modules, which register theirs); nothing imports the app object.
"""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    html,
    no_update,
)

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.prepare import PrepareOptions, prepare
from clustering.tables import read_table
from components import big, ids
from components.background import GENERIC_ERROR, load_view_tree, run_tree, tree_params
from components.figures import (
    make_dendrogram_figure,
    make_scatter_figure,
    make_tree_data,
)
from components.options import method_options, metric_options, pair_note
from components.security import upload_limit_message
from components.service import (
    PCA_1,
    PCA_2,
    PCA_LABELS,
    cophenetic,
    dataset_key,
    default_cut,
    default_truncation,
    get_settings,
    get_store,
    load_pca,
    load_table,
    scatter_axis,
    table_summary,
    upload_bytes,
    upload_size,
)
from components.tab_common import number_or_none
from components.url_state import view_to_query

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- choosing the data
@callback(
    Output(ids.DATASET, "data"),
    Output(ids.UPLOAD_ERROR, "children"),
    Output(ids.UPLOAD_ERROR, "is_open"),
    Output(ids.UPLOAD_NAME, "children"),
    Output(ids.EXAMPLE, "value"),
    Input(ids.UPLOAD, "contents"),
    Input(ids.EXAMPLE, "value"),
    State(ids.UPLOAD, "filename"),
    prevent_initial_call=True,
)
def choose_dataset(
    contents: str | None, example: str | None, filename: str | None
) -> tuple[Any, ...]:
    """An upload or an example becomes the dataset; a bad file leaves the current one in place.

    A good upload clears the example picker, so picking an example again is a change.
    """
    nothing = (no_update,) * 5
    if ctx.triggered_id == ids.EXAMPLE:
        if not example:
            return nothing
        return {"example": example}, None, False, "", no_update
    if not contents:
        return nothing
    name = filename or "upload"
    settings = get_settings()
    try:
        if upload_size(contents) > settings.max_upload_mb * 1024 * 1024:
            raise DataError(upload_limit_message(settings.max_upload_mb))
        data = upload_bytes(contents)
        # Read it now so a broken file is reported next to the upload, not after clustering.
        table = read_table(data, name, max_rows=settings.max_rows,
                           max_columns=settings.max_columns)
        if len(table) < 2:
            # No choice of columns or options can cluster it: refuse it here, keeping the
            # current view, with prepare's own sentence.
            prepare(table, PrepareOptions())
        dataset_id = get_store().put_dataset(data, name)
    except DataError as err:
        return no_update, f"{name}: {err}", True, no_update, no_update
    except Exception as exc:
        # Sizes and code locations only: an exception's text may quote the file's content.
        log.error("reading an upload of %d bytes failed: %s", upload_size(contents), _where(exc))
        return no_update, GENERIC_ERROR.format(what=name), True, no_update, no_update
    return {"dataset_id": dataset_id, "filename": name}, None, False, f"Loaded {name}", None


def _where(exc: BaseException) -> str:
    """The exception's type and the innermost frames (file:line function), without its text.

    >>> try:
    ...     {}["secret"]
    ... except KeyError as e:
    ...     "secret" in _where(e)
    False
    """
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where}"


def _kind_badge(kind: str) -> dbc.Badge:
    color = {"numeric": "primary", "categorical": "info", "text": "secondary"}.get(kind, "light")
    return dbc.Badge(kind, color=color, className="me-1", text_color="dark" if color == "light" else None)


@callback(
    Output(ids.PREVIEW, "children"),
    Output(ids.FEATURE_COLUMNS, "options"),
    Output(ids.FEATURE_COLUMNS, "value"),
    Output(ids.LABEL_COLUMN, "options"),
    Output(ids.LABEL_COLUMN, "value"),
    Output(ids.MISSING, "value"),
    Output(ids.ONE_HOT, "value"),
    Output(ids.SCALING, "value"),
    Output(ids.METHOD, "value"),
    Output(ids.METRIC, "value"),
    Output(ids.TRUNCATE_MODE, "value"),
    Output(ids.TRUNCATE_P, "value"),
    Output(ids.SCATTER_X, "options"),
    Output(ids.SCATTER_X, "value"),
    Output(ids.SCATTER_Y, "options"),
    Output(ids.SCATTER_Y, "value"),
    Input(ids.DATASET, "data"),
)
def describe_dataset(dataset: dict[str, Any] | None) -> tuple[Any, ...]:
    """Preview and column pickers for a new dataset; an example also sets its own choices."""
    nothing = (no_update,) * 16
    if not dataset:
        return nothing
    try:
        head, columns, n_rows = table_summary(dataset)
    except DataError as err:
        return (dbc.Alert(str(err), color="danger", className="small"),) + nothing[1:]
    except Exception:
        log.exception("describing %s failed", dataset_key(dataset))
        return (html.Div(GENERIC_ERROR.format(what="the preview")),) + nothing[1:]

    numeric = [c.name for c in columns if c.kind == "numeric"]
    usable = [c.name for c in columns if c.kind in ("numeric", "categorical")]
    feature_options = [{"label": c, "value": c} for c in usable]
    label_options = [{"label": c.name, "value": c.name} for c in columns]
    preview = _preview(dataset, head, columns, n_rows)

    example = EXAMPLES.get(dataset.get("example") or "")
    mode, p = default_truncation(n_rows)
    if example is not None:
        o = example.options
        features = list(o.features) if o.features else []
        label = o.label_column
        presets = (o.missing, o.one_hot, o.scaling, example.method, example.metric)
    else:
        features, label = [], None
        presets = (no_update,) * 5
    chosen = features or [c for c in numeric if c != label]
    axis_options = [{"label": PCA_LABELS[PCA_1], "value": PCA_1},
                    {"label": PCA_LABELS[PCA_2], "value": PCA_2}]
    axis_options += [{"label": c, "value": c} for c in numeric]
    if len(chosen) >= 2:
        sx, sy = chosen[0], chosen[1]
    else:
        sx, sy = PCA_1, PCA_2
    return (
        preview,
        feature_options,
        features,
        label_options,
        label,
        *presets,
        mode,
        p,
        axis_options,
        sx,
        axis_options,
        sy,
    )


def _preview(dataset: dict[str, Any], head: Any, columns: list[Any], n_rows: int) -> Any:
    name = dataset.get("filename") or (
        EXAMPLES[dataset["example"]].title if dataset.get("example") in EXAMPLES else "dataset"
    )
    shown = list(head.columns[:8])
    table = dbc.Table(
        [
            html.Thead(html.Tr([html.Th(str(c)) for c in shown])),
            html.Tbody(
                [
                    html.Tr([html.Td(_cell(v)) for v in row])
                    for row in head[shown].itertuples(index=False)
                ]
            ),
        ],
        size="sm",
        bordered=False,
        striped=True,
        className="mb-1",
    )
    kinds = html.Ul(
        [
            html.Li(
                [
                    _kind_badge(c.kind),
                    html.Code(c.name),
                    f" — {c.n_missing} missing" if c.n_missing else "",
                ]
            )
            for c in columns[:40]
        ],
        className="list-unstyled mb-0",
    )
    more = f" (first {len(shown)} of {len(columns)} columns)" if len(columns) > len(shown) else ""
    example = EXAMPLES.get(dataset.get("example") or "")
    return [
        html.Div(f"{name}: {n_rows:,} rows × {len(columns)} columns{more}", className="fw-semibold"),
        html.Div(example.description, className="text-muted mb-1") if example else None,
        html.Div(table, className="table-responsive"),
        kinds,
    ]


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    s = str(v)
    return s if len(s) <= 24 else s[:23] + "…"


# ---------------------------------------------------------------- method / metric
@callback(
    Output(ids.METRIC, "options"),
    Output(ids.METHOD, "options"),
    Output(ids.METRIC_NOTE, "children"),
    Input(ids.METHOD, "value"),
    Input(ids.METRIC, "value"),
)
def pair_options(method: str | None, metric: str | None) -> tuple[list, list, str]:
    """Grey out the pairs SciPy refuses, with the reason as the option's tooltip and a note."""
    return metric_options(method), method_options(metric), pair_note(method, metric)


# ---------------------------------------------------------------- the tree and the scatter
def render(
    dataset: dict[str, Any] | None,
    features: list[str] | None,
    label: str | None,
    missing: str | None,
    one_hot: bool | None,
    scaling: str | None,
    method: str | None,
    metric: str | None,
    *view: Any,
) -> tuple[Any, ...]:
    """Compute and draw in one go (the page does it in two steps: ``background.compute`` and
    :func:`draw`); for tests and scripts. ``view``: :func:`draw`'s arguments between
    ``result`` and ``request`` (truncate_mode ... cut_value, previous). Returns :func:`draw`'s
    outputs."""
    params = tree_params(dataset, features, label, missing, one_hot, scaling, method, metric)
    if params is None:
        return (no_update,) * 8
    return draw(run_tree("inline", params), *view, None)


@callback(
    Output(ids.DENDROGRAM, "figure"),
    Output(ids.SCATTER, "figure"),
    Output(ids.TREE_DATA, "data"),
    Output(ids.STATUS_MAIN, "children"),
    Output(ids.STATUS_TIME, "children"),
    Output(ids.PREPARE_STEPS, "children"),
    Output(ids.COMPUTE_ERROR, "children"),
    Output(ids.COMPUTE_ERROR, "is_open"),
    Input(ids.RESULT, "data"),
    Input(ids.TRUNCATE_MODE, "value"),
    Input(ids.TRUNCATE_P, "value"),
    Input(ids.ANNOTATE_ABOVE, "value"),
    Input(ids.ORIENTATION, "value"),
    Input(ids.SHOW_CONTRACTED, "value"),
    Input(ids.SCATTER_X, "value"),
    Input(ids.SCATTER_Y, "value"),
    State(ids.CUT_HEIGHT, "value"),
    State(ids.TREE_DATA, "data"),
    State(ids.REQUEST, "data"),
)
def draw(
    result: dict[str, Any] | None,
    truncate_mode: str | None,
    truncate_p: Any,
    annotate_above: Any,
    orientation: str | None,
    show_contracted: bool | None,
    scatter_x: str | None,
    scatter_y: str | None,
    cut_value: Any,
    previous: dict[str, Any] | None,
    request: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """Draw the computed tree (memoised in the store): the tree, the scatter, the tree data."""
    if not result:
        return (no_update,) * 8
    if request and result.get("request") != request.get("id") and not result.get("job_failed"):
        # A job that finished after the analyst asked for something else.
        return (no_update,) * 8
    if result.get("error"):
        # The tree, the scatter and the tree data on screen stay as they were (they still
        # match each other and the link); the message says what to change.
        return kept_view(result["error"])
    params = result["params"]
    dataset, method, metric = params["dataset"], params["method"], params["metric"]
    options = PrepareOptions.from_dict(params["options"])
    orientation = orientation or "top"
    what = "the dendrogram"
    t0 = time.perf_counter()
    try:
        tree = load_view_tree(params)
        Z = tree.hierarchy.Z
        tree_key = f"{dataset_key(dataset)}|{options.to_dict()}|{method}|{metric}"
        cut = number_or_none(cut_value)
        if previous is None or previous.get("tree_key") != tree_key or cut is None:
            example = EXAMPLES.get(dataset.get("example") or "")
            preset = (
                example.cut
                if example is not None
                and example.options == options
                and (example.method, example.metric) == (method, metric)
                else None
            )
            cut = preset if preset is not None else default_cut(Z)
        # The scatter's rows (a sample past 50k rows), drawn once: the tree data maps them too.
        sample = big.scatter_rows(tree, cut)
        figure, tree_data = _dendrogram(
            tree, cut, truncate_mode, truncate_p, annotate_above, orientation,
            show_contracted, tree_key, sample[0],
        )
        what = "the scatter"
        scatter = _scatter(dataset, options, tree, cut, scatter_x, scatter_y, tree_key, sample)
    except DataError as err:
        return kept_view(str(err))
    except Exception:
        log.exception("draw failed for %s", dataset_key(dataset)[:12])
        return kept_view(GENERIC_ERROR.format(what=what))
    h = tree.hierarchy
    status = f"n = {h.n:,} · {h.method} · {h.metric}"
    tree_data["params"] = params
    # The link to this view, less the cut (the browser adds the cut as it moves).
    tree_data["query"] = view_to_query({
        **params,
        "truncate_mode": truncate_mode or "none",
        "truncate_p": int(number_or_none(truncate_p) or 30),
        "annotate_above": number_or_none(annotate_above),
        "orientation": orientation,
        "show_contracted": bool(show_contracted),
        "scatter_x": scatter_x,
        "scatter_y": scatter_y,
    })
    log.info("draw %s in %.3f s", status, time.perf_counter() - t0)
    steps = [html.Li(s) for s in tree.prepared.steps]
    return figure, scatter, tree_data, status, f" · {h.seconds:.2f} s", steps, None, False


def kept_view(message: str) -> tuple[Any, ...]:
    """:func:`draw`'s outputs when the tree asked for cannot be drawn: everything on screen
    stays (no_update) and the error area says why.

    >>> out = kept_view("no numeric columns")
    >>> out[-2:], all(o is no_update for o in out[:-2])
    (('no numeric columns', True), True)
    """
    return (no_update,) * 6 + (message, True)


@callback(Output(ids.COPHENETIC, "children"), Input(ids.TREE_DATA, "data"))
def fill_cophenetic(tree_data: dict[str, Any] | None) -> str:
    """The cophenetic correlation, after the first view (it costs O(n²) time at 20k rows)."""
    if not tree_data or "params" not in tree_data or tree_data.get("approx_note"):
        # An approximate tree's cophenetic correlation would need exact distances of n rows.
        return ""
    p = tree_data["params"]
    try:
        value = cophenetic(p["dataset"], PrepareOptions.from_dict(p["options"]), p["method"],
                           p["metric"])
    except Exception:
        log.exception("cophenetic correlation failed")
        return ""
    return "" if value is None else f" · cophenetic correlation {value:.3f}"


def _dendrogram(
    tree: Any,
    cut: float,
    truncate_mode: str | None,
    truncate_p: Any,
    annotate_above: Any,
    orientation: str,
    show_contracted: bool | None,
    tree_key: str,
    shown: Any,
) -> tuple[Any, dict[str, Any]]:
    Z = tree.hierarchy.Z
    mode = truncate_mode if truncate_mode in ("lastp", "level") else None
    p = number_or_none(truncate_p)
    p = int(p) if p is not None and p >= 1 else 30
    # Approximate trees (big tables): leaves are micro-clusters, labelled and sized in rows.
    labels = big.leaf_labels(tree)
    geometry = big.relabel_geometry(dendrogram_geometry(
        Z, truncate_mode=mode, p=p, show_contracted=bool(show_contracted), labels=labels,
        index=tree.index,
    ), tree)
    above = number_or_none(annotate_above)
    k = int(tree.index.k_at(cut))
    figure = make_dendrogram_figure(
        geometry,
        cut,
        Z=Z,
        k=k,
        orientation=orientation,
        annotate_above=above,
        show_contracted=bool(show_contracted),
        uirevision=f"{tree_key}|{mode}|{p}|{orientation}",
        sizes=big.merge_sizes(tree),
    )
    tree_data = make_tree_data(
        geometry, tree.index, Z, orientation=orientation, annotate_above=above,
        row_positions=big.row_leaf_positions(tree, shown),
    )
    tree_data["approx_note"] = big.page_note(tree)
    tree_data["cut"] = float(cut)
    tree_data["tree_key"] = tree_key
    return figure, tree_data


def _scatter(
    dataset: dict[str, Any], options: PrepareOptions, tree: Any, cut: float, sx: str | None,
    sy: str | None, tree_key: str, sample: Any,
) -> Any:
    prepared = tree.prepared
    table = load_table(dataset)
    need_pca = sx in (PCA_1, PCA_2, None) or sy in (PCA_1, PCA_2, None)
    pca = load_pca(dataset, options, prepared) if need_pca else None
    x, x_title = scatter_axis(sx or PCA_1, prepared, table, pca)
    y, y_title = scatter_axis(sy or PCA_2, prepared, table, pca)
    # One cluster per row (a micro-cluster's in approximate mode); a sample past 50k rows.
    pts = big.scatter_inputs(tree, cut, x, y, sample=sample)
    return make_scatter_figure(
        pts.x,
        pts.y,
        pts.clusters,
        labels=pts.labels,
        x_title=x_title,
        y_title=y_title,
        uirevision=f"{tree_key}|{sx}|{sy}",
        note=pts.note,
    )


# ---------------------------------------------------------------- the cut, in the browser
clientside_callback(
    ClientsideFunction(namespace="dendro", function_name="applyCut"),
    Output(ids.DENDROGRAM, "figure", allow_duplicate=True),
    Output(ids.SCATTER, "figure", allow_duplicate=True),
    Output(ids.CUT_HEIGHT, "value"),
    Output(ids.CLUSTER_K, "value"),
    Output(ids.CLUSTER_COUNT, "children"),
    Input(ids.TREE_DATA, "data"),
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.CLUSTER_K, "value"),
    Input(ids.CUT_PREVIEW, "data"),
    State(ids.DENDROGRAM, "figure"),
    State(ids.SCATTER, "figure"),
    prevent_initial_call=True,
)
