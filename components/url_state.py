"""The view is the link: every choice lives in the page's query string.

    /?dataset=tutorial-blobs&method=ward&metric=euclidean&cut=50

Two directions, kept apart so they never loop:

* view -> URL, in the browser (``assets/url_state.js``): each time a tree is drawn or the cut
  moves, the query string is rewritten from what is on screen (``tree-data["query"]``, made here
  by :func:`view_to_query`, plus the cut). A change the analyst made is a new history entry;
  what happens while a link or a back/forward step is being restored replaces the entry.
* URL -> view, on the server (:func:`apply_url`): on page load and on back/forward the query is
  read (:func:`query_to_view`), the dataset chosen, and the rest handed to the view-loading
  steps in ``components/exports.py`` (``pending-view``: pickers once the dataset's columns are
  known, the cut once its tree is drawn). Within the same dataset the pickers are set at once.

The dataset is an example id or the SHA-256 of an upload (``clustering.store``); a link to an
upload this server no longer holds says so plainly. Nothing but ids and parameters is in a link.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

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

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.exports import VIEW_QUERY_FIELDS
from clustering.store import is_upload_id
from components import ids
from components.service import get_store

log = logging.getLogger(__name__)

DEFAULT_EXAMPLE = "tutorial-blobs"

# Query key -> view field, in the order links are written.
_SIMPLE = (
    ("label", "label_column"),
    ("missing", "missing"),
    ("scaling", "scaling"),
)
_TREE = (("method", "method"), ("metric", "metric"))
_VIEW_STR = (("truncate", "truncate_mode"), ("orientation", "orientation"),
             ("x", "scatter_x"), ("y", "scatter_y"))
# One view schema: the link's parameters are the view file's fields (clustering.exports).
KEYS = tuple(VIEW_QUERY_FIELDS)


def _num(v: float) -> str:
    """Shortest text that reads back as the same float (integers without '.0').

    >>> _num(50.0), _num(0.1 + 0.2), _num(1e-7)
    ('50', '0.30000000000000004', '1e-07')
    """
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def dataset_param(dataset: Mapping[str, Any]) -> str:
    """The ``dataset=`` value of a dataset reference: example id or upload id.

    >>> dataset_param({"example": "mpg"}), dataset_param({"dataset_id": "ab" * 32})[:4]
    ('mpg', 'abab')
    """
    return str(dataset.get("example") or dataset.get("dataset_id") or "")


def view_to_query(view: Mapping[str, Any]) -> str:
    """The query string (no leading '?') of a view (``clustering.exports.VIEW_FIELDS`` keys).

    Every choice is written, so a link means the same thing whatever the defaults become;
    ``cut`` only when the view has one. Feature columns repeat ``col``; none means "every
    numeric column".

    Examples
    --------
    >>> view_to_query({"dataset": {"example": "tutorial-blobs"}, "options": {}, "method": "ward",
    ...                "metric": "euclidean", "cut": 50.0})
    'dataset=tutorial-blobs&label=&missing=drop&onehot=0&scaling=none&method=ward&metric=euclidean&cut=50'
    >>> view_to_query({"dataset": {"example": "mpg"}, "options": {"features": ["a b", "c,d"]}})
    'dataset=mpg&col=a+b&col=c%2Cd&label=&missing=drop&onehot=0&scaling=none&method=ward&metric=euclidean'
    """
    options = dict(view.get("options") or {})
    pairs: list[tuple[str, str]] = [("dataset", dataset_param(view.get("dataset") or {}))]
    pairs += [("col", str(c)) for c in options.get("features") or []]
    # Written even when empty: an example's preset label would otherwise come back.
    pairs.append(("label", str(options.get("label_column") or "")))
    pairs.append(("missing", str(options.get("missing") or "drop")))
    pairs.append(("onehot", "1" if options.get("one_hot") else "0"))
    pairs.append(("scaling", str(options.get("scaling") or "none")))
    pairs.append(("method", str(view.get("method") or "ward")))
    pairs.append(("metric", str(view.get("metric") or "euclidean")))
    if view.get("truncate_mode") is not None:
        pairs.append(("truncate", str(view["truncate_mode"])))
    if view.get("truncate_p") is not None:
        pairs.append(("p", str(int(view["truncate_p"]))))
    if view.get("annotate_above") is not None:
        pairs.append(("annotate", _num(view["annotate_above"])))
    if view.get("orientation") is not None:
        pairs.append(("orientation", str(view["orientation"])))
    if view.get("show_contracted") is not None:
        pairs.append(("contracted", "1" if view["show_contracted"] else "0"))
    for key, field in (("x", "scatter_x"), ("y", "scatter_y")):
        if view.get(field):
            pairs.append((key, str(view[field])))
    if view.get("cut") is not None:
        pairs.append(("cut", _num(view["cut"])))
    return urlencode(pairs)


def _float(key: str, text: str) -> float:
    try:
        f = float(text)
    except ValueError:
        raise DataError(f"{key} must be a number, not {text!r}") from None
    if not math.isfinite(f) or f < 0:
        raise DataError(f"{key} must be a finite height >= 0, not {text!r}")
    return f


def query_to_view(search: str) -> dict[str, Any] | None:
    """The view a query string asks for, checked (``validate_view``); None when it names none.

    Choices the link leaves out take the example's presets (for an example) or the defaults,
    except the feature columns: no ``col`` means every numeric column.

    Raises
    ------
    DataError
        A value the app does not accept, named with what would be right.

    Examples
    --------
    >>> v = query_to_view("?dataset=tutorial-blobs&method=single&cut=12.5")
    >>> v["dataset"], v["method"], v["metric"], v["cut"], v["options"]["features"]
    ({'example': 'tutorial-blobs'}, 'single', 'euclidean', 12.5, None)
    >>> query_to_view("?dataset=mpg")["options"]["scaling"]   # mpg's preset
    'zscore'
    >>> query_to_view("") is None
    True
    """
    from clustering.exports import validate_view

    q = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    unknown = sorted(set(q) - set(KEYS))
    if unknown:
        log.info("ignoring unknown link parameters %s", unknown)
    name = (q.get("dataset") or [""])[-1].strip()
    if not name:
        return None
    one = {k: v[-1] for k, v in q.items()}
    example = EXAMPLES.get(name)
    view: dict[str, Any] = {}
    if example is not None:
        view["dataset"] = {"example": name}
        options = example.options.to_dict()
        options["features"] = None
        view["method"], view["metric"] = example.method, example.metric
    elif is_upload_id(name):
        view["dataset"] = {"dataset_id": name, "filename": None}
        options = {}
    else:
        raise DataError(
            f"This link names a dataset {name[:40]!r} that this server does not know: "
            f"an example ({', '.join(EXAMPLES)}) or the id of an uploaded file."
        )
    cols = [c for c in q.get("col", []) if c != ""]
    options["features"] = cols or None
    for key, field in _SIMPLE:
        if key in one:
            options[field] = one[key] or None
    if "onehot" in one:
        options["one_hot"] = one["onehot"] in ("1", "true", "yes")
    view["options"] = options
    for key, field in _TREE + _VIEW_STR:
        if one.get(key):
            view[field] = one[key]
    if one.get("p"):
        try:
            view["truncate_p"] = int(one["p"])
        except ValueError:
            raise DataError(f"p must be a whole number, not {one['p']!r}") from None
    if one.get("annotate"):
        view["annotate_above"] = _float("annotate", one["annotate"])
    if "contracted" in one:
        view["show_contracted"] = one["contracted"] not in ("0", "false", "no")
    if one.get("cut"):
        view["cut"] = _float("cut", one["cut"])
    return validate_view(view)


def same_tree(view: Mapping[str, Any], params: Mapping[str, Any] | None) -> bool:
    """True when ``view`` asks for the tree ``params`` (tree-data's) describe.

    >>> p = {"dataset": {"example": "mpg"}, "options": {"a": 1}, "method": "ward",
    ...      "metric": "euclidean"}
    >>> same_tree(dict(p, cut=3.0), p), same_tree(dict(p, method="single"), p)
    (True, False)
    """
    if not params:
        return False
    return (dataset_param(view["dataset"]) == dataset_param(params.get("dataset") or {})
            and view["options"] == params.get("options")
            and view["method"] == params.get("method")
            and view["metric"] == params.get("metric"))


# ---------------------------------------------------------------- the page's part
def share_bar() -> html.Div:
    """The URL reader, the link field with its copy button, and the link's error message."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.URL_REQUEST),
            dbc.InputGroup(
                [
                    dbc.InputGroupText("Link to this view", className="small"),
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


_CONTROLS = (
    (ids.FEATURE_COLUMNS, "features"),
    (ids.LABEL_COLUMN, "label_column"),
    (ids.MISSING, "missing"),
    (ids.ONE_HOT, "one_hot"),
    (ids.SCALING, "scaling"),
    (ids.METHOD, "method"),
    (ids.METRIC, "metric"),
    (ids.TRUNCATE_MODE, "truncate_mode"),
    (ids.TRUNCATE_P, "truncate_p"),
    (ids.ANNOTATE_ABOVE, "annotate_above"),
    (ids.ORIENTATION, "orientation"),
    (ids.SHOW_CONTRACTED, "show_contracted"),
    (ids.SCATTER_X, "scatter_x"),
    (ids.SCATTER_Y, "scatter_y"),
)
_OPTION_FIELDS = ("features", "label_column", "missing", "one_hot", "scaling")


def control_values(view: Mapping[str, Any]) -> list[Any]:
    """The pickers' values for a view, in :data:`_CONTROLS` order."""
    out = []
    for _, field in _CONTROLS:
        value = view["options"].get(field) if field in _OPTION_FIELDS else view.get(field)
        if field == "features":
            value = list(value or [])
        out.append(value)
    return out


# Only reads URL changes the page did not make itself (page load, back/forward).
clientside_callback(
    ClientsideFunction(namespace="dendroUrl", function_name="readUrl"),
    Output(ids.URL_REQUEST, "data"),
    Input(ids.URL, "search"),
)

clientside_callback(
    ClientsideFunction(namespace="dendroUrl", function_name="writeUrl"),
    Output(ids.SHARE_LINK, "value"),
    Input(ids.TREE_DATA, "data"),
    Input(ids.CUT_HEIGHT, "value"),
)


@callback(
    Output(ids.DATASET, "data", allow_duplicate=True),
    Output(ids.EXAMPLE, "value", allow_duplicate=True),
    Output(ids.PENDING_VIEW, "data", allow_duplicate=True),
    Output(ids.CUT_HEIGHT, "value", allow_duplicate=True),
    Output(ids.LINK_ERROR, "children"),
    Output(ids.LINK_ERROR, "is_open"),
    *[Output(cid, "value", allow_duplicate=True) for cid, _ in _CONTROLS],
    Input(ids.URL_REQUEST, "data"),
    State(ids.DATASET, "data"),
    State(ids.TREE_DATA, "data"),
    *[State(cid, "value") for cid, _ in _CONTROLS],
    prevent_initial_call=True,
)
def apply_url(
    request: dict[str, Any] | None,
    dataset: dict[str, Any] | None,
    tree_data: dict[str, Any] | None,
    *current: Any,
) -> tuple[Any, ...]:
    """Rebuild the view a link (or a back/forward step) asks for."""
    keep = (no_update,) * len(_CONTROLS)
    if request is None or request.get("search") is None:
        return (no_update,) * 6 + keep
    try:
        view = query_to_view(request["search"])
    except DataError as err:
        view, problem = None, f"This link could not be read: {err}. Showing an example instead."
    else:
        problem = None
    if view is None:
        if dataset:  # a link without a dataset while one is open: nothing to restore
            return (no_update,) * 4 + (problem, bool(problem)) + keep
        # The example picker makes it the dataset (choose_dataset), as a person's pick does.
        return (no_update, DEFAULT_EXAMPLE, None, no_update, problem, bool(problem)) + keep
    ds = view["dataset"]
    if "dataset_id" in ds:
        got = get_store().get_dataset(ds["dataset_id"])
        if got is None:
            # The preview and the error area then say so (service.gone_message).
            gone = {"dataset_id": ds["dataset_id"], "filename": None}
            return (gone, None, None, no_update, None, False) + keep
        ds = {"dataset_id": ds["dataset_id"], "filename": got[1]}
        view = dict(view, dataset=ds)
    if dataset and dataset_param(dataset) == dataset_param(ds):
        # Same dataset (back/forward): its pickers are there, set them now.
        params = (tree_data or {}).get("params")
        values = control_values(view)
        changed = [v if v != c else no_update for v, c in zip(values, current, strict=True)]
        if same_tree(view, params):
            pending, cut = None, view["cut"] if view["cut"] is not None else no_update
        else:
            pending, cut = {"view": view, "stage": "controls"}, no_update
        return (no_update, no_update, pending, cut, None, False, *changed)
    pending = {"view": view, "stage": "dataset"}
    if "example" in ds:
        # The example picker makes it the dataset (choose_dataset), as a person's pick does.
        return (no_update, ds["example"], pending, no_update, None, False) + keep
    return (ds, None, pending, no_update, None, False) + keep
