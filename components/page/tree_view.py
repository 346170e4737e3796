"""The tree and the scatter: the view card, the graphs, and the callbacks that draw them.

:func:`draw` is load -> build -> return: it reads the tree the compute step memoised
(``components.state.trees.load_tree``), builds the dendrogram, the scatter and the tree data the
browser recolours from (``components.page.drawing.build_view``, which calls
``components.figures``), and the link of the view. The cut then moves in the browser
(``components.page.cut``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from clustering.errors import DataError
from components import ids
from components.figures.common import empty_figure
from components.jobs.tree import GENERIC_ERROR
from components.page.cut import cut_slider
from components.page.drawing import build_view, tree_tie_note
from components.page.forms import card, field, number, select
from components.state.trees import cophenetic, cophenetic_caption, load_tree, try_load_tree
from components.view import TreeSpec, View

log = logging.getLogger(__name__)

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
    # The Export tab's default; the file's name is given at the click (assets/image_names.js).
    "toImageButtonOptions": {"format": "png"},
}


# ---------------------------------------------------------------- layout
def view_card() -> dbc.Card:
    """Truncation, contracted marks, annotation, orientation, scatter axes."""
    return card("View", [
        select("Truncate", ids.TRUNCATE_MODE,
               [{"label": k, "value": k, "title": v} for k, v in TRUNCATE_HELP.items()], "none"),
        number("p", ids.TRUNCATE_P, "lastp: leaves shown; level: levels below the root.",
               min=1, step=1, value=30),
        dbc.Checkbox(id=ids.SHOW_CONTRACTED, label="mark contracted merges", value=True,
                     className="mb-2 small"),
        number("Annotate merges above height", ids.ANNOTATE_ABOVE, min=0, step="any",
               placeholder="off"),
        select("Orientation", ids.ORIENTATION,
               [{"label": v, "value": k} for k, v in ORIENTATION_LABELS.items()], "top"),
        # Options and values come with the dataset (components.page.preview.describe_dataset).
        field("Scatter x", dcc.Dropdown(id=ids.SCATTER_X, clearable=False)),
        field("Scatter y", dcc.Dropdown(id=ids.SCATTER_Y, clearable=False)),
    ])


def status_line() -> html.Div:
    # A live region: what was computed (and how long it took) is read out when it changes.
    return html.Div(
        [html.Span(id=ids.STATUS_MAIN), html.Span(id=ids.COPHENETIC),
         html.Span(id=ids.STATUS_TIME)],
        id=ids.STATUS,
        className="status small mb-2",
        role="status",
        **{"aria-live": "polite"},
    )


def graphs() -> list[Any]:
    """The approximate-mode note, then the dendrogram and the scatter side by side: with the
    cut bar above them, the whole loop (drag the line, watch the scatter) fits one screen
    from 1280 x 720 up (tests/browser/test_colours.py)."""
    return [
        dbc.Alert(id=ids.APPROX_NOTE, color="info", is_open=False,
                  className="small py-2 mb-2", dismissable=False),
        cut_slider(),
        dbc.Row(
            [
                dbc.Col(
                    [
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
                        # Colour bars of known columns under the leaves
                        # (components/analysis/agreement.py).
                        html.Div(id=ids.KNOWN_BARS_NOTE, className="form-text"),
                        dcc.Graph(id=ids.KNOWN_BARS, figure=empty_figure(""),
                                  config={"displaylogo": False}, style={"display": "none"},
                                  className="graph-known-bars"),
                    ],
                    lg=7,
                ),
                dbc.Col(dcc.Graph(id=ids.SCATTER, figure=empty_figure(""), config=GRAPH_CONFIG,
                                  className="graph-scatter"), lg=5),
            ],
            className="g-2 loop-row",
        ),
    ]


def data_summary() -> dbc.Row:
    """The data preview and the preprocessing steps, below the tree and the scatter."""
    return dbc.Row(
        [
            dbc.Col([html.H2("Data", className="h6 mt-2"),
                     html.Div(id=ids.PREVIEW, className="preview small")], lg=7),
            dbc.Col([html.H2("Preprocessing", className="h6 mt-2"),
                     html.Ul(id=ids.PREPARE_STEPS, className="small")], lg=5),
        ]
    )


# ---------------------------------------------------------------- callbacks
def kept_view(message: str) -> tuple[Any, ...]:
    """:func:`draw`'s outputs when the tree asked for cannot be drawn: everything on screen
    stays (no_update) and the error area says why.

    >>> out = kept_view("no numeric columns")
    >>> out[-2:], all(o is no_update for o in out[:-2])
    (('no numeric columns', True), True)
    """
    return (no_update,) * 6 + (message, True)


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
    *[Input(cid, "value") for cid in ids.DRAW_CONTROLS],
    State(ids.CUT_HEIGHT, "value"),
    State(ids.TREE_REF, "data"),
    State(ids.REQUEST, "data"),
    Input(ids.SUPPORT_SHOW, "data"),  # support on merges, once computed (Evidence tab)
)
def draw(result: dict[str, Any] | None, *args: Any) -> tuple[Any, ...]:
    """Draw the computed tree (memoised in the store): the tree, the scatter, the tree data."""
    *controls, cut_value, previous, request, support = args
    if not result:
        return (no_update,) * 8
    if request and result.get("request") != request.get("id") and not result.get("job_failed"):
        return (no_update,) * 8  # a job that finished after the analyst asked for something else
    if result.get("error"):
        # The tree, the scatter and the tree data on screen stay as they were (they still
        # match each other and the link); the message says what to change.
        return kept_view(result["error"])
    t0 = time.perf_counter()
    try:
        spec = TreeSpec.from_json(result["params"])
        # A new tree opens at its own cut; the same tree keeps the cut on screen.
        same = previous is not None and previous.get("tree_key") == spec.key
        view = View.from_controls(spec, *controls, cut=cut_value if same else None)
        drawn = build_view(load_tree(spec, compute=False), view, support)
    except DataError as err:
        return kept_view(str(err))
    except Exception:
        log.exception("draw failed")
        return kept_view(GENERIC_ERROR.format(what="the dendrogram"))
    log.info("draw %s in %.3f s", drawn.status, time.perf_counter() - t0)
    return (drawn.dendrogram, drawn.scatter, drawn.tree_data, drawn.status, drawn.seconds,
            drawn.steps, None, False)


def render(dataset: dict[str, Any] | None, *args: Any) -> tuple[Any, ...]:
    """Compute and draw in one go (the page does it in two steps: ``page.compute`` and
    :func:`draw`); for tests and scripts. ``args``: the tree controls
    (``ids.TREE_CONTROLS`` order), then :func:`draw`'s arguments after ``result``
    (``ids.DRAW_CONTROLS``, the cut, the previous tree data). Returns :func:`draw`'s outputs."""
    from components.jobs.tree import run_tree

    n = len(ids.TREE_CONTROLS)
    spec = TreeSpec.from_controls(dataset, *args[:n])
    if spec is None:
        return (no_update,) * 8
    return draw(run_tree("inline", spec), *args[n:], None, None)


@callback(
    Output(ids.COPHENETIC, "children"),
    Output(ids.APPROX_NOTE, "children", allow_duplicate=True),
    Output(ids.APPROX_NOTE, "is_open", allow_duplicate=True),
    Input(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # nothing drawn yet: nothing to measure
)
def after_first_view(tree_data: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """What is computed once the tree is drawn, one after the other in one request (so the
    browser paints on the other core): the cophenetic correlation, then the Ward tie check
    a big tree was drawn without (issue 14), whose note then replaces a limit note."""
    caption = fill_cophenetic(tree_data)
    data = tree_data or {}
    if not data.get("tie_check") or data.get("approx_note"):
        return caption, no_update, no_update
    tree = try_load_tree(data.get("params"))
    note = tree_tie_note(tree) if tree is not None else None
    return (caption, note, True) if note else (caption, no_update, no_update)


def fill_cophenetic(tree_data: dict[str, Any] | None) -> str:
    """The cophenetic correlation, after the first view (it costs O(n²) time at 20k rows)."""
    if not tree_data or "params" not in tree_data or tree_data.get("approx_note"):
        # An approximate tree's cophenetic correlation would need exact distances of n rows.
        return ""
    try:
        value = cophenetic(TreeSpec.from_json(tree_data["params"]))
    except Exception:
        log.exception("cophenetic correlation failed")
        return ""
    # Five decimals, as SciPy's tutorial prints it; past 20k rows, on a stated sample (14b).
    return cophenetic_caption(value, int(tree_data.get("n") or 0))


def show_approx_note(tree_data: dict[str, Any] | None) -> tuple[str, bool]:
    """Show the approximate-mode note (or the tied-distances note) the draw step put in
    ``tree-data``: the Python twin of the clientside callback below (in the browser, no
    request: issue 14)."""
    data = tree_data or {}
    # A tie note still to be computed comes later (after_first_view).
    note = data.get("approx_note") or data.get("tie_note") or data.get("limit_note")
    return (note, True) if note else ("", False)


clientside_callback(
    """function (td) {
        var d = td || {};
        var note = d.approx_note || d.tie_note || d.limit_note;
        return note ? [note, true] : ["", false];
    }""",
    Output(ids.APPROX_NOTE, "children"),
    Output(ids.APPROX_NOTE, "is_open"),
    Input(ids.TREE_DATA, "data"),
    prevent_initial_call=True,
)
