"""The partition a view shows, when it is not a horizontal cut: its source and parameters.

A view's clusters come from a height (``cut``, the default) or from one of these sources,
each stored in the link by its parameters only (the labels are recomputed from the tree):

    part=inconsistent&pt=1.2&depth=2        fcluster(Z, pt, 'inconsistent', depth)
    part=monocrit&pk=4&depth=2              fcluster(Z, pk, 'maxclust_monocrit', monocrit=maxinconsts)
    part=tree&mcs=20&deep=0                 cutreeDynamic(method="tree", deepSplit=FALSE)
    part=hybrid&mcs=20&deep=1&pam=1         cutreeDynamic(method="hybrid", deepSplit=1, pamStage=TRUE)
    part=roots&roots=198.196.41&minsize=3   hand edits: the cluster roots (node ids of Z), sorted

No Dash here; ``components.view.View`` holds a :class:`PartitionSpec` in ``partition``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clustering.errors import DataError

__all__ = ["PARTITION_QUERY_FIELDS", "SOURCES", "SOURCE_LABELS", "PartitionSpec"]

#: Partition sources; "height" is the horizontal cut (max_d or k), the default.
SOURCES = ("height", "inconsistent", "monocrit", "tree", "hybrid", "roots")
SOURCE_LABELS = {
    "height": "height (max_d) or k",
    "inconsistent": "inconsistency (fcluster 'inconsistent')",
    "monocrit": "k by inconsistency (maxclust_monocrit)",
    "tree": "dynamic tree cut: tree",
    "hybrid": "dynamic tree cut: hybrid",
    "roots": "hand edits (split, merge)",
}

#: The link's partition parameters (with their JSON type in a view file), after ``cut``.
PARTITION_QUERY_FIELDS: dict[str, type] = {
    "part": str,
    "pt": float,
    "pk": int,
    "depth": int,
    "mcs": int,
    "deep": int,
    "pam": bool,
    "roots": str,
    "minsize": int,
}

#: Which parameters each source writes (and reads back).
_PARAMS = {
    "height": (),
    "inconsistent": ("pt", "depth"),
    "monocrit": ("pk", "depth"),
    "tree": ("mcs", "deep"),
    "hybrid": ("mcs", "deep", "pam"),
    "roots": ("roots", "minsize"),
}


def _whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool):
        raise DataError(f"{name} must be a whole number, not {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a whole number, not {value!r}") from None
    if not math.isfinite(f) or f != int(f) or f < low or (high is not None and f > high):
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise DataError(f"{name} must be a whole number {span}, not {value!r}")
    return int(f)


@dataclass(frozen=True)
class PartitionSpec:
    """Where the view's clusters come from, and the parameters that rebuild them.

    Examples
    --------
    >>> s = PartitionSpec("roots", roots=(41, 198, 196), min_size=3)
    >>> s.roots, s.query_pairs()
    ((41, 196, 198), [('part', 'roots'), ('roots', '41.196.198'), ('minsize', '3')])
    >>> PartitionSpec.from_query({"part": "hybrid", "mcs": "10"}).deep_split
    1
    >>> PartitionSpec("tree").deep_split  # R's default for the tree method: FALSE
    0
    >>> PartitionSpec.from_json(s.to_json()) == s
    True
    """

    source: str = "height"
    threshold: float = 1.0  # inconsistent: largest inconsistency coefficient inside a cluster
    k: int = 2  # monocrit: number of clusters
    depth: int = 2  # inconsistent, monocrit: levels of the inconsistency statistic
    min_cluster_size: int = 20  # dynamic: R's minClusterSize (its default)
    # hybrid 0..4, tree 0 = FALSE / 1 = TRUE; None = R's default for the source (hybrid 1,
    # tree FALSE), so a spec or a link that leaves it out cuts as cutreeDynamic would.
    deep_split: int | None = None
    pam_stage: bool = True  # hybrid
    roots: tuple[int, ...] = ()  # hand edits: cluster root node ids of Z, sorted
    min_size: int = 1  # hand edits: clades with fewer rows are unassigned

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise DataError(f"the partition source must be one of {', '.join(SOURCES)}, "
                            f"not {self.source!r}")
        t = self.threshold
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
            raise DataError(f"the inconsistency threshold must be a number >= 0, not {t!r}")
        object.__setattr__(self, "threshold", float(t))
        object.__setattr__(self, "k", _whole("k", self.k, 1))
        object.__setattr__(self, "depth", _whole("depth", self.depth, 1))
        object.__setattr__(self, "min_cluster_size",
                           _whole("the minimum cluster size", self.min_cluster_size, 1))
        high = 1 if self.source == "tree" else 4
        if self.deep_split is None:
            object.__setattr__(self, "deep_split", 0 if self.source == "tree" else 1)
        object.__setattr__(self, "deep_split", _whole("deepSplit", self.deep_split, 0, high))
        if self.source == "tree" and self.min_cluster_size < 2:
            raise DataError("the tree method needs a minimum cluster size of 2 or more")
        object.__setattr__(self, "pam_stage", bool(self.pam_stage))
        roots = tuple(sorted(_whole("a cluster root", r, 0) for r in self.roots))
        if self.source == "roots" and not roots:
            raise DataError("hand edits need their cluster roots (node ids of the tree)")
        object.__setattr__(self, "roots", roots)
        object.__setattr__(self, "min_size", _whole("the minimum cluster size", self.min_size, 1))

    @property
    def is_height(self) -> bool:
        return self.source == "height"

    def params(self) -> dict[str, Any]:
        """Only the parameters this source uses, by query name."""
        values = {"pt": self.threshold, "pk": self.k, "depth": self.depth,
                  "mcs": self.min_cluster_size, "deep": self.deep_split, "pam": self.pam_stage,
                  "roots": ".".join(str(r) for r in self.roots), "minsize": self.min_size}
        return {key: values[key] for key in _PARAMS[self.source]}

    def query_pairs(self) -> list[tuple[str, str]]:
        """The link's ``(key, text)`` pairs; none for a height."""
        if self.is_height:
            return []
        out = [("part", self.source)]
        for key, value in self.params().items():
            if isinstance(value, bool):
                out.append((key, "1" if value else "0"))
            elif isinstance(value, float):
                out.append((key, str(int(value)) if value.is_integer() else repr(value)))
            else:
                out.append((key, str(value)))
        return out

    @classmethod
    def from_query(cls, one: Mapping[str, str]) -> PartitionSpec | None:
        """The spec of a link's parameters (the last value of each); None for a height."""
        source = (one.get("part") or "height").strip()
        if source == "height":
            return None
        if source not in SOURCES:
            raise DataError(f"part must be one of {', '.join(SOURCES)}, not {source!r}")
        kw: dict[str, Any] = {}
        for key in _PARAMS[source]:
            text = one.get(key)
            if text is None or text == "":
                continue
            if key == "pt":
                try:
                    kw["threshold"] = float(text)
                except ValueError:
                    raise DataError(f"pt must be a number, not {text!r}") from None
            elif key == "pam":
                kw["pam_stage"] = text not in ("0", "false", "no")
            elif key == "roots":
                try:
                    kw["roots"] = tuple(int(r) for r in text.split("."))
                except ValueError:
                    raise DataError("roots must be node ids joined by '.', e.g. 198.196.41, "
                                    f"not {text[:40]!r}") from None
            else:
                attr = {"pk": "k", "depth": "depth", "mcs": "min_cluster_size",
                        "deep": "deep_split", "minsize": "min_size"}[key]
                kw[attr] = _whole(key, text, 0)
        return cls(source, **kw)

    def to_json(self) -> dict[str, Any]:
        """``{"source": ..., <its parameters by query name>}`` (what the browser stores hold)."""
        return {"source": self.source, **self.params()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> PartitionSpec:
        """Inverse of :meth:`to_json` (a missing source means a height)."""
        if not d:
            return cls()
        one = {"part": str(d.get("source") or "height")}
        for key in PARTITION_QUERY_FIELDS:
            if key in d and d[key] is not None:
                v = d[key]
                one[key] = ("1" if v else "0") if isinstance(v, bool) else str(v)
        return cls.from_query(one) or cls()
