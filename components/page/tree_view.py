"""The tree and the scatter: drawing the computed tree for the view the pickers show.

:func:`draw` is load -> build -> return: it reads the tree the compute step memoised
(``components.state.trees.load_tree``), builds the dendrogram, the scatter and the tree data the
browser recolours from (``components.figures``), and the link of the view. The cut then moves
in the browser (``components.page.cut``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, NamedTuple

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.suggest import default_cut, tidy_height
from clustering.ties import tie_note
from components import ids
from components.figures.common import empty_figure
from components.figures.dendrogram import make_dendrogram_figure
from components.figures.scatter import make_scatter_figure
from components.figures.tree_data import make_tree_data
from components.jobs.replicates import add_support
from components.jobs.tree import GENERIC_ERROR
from components.page.cut import cut_slider
from components.page.forms import card, field, number, select
from components.state import approximate as approx_mode
from components.state.inputs import gower_steps, mds_caption
from components.state.store import get_settings
from components.state.tables import PCA_1, PCA_2, load_pca, load_table, scatter_axis
from components.state.trees import (
    Tree,
    cophenetic,
    cophenetic_caption,
    load_tree,
    ties_checked,
    tree_ties,
    try_load_tree,
)
from components.state.views import shorten_query
from components.view import GOWER, TreeSpec, View

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
    "toImageButtonOptions": {"format": "svg"},
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


# ---------------------------------------------------------------- building the view
class Drawn(NamedTuple):
    """What :func:`build_view` makes: both figures, the tree data, the status and steps."""

    dendrogram: Any
    scatter: Any
    tree_data: dict[str, Any]
    status: str
    seconds: str
    steps: list[Any]


def opening_cut(tree: Tree) -> float:
    """Where the line starts on a new tree: an example's own cut (with its own choices),
    else :func:`clustering.suggest.default_cut`."""
    spec = tree.spec
    example = EXAMPLES.get(spec.dataset.example or "")
    if (example is not None and example.cut is not None
            and _same_options(example.options, spec.options, tree.prepared.feature_names)
            and (example.method, example.metric) == (spec.method, spec.metric)):
        return float(example.cut)
    return tidy_cut(tree.Z, default_cut(tree.Z))


def tidy_cut(Z: Any, t: float) -> float:
    """The shortest decimal giving the same clusters as ``t`` (what a person would type), so
    the max_d field and the link never show 900.4119350860653 for 900.

    >>> import numpy as np
    >>> tidy_cut(np.array([[0, 1, 23.12198935528676, 2], [2, 3, 180.27043021047615, 3]]),
    ...          101.69620978288146)
    100.0
    """
    h = np.sort(np.asarray(Z, dtype=float)[:, 2])
    below, above = h[h <= t], h[h > t]
    lo = float(below[-1]) if below.size else 0.0
    hi = float(above[0]) if above.size else float("inf")
    if not lo < hi or (lo == 0.0 and t == 0.0):
        return float(t)
    tidy = tidy_height(lo, hi)
    return tidy if lo <= tidy < hi else float(t)


def _same_options(a: Any, b: Any, used: Any) -> bool:
    """Equal preparation choices, ``features=None`` counted as the columns it chose (``used``):
    a link without ``col`` (every numeric column) is the example's preset when those are
    the preset's columns (``?dataset=tutorial-five`` opens at its cut, 175)."""
    used = tuple(used)
    fa = used if a.features is None else tuple(a.features)
    fb = used if b.features is None else tuple(b.features)
    return fa == fb and replace(a, features=None) == replace(b, features=None)


def leaf_axis_title(tree: Tree, mode: str | None) -> str:
    """What the leaves are labelled by (issue 12: the leaf axis's title on exported images)."""
    if tree.approximate is not None:
        what = "leaves: micro-clusters of rows (approximate tree)"
    elif not tree.spec.dataset.has_rows:
        what = "leaves: the items' labels in the file"
    elif tree.spec.options.label_column:
        what = f"leaves: {tree.spec.options.label_column}"
    else:
        what = "leaves: row number (0-based, as SciPy's ivl)"
    return what + (" · (n): n leaves contracted" if mode else "")


def build_view(tree: Tree, view: View, support: dict[str, Any] | None = None) -> Drawn:
    """The dendrogram, the scatter and the tree data of ``tree`` as ``view`` asks (its cut
    must be set); with ``support`` (the Evidence tab's ``support-show``), its badges and
    outlines on the tree."""
    cut = float(view.cut if view.cut is not None else opening_cut(tree))
    key = tree.spec.key
    # The scatter's rows (a sample past 50k rows), drawn once: the tree data maps them too.
    sample = approx_mode.scatter_rows(tree, cut)
    mode = view.truncate_mode if view.truncate_mode in ("lastp", "level") else None
    # Approximate trees (big tables): leaves are micro-clusters, labelled and sized in rows.
    geometry = approx_mode.relabel_geometry(dendrogram_geometry(
        tree.Z, truncate_mode=mode, p=view.truncate_p, show_contracted=view.show_contracted,
        labels=approx_mode.leaf_labels(tree), index=tree.index,
    ), tree)
    figure = make_dendrogram_figure(
        geometry, cut, Z=tree.Z, k=int(tree.index.k_at(cut)), orientation=view.orientation,
        annotate_above=view.annotate_above, show_contracted=view.show_contracted,
        uirevision=f"{key}|{mode}|{view.truncate_p}|{view.orientation}",
        sizes=approx_mode.merge_sizes(tree),
        title=f"{tree.spec.dataset.display_name} · {tree.spec.method} · {tree.spec.metric}",
        leaf_title=leaf_axis_title(tree, mode),
    )
    add_support(figure, support, tree, geometry, view.orientation)
    tree_data = make_tree_data(
        geometry, tree.index, tree.Z, orientation=view.orientation,
        annotate_above=view.annotate_above,
        row_positions=approx_mode.row_leaf_positions(tree, sample[0]),
    )
    scatter = _scatter(tree, cut, view, sample)
    tree_data.update(
        approx_note=approx_mode.page_note(tree, get_settings()), cut=cut, tree_key=key,
        limit_note=approx_mode.limit_note(tree, get_settings()),  # which exact limit (14b)
        tie_note=_tie_note(tree) if ties_checked(tree) else None,
        # The Ward tie check left for after the first view: after_first_view runs it.
        tie_check=not ties_checked(tree),
        params=tree.spec.to_json(),
        # The link to this view, less the cut (the browser adds the cut as it moves).
        # (kept on the server as a short ``v=<id>`` link when too long for a URL)
        query=shorten_query(view.to_query(cut=False)),
    )
    h = tree.hierarchy
    steps = list(tree.prepared.steps)
    if tree.spec.metric == GOWER:
        steps.append(gower_steps(tree.prepared, load_table(tree.spec.dataset)))
    return Drawn(figure, scatter, tree_data, f"n = {h.n:,} · {h.method} · {h.metric}",
                 f" · linkage computed in {h.seconds:.2f} s",
                 [html.Li(s) for s in steps])


def _tie_note(tree: Tree) -> str | None:
    """Why the tree is one of several equally valid ones (tied distances, fast path), or None."""
    h = tree.hierarchy
    return tie_note(tree_ties(tree), str(getattr(h, "backend", "")),
                    str(getattr(h, "method", "")))


def _scatter(tree: Tree, cut: float, view: View, sample: Any) -> Any:
    prepared = tree.prepared
    sx, sy = view.scatter_x, view.scatter_y
    if not tree.spec.dataset.has_rows:
        # A matrix or a tree has no coordinates: its map is classical MDS (the steps say so).
        pts = approx_mode.scatter_inputs(tree, cut, prepared.matrix[:, 0],
                                         prepared.matrix[:, 1], sample=sample)
        return make_scatter_figure(pts.x, pts.y, pts.clusters, labels=pts.labels,
                                   x_title="MDS axis 1", y_title="MDS axis 2",
                                   uirevision=f"{tree.spec.key}|mds",
                                   note=mds_caption(tree.spec.dataset))
    table = load_table(tree.spec.dataset)
    need_pca = sx in (PCA_1, PCA_2, None) or sy in (PCA_1, PCA_2, None)
    pca = load_pca(tree.spec, prepared) if need_pca else None
    x, x_title = scatter_axis(sx or PCA_1, prepared, table, pca)
    y, y_title = scatter_axis(sy or PCA_2, prepared, table, pca)
    # One cluster per row (a micro-cluster's in approximate mode); a sample past 50k rows.
    pts = approx_mode.scatter_inputs(tree, cut, x, y, sample=sample)
    return make_scatter_figure(pts.x, pts.y, pts.clusters, labels=pts.labels, x_title=x_title,
                               y_title=y_title, uirevision=f"{tree.spec.key}|{sx}|{sy}",
                               note=pts.note)


def kept_view(message: str) -> tuple[Any, ...]:
    """:func:`draw`'s outputs when the tree asked for cannot be drawn: everything on screen
    stays (no_update) and the error area says why.

    >>> out = kept_view("no numeric columns")
    >>> out[-2:], all(o is no_update for o in out[:-2])
    (('no numeric columns', True), True)
    """
    return (no_update,) * 6 + (message, True)


# ---------------------------------------------------------------- callbacks
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
    State(ids.TREE_DATA, "data"),
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
    Input(ids.TREE_DATA, "data"),
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
    note = _tie_note(tree) if tree is not None else None
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
