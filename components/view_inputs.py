"""What a dataset reference names: an example, or an upload and what the user says it is.

Issue 17's input kinds live here: a feature table, a distance or similarity matrix (square or
condensed), a linkage matrix (with an optional labels file), a Newick tree. A
:class:`DatasetRef` carries the kind, the similarity conversion and the labels file's id, and
writes them to (and reads them from) the link. ``components.view_spec`` builds the tree on it
and ``components.view`` the view, and its names stay importable from ``components.view``.
Nothing here imports Dash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clustering.errors import DataError

__all__ = ["GOWER", "INPUT_KINDS", "PRECOMPUTED", "DatasetRef", "is_upload_id"]

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

    def query_pairs(self) -> list[tuple[str, str]]:
        """The link's ``kind``, ``similarity`` and ``labels`` pairs: none for a feature table,
        so links of feature tables read as before.

        >>> DatasetRef(dataset_id="ab" * 32, kind="similarities", similarity="one_minus"
        ...            ).query_pairs()
        [('kind', 'similarities'), ('similarity', 'one_minus')]
        """
        pairs: list[tuple[str, str]] = []
        if self.kind != "features":
            pairs.append(("kind", self.kind))
        if self.similarity:
            pairs.append(("similarity", self.similarity))
        if self.labels_id:
            pairs.append(("labels", self.labels_id))
        return pairs

    @classmethod
    def from_upload_query(cls, dataset_id: str, one: Mapping[str, str]) -> DatasetRef:
        """The upload a link names, with its kind (``one`` holds the link's last value of
        each parameter).

        >>> DatasetRef.from_upload_query("ab" * 32, {"kind": "newick"}).kind
        'newick'
        """
        return cls(dataset_id=dataset_id, kind=one.get("kind") or "features",
                   similarity=one.get("similarity") or None,
                   labels_id=one.get("labels") or None)
