"""The Export tab's trees and code: the tree as Newick or JSON (whole or as viewed), and a
Python script that reproduces the view (issue 17). The builders are pure and live in
``clustering.tree_files`` and ``clustering.reproduce``; these callbacks read the tree the page
shows and send the file. The rest of the tab is ``components.analysis.export``.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from clustering.errors import DataError
from clustering.exports import export_filename
from clustering.gower import gower_column_kinds
from clustering.newick import NEWICK_CONVENTIONS
from clustering.prepare import encoded_width
from clustering.reproduce import reproduce_script
from clustering.reproduce_distances import reproduce_distances_script
from clustering.tree_files import (
    CONVENTION_SENTENCES,
    json_tree_file,
    micro_labels,
    newick_file,
    view_linkage,
)
from components import ids
from components.analysis.lazy import gated_partition
from components.state.tables import load_table
from components.state.trees import Tree, try_load_tree
from components.view import GOWER, TreeSpec, number_or_none
from components.view_partition import PartitionSpec

log = logging.getLogger(__name__)


SCOPES = {"tree": "Whole tree (every row a leaf)",
          "view": "Current view only (the truncated dendrogram's leaves)"}


def tree_files_panel() -> html.Div:
    """Newick / JSON tree / Python script buttons, the convention and scope pickers."""
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button("Tree (Newick)", id=ids.EXPORT_NEWICK, size="sm",
                               color="secondary", className="me-2 mb-1"),
                    dbc.Button("Tree (JSON)", id=ids.EXPORT_JSON_TREE, size="sm",
                               color="secondary", className="me-2 mb-1"),
                    dbc.Button("Python script that reproduces the view (.py)",
                               id=ids.EXPORT_SCRIPT, size="sm", color="secondary",
                               className="me-2 mb-1"),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Newick branch lengths", className="small mb-1",
                                      html_for=ids.NEWICK_CONVENTION),
                            dbc.RadioItems(
                                id=ids.NEWICK_CONVENTION,
                                options=[{"label": "half heights (ape's as.phylo)",
                                          "value": "ape"},
                                         {"label": "height differences", "value": "height"}],
                                value="ape", className="small",
                            ),
                        ],
                        md=5,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Leaves", className="small mb-1",
                                      html_for=ids.TREE_SCOPE),
                            dbc.RadioItems(
                                id=ids.TREE_SCOPE,
                                options=[{"label": v, "value": k} for k, v in SCOPES.items()],
                                value="tree", className="small",
                            ),
                        ],
                        md=7,
                    ),
                ],
                className="mt-1",
            ),
            # A list: the note's items are <li> (axe-core: listitem).
            html.Ul(tree_note("ape", "tree"), id=ids.EXPORT_TREE_NOTE,
                    className="small form-text mt-1 ps-3"),
            html.Div(id=ids.EXPORT_MESSAGE, className="small text-danger mt-1", role="status"),
            html.Details(
                [
                    html.Summary("The script (filled by the script button)", className="small"),
                    dcc.Clipboard(target_id=ids.EXPORT_SCRIPT_TEXT, id=ids.EXPORT_SCRIPT_COPY,
                                  title="Copy the script", className="float-end"),
                    html.Pre(id=ids.EXPORT_SCRIPT_TEXT, className="small border p-2",
                             style={"maxHeight": "24rem", "overflow": "auto"}),
                ],
                className="mt-1",
            ),
        ],
        className="mt-2 pt-2 border-top",
    )


def tree_note(convention: str | None, scope: str | None) -> list[Any]:
    """What the Newick, JSON and script files hold, for the chosen convention and scope.

    >>> "half the height" in tree_note("ape", "tree")[0].children
    True
    """
    convention = convention if convention in NEWICK_CONVENTIONS else "ape"
    leaves = ("each leaf is a drawn leaf of the current view: a row's label, or "
              "node<id>_<rows>rows for a contracted cluster (its id in Z and the rows under it)"
              if scope == "view" else
              "each leaf is a clustered row, named by its prepared label (the label column, "
              "else the observation number 0..n-1, as SciPy's ivl)")
    return [
        html.Li(f"Newick: {CONVENTION_SENTENCES[convention]}. The file starts with a comment "
                "[...] saying so; tree readers (ape::read.tree included) skip it."),
        html.Li(f"Leaves: {leaves}. In approximate mode (big tables) the leaves are "
                "micro-clusters, micro<i>_<rows>rows, and the files say the tree is approximate."),
        html.Li("JSON: nested {id, height, size, cluster, children | label} from the root, "
                "height = merge height, cluster = the cut's cluster when a node lies within one "
                "(else null), plus an \"about\" sentence on the root (d3.hierarchy reads it as is)."),
        html.Li("Script: pandas + SciPy only (matplotlib optional). It rebuilds the data (an "
                "example from its recipe; an upload from the file of the same name next to the "
                "script), the same preprocessing, linkage and clusters (the cut, or the partition in "
                "force: hand edits, inconsistency cuts; not dynamic tree cuts; Gower distances "
                "written out as R's daisy computes them), prints k and the "
                "cluster sizes and writes the clusters and Z as CSV. Exact trees only."),
    ]


# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.EXPORT_TREE_NOTE, "children"),
    Input(ids.NEWICK_CONVENTION, "value"),
    Input(ids.TREE_SCOPE, "value"),
    prevent_initial_call=True,  # the layout holds the default note (issue 14)
)
def describe_tree_files(convention: str | None, scope: str | None) -> list[Any]:
    """The note under the tree buttons follows the chosen convention and scope."""
    return tree_note(convention, scope)


@callback(
    Output(ids.DOWNLOAD, "data", allow_duplicate=True),
    Output(ids.EXPORT_MESSAGE, "children"),
    Output(ids.EXPORT_SCRIPT_TEXT, "children"),
    Input(ids.EXPORT_NEWICK, "n_clicks"),
    Input(ids.EXPORT_JSON_TREE, "n_clicks"),
    Input(ids.EXPORT_SCRIPT, "n_clicks"),
    State(ids.NEWICK_CONVENTION, "value"),
    State(ids.TREE_SCOPE, "value"),
    State(ids.TREE_REF, "data"),
    State(ids.CUT_HEIGHT, "value"),
    State(ids.TRUNCATE_MODE, "value"),
    State(ids.TRUNCATE_P, "value"),
    State(ids.PARTITION, "data"),
    prevent_initial_call=True,
)
def download_tree(_newick: Any, _json: Any, _script: Any, convention: str | None,
                  scope: str | None, tree_data: dict[str, Any] | None, cut_value: Any,
                  truncate_mode: str | None, truncate_p: Any,
                  partition: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
    """The tree as Newick / JSON (whole or as viewed), or the script reproducing the view
    and its clusters, hand-edited ones included (also shown under the buttons, with a copy
    button)."""
    tree = try_load_tree((tree_data or {}).get("params"))
    if tree is None:
        return no_update, "No tree on the page yet.", no_update
    part = gated_partition({"partition": partition}, tree.spec.key)
    cut = number_or_none(cut_value)
    if cut is None:
        cut = float((tree_data or {}).get("cut") or 0.0)
    p = number_or_none(truncate_p)
    view = (truncate_mode or "none", int(p) if p is not None and p >= 1 else 30)
    try:
        if ctx.triggered_id == ids.EXPORT_SCRIPT:
            text, ext, kind = script_text(tree, cut, part), "py", "reproduce"
        else:
            as_json = ctx.triggered_id == ids.EXPORT_JSON_TREE
            text = tree_text(tree, cut, "json" if as_json else "newick",
                             convention or "ape", view if scope == "view" else ("none", 30))
            ext, kind = ("json", "tree") if as_json else ("nwk", "tree")
            if scope == "view" and view[0] != "none":
                kind = "view-tree"
    except DataError as err:
        return no_update, str(err), no_update
    spec = tree.spec
    name = export_filename(kind, spec.dataset.display_name, spec.method, spec.metric, ext)
    return dcc.send_string(text, name), "", text if ext == "py" else no_update


def _leaves(tree: Tree) -> tuple[list[str], np.ndarray | None, str]:
    """Leaf labels, rows per leaf (approximate only) and a sentence on what the leaves are."""
    approx = tree.approximate
    if approx is not None:
        return (micro_labels(approx.micro.weights), np.asarray(approx.micro.weights),
                f"APPROXIMATE tree: its {approx.m:,} leaves are micro-clusters of the "
                f"{approx.n:,} rows (micro<i>_<rows>rows), not rows")
    label = tree.spec.options.label_column
    named = (f"the label column {label!r}" if label
             else "their observation number 0..n-1 (SciPy's ivl)")
    labels = [str(x) for x in tree.prepared.labels]
    about = f"leaves are the {len(labels):,} clustered rows, named by {named}"
    if not tree.spec.dataset.has_rows:
        about = (f"leaves are the {len(labels):,} items of the uploaded "
                 f"{tree.spec.dataset.kind} file, named as in the file")
    repeated = len(labels) - len(set(labels))
    if repeated:
        # Kept as they are (they are the page's labels), but a reader matching leaves by
        # name (ape's cophenetic matrix, from_newick with labels) cannot tell them apart.
        about += (f" ({repeated:,} labels repeat an earlier one: leaves cannot be matched by "
                  "name alone)")
    return labels, None, about


def tree_text(tree: Tree, cut: float, fmt: str, convention: str,
              view: tuple[str, int]) -> str:
    """The Newick or JSON file of the tree (``view`` = ("none", _) for every leaf)."""
    labels, rows, leaves = _leaves(tree)
    spec = tree.spec
    Z = np.asarray(tree.Z)
    mode, p = view
    Zv, names, nodes = view_linkage(Z, mode, p, labels, leaf_rows=rows)
    if mode != "none":
        leaves += (f"; this file is the view truncated as on the page ({mode}, p = {p}): "
                   f"{len(names):,} leaves, node<id>_<rows>rows being the cluster with that id "
                   "in Z and the rows under it")
    head = (f"Dendrogram Explorer: {spec.dataset.display_name}, {spec.method} linkage, "
            f"{spec.metric} distance; {leaves}")
    if fmt == "newick":
        return newick_file(Zv, names, convention=convention,
                           about=f"{head}; {CONVENTION_SENTENCES[convention]}.")
    leaf_clusters = tree.index.labels_at(cut)
    clusters = _view_clusters(Z, nodes, leaf_clusters, cut)
    note = (f"cluster = the cut at {cut!r} (1 = leftmost on the page) where a node lies within "
            "one cluster, else null" if clusters is not None else
            f"no clusters: the cut at {cut!r} falls inside a contracted leaf")
    return json_tree_file(Zv, names, clusters, about=f"{head}; height = merge height; {note}.")


def _view_clusters(Z: np.ndarray, nodes: np.ndarray, leaf_clusters: np.ndarray,
                   cut: float) -> np.ndarray | None:
    """The cut's cluster of each drawn leaf, or None when one straddles the cut."""
    n = Z.shape[0] + 1
    out = np.empty(nodes.size, dtype=np.int64)
    for i, c in enumerate(nodes.tolist()):
        if c >= n and Z[c - n, 2] > cut:
            return None
        while c >= n:  # any leaf under c: every one has the same cluster (fcluster's rule)
            c = int(Z[c - n, 0])
        out[i] = leaf_clusters[c]
    return out


def no_script_reason(spec: TreeSpec) -> str:
    """Why the Export tab offers no script for this tree (a tree from a file, mostly).

    >>> from components.view import DatasetRef
    >>> no_script_reason(TreeSpec(DatasetRef(dataset_id="ab" * 32, kind="newick"),
    ...                           metric="precomputed"))[:38]
    'No script for this tree: it came as a '
    """
    ds = spec.dataset
    if ds.kind in ("linkage", "newick"):
        return ("No script for this tree: it came as a file (a linkage matrix or a Newick tree), "
                "so there is nothing to recompute. Download Z (linkage CSV) or the Newick file, "
                "and the labels at the cut, instead.")
    if ds.is_matrix:
        return ("No script for this tree: the uploaded matrix has no file name to read back; "
                f"SciPy's linkage(v, {spec.method!r}) on the same numbers gives this Z, and the "
                "labels download has the cut.")
    return "No script for this tree."


def partition_args(part: PartitionSpec | None) -> dict[str, Any]:
    """The script writer's partition parameters for the partition in force (None: the cut).

    >>> partition_args(PartitionSpec("roots", roots=(9, 4), min_size=2))
    {'partition': 'roots', 'roots': [4, 9], 'min_size': 2, 'threshold': 1.0, 'k': 2, 'depth': 2}
    """
    if part is None or part.is_height:
        return {"partition": "height"}
    return {"partition": part.source, "roots": list(part.roots), "min_size": part.min_size,
            "threshold": part.threshold, "k": part.k, "depth": part.depth}


def script_text(tree: Tree, cut: float, part: PartitionSpec | None = None) -> str:
    """The Python script reproducing this exact tree and its clusters (the cut, or the
    partition in force); DataError says why not."""
    spec = tree.spec
    clusters = partition_args(part)
    if tree.approximate is not None:
        a = tree.approximate
        raise DataError(
            f"No script for this tree: it is approximate (ward on {a.m:,} micro-clusters of "
            f"{a.n:,} rows). Rebuilding those micro-clusters needs this project's code, and the "
            "exact tree of every row is what the page declined to compute. Take Z and the rows "
            "with their cluster (CSV) instead.")
    ds = spec.dataset
    if ds.kind in ("distances", "similarities", "condensed") and ds.filename:
        return reproduce_distances_script(
            filename=ds.filename, method=spec.method, cut=float(cut), similarity=ds.similarity,
            condensed=ds.kind == "condensed", **clusters,
            stem=export_filename("", ds.display_name, spec.method, spec.metric),
            title=f"View: {ds.display_name}, {spec.method} linkage of the uploaded matrix, "
                  f"cut at {cut!r}.")
    if not ds.has_rows:
        raise DataError(no_script_reason(spec))
    # A Gower tree's rows and columns are those of the options it was prepared with (every
    # numeric and categorical column unless chosen, components.state.tables.load_prepared).
    o = tree.prepared.options if spec.metric == GOWER else spec.options
    table = load_table(spec.dataset)
    width = encoded_width(table, o)
    if spec.metric == GOWER:
        # The columns and rows gower_hierarchy clusters, their kinds as it reads them.
        used = {*width.numeric, *(c for c, _ in width.categorical)}
        frame = table.iloc[np.asarray(tree.prepared.row_ids)][
            [c for c in table.columns if c in used]]
        clusters["gower_kinds"] = gower_column_kinds(frame)
    return reproduce_script(
        example=ds.example, filename=None if ds.example else (ds.filename or "data.csv"),
        numeric=width.numeric, categorical=[c for c, _ in width.categorical],
        label_column=o.label_column, missing=o.missing, scaling=o.scaling,
        method=spec.method, metric=spec.metric, cut=float(cut), **clusters,
        stem=export_filename("", ds.display_name, spec.method, spec.metric),
        title=f"View: {ds.display_name}, {spec.method} linkage, {spec.metric} distance, "
              f"cut at {cut!r}.",
    )
