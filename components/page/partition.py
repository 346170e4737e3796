"""Where the clusters come from: a height, or a partition of another source (issue 16).

The cut panel's "Clusters from" chooser: the height (max_d or k, moved in the browser by
``components.page.cut``), SciPy's inconsistency modes, R's dynamic tree cut ("tree" and
"hybrid") or hand edits (click a cluster to split it, select two siblings to merge them,
undo/redo, a minimum size below which clades are unassigned).

Flow, one way: the controls (and a link's partition, ``part-restore``) -> :func:`edit_partition`
on the server -> ``partition`` (the spec: what the link, the tabs and the labels CSV read) and
``partition-data`` (labels by leaf position, from ``components.state.partition.leaf_labels``)
-> ``assets/partition.js`` paints both graphs. Hand edits live in the ``part-history`` store
(the roots of each state, ``components.state.hand_edits``); only the current roots go into
the link. Dragging the cut line,
or Enter in max_d or k, switches back to the height.
"""

from __future__ import annotations

import base64
import logging
import time
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import numpy as np
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from clustering.errors import DataError
from clustering.partition import partition_from_roots
from components import ids
from components.figures.palette import UNASSIGNED_COLOR
from components.page.forms import field, number, select
from components.page.sharing import readable_view
from components.state.hand_edits import edit, start_history
from components.state.partition import hybrid_problem, leaf_labels, view_labels
from components.state.trees import Tree, try_load_tree
from components.view import number_or_none
from components.view_partition import SOURCE_LABELS, SOURCES, PartitionSpec

log = logging.getLogger(__name__)


#: Which parameter fields each source shows (ids of their wrappers: ``part-groups-<name>``).
_SHOWN = {
    "threshold": ("inconsistent",),
    "k": ("monocrit",),
    "depth": ("inconsistent", "monocrit"),
    "mcs": ("tree", "hybrid"),
    "deep": ("hybrid",),
    "deep-tree": ("tree",),
    "pam": ("hybrid",),
    "edits": ("roots",),
}
_HELP = {
    "height": "",
    "inconsistent": "fcluster(Z, t, 'inconsistent', depth): a clade stays one cluster while "
                    "every inconsistency coefficient inside it is <= t.",
    "monocrit": "fcluster(Z, k, 'maxclust_monocrit', monocrit=maxinconsts(Z, R)): at most k "
                "clusters, cut by the largest inconsistency below each link.",
    "tree": "R's cutreeDynamic(method = 'tree'): each branch cut where its leaf heights dip.",
    "hybrid": "R's cutreeDynamic(method = 'hybrid') on the distance matrix; rows no cluster "
              "takes are unassigned (0) unless the PAM stage assigns them.",
    "roots": "Click a merge inside a coloured cluster to split it into its two children; with "
             "'select', click two sibling clusters (or the grey merge above them), then Merge.",
}


def _group(name: str, children: list[Any]) -> html.Div:
    return html.Div(children, id=f"{ids.PART_GROUPS}-{name}", style={"display": "none"})


def partition_fields() -> list[Any]:
    """The source chooser, each source's parameters, the edit buttons and the note."""
    return [
        select("Clusters from", ids.CUT_SOURCE,
               [{"label": SOURCE_LABELS[s], "value": s} for s in SOURCES], "height"),
        _group("threshold", [number("Inconsistency threshold t", ids.PART_THRESHOLD,
                                    min=0, step="any", value=1.0)]),
        _group("k", [number("Clusters at most (k)", ids.PART_K, min=1, step=1, value=2)]),
        _group("depth", [number("Depth", ids.PART_DEPTH, min=1, step=1, value=2)]),
        _group("mcs", [number("Minimum cluster size (minClusterSize)", ids.PART_MCS,
                              min=1, step=1, value=20)]),
        _group("deep", [select("deepSplit", ids.PART_DEEP,
                               [{"label": str(d), "value": d} for d in range(5)], 1)]),
        _group("deep-tree", [dbc.Checkbox(id=ids.PART_DEEP_TREE, value=False,
                                          label="deepSplit (split branches again until stable)",
                                          className="mb-2 small")]),
        _group("pam", [dbc.Checkbox(id=ids.PART_PAM, value=True, className="mb-2 small",
                                    label="PAM stage: assign leftover rows to the nearest cluster")]),
        _group("edits", [
            field("A click on the tree", dbc.RadioItems(
                id=ids.PART_TOOL, inline=True, className="small", value="split",
                options=[{"label": "splits a cluster", "value": "split"},
                         {"label": "selects for merging", "value": "select"}])),
            dbc.ButtonGroup([
                dbc.Button("Merge selected", id=ids.PART_MERGE, size="sm", color="primary",
                           outline=True, disabled=True),
                dbc.Button("Undo", id=ids.PART_UNDO, size="sm", color="secondary",
                           outline=True, disabled=True),
                dbc.Button("Redo", id=ids.PART_REDO, size="sm", color="secondary",
                           outline=True, disabled=True),
            ], className="mb-2"),
            number("Unassigned below (rows)", ids.PART_MIN_SIZE, min=1, step=1, value=1),
        ]),
        html.Div(id=ids.PART_NOTE, className="form-text mb-2", role="status"),

        dcc.Store(id=ids.PART_CLICK),
        dcc.Store(id=ids.PART_HISTORY),
        dcc.Store(id=ids.PART_RESTORE),
        dcc.Store(id=ids.PARTITION),
        dcc.Store(id=ids.PARTITION_DATA),
    ]


# ---------------------------------------------------------------- pure helpers
def spec_from_controls(source: str | None, threshold: Any, k: Any, depth: Any, mcs: Any,
                       deep: Any, deep_tree: Any, pam: Any, min_size: Any,
                       roots: Any = ()) -> PartitionSpec:
    """The spec the fields ask for; :class:`DataError` names a field to fix.

    >>> spec_from_controls("inconsistent", "1.5", 2, 3, 20, 1, False, True, 1).to_json()
    {'source': 'inconsistent', 'pt': 1.5, 'depth': 3}
    """
    source = source if source in SOURCES else "height"
    t = number_or_none(threshold)
    if source == "inconsistent" and t is None:
        raise DataError("type an inconsistency threshold t (a number >= 0)")
    return PartitionSpec(
        source,
        threshold=1.0 if t is None else t,
        k=_int(k, 2, "k"),
        depth=_int(depth, 2, "depth"),
        min_cluster_size=_int(mcs, 20, "the minimum cluster size"),
        deep_split=(1 if deep_tree else 0) if source == "tree" else _int(deep, 1, "deepSplit"),
        pam_stage=bool(pam),
        roots=tuple(roots or ()),
        min_size=_int(min_size, 1, "the minimum cluster size"),
    )


def _int(v: Any, default: int, name: str) -> int:
    f = number_or_none(v)
    if f is None:
        return default
    if f != int(f):
        raise DataError(f"{name} must be a whole number, not {v!r}")
    return int(f)


def _b64_int32(a: np.ndarray) -> dict[str, Any]:
    arr = np.ascontiguousarray(a, dtype="<i4")
    return {"dtype": "int32", "n": int(arr.size), "b64": base64.b64encode(arr.tobytes()).decode()}


def partition_data(tree: Tree, spec: PartitionSpec, cut: float | None) -> dict[str, Any]:
    """What ``assets/partition.js`` paints: labels by leaf position, counts and texts."""
    labels = leaf_labels(tree, cut, spec)
    rows = view_labels(tree, cut, spec) if tree.approximate is not None else labels
    k = int(np.unique(labels[labels > 0]).size)
    unassigned = int(np.count_nonzero(rows == 0))
    count = f"{k} cluster{'' if k == 1 else 's'}"
    if unassigned:
        count += f" · {unassigned:,} unassigned row{'' if unassigned == 1 else 's'}"
    return {
        "tree_key": tree.spec.key,
        "source": spec.source,
        "labels": _b64_int32(labels[tree.index.leaves]),
        "k": k,
        "unassigned_rows": unassigned,
        "count_text": f"{count} ({SOURCE_LABELS[spec.source]})",
        "line_label": f"{SOURCE_LABELS[spec.source]} · k = {k} · drag the line to cut by height",
        "unassigned": UNASSIGNED_COLOR,
        "query": urlencode(spec.query_pairs()),
    }


# ---------------------------------------------------------------- callbacks
_PARAM_IDS = (ids.PART_THRESHOLD, ids.PART_K, ids.PART_DEPTH, ids.PART_MCS, ids.PART_DEEP,
              ids.PART_DEEP_TREE, ids.PART_PAM, ids.PART_MIN_SIZE)


@callback(
    *[Output(f"{ids.PART_GROUPS}-{name}", "style") for name in _SHOWN],
    Input(ids.CUT_SOURCE, "value"),
    prevent_initial_call=True,  # the layout shows the height cut's (none) (issue 14)
)
def show_fields(source: str | None) -> list[dict[str, str]]:
    """Only the chosen source's parameters are shown."""
    return [{"display": "block" if source in shown else "none"} for shown in _SHOWN.values()]


def _restored_controls(spec: PartitionSpec) -> list[Any]:
    return [spec.threshold, spec.k, spec.depth, spec.min_cluster_size,
            spec.deep_split if spec.source == "hybrid" else no_update,
            bool(spec.deep_split) if spec.source == "tree" else no_update,
            spec.pam_stage, spec.min_size]


@callback(
    Output(ids.CUT_SOURCE, "value"),
    *[Output(cid, "value") for cid in _PARAM_IDS],
    Output(ids.PART_HISTORY, "data"),
    Output(ids.PARTITION, "data"),
    Output(ids.PARTITION_DATA, "data"),
    Output(ids.PART_NOTE, "children"),
    Output(ids.PART_MERGE, "disabled"),
    Output(ids.PART_UNDO, "disabled"),
    Output(ids.PART_REDO, "disabled"),
    Input(ids.CUT_SOURCE, "value"),
    *[Input(cid, "value") for cid in _PARAM_IDS],
    Input(ids.PART_CLICK, "data"),
    Input(ids.PART_MERGE, "n_clicks"),
    Input(ids.PART_UNDO, "n_clicks"),
    Input(ids.PART_REDO, "n_clicks"),
    Input(ids.PART_RESTORE, "data"),
    Input(ids.TREE_REF, "data"),
    State(ids.PART_HISTORY, "data"),
    State(ids.PART_TOOL, "value"),
    State(ids.CUT_HEIGHT, "value"),
    State(ids.CLUSTER_K, "value"),
    prevent_initial_call=True,
)
def edit_partition(source: str | None, *args: Any) -> tuple[Any, ...]:
    """The partition in force: from the fields, a hand edit, a link, or a new tree."""
    params = list(args[:len(_PARAM_IDS)])
    click, _m, _u, _r, restore, ref, history, tool, cut_value, k_value = args[len(_PARAM_IDS):]
    trig = ctx.triggered_id
    # A link's partition may arrive with its tree (both inputs fire together): it wins.
    restoring = f"{ids.PART_RESTORE}.data" in ctx.triggered_prop_ids
    controls: list[Any] = [no_update] * (1 + len(_PARAM_IDS))
    tree = try_load_tree((ref or {}).get("params"))
    cut = number_or_none(cut_value)
    if cut is None:
        cut = (ref or {}).get("cut")
    if tree is None:
        return (*controls, no_update, None, None, "", True, True, True)
    key = tree.spec.key
    if history and history.get("tree_key") != key:
        history = None
    note = ""
    try:
        if restoring and restore and restore.get("tree_key") == key:
            spec = PartitionSpec.from_json(restore.get("spec"))
            source = spec.source
            controls = [source, *_restored_controls(spec)]
            params[-1] = spec.min_size
            if spec.source == "roots":
                partition_from_roots(tree.index, spec.roots)  # checked before it is kept
                history = {"tree_key": key, "states": [list(spec.roots)], "position": 0,
                           "selected": []}
            else:
                params = [spec.threshold, spec.k, spec.depth, spec.min_cluster_size,
                          spec.deep_split, bool(spec.deep_split), spec.pam_stage, spec.min_size]
        if source == "roots":
            if history is None:
                history = start_history(tree, cut)
            action = {ids.PART_CLICK: "click", ids.PART_MERGE: "merge", ids.PART_UNDO: "undo",
                      ids.PART_REDO: "redo"}.get(trig)
            if action == "click" and (not click or click.get("tree_key") != key):
                action = None
            if action:
                history, note = edit(tree, history, action, (click or {}).get("node"),
                                     tool or "split")
        roots = history["states"][history["position"]] if source == "roots" and history else ()
        spec = spec_from_controls(source, *params, roots=roots)
        if spec.source == "hybrid":
            problem = hybrid_problem(tree)
            if problem:
                raise DataError(problem)
        t0 = time.perf_counter()
        data = partition_data(tree, spec, cut)
        log.info("partition %s in %.3f s", spec.source, time.perf_counter() - t0)
    except DataError as err:
        return (*controls, history, {"source": "height", "tree_key": key},
                {"source": "height", "tree_key": key, "cut": cut_value, "k_field": k_value},
                html.Span(str(err), className="text-danger"), True, True, True)
    data.update(cut=cut_value, k_field=k_value)
    spec_json = dict(spec.to_json(), tree_key=key)
    if spec.source == "roots" and history:
        sel = history.get("selected") or []
        words = f"{len(sel)} selected · " if sel else ""
        note = note or _HELP["roots"]
        note = f"{words}{note}"
        merge_off = len(sel) != 2
        undo_off = history["position"] == 0
        redo_off = history["position"] >= len(history["states"]) - 1
    else:
        note = _HELP.get(spec.source, "")
        merge_off = undo_off = redo_off = True
    if not spec.is_height:
        note = html.Span([note, " ", html.Em("Dragging the cut line, or Enter in max_d or k, "
                                             "returns to the height cut.")])
    return (*controls, history, spec_json, data, note, merge_off, undo_off, redo_off)


@callback(
    Output(ids.PART_RESTORE, "data"),
    # The tree drawn while a link's view waits for it (page/sharing.py: nothing otherwise).
    Input(ids.VIEW_TREE, "data"),
    Input(ids.URL_REQUEST, "data"),
    State(ids.PENDING_VIEW, "data"),
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,
)
def restore_partition(tree_data: dict[str, Any] | None, request: dict[str, Any] | None,
                      pending: dict[str, Any] | None, shown: dict[str, Any] | None = None
                      ) -> Any:
    """A link's partition, handed to :func:`edit_partition` once its tree is on the page.
    ``tree_data``: the tree drawn for a pending view; ``shown``: the tree on the page (a
    link within the same tree, back/forward)."""
    if ctx.triggered_id == ids.URL_REQUEST:
        tree_data = shown
    if not tree_data or not tree_data.get("params"):
        return no_update
    if ctx.triggered_id == ids.URL_REQUEST:
        query = (request or {}).get("search")
    elif pending and pending.get("stage") == "controls":
        query = pending.get("query")
    else:
        return no_update
    view = readable_view(query)
    if view is None or view.tree.key != tree_data.get("tree_key"):
        return no_update
    spec = view.partition or PartitionSpec()
    return {"spec": spec.to_json(), "tree_key": tree_data["tree_key"], "at": time.time()}


clientside_callback(
    ClientsideFunction(namespace="dendroPart", function_name="paint"),
    Output(ids.DENDROGRAM, "figure", allow_duplicate=True),
    Output(ids.SCATTER, "figure", allow_duplicate=True),
    Output(ids.CLUSTER_COUNT, "children", allow_duplicate=True),
    Input(ids.PARTITION_DATA, "data"),
    Input(ids.TREE_DATA, "data"),
    State(ids.CUT_HEIGHT, "value"),
    State(ids.DENDROGRAM, "figure"),
    State(ids.SCATTER, "figure"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="dendroPart", function_name="clickNode"),
    Output(ids.PART_CLICK, "data"),
    Input(ids.DENDROGRAM, "clickData"),
    State(ids.CUT_SOURCE, "value"),
    State(ids.DENDROGRAM, "figure"),
    State(ids.TREE_DATA, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="dendroPart", function_name="toHeight"),
    Output(ids.CUT_SOURCE, "value", allow_duplicate=True),
    Input(ids.CUT_HEIGHT, "n_submit"),
    Input(ids.CLUSTER_K, "n_submit"),
    Input(ids.CUT_HEIGHT, "n_blur"),
    Input(ids.CLUSTER_K, "n_blur"),
    State(ids.CUT_SOURCE, "value"),
    State(ids.CUT_HEIGHT, "value"),
    State(ids.CLUSTER_K, "value"),
    State(ids.PARTITION_DATA, "data"),
    prevent_initial_call=True,
)
