"""Describing the chosen dataset: the preview of what was read and the pickers it sets.

:func:`describe_dataset` answers every new ``dataset`` store (an upload or an example, chosen
in ``components.page.data``): the preview (first rows, column kinds, or what a matrix or a
tree was read as), the column pickers and the scatter's axes, the default truncation; an
example also sets its own preparation, method and metric.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html, no_update

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from components import ids
from components.jobs.tree import GENERIC_ERROR
from components.state.inputs import describe_kind, input_notes
from components.state.tables import PCA_1, PCA_2, PCA_LABELS, table_summary
from components.view import PRECOMPUTED, DatasetRef

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
    State(ids.METRIC, "value"),
    # The store starts empty (nothing to describe): no request at page load (issue 14).
    prevent_initial_call=True,
)
def describe_dataset(dataset: dict[str, Any] | None, metric: str | None = None
                     ) -> tuple[Any, ...]:
    """Preview and column pickers for a new dataset; an example also sets its own choices.
    A matrix or a tree has no columns to pick: its preview says what it was read as, and the
    scatter's axes are its classical MDS map."""
    nothing = (no_update,) * 16
    if not dataset:
        return nothing
    try:
        ref = DatasetRef.from_json(dataset)
        head, columns, n_rows = table_summary(ref)
        if not ref.has_rows:
            return _describe_input(ref, n_rows)
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
        # After a matrix or a tree the metric reads "precomputed": back to the default.
        presets = (no_update,) * 4 + ("euclidean" if metric == PRECOMPUTED else no_update,)
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


def _describe_input(ref: DatasetRef, n_rows: int) -> tuple[Any, ...]:
    """:func:`describe_dataset`'s outputs for a matrix or a tree."""
    preview = [html.Div(describe_kind(ref), className="fw-semibold"),
               html.Ul([html.Li(s) for s in input_notes(ref)], className="small mb-0")]
    mode, p = default_truncation(n_rows)
    axes = [{"label": "MDS axis 1", "value": PCA_1}, {"label": "MDS axis 2", "value": PCA_2}]
    return (preview, [], [], [], None, no_update, no_update, no_update, no_update,
            PRECOMPUTED, mode, p, axes, PCA_1, axes, PCA_2)


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
