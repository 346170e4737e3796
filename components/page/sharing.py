"""Sharing: the view is the link, and a link (or a view file) rebuilds the view.

    /?dataset=tutorial-blobs&method=ward&metric=euclidean&cut=50

Two directions, kept apart so they never loop:

* view -> URL, in the browser (``assets/url_state.js``): each time a tree is drawn or the cut
  moves, the query string is rewritten from what is on screen (``tree-data["query"]``, made by
  ``components.view.View.to_query``, plus the cut). A change the analyst made is a new history
  entry; what happens while a link or a back/forward step is being restored replaces it.
* URL -> view, on the server, in this module only: on page load and on back/forward the query
  is read (:func:`apply_url`, ``View.from_query``), the dataset chosen, and the rest finished in
  two steps once the page has caught up (``pending-view``): the pickers once the dataset's
  columns are known (:func:`apply_view_controls`), the cut once its tree is drawn
  (:func:`apply_view_cut`). Within the same dataset the pickers are set at once. A view file
  (Export tab, "load a view") is read into its link and opened the same way (:func:`load_view`).

The dataset is an example id or the SHA-256 of an upload; a link to an upload this server no
longer holds says so plainly. Nothing but ids and parameters is in a link.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
    no_update,
)

from clustering.errors import DataError
from components import ids
from components.state.store import get_store
from components.state.tables import gone_message, upload_bytes
from components.state.views import expand_query
from components.view import DEFAULT_EXAMPLE, DatasetRef, TreeSpec, View
from components.view_file import query_from_view_file

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- layout
def share_bar() -> html.Div:
    """The URL reader, the link field with its copy button, and the link's error message."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.URL_REQUEST),
            dcc.Store(id=ids.VIEW_OPENED),
            dcc.Store(id=ids.PENDING_VIEW),
            dcc.Store(id=ids.VIEW_TREE),
            dbc.InputGroup(
                [
                    # A <label> styled as the group's text: the field is named by it.
                    dbc.Label("Link to this view", html_for=ids.SHARE_LINK,
                              className="input-group-text small mb-0"),
                    dbc.Input(id=ids.SHARE_LINK, readonly=True, size="sm", value="",
                              className="share-link"),
                    dbc.InputGroupText(
                        dcc.Clipboard(id=ids.SHARE_COPY, target_id=ids.SHARE_LINK,
                                      title="copy link", className="share-copy"),
                    ),
                ],
                size="sm",
                className="mb-2",
            ),
            dbc.Alert(id=ids.LINK_ERROR, color="warning", is_open=False,
                      className="mb-2 small", dismissable=True),
        ]
    )


# ---------------------------------------------------------------- view -> URL (browser)
# Only reads URL changes the page did not make itself (page load, back/forward). A page opened
# without a link is the layout's view: it says so (view-opened), and its tree is computed.
clientside_callback(
    ClientsideFunction(namespace="dendroUrl", function_name="readUrl"),
    Output(ids.URL_REQUEST, "data"),
    Output(ids.VIEW_OPENED, "data"),
    Input(ids.URL, "search"),
    State(ids.DATASET, "data"),  # a page opened without a query is the layout's view already
)

clientside_callback(
    ClientsideFunction(namespace="dendroUrl", function_name="writeUrl"),
    Output(ids.SHARE_LINK, "value"),
    Input(ids.TREE_DATA, "data"),
    Input(ids.CUT_HEIGHT, "value"),
    Input(ids.PARTITION_DATA, "data"),  # a partition that is not a height (page/partition.py)
    Input(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.DIAG_DEPTH, "value"),
)


@callback(
    Output(ids.ANALYSIS_TABS, "active_tab", allow_duplicate=True),
    Output(ids.DIAG_DEPTH, "value", allow_duplicate=True),
    Input(ids.URL_REQUEST, "data"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    State(ids.DIAG_DEPTH, "value"),
    prevent_initial_call=True,
)
def apply_url_page_state(request: dict[str, Any] | None, tab: str | None,
                         depth: Any) -> tuple[Any, Any]:
    """The open tab and the inconsistency depth a link carries (older links carry neither:
    the page keeps its own)."""
    want_tab, want_depth = page_state_of((request or {}).get("search"))
    return (want_tab if want_tab not in (None, tab) else no_update,
            want_depth if want_depth not in (None, depth) else no_update)


def page_state_of(search: str | None) -> tuple[str | None, int | None]:
    """``tab`` and ``depth`` of a query string, each None when absent or not acceptable.

    >>> page_state_of("?dataset=mpg&diagdepth=3&tab=tab-evidence")
    ('tab-evidence', 3)
    >>> page_state_of("?dataset=mpg&diagdepth=-1&tab=nonsense")
    (None, None)
    """
    q = parse_qs((search or "").lstrip("?"))
    tab = (q.get("tab") or [None])[-1]
    tab = tab if tab in ids.TABS else None
    try:
        depth: int | None = int((q.get("diagdepth") or [""])[-1])
    except ValueError:
        depth = None
    if depth is not None and not 1 <= depth <= DEPTH_MAX:
        depth = None
    return tab, depth


#: The inconsistency depth field's own bounds (components/analysis/diagnostics.py).
DEPTH_MAX = 20


# ---------------------------------------------------------------- URL -> view
def _pending(view: View, stage: str) -> dict[str, Any]:
    """The ``pending-view`` store: the view's link (its JSON form) and the step it waits for."""
    return {"query": view.to_query(), "dataset": view.tree.dataset.to_json(), "stage": stage}


def readable_view(query: str | None) -> View | None:
    """The view a (full) query names, or None when it names none or cannot be read (the
    page said why when the link was opened: ``apply_url``).

    >>> readable_view("?dataset=tutorial-blobs&cut=2").cut, readable_view("?method=ward")
    (2.0, None)
    >>> readable_view("?dataset=tutorial-blobs&cut=-1") is None
    True
    """
    try:
        return View.from_query(query)
    except DataError:
        return None


def _view_of(pending: dict[str, Any]) -> View | None:
    view = readable_view(pending.get("query"))
    if view is not None and pending.get("dataset"):
        # The link has no file name; the pending view kept the one the store knows.
        view = View(TreeSpec(DatasetRef.from_json(pending["dataset"]), view.tree.options,
                             view.tree.method, view.tree.metric),
                    **{f: getattr(view, f) for f in _DRAW_FIELDS})
    return view


_DRAW_FIELDS = ("truncate_mode", "truncate_p", "annotate_above", "orientation",
                "show_contracted", "scatter_x", "scatter_y", "cut")


@callback(
    Output(ids.DATASET, "data", allow_duplicate=True),
    Output(ids.EXAMPLE, "value", allow_duplicate=True),
    Output(ids.PENDING_VIEW, "data", allow_duplicate=True),
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Output(ids.LINK_ERROR, "children"),
    Output(ids.LINK_ERROR, "is_open"),
    *[Output(cid, "value", allow_duplicate=True) for cid in ids.VIEW_CONTROLS],
    Output(ids.VIEW_OPENED, "data", allow_duplicate=True),
    Input(ids.URL_REQUEST, "data"),
    State(ids.DATASET, "data"),
    State(ids.TREE_REF, "data"),
    *[State(cid, "value") for cid in ids.VIEW_CONTROLS],
    prevent_initial_call=True,
)
def apply_url(request: dict[str, Any] | None, dataset: dict[str, Any] | None,
              tree_data: dict[str, Any] | None, *current: Any) -> tuple[Any, ...]:
    """Rebuild the view a link (or a back/forward step) asks for.

    A link that leaves the dataset as it is (the same dataset, or none that can be read) says
    the page's view is known (``view-opened``): nothing else would ask for its tree, and a
    page opened on a link computes none before this. A link to another dataset leaves that to
    the dataset's own change, which asks once its choices are in.
    """
    out = _apply_url(request, dataset, tree_data, *current)
    same = out[0] is no_update and out[1] is no_update
    return (*out, uuid.uuid4().hex if same else no_update)


def _apply_url(request: dict[str, Any] | None, dataset: dict[str, Any] | None,
               tree_data: dict[str, Any] | None, *current: Any) -> tuple[Any, ...]:
    keep = (no_update,) * len(ids.VIEW_CONTROLS)
    if request is None or request.get("search") is None:
        return (no_update,) * 6 + keep
    try:
        view = View.from_query(expand_query(request["search"]))  # a short link: kept query
    except DataError as err:
        view, problem = None, f"This link could not be read: {err}. Showing an example instead."
    else:
        problem = None
    if view is None:
        if dataset:  # a link without a dataset while one is open: nothing to restore
            return (no_update,) * 4 + (problem, bool(problem)) + keep
        # The example picker makes it the dataset (choose_dataset), as a person's pick does.
        return (no_update, DEFAULT_EXAMPLE, None, no_update, problem, bool(problem)) + keep
    ds = view.tree.dataset
    if ds.dataset_id:
        got = get_store().get_dataset(ds.dataset_id)
        if got is None:
            # Say so, and keep the link's own choices (set once the preview says it is gone):
            # nothing memoised for the id is drawn, so the URL stays as it was opened.
            pending = dict(_pending(view, "dataset"), dataset=ds.to_json())
            return (ds.to_json(), None, pending, no_update, gone_message(ds.dataset_id),
                    True) + keep
        ds = replace(ds, filename=got[1])  # what the file is (kind) stays as the link says
    if dataset and DatasetRef.from_json(dataset) == ds:
        # Same dataset (back/forward): its pickers are there, set them now.
        values = view.control_values()
        changed = [v if v != c else no_update for v, c in zip(values, current, strict=True)]
        shown = TreeSpec.from_json((tree_data or {})["params"]) \
            if (tree_data or {}).get("params") else None
        if view.same_tree(shown):
            pending, cut = None, view.cut if view.cut is not None else no_update
        else:
            pending, cut = _pending(view, "controls"), no_update
        if pending is not None:
            pending["dataset"] = ds.to_json()
        return (no_update, no_update, pending, cut, None, False, *changed)
    pending = _pending(view, "dataset")
    pending["dataset"] = ds.to_json()
    if ds.example:
        # The example picker makes it the dataset (choose_dataset), as a person's pick does.
        return (no_update, ds.example, pending, no_update, None, False) + keep
    return (ds.to_json(), None, pending, no_update, None, False) + keep


@callback(
    *[Output(cid, "value", allow_duplicate=True) for cid in ids.VIEW_CONTROLS],
    Output(ids.PENDING_VIEW, "data", allow_duplicate=True),
    Input(ids.PREVIEW, "children"),
    State(ids.PENDING_VIEW, "data"),
    prevent_initial_call=True,
)
def apply_view_controls(_preview: Any, pending: dict[str, Any] | None) -> tuple[Any, ...]:
    """The view's dataset has its pickers filled (its preview is written): set them."""
    n_out = len(ids.VIEW_CONTROLS) + 1
    if not pending or pending.get("stage") != "dataset":
        return (no_update,) * n_out
    view = _view_of(pending)
    if view is None:
        return (no_update,) * (n_out - 1) + (None,)
    values = view.control_values()
    # Drawing choices the link leaves out (scatter axes) keep the dataset's own; an empty
    # label or annotation is a choice and is set.
    values = [no_update if v is None and cid in ids.DRAW_CONTROLS and cid != ids.ANNOTATE_ABOVE
              else v for v, cid in zip(values, ids.VIEW_CONTROLS, strict=True)]
    return (*values, dict(pending, stage="controls"))


def view_tree(tree_data: dict[str, Any] | None, pending: dict[str, Any] | None) -> Any:
    """Python twin of the clientside callback below: the drawn tree's ``params`` and
    ``tree_key`` while a view waits for its tree (``pending-view`` at stage "controls"), else
    None (no update): a tree drawn with no view pending sends the server nothing.

    >>> view_tree({"params": {"m": 1}, "tree_key": "k", "x": [1]}, {"stage": "controls"})
    {'params': {'m': 1}, 'tree_key': 'k'}
    >>> view_tree({"params": {"m": 1}, "tree_key": "k"}, None) is None
    True
    """
    if not pending or pending.get("stage") != "controls" or not (tree_data or {}).get("params"):
        return None
    return {"params": tree_data["params"], "tree_key": tree_data.get("tree_key")}


clientside_callback(
    ClientsideFunction(namespace="dendroUrl", function_name="viewTree"),
    Output(ids.VIEW_TREE, "data"),
    Input(ids.TREE_DATA, "data"),
    State(ids.PENDING_VIEW, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Output(ids.PENDING_VIEW, "data", allow_duplicate=True),
    Output(ids.LOAD_VIEW_MESSAGE, "children", allow_duplicate=True),
    Input(ids.VIEW_TREE, "data"),  # the tree drawn while a view waits for it (above)
    State(ids.PENDING_VIEW, "data"),
    prevent_initial_call=True,
)
def apply_view_cut(tree_data: dict[str, Any] | None, pending: dict[str, Any] | None
                   ) -> tuple[Any, Any, Any]:
    """The view's tree is drawn: put the cut where the view had it, and finish."""
    if not pending or pending.get("stage") != "controls" or not tree_data:
        return no_update, no_update, no_update
    view = _view_of(pending)
    params = tree_data.get("params")
    if view is None or not params or not view.same_tree(TreeSpec.from_json(params)):
        return no_update, no_update, no_update
    cut = view.cut if view.cut is not None else no_update
    return cut, None, html.Span("View loaded.", className="text-success")


# ---------------------------------------------------------------- a view file
def view_file_query(data: bytes) -> str:
    """The link's query string of a view file, checked as every link is; DataError says why.

    Version-1 files (the older layout) are read too. An upload the server no longer stores is
    refused here, naming the file to upload first.
    """
    query = query_from_view_file(data)
    view = View.from_query(query)
    if view is None:
        raise DataError("the view names no dataset")
    ds = view.tree.dataset
    if ds.dataset_id and not get_store().has_dataset(ds.dataset_id):
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
    State(ids.TREE_REF, "data"),
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
    params = (tree_data or {}).get("params")
    done = bool(params) and View.from_query(query).same_tree(TreeSpec.from_json(params))
    message = (html.Span("View loaded.", className="text-success") if done
               else html.Span(f"Loading view {name}…"))
    return "?" + query, message
