"""Uploads that are not feature tables: distance or similarity matrices, linkage matrices, trees.

What a file is, the user says (``components.view.DatasetRef.kind``, preselected by
:func:`clustering.distances.guess_kind`). Each reads once through the store (memoised by the
dataset's key, which holds the kind and the similarity conversion), and then looks to the rest
of the page like a table would:

* :func:`input_table` -- one row per item (its label), what the labels download writes;
* :func:`input_prepared` -- a :class:`~clustering.prepare.Prepared` whose matrix is the map the
  scatter shows: classical MDS of the distances (of a matrix), or of the cophenetic distances
  (of a tree); the steps say so;
* :func:`input_hierarchy` -- the tree: SciPy's ``linkage`` of the condensed matrix, or the
  uploaded tree itself.

What needs the rows' features (PCA, profiles, heatmap, gap statistic, feature bootstrap)
asks :func:`features_reason` and shows its sentence instead. Nothing here imports Dash.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import cophenet

from clustering.distances import (
    DistanceMatrix,
    Guess,
    classical_mds,
    distances_from_file,
    linkage_from_distances,
    precomputed_method_note,
)
from clustering.errors import DataError
from clustering.gower import gower_distances, gower_method_problem
from clustering.guess import guess_file
from clustering.linkage import Hierarchy
from clustering.newick import NewickTree, from_newick
from clustering.prepare import Prepared, PrepareOptions, encoded_width
from clustering.trees_in import LinkageUpload, read_labels, read_linkage
from components.state.store import get_settings, get_store
from components.view import GOWER, MEMO_VERSION, DatasetRef, TreeSpec

#: What the page calls each kind (the "what is this file?" choice).
KIND_LABELS = {
    "features": "a table of features (rows to cluster)",
    "distances": "a distance matrix (square, labelled)",
    "similarities": "a similarity matrix (square, labelled)",
    "condensed": "a condensed distance vector (SciPy's pdist order)",
    "linkage": "a linkage matrix (SciPy's Z: .npy or 4 columns)",
    "newick": "a Newick tree",
}
#: How a similarity becomes a distance, in words.
SIMILARITY_LABELS = {"one_minus": "1 − s", "max_minus": "max(s) − s"}

_WHAT = {"distances": "a distance matrix", "similarities": "a similarity matrix",
         "condensed": "a condensed distance vector", "linkage": "a linkage matrix",
         "newick": "a Newick tree"}


def _bytes(dataset_id: str | None) -> tuple[bytes, str]:
    from components.state.tables import gone_message

    got = get_store().get_dataset(dataset_id or "")
    if got is None:
        raise DataError(gone_message(dataset_id or ""))
    return got


def _check_size(n: int) -> None:
    s = get_settings()
    if n > s.max_rows:
        raise DataError(f"{n:,} items is more than this server's limit of {s.max_rows:,} rows; "
                        "upload a smaller matrix or tree.")


def read_input(data: bytes, filename: str, dataset: DatasetRef,
               labels_file: tuple[bytes, str] | None = None
               ) -> DistanceMatrix | LinkageUpload | NewickTree:
    """Read and check an upload as ``dataset.kind`` says (every problem named, in words).

    Raises
    ------
    DataError
        What :func:`clustering.distances.distances_from_file`, ``read_linkage``,
        ``from_newick`` or ``read_labels`` refuse, naming cells, rows or leaves.
    """
    kind = dataset.kind
    if kind in ("distances", "similarities", "condensed"):
        dm = distances_from_file(data, filename, kind, similarity=dataset.similarity)
        _check_size(dm.n)
        return dm
    if kind == "linkage":
        up = read_linkage(data, filename)
        if labels_file is not None:
            labels, said = read_labels(labels_file[0], labels_file[1], up.n)
            up = LinkageUpload(up.Z, tuple(labels), (*up.notes, said))
        _check_size(up.n)
        return up
    if kind == "newick":
        tree = from_newick(data)
        _check_size(tree.n)
        return tree
    raise DataError(f"{kind!r} is not a matrix or a tree")


def load_input(dataset: DatasetRef) -> DistanceMatrix | LinkageUpload | NewickTree:
    """:func:`read_input` of the stored upload (memoised under the dataset's key)."""

    def compute() -> DistanceMatrix | LinkageUpload | NewickTree:
        data, filename = _bytes(dataset.dataset_id)
        labels = _bytes(dataset.labels_id) if dataset.labels_id else None
        return read_input(data, filename, dataset, labels)

    return get_store().memo(("input", MEMO_VERSION, dataset.key), compute)


def remember_input(dataset: DatasetRef, got: DistanceMatrix | LinkageUpload | NewickTree) -> None:
    """Keep an upload read once (the upload step checked it): later steps take it from here."""
    get_store().memo(("input", MEMO_VERSION, dataset.key), lambda: got)


def input_labels(dataset: DatasetRef) -> tuple[str, ...]:
    return tuple(load_input(dataset).labels)


def input_notes(dataset: DatasetRef) -> tuple[str, ...]:
    """What reading the file did, in sentences (conversions, labels, inversions...)."""
    got = load_input(dataset)
    return tuple(got.steps if isinstance(got, DistanceMatrix) else got.notes)


def input_table(dataset: DatasetRef) -> pd.DataFrame:
    """One row per item, its label: what the table is for the labels download and counts."""
    return pd.DataFrame({"label": list(input_labels(dataset))})


def _mds_of(condensed: np.ndarray) -> tuple[np.ndarray, str]:
    n = int(round((1 + np.sqrt(1 + 8 * condensed.size)) / 2))
    k = min(2, n - 1)
    m = classical_mds(condensed, k=k)
    points = m.points if k == 2 else np.column_stack([m.points, np.zeros(n)])
    return np.ascontiguousarray(points, dtype=float), m.note


#: An uploaded tree's scatter is MDS of its cophenetic distances up to this many leaves; past
#: it (issue 14: 100,000 leaves would need a 37 GB cophenetic vector) the leaf order.
TREE_MDS_MAX = 5_000


def _leaf_order_points(Z: np.ndarray) -> tuple[np.ndarray, str]:
    """Each leaf at (its position in the tree's leaf order, 0): O(n), for trees too big for
    MDS of every pair."""
    from clustering.cut_index import tree_index

    n = Z.shape[0] + 1
    points = np.zeros((n, 2))
    points[np.asarray(tree_index(Z).leaves), 0] = np.arange(n)
    return points, (f"The scatter places each of the {n:,} leaves at its position in the "
                    "tree's leaf order: classical MDS of the cophenetic distances needs every "
                    f"pair ({n * (n - 1) // 2:,}), past the {TREE_MDS_MAX:,} leaves it is "
                    "computed for.")


def input_prepared(dataset: DatasetRef) -> Prepared:
    """The scatter's map and the steps, shaped as a :class:`Prepared` (memoised).

    The matrix is classical MDS of the distances (two axes), never features: what needs
    features asks :func:`features_reason` first.
    """

    def compute() -> Prepared:
        got = load_input(dataset)
        if isinstance(got, DistanceMatrix):
            points, note = _mds_of(np.asarray(got.condensed))
            steps = (*got.steps, note.replace("Classical MDS", "The scatter shows classical "
                                              "MDS", 1))
        elif np.asarray(got.Z).shape[0] + 1 > TREE_MDS_MAX:
            points, note = _leaf_order_points(np.asarray(got.Z))
            steps = (*got.notes, note)
        else:
            points, note = _mds_of(cophenet(np.asarray(got.Z)))
            steps = (*got.notes, note.replace(
                "Classical MDS (R's cmdscale) of the distance matrix",
                "The scatter shows classical MDS (R's cmdscale) of the tree's cophenetic "
                "distances (the file holds a tree, not rows)", 1))
        points.setflags(write=False)
        n = points.shape[0]
        labels = np.array(got.labels, dtype=object)
        return Prepared(points, ("MDS 1", "MDS 2"), np.arange(n, dtype=np.int64), labels,
                        pd.DataFrame(points, columns=["MDS 1", "MDS 2"]), n, 0, steps,
                        PrepareOptions())

    return get_store().memo(("input-prepared", MEMO_VERSION, dataset.key), compute)


def input_hierarchy(spec: TreeSpec) -> Hierarchy:
    """The tree of an upload that is a matrix (SciPy's linkage with ``spec.method``) or a tree."""
    got = load_input(spec.dataset)
    if isinstance(got, DistanceMatrix):
        return linkage_from_distances(got, spec.method)
    return Hierarchy(Z=got.Z, n=got.n, method="from the file", metric="precomputed",
                     backend="uploaded " + _WHAT[spec.dataset.kind], seconds=0.0)


def input_cophenetic(spec: TreeSpec, Z: np.ndarray) -> float | None:
    """Cophenetic correlation against the uploaded distances (None for a tree: nothing to
    compare with)."""
    got = load_input(spec.dataset)
    if not isinstance(got, DistanceMatrix) or got.n < 3:
        return None
    value = float(cophenet(np.asarray(Z), np.asarray(got.condensed))[0])
    return value if np.isfinite(value) else None


# ---------------------------------------------------------------- Gower (mixed tables)
def gower_hierarchy(spec: TreeSpec, prepared: Prepared, table: pd.DataFrame) -> Hierarchy:
    """SciPy's linkage of the Gower distances (R's ``daisy(x, "gower")``) between the rows
    ``prepared`` kept, on the feature columns as they are in the table (numbers range-scaled,
    categories matched; missing values as daisy treats them).

    Raises
    ------
    DataError
        A method that needs Euclidean input; a table beyond the exact limits (Gower is
        exact-only: it needs every pair); what ``gower_distances`` refuses.
    """
    problem = gower_method_problem(spec.method)
    if problem:
        raise DataError(problem)
    n = len(prepared.row_ids)
    s = get_settings()
    from components.state.approximate import choose_mode

    try:
        choose_mode(n, 1, "average", "euclidean", s)
    except DataError:
        raise DataError(
            f"Gower distances are exact-only: {n:,} rows need all {n * (n - 1) // 2:,} pairs, "
            f"beyond this server's exact limits ({s.exact_max_rows:,} rows, "
            f"{s.memory_budget_mb:,} MB). Use fewer rows, or a numeric metric (ward on "
            "euclidean has an approximate mode for big tables).") from None
    width = encoded_width(table, prepared.options)
    columns = [*width.numeric, *(c for c, _ in width.categorical)]
    frame = table.iloc[np.asarray(prepared.row_ids)][[c for c in table.columns if c in columns]]
    condensed = gower_distances(frame.reset_index(drop=True), condensed=True)
    h = linkage_from_distances(condensed, spec.method)
    return replace(h, metric=GOWER)


def gower_steps(prepared: Prepared, table: pd.DataFrame) -> str:
    """The sentence the steps list gets for a Gower tree."""
    width = encoded_width(table, prepared.options)
    return (f"Gower distances (R's cluster::daisy) on {len(width.numeric):,} numeric and "
            f"{len(width.categorical):,} categorical columns as they are in the table (numbers "
            "range-scaled, categories matched, missing values skipped pair by pair); the "
            "scaling and one-hot choices only shape the scatter, heatmap and profiles.")


# ---------------------------------------------------------------- what the page says
def features_reason(dataset: DatasetRef | None, what: str) -> str | None:
    """Why ``what`` (e.g. "The heatmap") cannot be shown for this upload, or None.

    >>> features_reason(DatasetRef(dataset_id="ab" * 32, kind="newick"), "The heatmap")[:46]
    'The heatmap needs the features of each row; th'
    >>> features_reason(DatasetRef(example="mpg"), "The heatmap") is None
    True
    """
    if dataset is None or dataset.has_rows:
        return None
    return (f"{what} needs the features of each row; this upload is {_WHAT[dataset.kind]}, "
            "which has none. Upload the table of features to see it.")


def rows_reason(spec: TreeSpec | None, what: str) -> str | None:
    """Why ``what`` (which works on the prepared feature matrix with a SciPy metric) is not
    shown: no features (a matrix or a tree), or Gower distances (not a SciPy metric on the
    prepared numbers); None when it can be.

    >>> rows_reason(TreeSpec(DatasetRef(example="mpg"), metric="gower", method="average"),
    ...             "The gap statistic")[:52]
    'The gap statistic works on the prepared numbers with'
    """
    if spec is None:
        return None
    reason = features_reason(spec.dataset, what)
    if reason is None and spec.metric == GOWER:
        reason = (f"{what} works on the prepared numbers with a SciPy metric; Gower distances "
                  "come from the mixed table itself, so it is not offered for them.")
    return reason


def mds_caption(dataset: DatasetRef) -> str:
    """The scatter's caption for a matrix or a tree (the steps hold the full sentence).

    >>> mds_caption(DatasetRef(dataset_id="ab" * 32, kind="distances"))
    'Classical MDS of the uploaded distances (there are no features)'
    """
    if dataset.is_matrix:
        return "Classical MDS of the uploaded distances (there are no features)"
    return "Classical MDS of the tree's cophenetic distances (there are no rows)"


def method_note(dataset: DatasetRef, method: str | None) -> str:
    """The sentence under the method and metric for a matrix or tree upload.

    >>> method_note(DatasetRef(dataset_id="ab" * 32, kind="distances"), "average")[:40]
    'The distances come with the file, so the'
    """
    if dataset.kind in ("linkage", "newick"):
        return ("The tree comes with the file: no linkage method or metric is used (cuts, "
                "diagnostics and exports work on it as it is).")
    text = ("The distances come with the file, so there is no metric to choose; the tree is "
            "SciPy's linkage of the condensed matrix.")
    note = precomputed_method_note(method) if method else None
    return text + (" " + note if note else "")


def guess_upload(data: bytes, filename: str) -> Guess:
    """:func:`clustering.guess.guess_file` under this server's reading limits."""
    from components.state.tables import read_limits

    return guess_file(data, filename, **read_limits())


def describe_kind(dataset: DatasetRef) -> str:
    """One line for the preview: what the file was read as, and its size."""
    got = load_input(dataset)
    what = _WHAT[dataset.kind]
    extra = ""
    if dataset.similarity:
        extra = f", converted to distances as {SIMILARITY_LABELS[dataset.similarity]}"
    return f"{dataset.display_name}: {what} of {got.n:,} items{extra}."
