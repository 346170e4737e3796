"""Method and metric dropdown options: pairs SciPy refuses are disabled, with the reason.

The reason comes from ``clustering.linkage.method_metric_problem`` so the UI never words a rule
differently from the service that enforces it.
"""

from __future__ import annotations

from typing import Any

from clustering.linkage import METHODS, METRICS, method_metric_problem


def _options(values: Any, problem_of: Any, other: str | None) -> list[dict[str, Any]]:
    """Dropdown options for ``values``; ``problem_of(value)`` is SciPy's refusal of the pair
    with the other dropdown's choice ``other`` (None: nothing chosen, nothing disabled)."""
    out = []
    for value in values:
        problem = problem_of(value) if other else None
        out.append(
            {
                "label": value if problem is None else f"{value} (not with {other})",
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
    return _options(METHODS, lambda method: method_metric_problem(method, metric), metric)


def metric_options(method: str | None) -> list[dict[str, Any]]:
    """Options for the metric dropdown given the chosen method.

    >>> [o["value"] for o in metric_options("ward") if not o["disabled"]]
    ['euclidean']
    """
    return _options(METRICS, lambda metric: method_metric_problem(method, metric), method)


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
    problem = method_metric_problem(method, metric)
    if problem:
        return problem
    refused_metrics = [m for m in METRICS if method_metric_problem(method, m)]
    if refused_metrics:
        rule = _rule(method_metric_problem(method, refused_metrics[0]) or "")
        return f"{rule}; the other metrics are disabled (hover one for why)."
    refused_methods = [m for m in METHODS if method_metric_problem(m, metric)]
    if refused_methods:
        rules = "; ".join(_rule(method_metric_problem(m, metric) or "") for m in refused_methods)
        return f"Disabled with {metric}: {rules}."
    return ""
