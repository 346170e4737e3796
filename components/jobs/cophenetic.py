"""The cophenetic-by-method job: which methods can run, and their values (memoised per method).

Started from the Diagnostics tab (``components.analysis.cophenetic``): at once up to a size,
else as a background job with progress per method.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from clustering.approximate import exact_feasible
from clustering.linkage import METHODS, method_metric_problem
from components.state.store import get_settings
from components.state.trees import cophenetic, cophenetic_key, is_memoised
from components.view import TreeSpec

Progress = Callable[[str], None]


def cophenetic_plan(spec: TreeSpec, n: int, d: int, approximate: bool
                    ) -> tuple[list[str], dict[str, str]]:
    """Methods valid for the metric that will run, and why the others cannot (method -> text).

    Only memory stops a method: those whose condensed distance matrix (charged twice, see
    ``clustering.approximate.exact_feasible``) would not fit the server's budget. An
    approximate tree stops all (the table is past the server's exact limit, and each method
    would cluster every row exactly).

    Examples
    --------
    >>> from components.view import DatasetRef
    >>> run, why = cophenetic_plan(TreeSpec(DatasetRef(example="mpg")), 100, 2, False)
    >>> run, why
    (['single', 'complete', 'average', 'weighted', 'centroid', 'median', 'ward'], {})
    """
    valid = [m for m in METHODS if method_metric_problem(m, spec.metric) is None]
    if approximate:
        why = (f"this table ({n:,} rows) is clustered approximately; comparing methods would "
               "run the exact linkage of every row once per method")
        return [], {m: why for m in valid}
    budget = int(get_settings().memory_budget_mb) * 1024 * 1024
    run, skipped = [], {}
    for method in valid:
        ok, reason = exact_feasible(n, d, method, spec.metric, memory_budget_bytes=budget,
                                    max_rows=max(n, 1), vector_max_rows=max(n, 1))
        if ok:
            run.append(method)
        else:
            # exact_feasible ends with the approximate fallback, which does not apply here.
            skipped[method] = re.split(r", so ", reason, maxsplit=1)[0]
    return run, skipped


def all_memoised(spec: TreeSpec, methods: list[str]) -> bool:
    """True when every method's value is stored already (nothing to compute)."""
    return all(is_memoised(cophenetic_key(replace(spec, method=m))) for m in methods)


def cophenetic_values(spec: TreeSpec, methods: list[str], progress: Progress | None = None
                      ) -> dict[str, float | None]:
    """Cophenetic correlation of each method's tree (memoised per method), in order.

    ``progress(text)`` hears after each method, e.g. ``average: 0.91 · 3 of 6 methods done``.
    """
    out: dict[str, float | None] = {}
    for i, method in enumerate(methods, start=1):
        other = replace(spec, method=method)
        if progress is not None and not is_memoised(cophenetic_key(other)):
            done = f"{len(out)} of {len(methods)} methods done"
            progress(f"computing {method} ({i} of {len(methods)}; {done})…")
        value = cophenetic(other)
        out[method] = value
        if progress is not None:
            shown = "n/a" if value is None else f"{value:.2f}"
            progress(f"{method}: {shown} · {i} of {len(methods)} methods done")
    return out
