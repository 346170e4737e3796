"""What an upload is: the choice under the upload (the app's guess preselected, with its reason),
the similarity conversion, the labels file of a linkage matrix, and reading an upload as the
chosen kind (``components.page.data.choose_dataset`` calls :func:`accept`).

A one-column file is never silently a condensed distance vector: the guess says features unless
the header names distances, and says what else it could be; the user decides.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
from dash import dcc, html

from clustering.distances import Guess
from clustering.errors import DataError
from clustering.guess import guess_file
from clustering.prepare import Prepared, PrepareOptions, prepare
from clustering.tables import TableRead
from components import ids
from components.state.inputs import (
    KIND_LABELS,
    SIMILARITY_LABELS,
    read_input,
    remember_input,
)
from components.state.store import get_store
from components.state.tables import (
    gone_message,
    prepare_limits,
    read_limits,
    read_new_upload,
    remember_table,
)
from components.view import INPUT_KINDS, DatasetRef

SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}


def kind_box() -> html.Div:
    """The "what is this file?" choice, hidden until a file is uploaded."""
    return html.Div(
        [
            html.Div("What is this file?", className="form-label small fw-semibold mb-0"),
            dbc.RadioItems(
                id=ids.UPLOAD_KIND,
                options=[{"label": KIND_LABELS[k], "value": k} for k in INPUT_KINDS],
                value="features", className="small",
            ),
            html.Div(id=ids.UPLOAD_KIND_REASON, className="form-text mb-1"),
            html.Div(
                [
                    html.Div("Similarities become distances as", className="small"),
                    dbc.RadioItems(
                        id=ids.SIMILARITY,
                        options=[{"label": f"{v}", "value": k}
                                 for k, v in SIMILARITY_LABELS.items()],
                        value="one_minus", inline=True, className="small",
                    ),
                ],
                id=ids.SIMILARITY_BOX, style=HIDDEN,
            ),
            html.Div(
                dcc.Upload(
                    id=ids.LABELS_UPLOAD,
                    children=html.Div(["Leaf labels (optional): drop a file or ",
                                       html.A("choose one", href="#")], className="small"),
                    className="upload-box", multiple=False,
                ),
                id=ids.LABELS_BOX, style=HIDDEN,
            ),
        ],
        id=ids.UPLOAD_KIND_BOX, className="mb-2", style=HIDDEN,
    )


def guess_text(guess: Guess) -> str:
    """The sentence under the choice.

    >>> guess_text(Guess("distances", "square: looks like a distance matrix."))[:37]
    'Guessed: a distance matrix (square, l'
    """
    return (f"Guessed: {KIND_LABELS[guess.kind]}, because {guess.reason} "
            "Choose another if that is wrong.")


def guess_and_read(data: bytes, filename: str) -> tuple[Guess, TableRead | None]:
    """The guess of what an upload is, and the upload read as a feature table when the guess
    needed that table (else None): a big CSV is parsed once, not once for the guess and again
    for the page (issue 14: ~1 s each at 20,000 × 10 here).

    >>> g, got = guess_and_read(b"a,b\\n1,2\\n3,4\\n5,6\\n", "t.csv")
    >>> g.kind, got.shape
    ('features', (3, 2))
    """
    kept: list[TableRead] = []

    def read() -> Any:
        kept.append(read_new_upload(data, filename))
        return kept[0].table

    guess = guess_file(data, filename, **read_limits(), read=read)
    return guess, kept[0] if kept else None


class Accepted(NamedTuple):
    """An upload read as its kind (:func:`accept`)."""

    ref: DatasetRef
    notes: list[str]
    #: A feature table prepared under the options given, not stored yet: the caller hands it
    #: to the upload's head start first (``components.jobs.head_start``), then stores it
    #: (``components.state.tables.remember_prepared``). None for other kinds, or over a limit.
    prepared: Prepared | None = None


def accept(dataset_id: str, filename: str, kind: str, similarity: str | None,
           labels_id: str | None = None, options: PrepareOptions | None = None,
           table_read: TableRead | None = None) -> Accepted:
    """Read the stored upload as ``kind``; the dataset reference and notes for the page.

    ``table_read`` is the same upload already read as a table (:func:`guess_and_read`): a
    feature table is then not parsed again.

    A feature table must also prepare under ``options`` (the page's current choices), so a
    file the next tree cannot be built from is refused before it replaces the current one;
    that prepared matrix comes back in :attr:`Accepted.prepared`.

    Raises
    ------
    DataError
        Every problem named (cells, rows, leaves), so the page keeps the previous view.
    """
    got = get_store().get_dataset(dataset_id)
    if got is None:
        raise DataError(gone_message(dataset_id))
    data, name = got
    name = filename or name
    if kind == "features":
        ref = DatasetRef(dataset_id=dataset_id, filename=name)
        table = table_read if table_read is not None else read_new_upload(data, name)
        options = options or PrepareOptions()
        # When the page's next step would fail, refuse it now with prepare's own sentence.
        try:
            # Under the tree job's limits, so the job can take this matrix as it is.
            prepared = prepare(table.table, options, columns=table.columns,
                               **prepare_limits())
        except DataError:
            # Over a limit: the tree step says so; only what prepare itself refuses is
            # refused here (as before).
            prepare(table.table, options, columns=table.columns)
            prepared = None
        remember_table(ref, table)  # the page's next steps describe and size it from here
        return Accepted(ref, list(table.notes), prepared)
    ref = DatasetRef(dataset_id=dataset_id, filename=name, kind=kind,
                     similarity=similarity if kind == "similarities" else None,
                     labels_id=labels_id if kind == "linkage" else None)
    labels = None
    if ref.labels_id:
        labels = get_store().get_dataset(ref.labels_id)
        if labels is None:
            raise DataError("the labels file is no longer stored; upload it again")
    value = read_input(data, name, ref, labels)
    remember_input(ref, value)
    steps = value.steps if hasattr(value, "steps") else value.notes
    return Accepted(ref, list(steps))


def box_styles(kind: str | None, shown: bool) -> tuple[dict[str, str], dict[str, str],
                                                       dict[str, str]]:
    """Styles of the kind box, the similarity choice and the labels upload."""
    return (SHOWN if shown else HIDDEN,
            SHOWN if kind == "similarities" else HIDDEN,
            SHOWN if kind == "linkage" else HIDDEN)


def loaded_lines(name: str, ref: DatasetRef, notes: list[str]) -> list[Any]:
    """What the upload line says: the file, what it was read as, what reading it did."""
    what = "" if ref.has_rows else f" as {KIND_LABELS[ref.kind]}"
    out: list[Any] = [html.Div(f"Loaded {name}{what}")]
    return out + [html.Div(note, className="upload-note") for note in notes]
