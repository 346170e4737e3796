"""Choosing the data: the upload (or an example) becomes the ``dataset`` store.

A good upload is stored under the SHA-256 of its bytes and becomes the ``dataset`` store; a
file that cannot be used keeps the current dataset and view, and the ``error`` area says what
to fix. The new dataset is then described (preview, pickers) by ``components.page.preview``.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.prepare import MISSING, SCALINGS, PrepareOptions
from clustering.tables import TableRead
from components import ids
from components.jobs.tree import GENERIC_ERROR
from components.page import upload_kind
from components.page.compute import upload_job
from components.page.forms import card, field
from components.state.store import get_settings, get_store
from components.state.tables import load_pca, remember_prepared, upload_bytes, upload_size
from components.view import DEFAULT_EXAMPLE, INPUT_KINDS, TreeSpec
from components.web.clients import current_client
from components.web.security import upload_limit_message

log = logging.getLogger(__name__)

#: choose_dataset's outputs when nothing changes.
NOTHING = (no_update,) * 15
#: choose_dataset's job outputs when it starts no job (tree-request, upload-job, note, retry).
NO_JOB = (no_update,) * 4


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
            accept=".csv,.tsv,.txt,.xlsx,.parquet,.json,.npy,.nwk,.newick,.tre,.tree,text/csv",
        ),
        id=ids.UPLOAD_LIMIT,
        **{"data-max-bytes": str(max_bytes),
           "data-message": upload_limit_message(settings.max_upload_mb)},
    )


def data_card() -> dbc.Card:
    """The data card: upload, the error area, the example picker."""
    return card("Data", [
        _upload(),
        html.Div("A table of features (CSV, TSV, Excel, Parquet, JSON records), a distance or "
                 "similarity matrix, a linkage matrix (.npy or CSV) or a Newick tree.",
                 className="form-text mb-2"),
        html.Div(id=ids.UPLOAD_NAME, className="small text-muted mb-1"),
        upload_kind.kind_box(),
        dcc.Store(id=ids.UPLOAD_PENDING),
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
    Output(ids.UPLOAD_KIND, "value"),
    Output(ids.UPLOAD_KIND_REASON, "children"),
    Output(ids.UPLOAD_PENDING, "data"),
    Output(ids.UPLOAD_KIND_BOX, "style"),
    Output(ids.SIMILARITY_BOX, "style"),
    Output(ids.LABELS_BOX, "style"),
    # A new feature table whose tree is a background job starts it here (compute.upload_job).
    Output(ids.REQUEST, "data", allow_duplicate=True),
    Output(ids.UPLOAD_JOB, "data"),
    Output(ids.JOB_NOTE, "children", allow_duplicate=True),
    Output(ids.JOB_RETRY, "style", allow_duplicate=True),
    Input(ids.UPLOAD, "contents"),
    Input(ids.EXAMPLE, "value"),
    Input(ids.UPLOAD_KIND, "value"),
    Input(ids.SIMILARITY, "value"),
    Input(ids.LABELS_UPLOAD, "contents"),
    State(ids.UPLOAD, "filename"),
    State(ids.LABELS_UPLOAD, "filename"),
    State(ids.UPLOAD_PENDING, "data"),
    State(ids.MISSING, "value"),
    State(ids.ONE_HOT, "value"),
    State(ids.SCALING, "value"),
    State(ids.METHOD, "value"),
    State(ids.METRIC, "value"),
    prevent_initial_call=True,
)
def choose_dataset(
    contents: str | None, example: str | None, kind: str | None, similarity: str | None,
    labels_contents: str | None, filename: str | None, labels_name: str | None,
    pending: dict[str, Any] | None, missing: str | None = None, one_hot: Any = None,
    scaling: str | None = None, method: str | None = None, metric: str | None = None,
) -> tuple[Any, ...]:
    """An upload or an example becomes the dataset; a bad file leaves the current one in place.

    An upload is stored, its kind guessed (the choice is set to the guess, with the reason)
    and read as that kind; choosing another kind (or similarity conversion, or a labels file)
    reads the same stored bytes again. A good upload clears the example picker, so picking an
    example again is a change.

    A feature table is refused (the whole page stays on the previous dataset: preview, file
    name, picker, tree, scatter, link) when the tree the page would build next cannot be
    prepared from it (every numeric column, the current missing-value, one-hot and scaling
    choices), with prepare's own sentence.

    A feature table whose tree is a background job starts that job here
    (:func:`components.page.compute.upload_job`), instead of after the preview and compute
    answered (issue 14).
    """
    trigger = ctx.triggered_id
    if trigger == ids.EXAMPLE:
        return _example_chosen(example)
    try:
        if trigger == ids.UPLOAD:
            upload = _new_upload(contents, filename)
        else:
            labels = labels_contents if trigger == ids.LABELS_UPLOAD else None
            upload = _same_upload(pending, kind, labels, labels_name)
    except DataError as err:  # a file that cannot be used: everything stays, the error says why
        return (no_update, str(err), True) + (no_update,) * 12
    if upload is None:
        return NOTHING
    return _read_upload(upload, similarity, missing, one_hot, scaling, method, metric)


class _Upload(NamedTuple):
    """A stored upload to read, and what the kind choice shows for it."""

    pending: dict[str, Any]  # the upload-pending store: dataset_id, filename (and labels_id)
    name: str
    kind: str | None  # the kind to read it as
    labels_id: str | None  # a stored labels file (a linkage matrix's leaf names), or None
    new_kind: Any  # the kind choice's new value (a new upload's guess), else no_update
    reason: Any  # the guess's reason, else no_update
    table_read: TableRead | None  # a new upload as the guess read it (a table), else None


def _example_chosen(example: str | None) -> tuple[Any, ...]:
    """:func:`choose_dataset`'s outputs for an example: the dataset; the upload's error, name
    and pending store cleared; the kind box hidden; no job."""
    if not example:
        return NOTHING
    return ({"example": example}, None, False, "", no_update, no_update, no_update,
            None, *upload_kind.box_styles(None, False), *NO_JOB)


def _checked_bytes(contents: str) -> bytes:
    """An uploaded file's bytes; a :class:`DataError` with the limit's message past the size
    limit."""
    max_mb = get_settings().max_upload_mb
    if upload_size(contents) > max_mb * 1024 * 1024:
        raise DataError(upload_limit_message(max_mb))
    return upload_bytes(contents)


def _new_upload(contents: str | None, filename: str | None) -> _Upload | None:
    """A new upload, its kind guessed, then stored (None when there is nothing to read).

    Raises
    ------
    DataError
        ``"<file name>: <why>"`` for a file that cannot be used (it is not stored).
    """
    if not contents:
        return None
    name = filename or "upload"
    try:
        data = _checked_bytes(contents)
        guess, table_read = upload_kind.guess_and_read(data, name)
        dataset_id = get_store().put_dataset(data, name, client=current_client())
    except DataError as err:
        raise DataError(f"{name}: {err}") from err
    return _Upload({"dataset_id": dataset_id, "filename": name}, name, guess.kind, None,
                   guess.kind, upload_kind.guess_text(guess), table_read)


def _same_upload(pending: dict[str, Any] | None, kind: str | None,
                 labels_contents: str | None, labels_name: str | None) -> _Upload | None:
    """The stored upload again, as another kind (or similarity conversion), with a labels
    file when one was just uploaded (stored here); None before any upload.

    Raises
    ------
    DataError
        ``"<labels file name>: <why>"`` for a labels file that cannot be used.
    """
    if not pending:
        return None  # a kind chosen before any upload: nothing to read yet
    labels_id = pending.get("labels_id")
    if labels_contents:
        try:
            labels_id = get_store().put_dataset(_checked_bytes(labels_contents),
                                                labels_name or "labels",
                                                client=current_client())
        except DataError as err:
            raise DataError(f"{labels_name or 'labels'}: {err}") from err
    return _Upload({**pending, "labels_id": labels_id}, pending.get("filename") or "upload",
                   kind, labels_id, no_update, no_update, None)


def _read_upload(upload: _Upload, similarity: str | None, missing: str | None, one_hot: Any,
                 scaling: str | None, method: str | None, metric: str | None
                 ) -> tuple[Any, ...]:
    """:func:`choose_dataset`'s outputs for a stored upload read as its kind: the new dataset
    (and its tree's job, started when it is a background one), or why it cannot be used."""
    name = upload.name
    kind = upload.kind if upload.kind in INPUT_KINDS else "features"
    choice = (upload.new_kind, upload.reason, upload.pending,
              *upload_kind.box_styles(kind, True))
    options = _next_options(missing, one_hot, scaling)
    try:
        ref, notes, prepared = upload_kind.accept(
            upload.pending["dataset_id"], name, kind, similarity or "one_minus", upload.labels_id,
            options, upload.table_read if kind == "features" else None)
    except DataError as err:
        return (no_update, f"{name}: {err}", True, no_update, no_update, *choice, *NO_JOB)
    except Exception as exc:
        # Sizes and code locations only: an exception's text may quote the file's content.
        log.error("reading an upload as %s failed: %s", kind, _where(exc))
        return (no_update, GENERIC_ERROR.format(what=name), True, no_update, no_update,
                *choice, *NO_JOB)
    # The linkage starts before the prepared matrix is stored (~20 ms of pickling and writing
    # here): the head start gets it from this request, the tree job from the store later.
    job = upload_job(ref.to_json(), missing, one_hot, scaling, method, metric,
                     prepared=(options, prepared) if prepared is not None else None)
    if prepared is not None:
        remember_prepared(TreeSpec(ref, options), prepared)
        if job is not None:
            # The scatter's PCA, while the linkage has the other core: the first draw would
            # compute it after the linkage (~30 ms at 20,000 x 10, issue 14).
            load_pca(TreeSpec(ref, options), prepared)
    started = NO_JOB if job is None else (job, job, "", {"display": "none"})
    return (ref.to_json(), None, False, upload_kind.loaded_lines(name, ref, notes), None,
            *choice, *started)


def _next_options(missing: str | None, one_hot: Any, scaling: str | None) -> PrepareOptions:
    """The preparation the page applies to a new upload: every numeric column, the choices
    the controls hold now (defaults where they hold nothing valid).

    >>> _next_options("median", True, None)
    PrepareOptions(features=None, label_column=None, missing='median', one_hot=True, scaling='none')
    """
    default = PrepareOptions()
    return PrepareOptions(
        missing=missing if missing in MISSING else default.missing,
        one_hot=bool(one_hot),
        scaling=scaling if scaling in SCALINGS else default.scaling,
    )


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
