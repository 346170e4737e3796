"""The Evidence tab's work: validity per k, the gap statistic, silhouettes at a cut (memoised).

Started from ``components.analysis.evidence``: validity indices at once up to
:data:`VALIDITY_AUTO_MAX` rows, else with the gap statistic as a background job; the silhouette
at the cut at once up to :data:`SILHOUETTE_AUTO_MAX` rows. Every result is kept in the store,
keyed by the tree's memo key and the numbers that shape it (K, B, seed, k), so the same view
gives the same numbers and a second look costs a store read.

What is refused, and why (:func:`refusal`, :func:`gap_problem`):

* approximate trees (big tables): the leaves are micro-clusters, so every index would be of
  the rows' micro-cluster labels, and the silhouette would need every pair of rows (n² distance
  evaluations at n past the exact limit: hours) -- the tab says so and computes nothing;
* memory: the validity indices and the gap statistic never hold the n x n distances (row
  blocks of 32 MB, ``clustering.validity_sums``), but keep per-row sums for every k,
  n x (2 + ... + K) float64 (:func:`validity_bytes`); the gap statistic also builds the exact
  linkage of each of B reference sets of n rows, which is refused as the page refuses an
  exact tree (``clustering.approximate.exact_feasible``).

No Dash here (this is a job body and its plan).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from clustering.approximate import exact_feasible
from clustering.errors import DataError
from clustering.gap import GapStatistic, gap_statistic
from clustering.suggest import heights_for_k
from clustering.validity import Silhouette, silhouette_widths, validity_indices
from components.state.store import get_settings, get_store
from components.state.trees import Tree, is_memoised, tree_memo_key
from components.view import LINKAGE_P, TreeSpec

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

#: Validity indices run at once up to this many rows (measured here, d = 10, K = 12: 0.2 s at
#: 750 rows, 2.1 s at 5,000, 5.7 s at 10,000); above, with the gap statistic in the job.
VALIDITY_AUTO_MAX = 5_000
#: The silhouette at the cut runs at once, per new k, up to this many rows (one pass over n²
#: distances: 1.0 s at 5,000 rows, 4.9 s at 10,000 here, too slow to follow a cut); above, it
#: is not drawn and the tab says why.
SILHOUETTE_AUTO_MAX = 5_000
#: K by default (issue 15) and at most: curves past 30 clusters are rarely a question of "how many".
K_DEFAULT = 12
K_MAX = 30
#: B by default (the issue's 50; clusGap's own default is 100) and its bounds (B >= 2 for SEs).
B_DEFAULT = 50
B_MIN, B_MAX = 2, 500
SEED_DEFAULT = 1
#: clusGap's print default: the rule and its SE factor, named on the page.
GAP_RULE = "firstSEmax"
GAP_SE_FACTOR = 1.0
#: Replicates per progress report (and per chunk of clustering.gap.gap_statistic).
GAP_CHUNK = 5
_BLOCK_BYTES = 32 * 1024 * 1024  # clustering.validity_sums' row blocks of distances


def clamp_k(value: Any, n: int) -> int:
    """K from the field: whole, 2 <= K <= min(n - 1, :data:`K_MAX`); default 12.

    >>> clamp_k(None, 750), clamp_k(99, 750), clamp_k(12, 6), clamp_k(1, 750)
    (12, 30, 5, 2)
    """
    try:
        k = int(float(value))
    except (TypeError, ValueError, OverflowError):
        k = K_DEFAULT
    return int(max(2, min(k, K_MAX, max(n - 1, 2))))


def clamp_b(value: Any) -> int:
    """B from the field: whole, :data:`B_MIN` <= B <= :data:`B_MAX`; default 50.

    >>> clamp_b(None), clamp_b(1), clamp_b(10_000), clamp_b("20")
    (50, 2, 500, 20)
    """
    try:
        b = int(float(value))
    except (TypeError, ValueError, OverflowError):
        b = B_DEFAULT
    return int(max(B_MIN, min(b, B_MAX)))


def clamp_seed(value: Any) -> int:
    """The seed from the field: a whole number >= 0; default 1.

    >>> clamp_seed(None), clamp_seed(-3), clamp_seed(7.0)
    (1, 1, 7)
    """
    try:
        s = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return SEED_DEFAULT
    return s if s >= 0 else SEED_DEFAULT


def validity_bytes(n: int, k_max: int) -> int:
    """Peak memory of ``validity_indices`` for ks 2..K on n rows: per-row distance sums for
    every k (n x (2 + ... + K)), the one-hot basis of the finest cut (n x K), the labels at
    each k, and one 32 MB block of distances. Never n x n.

    >>> round(validity_bytes(50_000, 12) / 2**20)
    70
    """
    ks_sum = k_max * (k_max + 1) // 2 - 1
    return int(8 * n * (ks_sum + k_max + (k_max - 1)) + _BLOCK_BYTES)


def refusal(tree: Tree, k_max: int = K_DEFAULT) -> str | None:
    """Why the tab computes nothing for this tree (approximate, too few rows, or the indices'
    memory past the budget), or None when it can."""
    approx = tree.approximate
    n = tree.prepared.matrix.shape[0]
    if approx is not None:
        return (f"This tree is approximate: its {approx.m:,} leaves are micro-clusters of "
                f"{n:,} rows. Validity indices, the gap statistic and silhouettes are not "
                "computed for it: the silhouette needs the distance of every pair of rows "
                f"({n:,}² distance evaluations, hours here), the gap statistic would cluster "
                f"{n:,} rows exactly once per reference set, and indices of the micro-cluster "
                "labels would score the summary rather than your rows. Use fewer rows (a "
                "sample) to get this evidence.")
    if n < 3:
        return f"{n} rows: the indices need at least 3 rows (k = 2 clusters below n)."
    need = validity_bytes(n, k_max)
    budget = int(get_settings().memory_budget_mb) * 1024 * 1024
    if need > budget:
        return (f"Validity indices for k = 2..{k_max} on {n:,} rows need about "
                f"{need / 2**20:,.0f} MB (per-row distance sums for every k), more than this "
                f"server's memory budget of {budget / 2**20:,.0f} MB: choose a smaller K or use "
                "fewer rows.")
    return None


def gap_problem(tree: Tree, k_max: int) -> str | None:
    """Why the gap statistic cannot run on this tree, or None.

    Each reference set is clustered exactly with the tree's method and metric, so the linkage
    must fit the memory budget as an exact tree does; W_k needs per-row sums for k = 1..K.
    """
    why = refusal(tree, k_max)
    if why:
        return why
    n, d = tree.prepared.matrix.shape
    budget = int(get_settings().memory_budget_mb) * 1024 * 1024
    ok, reason = exact_feasible(n, d, tree.spec.method, tree.spec.metric,
                                memory_budget_bytes=budget, max_rows=max(n, 1),
                                vector_max_rows=max(n, 1))
    if not ok:
        # exact_feasible ends with the approximate fallback, which does not apply here.
        return ("The gap statistic clusters each reference set exactly: "
                + re.split(r", so ", reason, maxsplit=1)[0] + ".")
    return None


# ---------------------------------------------------------------- memo keys
def validity_key(spec: TreeSpec, k_max: int) -> tuple:
    return ("validity", *tree_memo_key(spec), int(k_max))


def gap_key(spec: TreeSpec, k_max: int, n_refs: int, seed: int) -> tuple:
    """The gap statistic's memo key: the tree, K, B, the seed, the rule and its SE factor."""
    return ("gap", *tree_memo_key(spec), int(k_max), int(n_refs), int(seed), GAP_RULE,
            GAP_SE_FACTOR)


def silhouette_key(spec: TreeSpec, k: int) -> tuple:
    # The cuts of one tree are nested: the partition at a cut is fixed by its k.
    return ("silhouette", *tree_memo_key(spec), int(k))


def validity_memoised(spec: TreeSpec, k_max: int) -> bool:
    return is_memoised(validity_key(spec, k_max))


def gap_memoised(spec: TreeSpec, k_max: int, n_refs: int, seed: int) -> bool:
    return is_memoised(gap_key(spec, k_max, n_refs, seed))


# ---------------------------------------------------------------- results
def validity(tree: Tree, k_max: int) -> dict[str, Any]:
    """``validity_indices`` for k = 2..K on the tree (memoised): ``{"table", "best", "notes"}``
    (the labels per k are left out: the tree's index gives them in microseconds)."""
    def compute() -> dict[str, Any]:
        v = validity_indices(tree.prepared.matrix, tree.Z, range(2, k_max + 1),
                             metric=tree.spec.metric, p=LINKAGE_P)
        return {"table": v.table, "best": dict(v.best), "notes": tuple(v.notes)}

    return get_store().memo(validity_key(tree.spec, k_max), compute)


def gap(tree: Tree, k_max: int, n_refs: int, seed: int,
        progress: Progress | None = None) -> GapStatistic:
    """The gap statistic as clusGap's defaults (scaledPCA box, d.power 1, firstSEmax, SE
    factor 1) for k = 1..K with B reference sets (memoised)."""
    return get_store().memo(gap_key(tree.spec, k_max, n_refs, seed), lambda: gap_statistic(
        tree.prepared.matrix, tree.spec.method, tree.spec.metric, k_max, n_refs, seed,
        Z=tree.Z, p=LINKAGE_P, rule=GAP_RULE, se_factor=GAP_SE_FACTOR, chunk_size=GAP_CHUNK,
        progress=progress))


def silhouette_at(tree: Tree, k: int) -> Silhouette:
    """Silhouette widths of the partition with k clusters (the cut's), with the tree's metric."""
    return get_store().memo(silhouette_key(tree.spec, k), lambda: silhouette_widths(
        tree.index.labels_for_k(k), tree.prepared.matrix, metric=tree.spec.metric, p=LINKAGE_P))


def snap_cuts(tree: Tree, ks: list[int]) -> list[dict[str, Any]]:
    """A tidy cut height for each k the tree can give exactly: ``[{"k", "height"}]``.

    Heights from ``clustering.suggest.heights_for_k`` (what the k field uses); a k that tied
    merge heights jump over gets no entry.
    """
    wanted = sorted({int(k) for k in ks if k is not None})
    if not wanted:
        return []
    heights, got = heights_for_k(tree.index, max(wanted))
    return [{"k": k, "height": float(heights[k - 1])} for k in wanted if int(got[k - 1]) == k]


def run_job(tree: Tree, k_max: int, n_refs: int, seed: int,
            progress: Progress | None = None) -> dict[str, Any]:
    """The background job: validity (when not memoised) and the gap statistic, both memoised.

    Returns ``{"tree_key", "k_max", "n_refs", "seed", "error"}`` (error None or a sentence).
    """
    out = {"tree_key": tree.spec.key, "k_max": k_max, "n_refs": n_refs, "seed": seed,
           "error": None}
    why = refusal(tree, k_max)
    if why:
        out["error"] = why
        return out
    say = progress or (lambda f, t: None)
    if not validity_memoised(tree.spec, k_max):
        say(0.0, f"validity indices for k = 2..{k_max}…")
        validity(tree, k_max)
    why = gap_problem(tree, k_max)
    if why:
        out["error"] = why
        return out
    try:
        gap(tree, k_max, n_refs, seed, progress=lambda f, t: say(f, f"gap statistic: {t}"))
    except DataError as err:
        out["error"] = f"The gap statistic cannot be computed: {err}"
    return out


def favoured(best: dict[str, Any], gap_stat: GapStatistic | None) -> dict[str, int | None]:
    """The k each curve favours (the gap's by its rule), for the figure and the summary.

    >>> favoured({"silhouette": 5, "calinski_harabasz": 4, "davies_bouldin": 5}, None)
    {'silhouette': 5, 'calinski_harabasz': 4, 'davies_bouldin': 5, 'gap': None}
    """
    out = {k: (None if v is None else int(v)) for k, v in best.items()}
    out["gap"] = None if gap_stat is None or gap_stat.k_best is None else int(gap_stat.k_best)
    return out


def as_float_list(a: Any) -> list[float | None]:
    """Finite floats, None for NaN (JSON has no NaN).

    >>> as_float_list([1.0, float("nan")])
    [1.0, None]
    """
    arr = np.asarray(a, dtype=float)
    return [float(v) if np.isfinite(v) else None for v in arr]
