"""The tree a view is drawn from: :class:`TreeSpec`, everything a linkage depends on.

A :class:`TreeSpec` names a dataset (:class:`~components.view_inputs.DatasetRef`), its
preparation, the method and the metric: its :meth:`TreeSpec.memo_key` keys every memoised
result of the tree, its :attr:`TreeSpec.key` names the tree in the browser's stores, and its
JSON form is the ``params`` those stores hold. :func:`spec_problem` says why the page refuses a
method/metric pair. ``components.view`` builds the view on the tree, and these names stay
importable from there. Nothing here imports Dash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clustering.errors import DataError
from clustering.gower import gower_method_problem
from clustering.linkage import METHODS, METRICS, method_metric_problem
from clustering.prepare import PrepareOptions
from components.view_inputs import GOWER, PRECOMPUTED, DatasetRef

__all__ = ["LINKAGE_OPTIMAL_ORDERING", "LINKAGE_P", "MEMO_VERSION", "TreeSpec", "spec_problem"]


#: Part of every memo key: bump it when a memoised result's meaning or layout changes, so a
#: store kept across an upgrade never hands back results of older code.
MEMO_VERSION = 3  # 3: tied data up to 10,000 rows linked by SciPy (issue 12)
#: compute_linkage arguments the app uses (its defaults), named so the memo key has them.
LINKAGE_P = 2.0
LINKAGE_OPTIMAL_ORDERING = False


@dataclass(frozen=True)
class TreeSpec:
    """Everything a linkage result depends on.

    Examples
    --------
    >>> a = TreeSpec(DatasetRef(example="mpg"), PrepareOptions(scaling="zscore"))
    >>> TreeSpec.from_json(a.to_json()) == a, a.method, a.metric
    (True, 'ward', 'euclidean')
    >>> from dataclasses import replace
    >>> a == replace(a, metric="cityblock")
    False
    """

    dataset: DatasetRef
    options: PrepareOptions = field(default_factory=PrepareOptions)
    method: str = "ward"
    metric: str = "euclidean"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise DataError(f"method must be one of {', '.join(METHODS)}, not {self.method!r}")
        if not self.dataset.has_rows:
            # The file brought its own distances (or tree): no metric to choose, whatever
            # the picker (or a default) held.
            object.__setattr__(self, "metric", PRECOMPUTED)
        elif self.metric not in (*METRICS, GOWER):
            raise DataError(f"metric must be one of {', '.join((*METRICS, GOWER))}, "
                            f"not {self.metric!r}")

    def to_json(self) -> dict[str, Any]:
        """The ``params`` of the page's stores (tree-data, tree-result, tree-job)."""
        return {"dataset": self.dataset.to_json(), "options": self.options.to_dict(),
                "method": self.method, "metric": self.metric}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TreeSpec:
        return cls(DatasetRef.from_json(d.get("dataset")),
                   PrepareOptions.from_dict(d.get("options") or {}),
                   str(d.get("method") or "ward"), str(d.get("metric") or "euclidean"))

    @property
    def key(self) -> str:
        """A short string naming this tree in the browser (what ``tree_key`` fields hold).

        >>> TreeSpec(DatasetRef(example="mpg")).key[:4]
        'mpg|'
        """
        return f"{self.dataset.key}|{json.dumps(self.options.to_dict(), sort_keys=True)}|" \
               f"{self.method}|{self.metric}"

    def table_key(self, max_rows: int, max_columns: int) -> tuple[Any, ...]:
        """Memo key parts of the table behind the dataset; the caps shape what is read."""
        return (MEMO_VERSION, self.dataset.key, int(max_rows), int(max_columns))

    def prepared_key(self, max_rows: int, max_columns: int) -> tuple[Any, ...]:
        """The memo key of the prepared matrix."""
        return ("prepared", *self.table_key(max_rows, max_columns), self.options.to_dict())

    def memo_key(self, max_rows: int, max_columns: int) -> tuple[Any, ...]:
        """The memo key of the linkage: dataset, table caps, every preparation option, method,
        metric, and the two ``compute_linkage`` arguments the app leaves at their defaults
        (``p``, ``optimal_ordering``), so a later change of those cannot hand back a tree
        computed without them.

        >>> TreeSpec(DatasetRef(example="mpg")).memo_key(10, 5)[:4]
        ('linkage', 3, 'mpg', 10)
        """
        return ("linkage", *self.table_key(max_rows, max_columns), self.options.to_dict(),
                self.method, self.metric, LINKAGE_P, LINKAGE_OPTIMAL_ORDERING)

    def check(self) -> TreeSpec:
        """``self``, or :class:`DataError` when SciPy refuses the method/metric pair (Gower
        refuses the methods that need Euclidean input; an uploaded matrix or tree refuses
        none: SciPy runs any method on a precomputed matrix)."""
        problem = spec_problem(self.method, self.metric)
        if problem:
            raise DataError(problem)
        return self

    @classmethod
    def from_controls(cls, dataset: Mapping[str, Any] | None, features: list[str] | None,
                      label: str | None, missing: str | None, one_hot: bool | None,
                      scaling: str | None, method: str | None, metric: str | None
                      ) -> TreeSpec | None:
        """The tree the pickers ask for (None without a dataset).

        >>> TreeSpec.from_controls({"example": "mpg"}, [], None, None, None, None, None,
        ...                        None).method
        'ward'
        """
        if not dataset:
            return None
        ref = DatasetRef.from_json(dataset)
        if not ref.has_rows:
            # A matrix or a tree: no columns to prepare, no metric to choose (the pickers may
            # still hold the previous table's choices).
            return cls(ref, PrepareOptions(), method or "ward", PRECOMPUTED)
        options = PrepareOptions(
            features=tuple(features) if features else None,
            label_column=label or None,
            missing=missing or "drop",
            one_hot=bool(one_hot),
            scaling=scaling or "none",
        )
        if metric == PRECOMPUTED:
            metric = None
        return cls(ref, options, method or "ward", metric or "euclidean")


def spec_problem(method: str, metric: str) -> str | None:
    """Why the page refuses a method/metric pair, or None (SciPy's rules; Gower's; none for
    a precomputed matrix).

    >>> spec_problem("ward", PRECOMPUTED) is None, spec_problem("ward", GOWER)[:19]
    (True, 'ward linkage needs ')
    """
    if metric == PRECOMPUTED:
        return None
    if metric == GOWER:
        return gower_method_problem(method)
    return method_metric_problem(method, metric)
