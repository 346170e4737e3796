"""The view: one frozen, typed description of what the page shows, and the link that names it.

    /?dataset=tutorial-blobs&col=x&col=y&label=&missing=drop&onehot=0&scaling=none
     &method=ward&metric=euclidean&truncate=none&p=30&orientation=top&contracted=1&cut=16

Three layers, each a frozen dataclass with equality and a JSON form:

* :class:`DatasetRef` (``components.view_inputs``, importable from here too) -- an example id
  or the SHA-256 of an upload (its file name is display only: two references to the same id
  are the same dataset), with what the upload is (issue 17's input kinds);
* :class:`TreeSpec` (``components.view_spec``, importable from here too) -- everything a
  linkage depends on (dataset, preparation, method, metric): its :meth:`TreeSpec.memo_key`
  keys every memoised result of the tree, its :attr:`TreeSpec.key` names the tree in the
  browser's stores, and its JSON form is the ``params`` those stores hold;
* :class:`View` -- the tree plus how it is drawn (truncation, annotation, orientation, scatter
  axes) and the cut. :meth:`View.to_query` / :meth:`View.from_query` are the link; the view
  file (``components.view_file``) is the link as typed JSON, so a file and a link are
  restored by the same steps.

The URL schema (:data:`QUERY_FIELDS`) lives here, with the app, not in ``clustering/``; how its
numbers are read and written is in ``components.view_numbers`` (:func:`number_or_none` is
importable from here too). Nothing here imports Dash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.prepare import PrepareOptions

# The dataset's names stay importable from here (INPUT_KINDS only for its importers).
from components.view_inputs import (  # noqa: F401
    GOWER,
    INPUT_KINDS,
    PRECOMPUTED,
    DatasetRef,
    is_upload_id,
)
from components.view_numbers import _height, _nonneg, _num, _query_float, number_or_none
from components.view_partition import PARTITION_QUERY_FIELDS, PartitionSpec

# The tree's names stay importable from here (the memo constants and spec_problem only for
# their importers).
from components.view_spec import (  # noqa: F401
    LINKAGE_OPTIMAL_ORDERING,
    LINKAGE_P,
    MEMO_VERSION,
    TreeSpec,
    spec_problem,
)

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_EXAMPLE", "ORIENTATIONS", "QUERY_FIELDS", "TRUNCATE_MODES", "View"]

DEFAULT_EXAMPLE = "tutorial-blobs"
TRUNCATE_MODES = ("none", "lastp", "level")
ORIENTATIONS = ("top", "bottom", "left", "right")


# ---------------------------------------------------------------- the view
#: The link's query parameters in the order links are written, with the JSON type of each in a
#: view file. ``col`` repeats in a link and is a list in a file; the rest appear once.
QUERY_FIELDS: dict[str, type] = {
    "dataset": str,
    "kind": str,
    "similarity": str,
    "labels": str,
    "col": list,
    "label": str,
    "missing": str,
    "onehot": bool,
    "scaling": str,
    "method": str,
    "metric": str,
    "truncate": str,
    "p": int,
    "annotate": float,
    "orientation": str,
    "contracted": bool,
    "x": str,
    "y": str,
    "cut": float,
    # A partition that is not a horizontal cut (components/view_partition.py).
    **PARTITION_QUERY_FIELDS,
    # Page state beside the view (issue 12): the open analysis tab and the inconsistency depth.
    # Written by assets/url_state.js, applied by components/page/sharing.py; a View ignores them.
    "diagdepth": int,
    "tab": str,
}


@dataclass(frozen=True)
class View:
    """What the page shows: a tree, how it is drawn, and the cut.

    Examples
    --------
    >>> v = View.from_query("?dataset=tutorial-blobs&method=single&cut=12.5")
    >>> v.tree.method, v.tree.metric, v.cut, v.tree.options.features
    ('single', 'euclidean', 12.5, None)
    >>> View.from_query(v.to_query()) == v
    True
    >>> View.from_query("?dataset=mpg").tree.options.scaling   # mpg's preset
    'zscore'
    >>> View.from_query("") is None
    True
    """

    tree: TreeSpec
    truncate_mode: str = "none"
    truncate_p: int = 30
    annotate_above: float | None = None
    orientation: str = "top"
    show_contracted: bool = True
    scatter_x: str | None = None
    scatter_y: str | None = None
    cut: float | None = None
    #: Where the clusters come from when not from the cut (None: the cut's height).
    partition: PartitionSpec | None = None

    def __post_init__(self) -> None:
        self.tree.check()
        if self.partition is not None and self.partition.is_height:
            object.__setattr__(self, "partition", None)
        if self.truncate_mode not in TRUNCATE_MODES:
            raise DataError(f"truncate_mode must be one of {', '.join(TRUNCATE_MODES)}, "
                            f"not {self.truncate_mode!r}")
        if isinstance(self.truncate_p, bool) or not isinstance(self.truncate_p, int | np.integer):
            raise DataError(f"truncate_p must be a whole number, not {self.truncate_p!r}")
        if self.truncate_p < 1:
            raise DataError("truncate_p must be at least 1")
        object.__setattr__(self, "truncate_p", int(self.truncate_p))
        if self.orientation not in ORIENTATIONS:
            raise DataError(f"orientation must be one of {', '.join(ORIENTATIONS)}, "
                            f"not {self.orientation!r}")
        if not isinstance(self.show_contracted, bool | np.bool_):
            raise DataError(f"show_contracted must be true or false, not {self.show_contracted!r}")
        object.__setattr__(self, "show_contracted", bool(self.show_contracted))
        object.__setattr__(self, "cut", _height("cut", self.cut))
        object.__setattr__(self, "annotate_above", _height("annotate_above", self.annotate_above))
        for key in ("scatter_x", "scatter_y"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise DataError(f"{key} must be a column name, not {value!r}")

    def same_tree(self, other: View | TreeSpec | None) -> bool:
        """True when ``other`` names the same linkage (only drawing or the cut differ)."""
        spec = other.tree if isinstance(other, View) else other
        return spec is not None and spec == self.tree

    def with_cut(self, cut: float | None) -> View:
        return replace(self, cut=cut)

    # ------------------------------------------------------------ the pickers
    @classmethod
    def from_controls(cls, tree: TreeSpec, truncate_mode: str | None, truncate_p: Any,
                      annotate_above: Any, orientation: str | None, show_contracted: Any,
                      scatter_x: str | None, scatter_y: str | None, cut: Any = None) -> View:
        """The view the page's fields show; half-typed numbers fall back to the defaults."""
        p = number_or_none(truncate_p)
        return cls(
            tree,
            truncate_mode=truncate_mode if truncate_mode in TRUNCATE_MODES else "none",
            truncate_p=int(p) if p is not None and p >= 1 else 30,
            annotate_above=_nonneg(number_or_none(annotate_above)),
            orientation=orientation if orientation in ORIENTATIONS else "top",
            show_contracted=bool(show_contracted),
            scatter_x=scatter_x or None,
            scatter_y=scatter_y or None,
            cut=_nonneg(number_or_none(cut)),
        )

    def control_values(self) -> list[Any]:
        """Values of the pickers in :data:`CONTROL_FIELDS` order."""
        o = self.tree.options
        return [list(o.features or []), o.label_column, o.missing, o.one_hot, o.scaling,
                self.tree.method, self.tree.metric, self.truncate_mode, self.truncate_p,
                self.annotate_above, self.orientation, self.show_contracted, self.scatter_x,
                self.scatter_y]

    # ------------------------------------------------------------ the link
    def to_query(self, *, cut: bool = True) -> str:
        """The query string (no leading '?'). Every choice is written, so a link means the
        same thing whatever the defaults become; ``cut`` only when the view has one (and
        ``cut=True``). Feature columns repeat ``col``; none means "every numeric column".

        >>> View(TreeSpec(DatasetRef(example="mpg"), PrepareOptions(features=("a b", "c,d")))
        ...      ).to_query()[:40]
        'dataset=mpg&col=a+b&col=c%2Cd&label=&mis'
        """
        o = self.tree.options
        ds = self.tree.dataset
        pairs: list[tuple[str, str]] = [("dataset", ds.example or ds.dataset_id or "")]
        pairs += ds.query_pairs()
        pairs += [("col", str(c)) for c in o.features or ()]
        # Written even when empty: an example's preset label would otherwise come back.
        pairs += [("label", o.label_column or ""), ("missing", o.missing),
                  ("onehot", "1" if o.one_hot else "0"), ("scaling", o.scaling),
                  ("method", self.tree.method), ("metric", self.tree.metric),
                  ("truncate", self.truncate_mode), ("p", str(self.truncate_p))]
        if self.annotate_above is not None:
            pairs.append(("annotate", _num(self.annotate_above)))
        pairs += [("orientation", self.orientation),
                  ("contracted", "1" if self.show_contracted else "0")]
        if self.scatter_x:
            pairs.append(("x", self.scatter_x))
        if self.scatter_y:
            pairs.append(("y", self.scatter_y))
        if cut and self.cut is not None:
            pairs.append(("cut", _num(self.cut)))
        if cut and self.partition is not None:
            pairs += self.partition.query_pairs()
        return urlencode(pairs)

    @classmethod
    def from_query(cls, search: str | None) -> View | None:
        """The view a query string asks for, checked; None when it names no dataset.

        Choices the link leaves out take the example's presets (for an example) or the
        defaults, except the feature columns: no ``col`` means every numeric column. An
        upload's file name is not in a link (the store knows it).

        Raises
        ------
        DataError
            A value the app does not accept, named with what would be right.
        """
        q = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
        unknown = sorted(set(q) - set(QUERY_FIELDS))
        if unknown:
            log.info("ignoring unknown link parameters %s", unknown)
        name = (q.get("dataset") or [""])[-1].strip()
        if not name:
            return None
        one = {k: v[-1] for k, v in q.items()}
        example = EXAMPLES.get(name)
        if example is not None:
            dataset = DatasetRef(example=name)
            options = example.options.to_dict()
            method, metric = example.method, example.metric
        elif is_upload_id(name):
            dataset = DatasetRef.from_upload_query(name, one)
            options, method = {}, "ward"
            metric = "euclidean" if dataset.has_rows else PRECOMPUTED
        else:
            raise DataError(
                f"This link names a dataset {name[:40]!r} that this server does not know: "
                f"an example ({', '.join(EXAMPLES)}) or the id of an uploaded file."
            )
        cols = [c for c in q.get("col", []) if c != ""]
        options["features"] = cols or None
        for key, opt in (("label", "label_column"), ("missing", "missing"),
                         ("scaling", "scaling")):
            if key in one:
                options[opt] = one[key] or None
        if options.get("missing") is None:
            options.pop("missing", None)
        if options.get("scaling") is None:
            options.pop("scaling", None)
        if "onehot" in one:
            options["one_hot"] = one["onehot"] in ("1", "true", "yes")
        spec = TreeSpec(dataset, PrepareOptions.from_dict(options),
                        one.get("method") or method, one.get("metric") or metric)
        kw: dict[str, Any] = {}
        for key, attr in (("truncate", "truncate_mode"), ("orientation", "orientation"),
                          ("x", "scatter_x"), ("y", "scatter_y")):
            if one.get(key):
                kw[attr] = one[key]
        if one.get("p"):
            try:
                kw["truncate_p"] = int(one["p"])
            except ValueError:
                raise DataError(f"p must be a whole number, not {one['p']!r}") from None
        if one.get("annotate"):
            kw["annotate_above"] = _query_float("annotate", one["annotate"])
        if "contracted" in one:
            kw["show_contracted"] = one["contracted"] not in ("0", "false", "no")
        if one.get("cut"):
            kw["cut"] = _query_float("cut", one["cut"])
        kw["partition"] = PartitionSpec.from_query(one)
        return cls(spec, **kw)


#: The pickers a view sets, in :meth:`View.control_values` order (element ids are in
#: ``components.ids.VIEW_CONTROLS``).
CONTROL_FIELDS = ("features", "label_column", "missing", "one_hot", "scaling", "method",
                  "metric", "truncate_mode", "truncate_p", "annotate_above", "orientation",
                  "show_contracted", "scatter_x", "scatter_y")
