"""The view: one frozen, typed description of what the page shows, and the link that names it.

    /?dataset=tutorial-blobs&col=x&col=y&label=&missing=drop&onehot=0&scaling=none
     &method=ward&metric=euclidean&truncate=none&p=30&orientation=top&contracted=1&cut=16

Three layers, each a frozen dataclass with equality and a JSON form:

* :class:`DatasetRef` -- an example id or the SHA-256 of an upload (its file name is display
  only: two references to the same id are the same dataset);
* :class:`TreeSpec` -- everything a linkage depends on (dataset, preparation, method, metric):
  its :meth:`TreeSpec.memo_key` keys every memoised result of the tree, its :attr:`TreeSpec.key`
  names the tree in the browser's stores, and its JSON form is the ``params`` those stores hold;
* :class:`View` -- the tree plus how it is drawn (truncation, annotation, orientation, scatter
  axes) and the cut. :meth:`View.to_query` / :meth:`View.from_query` are the link; the view
  file (``components.view_file``) is the link as typed JSON, so a file and a link are
  restored by the same steps.

The URL schema (:data:`QUERY_FIELDS`) lives here, with the app, not in ``clustering/``.
Nothing here imports Dash.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np

from clustering.datasets import EXAMPLES
from clustering.errors import DataError
from clustering.gower import gower_method_problem
from clustering.linkage import METHODS, METRICS, method_metric_problem
from clustering.prepare import PrepareOptions
from components.view_partition import PARTITION_QUERY_FIELDS, PartitionSpec

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_EXAMPLE", "GOWER", "INPUT_KINDS", "LINKAGE_OPTIMAL_ORDERING", "PRECOMPUTED", "LINKAGE_P", "MEMO_VERSION", "ORIENTATIONS",
    "QUERY_FIELDS", "TRUNCATE_MODES", "DatasetRef", "TreeSpec", "View", "is_upload_id",
    "number_or_none",
]

DEFAULT_EXAMPLE = "tutorial-blobs"
TRUNCATE_MODES = ("none", "lastp", "level")
ORIENTATIONS = ("top", "bottom", "left", "right")

#: Part of every memo key: bump it when a memoised result's meaning or layout changes, so a
#: store kept across an upgrade never hands back results of older code.
MEMO_VERSION = 3  # 3: tied data up to 10,000 rows linked by SciPy (issue 12)
#: compute_linkage arguments the app uses (its defaults), named so the memo key has them.
LINKAGE_P = 2.0
LINKAGE_OPTIMAL_ORDERING = False

_UPLOAD_ID = re.compile(r"^[0-9a-f]{64}$")

#: What an upload is, as the user says (``clustering.distances.guess_kind`` preselects one):
#: rows of features, a square distance or similarity matrix, a condensed distance vector, a
#: linkage matrix, a Newick tree. Only "features" has rows to prepare.
INPUT_KINDS = ("features", "distances", "similarities", "condensed", "linkage", "newick")
#: The metric of a tree whose distances came with the file (a matrix or a tree).
PRECOMPUTED = "precomputed"
#: Gower distances of a mixed feature table (``clustering.gower.gower_distances``).
GOWER = "gower"
_SIMILARITY = ("one_minus", "max_minus")


def is_upload_id(dataset_id: str | None) -> bool:
    """True when ``dataset_id`` has the shape of an upload id (64 hex digits), not an example id.

    >>> is_upload_id("ab" * 32), is_upload_id("mpg")
    (True, False)
    """
    return bool(_UPLOAD_ID.match(dataset_id or ""))


def number_or_none(v: Any) -> float | None:
    """``v`` as a finite float, or None (an empty or half-typed input field).

    >>> number_or_none("2.5"), number_or_none(""), number_or_none("inf")
    (2.5, None, None)
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


# ---------------------------------------------------------------- the dataset
@dataclass(frozen=True, eq=False)
class DatasetRef:
    """An example id, or an upload's id (SHA-256 of its bytes) and its file name.

    Two references are equal when they name the same dataset: the file name only labels it.

    >>> DatasetRef(dataset_id="ab" * 32, filename="a.csv") == DatasetRef(dataset_id="ab" * 32)
    True
    >>> DatasetRef.from_json({"example": "mpg"}).key
    'mpg'
    """

    example: str | None = None
    dataset_id: str | None = None
    filename: str | None = None
    #: What the file is (:data:`INPUT_KINDS`); how similarities become distances
    #: ("one_minus" or "max_minus", for "similarities"); the upload id of a labels file for a
    #: linkage matrix.
    kind: str = "features"
    similarity: str | None = None
    labels_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise DataError(f"kind must be one of {', '.join(INPUT_KINDS)}, not {self.kind!r}")
        if self.kind != "features" and self.example:
            raise DataError("an example is a feature table; kind applies to uploads only")
        if self.kind == "similarities" and self.similarity not in _SIMILARITY:
            raise DataError("a similarity matrix needs similarity = one_minus (1 − s) or "
                            f"max_minus (max − s), not {self.similarity!r}")
        if self.kind != "similarities" and self.similarity is not None:
            raise DataError("similarity applies to a similarity matrix only")
        if self.labels_id is not None and (self.kind != "linkage"
                                           or not is_upload_id(self.labels_id)):
            raise DataError("labels (a labels file's id) apply to a linkage matrix only")

    @property
    def key(self) -> str:
        """The short stable name of the dataset: the example id or the upload id (with what
        the file was read as, when not a feature table: the same bytes read as distances are
        another dataset).

        >>> DatasetRef(dataset_id="ab" * 32, kind="distances").key[-10:]
        ':distances'
        """
        base = self.example or self.dataset_id or ""
        if self.kind == "features":
            return base
        extra = self.similarity or (self.labels_id[:16] if self.labels_id else "")
        return f"{base}:{self.kind}" + (f":{extra}" if extra else "")

    @property
    def has_rows(self) -> bool:
        """True for a feature table (rows with columns); False for a matrix or a tree."""
        return self.kind == "features"

    @property
    def is_matrix(self) -> bool:
        """True for a distance or similarity matrix (square or condensed)."""
        return self.kind in ("distances", "similarities", "condensed")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatasetRef) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def to_json(self) -> dict[str, Any]:
        """``{"example": id}`` or ``{"dataset_id": sha256, "filename": name}``, plus ``kind``
        (and ``similarity`` / ``labels_id``) when the upload is not a feature table."""
        if self.example:
            return {"example": self.example}
        out: dict[str, Any] = {"dataset_id": self.dataset_id, "filename": self.filename}
        if self.kind != "features":
            out["kind"] = self.kind
        if self.similarity:
            out["similarity"] = self.similarity
        if self.labels_id:
            out["labels_id"] = self.labels_id
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> DatasetRef:
        """Inverse of :meth:`to_json`; :class:`DataError` when it names no dataset."""
        if not isinstance(d, Mapping) or not (d.get("example") or d.get("dataset_id")):
            raise DataError("dataset must be {'example': id} or {'dataset_id', 'filename'}")
        if d.get("example"):
            if set(d) - {"example"} or not isinstance(d["example"], str):
                raise DataError("dataset must be {'example': id} or {'dataset_id', 'filename'}")
            return cls(example=d["example"])
        if set(d) - {"dataset_id", "filename", "kind", "similarity", "labels_id"} or \
                not isinstance(d["dataset_id"], str):
            raise DataError("dataset must be {'example': id} or {'dataset_id', 'filename'}")
        if not is_upload_id(d["dataset_id"]):
            raise DataError("dataset_id must be 64 lowercase hex digits (SHA-256 of the file)")
        name = d.get("filename")
        return cls(dataset_id=d["dataset_id"], filename=None if name is None else str(name),
                   kind=str(d.get("kind") or "features"), similarity=d.get("similarity") or None,
                   labels_id=d.get("labels_id") or None)

    @property
    def display_name(self) -> str:
        """What file names and captions call it: the example id, else the upload's file name."""
        return self.example or self.filename or "data"


# ---------------------------------------------------------------- the tree
@dataclass(frozen=True)
class TreeSpec:
    """Everything a linkage result depends on.

    Examples
    --------
    >>> a = TreeSpec(DatasetRef(example="mpg"), PrepareOptions(scaling="zscore"))
    >>> TreeSpec.from_json(a.to_json()) == a, a.method, a.metric
    (True, 'ward', 'euclidean')
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


def _num(v: float) -> str:
    """Shortest text that reads back as the same float (integers without '.0').

    >>> _num(50.0), _num(0.1 + 0.2), _num(1e-7)
    ('50', '0.30000000000000004', '1e-07')
    """
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def _height(key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise DataError(f"{key} has the wrong type (bool)")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{key} must be a number, not {value!r}") from None
    if not math.isfinite(f) or f < 0:
        raise DataError(f"{key} must be a finite height >= 0, not {value!r}")
    return f


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
        # Only for what is not a feature table: links of feature tables read as before.
        if ds.kind != "features":
            pairs.append(("kind", ds.kind))
        if ds.similarity:
            pairs.append(("similarity", ds.similarity))
        if ds.labels_id:
            pairs.append(("labels", ds.labels_id))
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
            dataset = DatasetRef(dataset_id=name, kind=one.get("kind") or "features",
                                 similarity=one.get("similarity") or None,
                                 labels_id=one.get("labels") or None)
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


def _nonneg(v: float | None) -> float | None:
    return v if v is None or v >= 0 else None


def _query_float(key: str, text: str) -> float:
    try:
        f = float(text)
    except ValueError:
        raise DataError(f"{key} must be a number, not {text!r}") from None
    if not math.isfinite(f) or f < 0:
        raise DataError(f"{key} must be a finite height >= 0, not {text!r}")
    return f
