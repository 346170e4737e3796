"""Replicate work of the Evidence tab: support on every merge and cluster stability (issue 15).

A :class:`Work` names one computation: support of the tree's merges (``kind`` "features",
pvclust's multiscale feature bootstrap, or "rows", row subsampling) or the stability of the
clusters at the cut's k, with a number of replicates and a seed. Its result is memoised in the
store under :func:`work_key` (the tree's memo key + the work's numbers), so the same view
gives the same numbers and a second look costs a store read.

How the replicates run (:func:`run_local`, :func:`dispatch`): the library splits them into
chunks (``clustering.sampling.replicate_chunks``) whose results do not depend on the
chunking (each replicate is seeded by its index), so

* on one machine the job process runs the chunks in a pool of local processes (forked from
  the job, killed with it on Cancel: ``components.jobs.replicate_pool``);
* with ``REDIS_URL`` the job sends a Celery chord: one task per chunk (each memoises its part
  in the shared store) and one reduce task that memoises the result, and returns at once.
  No task waits on another (a worker pool of one would deadlock): the page polls the store
  (:func:`parts_done`, :func:`is_done`) and shows the result when the reduce task stored it.

The Celery tasks themselves (the worker's side) are in ``components.jobs.replicate_tasks``.

No Dash here (job bodies, plans, and sending the Celery chord).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from clustering.errors import DataError
from clustering.sampling import replicate_chunks
from clustering.stability import bootstrap_jaccard, plan_stability, summarise_stability
from clustering.subsampling import count_row_clades, plan_row_support, summarise_row_support
from clustering.support import (
    SUPPORT_METHODS,
    SUPPORT_METRICS,
    count_clades,
    plan_support,
    summarise_support,
)
from components.figures.support import hover_texts, support_traces
from components.jobs.replicate_pool import Progress, run_chunks
from components.state.inputs import load_input
from components.state.store import get_settings, get_store
from components.state.trees import Tree, is_memoised, tree_memo_key
from components.view import LINKAGE_P, TreeSpec

log = logging.getLogger(__name__)

SUPPORT_KINDS = ("features", "rows")
KIND_NAMES = {"features": "feature bootstrap (AU/BP, as pvclust(t(X)))",
              "rows": "row subsampling (share of subsamples)"}
#: Replicates by default and their bounds (feature bootstrap: per scale, 10 scales).
NBOOT_DEFAULT = 100
NBOOT_MIN, NBOOT_MAX = 2, 2000
SEED_DEFAULT = 1
MIN_SIZE_DEFAULT = 3
#: Rows per subsample of the row-subsampling support.
ROW_FRACTION = 0.8
#: Below this many features the page suggests row subsampling: pvclust's smallest scale
#: (r = 0.5) then draws at most 4 columns, and few distinct resamples exist.
FEW_FEATURES = 10
#: Replicate work is refused past this many rows: each replicate is a linkage of n rows
#: (1,000 x 10 scales at n = 500: ~100 CPU-s here; at 5,000 rows ~0.3 s a linkage).
MAX_ROWS = 5_000
#: Replicates per chunk (per task on Celery): ~1-3 s of work at n = 500.
CHUNKS = {"support-features": 10, "support-rows": 25, "stability": 25}
#: The Celery tasks' names: :func:`dispatch` sends by them, ``components.jobs.replicate_tasks``
#: registers the tasks under them.
TASK_CHUNK = "dendro.replicate_chunk"
TASK_REDUCE = "dendro.replicate_reduce"


@dataclass(frozen=True)
class Work:
    """One replicate computation: ``what`` "support" (``kind`` "features" or "rows") or
    "stability" (at ``k`` clusters), for the tree of ``spec``.

    >>> w = Work("stability", TreeSpec.from_json({"dataset": {"example": "blobs"}}), "", 50, 1, 3)
    >>> Work.from_json(w.to_json()) == w
    True
    """

    what: str
    spec: TreeSpec
    kind: str
    n_boot: int
    seed: int
    k: int = 0

    @property
    def name(self) -> str:
        return f"support-{self.kind}" if self.what == "support" else "stability"

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "params": self.spec.to_json(), "kind": self.kind,
                "n_boot": self.n_boot, "seed": self.seed, "k": self.k}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Work:
        return cls(d["what"], TreeSpec.from_json(d["params"]), d["kind"], int(d["n_boot"]),
                   int(d["seed"]), int(d.get("k") or 0))


def clamp(value: Any, lo: int, hi: int, default: int) -> int:
    """A whole number from a field, within [lo, hi]; the default when empty or not a number.

    >>> clamp(None, 2, 10, 5), clamp("30", 2, 10, 5), clamp(-1, 0, 10, 1)
    (5, 10, 0)
    """
    try:
        v = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return default
    return int(max(lo, min(v, hi)))


# ---------------------------------------------------------------- what suits, what is refused
def suggested_kind(n_features: int) -> tuple[str, str]:
    """The support that suits a table of ``n_features`` columns, and why.

    >>> suggested_kind(4)[0], suggested_kind(30)[0]
    ('rows', 'features')
    """
    if n_features < FEW_FEATURES:
        return "rows", (f"This table has {n_features} feature{'s' if n_features != 1 else ''}: "
                        "a feature bootstrap (pvclust) resamples the columns, and with fewer "
                        f"than {FEW_FEATURES} it has few distinct resamples (r = 0.5 draws "
                        f"{max(n_features // 2, 1)}), so its AU/BP are coarse. Row subsampling "
                        "suits it better.")
    return "features", (f"This table has {n_features} features: the feature bootstrap "
                        "(pvclust's AU and BP) suits it; row subsampling is the check that "
                        "does not depend on which features were measured.")


def no_rows_reason(tree: Tree) -> str | None:
    """Why nothing can be resampled: a tree uploaded as a linkage matrix or Newick has no rows.

    A distance (or similarity) matrix has rows: row subsampling and stability resample its
    items (clusterboot with a ``dist`` object does the same); only the feature bootstrap needs
    columns (:data:`NO_FEATURES`).
    """
    ref = tree.spec.dataset
    if getattr(ref, "has_rows", True) or getattr(ref, "is_matrix", False):
        return None
    return ("This tree was uploaded as a linkage matrix: there are no rows to resample, so "
            "support on merges and cluster stability cannot be computed. Upload the table the "
            "tree was built from instead.")


#: Why a distance-matrix upload has no feature bootstrap.
NO_FEATURES = ("This tree comes from a distance matrix: the feature bootstrap (pvclust's AU/BP) "
               "resamples the columns of a feature table and recomputes the distances, and a "
               "distance matrix has no columns to resample. Row subsampling and cluster "
               "stability resample the items and need only their distances: use those.")


def is_distance_input(tree: Tree) -> bool:
    """True when the tree was linked from an uploaded distance or similarity matrix."""
    return bool(getattr(tree.spec.dataset, "is_matrix", False))


def suggestion(tree: Tree) -> tuple[str, str]:
    """:func:`suggested_kind` for the tree on screen: row subsampling, and why, for a distance
    matrix (whose ``prepared`` matrix is only the MDS points of the scatter)."""
    if is_distance_input(tree):
        return "rows", NO_FEATURES
    return suggested_kind(tree.prepared.matrix.shape[1])


def problem(tree: Tree, what: str, kind: str = "features") -> str | None:
    """Why ``what`` ("support" of ``kind``, or "stability") cannot run on this tree, or None."""
    why = no_rows_reason(tree)
    if why:
        return why
    approx = tree.approximate
    n = int(tree.Z.shape[0]) + 1
    d = tree.prepared.matrix.shape[1]
    if approx is not None:
        return (f"This tree is approximate (its {approx.m:,} leaves are micro-clusters of "
                f"{n:,} rows): replicates would each cluster {n:,} rows exactly. Use fewer rows "
                "(a sample) to get support and stability.")
    if n > MAX_ROWS:
        return (f"{n:,} rows: each replicate clusters every row again, too slow here past "
                f"{MAX_ROWS:,} rows; use a sample of the rows.")
    if n < 4:
        return f"{n} rows: support and stability need at least 4 rows."
    spec = tree.spec
    if what == "support" and kind == "features":
        if is_distance_input(tree):
            return NO_FEATURES
        if d < 2:
            return ("The feature bootstrap resamples the columns and needs at least 2 "
                    f"(this table has {d}): use row subsampling.")
        if spec.method not in SUPPORT_METHODS or spec.metric not in SUPPORT_METRICS:
            return (f"pvclust has no equivalent of {spec.method}/{spec.metric}: the feature "
                    "bootstrap needs a metric among " + ", ".join(SUPPORT_METRICS)
                    + "; use row subsampling, or another metric.")
    return None


# ---------------------------------------------------------------- plans, chunks, reduce
def work_key(work: Work) -> tuple:
    """The memo key: the tree, what, the kind, B, the seed, k, and the fixed design numbers
    (row fraction) so that a change of them never reads an old result."""
    extra = ROW_FRACTION if work.name == "support-rows" else None
    return ("replicates", work.name, *tree_memo_key(work.spec), work.n_boot, work.seed,
            work.k, extra)


def part_key(work: Work, b0: int, b1: int) -> tuple:
    """The memo key of the part of replicates ``b0 .. b1-1`` (one Celery chunk task's)."""
    return ("replicates-part", *work_key(work), int(b0), int(b1))


def make_plan(work: Work, tree: Tree) -> Any:
    """The library's plan for ``work`` on ``tree`` (validates; DataError says what to fix)."""
    X, spec = tree.prepared.matrix, tree.spec
    metric = spec.metric
    if is_distance_input(tree):
        if work.name == "support-features":
            raise DataError(NO_FEATURES)
        # The uploaded distances themselves (not the MDS points the scatter draws), as
        # clusterboot(dist, distances = TRUE) resamples them.
        X, metric = load_input(spec.dataset).square(), "precomputed"
    if work.name == "support-features":
        return plan_support(X, spec.method, spec.metric, n_boot=work.n_boot, seed=work.seed,
                            Z=tree.Z)
    if work.name == "support-rows":
        return plan_row_support(X, spec.method, metric, n_boot=work.n_boot,
                                fraction=ROW_FRACTION, seed=work.seed, Z=tree.Z, p=LINKAGE_P)
    if work.name == "stability":
        return plan_stability(X, spec.method, metric, tree.index.labels_for_k(work.k),
                              n_boot=work.n_boot, seed=work.seed, p=LINKAGE_P)
    raise DataError(f"unknown replicate work {work.name!r}")


#: The library's pure chunk function of each work: ``fn(plan, b0, b1)`` -> a part.
CHUNK_FN = {"support-features": count_clades, "support-rows": count_row_clades,
             "stability": bootstrap_jaccard}


def bounds(work: Work) -> list[tuple[int, int]]:
    return replicate_chunks(work.n_boot, CHUNKS[work.name])


def combine(work: Work, plan: Any, parts: list[Any]) -> Any:
    """Reduce the chunks' parts (any order) to the library's result object."""
    if work.name == "stability":
        return summarise_stability(plan, parts)
    total = reduce(lambda a, b: a + b, parts)
    if work.name == "support-features":
        return summarise_support(plan, total)
    return summarise_row_support(plan, total)


def run_local(work: Work, tree: Tree, progress: Progress | None = None,
              workers: int | None = None) -> Any:
    """Every chunk on this machine, in ``workers`` processes (default
    :func:`~components.jobs.replicate_pool.replicate_workers`); the library's result
    (MergeSupport, RowSupport or ClusterStability), equal to its one-call function with the
    same seed."""
    plan = make_plan(work, tree)
    parts = run_chunks(CHUNK_FN[work.name], plan, bounds(work), work.n_boot, progress, workers)
    return combine(work, plan, parts)


class _NotComputed(LookupError):
    pass


def _not_computed() -> Any:
    raise _NotComputed  # memo stores nothing when compute raises


def result(work: Work) -> Any | None:
    """The memoised result of ``work``, or None when it has not been computed (or was evicted)."""
    try:
        return get_store().memo(work_key(work), _not_computed)
    except _NotComputed:
        return None


def is_done(work: Work) -> bool:
    return is_memoised(work_key(work))


def compute(work: Work, tree: Tree, progress: Progress | None = None) -> Any:
    """The result of ``work``, computed locally when not memoised (the job body)."""
    return get_store().memo(work_key(work), lambda: run_local(work, tree, progress))


def add_support(figure: Any, show: dict[str, Any] | None, tree: Tree, geometry: Any,
                orientation: str) -> None:
    """Add support to the drawn tree for the page's ``support-show`` store: badges and
    outlines (``components.figures.support``), and both numbers in each merge's hover. Nothing
    when it names another tree or nothing is memoised."""
    if not show or show.get("tree_key") != tree.spec.key or not show.get("work"):
        return
    try:
        work = Work.from_json(show["work"])
    except (DataError, KeyError, TypeError, ValueError):
        return
    res = result(work) if work.what == "support" else None
    if res is None:
        return
    values = {c: res.table[c].to_numpy() for c in res.table.columns}
    figure.add_traces(support_traces(geometry, tree.Z, kind=work.kind, values=values,
                                     min_size=int(show.get("min_size") or 2),
                                     orientation=orientation))
    n_scales = len(res.scales) if work.kind == "features" else 0
    for trace in figure.data:
        if trace.meta == "hover":
            rows = np.asarray(geometry.link_rows, dtype=np.int64)
            trace.hovertext = hover_texts(rows, kind=work.kind, values=values,
                                          n_boot=work.n_boot, n_scales=n_scales,
                                          note=f"seed {work.seed}")
            trace.hovertemplate = trace.hovertemplate.replace(
                "<extra>", "<br>%{hovertext}<extra>", 1)


# ---------------------------------------------------------------- Celery (REDIS_URL): send, poll
def parts_done(work: Work) -> int:
    """How many chunks of a dispatched ``work`` have stored their part."""
    return sum(is_memoised(part_key(work, b0, b1)) for b0, b1 in bounds(work))


def dispatch(work: Work, celery_app: Any) -> list[str]:
    """Send ``work`` as a chord (a task per chunk, then the reduce task) and return its task
    ids at once (to revoke them on Cancel); the caller never waits on them."""
    from celery import chord, group

    payload = work.to_json()
    header = group(celery_app.signature(TASK_CHUNK, args=(payload, b0, b1))
                   for b0, b1 in bounds(work))
    res = chord(header)(celery_app.signature(TASK_REDUCE, args=(payload,)))
    ids = [res.id]
    parent = getattr(res, "parent", None)
    ids += [r.id for r in getattr(parent, "results", None) or []]
    return ids


def uses_celery() -> bool:
    return bool(get_settings().redis_url)
