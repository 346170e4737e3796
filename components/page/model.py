"""Choosing the model: preprocessing, linkage method and distance metric.

Pairs SciPy refuses are disabled in the dropdowns, with the reason as the option's tooltip and
a note under them. The reason comes from ``clustering.linkage.method_metric_problem`` so the
UI never words a rule differently from the service that enforces it.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from clustering.linkage import METHODS, METRICS
from clustering.prepare import MISSING, SCALINGS
from components import ids
from components.page.forms import card, field, select
from components.page.partition import partition_fields
from components.state.inputs import method_note
from components.view import GOWER, PRECOMPUTED, DatasetRef, spec_problem

#: The metrics a feature table offers: SciPy's, then Gower for mixed types.
TABLE_METRICS = (*METRICS, GOWER)

# Labels are the values themselves (what SciPy and the URL call them); the tooltip explains.
SCALING_HELP = {
    "none": "use the numbers as they are",
    "minmax": "(x - min) / (max - min) per column",
    "zscore": "(x - mean) / std per column",
    "whiten": "x / std per column, as scipy.cluster.vq.whiten",
}
MISSING_LABELS = {
    "drop": "drop rows with missing values",
    "mean": "fill with column mean",
    "median": "fill with column median",
}


def _options(values: Any, problem_of: Any, other: str | None) -> list[dict[str, Any]]:
    """Dropdown options for ``values``; ``problem_of(value)`` is SciPy's refusal of the pair
    with the other dropdown's choice ``other`` (None: nothing chosen, nothing disabled)."""
    out = []
    for value in values:
        problem = problem_of(value) if other else None
        name = "gower (mixed types)" if value == GOWER else value
        out.append(
            {
                "label": name if problem is None else f"{name} (not with {other})",
                "value": value,
                "disabled": problem is not None,
                "title": problem or "",
            }
        )
    return out


def method_options(metric: str | None) -> list[dict[str, Any]]:
    """Options for the method dropdown given the chosen metric.

    >>> [o["value"] for o in method_options("cosine") if o["disabled"]]
    ['centroid', 'median', 'ward']
    """
    return _options(METHODS, lambda method: spec_problem(method, metric), metric)


def metric_options(method: str | None) -> list[dict[str, Any]]:
    """Options for the metric dropdown given the chosen method.

    >>> [o["value"] for o in metric_options("ward") if not o["disabled"]]
    ['euclidean']
    """
    return _options(TABLE_METRICS, lambda metric: spec_problem(method, metric), method)


def _rule(problem: str) -> str:
    """The rule part of a refusal ("ward linkage needs the euclidean metric")."""
    return problem.split(":", 1)[0].strip()


def pair_note(method: str | None, metric: str | None) -> str:
    """One sentence under the dropdowns: why some choices are greyed out (or what is wrong).

    >>> pair_note("ward", "euclidean")
    'ward linkage needs the euclidean metric; the other metrics are disabled (hover one for why).'
    """
    if not method or not metric:
        return ""
    problem = spec_problem(method, metric)
    if problem:
        return problem
    refused_metrics = [m for m in METRICS if spec_problem(method, m)]
    if refused_metrics:
        rule = _rule(spec_problem(method, refused_metrics[0]) or "")
        return f"{rule}; the other metrics are disabled (hover one for why)."
    refused_methods = [m for m in METHODS if spec_problem(m, metric)]
    if refused_methods:
        rules = "; ".join(_rule(spec_problem(m, metric) or "") for m in refused_methods)
        return f"Disabled with {metric}: {rules}."
    return ""


# ---------------------------------------------------------------- layout
def prep_card() -> dbc.Card:
    """Feature and label columns, missing values, one-hot, scaling."""
    return card("Preprocessing", [
        field("Feature columns", dcc.Dropdown(id=ids.FEATURE_COLUMNS, multi=True,
                                              placeholder="all numeric columns")),
        field("Label column (names the leaves)",
              dcc.Dropdown(id=ids.LABEL_COLUMN, placeholder="row number")),
        select("Missing values", ids.MISSING,
               [{"label": MISSING_LABELS[m], "value": m} for m in MISSING], "drop"),
        dbc.Checkbox(id=ids.ONE_HOT, label="one-hot encode categorical columns", value=False,
                     className="mb-2 small"),
        select("Scaling", ids.SCALING,
               [{"label": s, "value": s, "title": SCALING_HELP[s]} for s in SCALINGS], "none"),
    ])


def cluster_card() -> dbc.Card:
    """Method and metric (the cut has its own bar above the tree: components.page.cut)."""
    return card("Clustering", [
        select("Linkage method", ids.METHOD, method_options("euclidean"), "ward"),
        select("Distance metric", ids.METRIC, metric_options("ward"), "euclidean"),
        html.Div(id=ids.METRIC_NOTE, className="form-text mb-2"),
        # Where the clusters come from: the cut (the bar above the tree), or another source.
        *partition_fields(),
    ])


# ---------------------------------------------------------------- callbacks
@callback(
    Output(ids.METRIC, "options"),
    Output(ids.METHOD, "options"),
    Output(ids.METRIC_NOTE, "children"),
    Output(ids.METRIC, "disabled"),
    Output(ids.METHOD, "disabled"),
    Input(ids.METHOD, "value"),
    Input(ids.METRIC, "value"),
    Input(ids.DATASET, "data"),
    prevent_initial_call=True,  # the layout holds the opening example's (page/opening.py)
)
def pair_options(method: str | None, metric: str | None, dataset: dict[str, Any] | None = None
                 ) -> tuple[list, list, str, bool, bool]:
    """Grey out the pairs SciPy refuses, with the reason as the option's tooltip and a note.
    A matrix or a tree brings its own distances: the metric is disabled with the reason (and
    the method too for a tree); ward, centroid and median on a matrix get their sentence."""
    try:
        ref = DatasetRef.from_json(dataset) if dataset else None
    except Exception:  # noqa: BLE001 - a stale store: treat as a table
        ref = None
    if ref is not None and not ref.has_rows:
        fixed = [{"label": "precomputed (from the file)", "value": PRECOMPUTED}]
        methods = [{"label": m, "value": m} for m in METHODS]
        return (fixed, methods, method_note(ref, method), True,
                ref.kind in ("linkage", "newick"))
    return metric_options(method), method_options(metric), pair_note(method, metric), False, False
