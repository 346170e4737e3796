"""Choosing the data: the upload (or an example), the preview of what was read.

A good upload is stored under the SHA-256 of its bytes and becomes the ``dataset`` store; a
file that cannot be used keeps the current dataset and view, and the ``error`` area says what
to fix. Choosing a dataset resets the pickers to what it offers (an example also sets its own
choices).
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.prepare import PrepareOptions, prepare
from components import ids
from components.jobs.tree import GENERIC_ERROR
from components.page.forms import card, field
from components.state.store import get_settings, get_store
from components.state.tables import (
    PCA_1,
    PCA_2,
    PCA_LABELS,
    read_new_upload,
    remember_table,
    table_summary,
    upload_bytes,
    upload_size,
)
from components.view import DEFAULT_EXAMPLE, DatasetRef
from components.web.security import upload_limit_message

log = logging.getLogger(__name__)

# Full tree up to this many leaves by default; bigger trees open truncated (lastp).
FULL_TREE_MAX = 2_000
DEFAULT_P = 50


def default_truncation(n_rows: int) -> tuple[str, int]:
    """Full tree for small tables, the last 50 merges above :data:`FULL_TREE_MAX` rows.

    >>> default_truncation(100), default_truncation(20_000)
    (('none', 30), ('lastp', 50))
    """
    return ("none", 30) if n_rows <= FULL_TREE_MAX else ("lastp", DEFAULT_P)


# ---------------------------------------------------------------- layout
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
                ["Drop a file here or ", html.A("choose one", href="#", role="button", id=ids.UPLOAD_CHOOSE)],
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


def data_card() -> dbc.Card:
    """The data card: upload, the error area, the example picker."""
    return card("Data", [
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
        field(
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


# ---------------------------------------------------------------- callbacks
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
        # Read it now, once, under the limits: a broken file is reported next to the upload,
        # not after clustering, and later steps take the table from the store.
        got = read_new_upload(data, name)
        if len(got.table) < 2:
            # No choice of columns or options can cluster it: refuse it here, keeping the
            # current view, with prepare's own sentence.
            prepare(got.table, PrepareOptions())
        dataset_id = get_store().put_dataset(data, name)
        remember_table(DatasetRef(dataset_id=dataset_id, filename=name), got)
    except DataError as err:
        return no_update, f"{name}: {err}", True, no_update, no_update
    except Exception as exc:
        # Sizes and code locations only: an exception's text may quote the file's content.
        log.error("reading an upload of %d bytes failed: %s", upload_size(contents), _where(exc))
        return no_update, GENERIC_ERROR.format(what=name), True, no_update, no_update
    loaded = [html.Div(f"Loaded {name}")]
    # Guesses that changed how values read (delimiter, decimal mark, line endings) are said.
    loaded += [html.Div(note, className="upload-note") for note in got.notes]
    return {"dataset_id": dataset_id, "filename": name}, None, False, loaded, None


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
        ref = DatasetRef.from_json(dataset)
        head, columns, n_rows = table_summary(ref)
    except DataError as err:
        return (dbc.Alert(str(err), color="danger", className="small"),) + nothing[1:]
    except Exception:
        log.exception("describing %s failed", str(dataset.get("example") or "an upload"))
        return (html.Div(GENERIC_ERROR.format(what="the preview")),) + nothing[1:]

    numeric = [c.name for c in columns if c.kind == "numeric"]
    usable = [c.name for c in columns if c.kind in ("numeric", "categorical")]
    feature_options = [{"label": c, "value": c} for c in usable]
    label_options = [{"label": c.name, "value": c.name} for c in columns]
    preview = _preview(ref, head, columns, n_rows)

    example = EXAMPLES.get(ref.example or "")
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


def _preview(dataset: DatasetRef, head: Any, columns: list[Any], n_rows: int) -> Any:
    name = dataset.filename or (
        EXAMPLES[dataset.example].title if dataset.example in EXAMPLES else "dataset"
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
    example = EXAMPLES.get(dataset.example or "")
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
