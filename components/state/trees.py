"""The one way a callback (or a job) gets a tree: :func:`load_tree`.

Exact when the linkage fits the server's row cap and memory budget, else approximate ward on
micro-clusters (``components.state.approximate``). Either way the result is memoised in the
store under the view's :class:`~components.view.TreeSpec`, so any worker answers any user,
and a :class:`Tree` is typed the same: callers need no branch of their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from clustering.approximate import ApproxHierarchy, approximate_linkage
from clustering.cut_index import TreeIndex, tree_index
from clustering.diagnostics import (
    COPHENETIC_EXACT_MAX_ROWS,
    COPHENETIC_SAMPLE_ROWS,
    cophenetic_correlation,
    cophenetic_sample_rows,
)
from clustering.errors import DataError
from clustering.linkage import TIES_UNCHECKED, Hierarchy, compute_linkage, ward_tree_ties
from clustering.prepare import Prepared
from clustering.ties import SCIPY_TIES_MAX_N
from components.state import approximate as approx_mode
from components.state.inputs import gower_hierarchy, input_cophenetic, input_hierarchy
from components.state.store import get_settings, get_store
from components.state.tables import load_prepared, load_table, table_summary
from components.view import GOWER, LINKAGE_OPTIMAL_ORDERING, LINKAGE_P, TreeSpec

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class Tree:
    """Everything drawn from one linkage: its spec, the prepared matrix, the hierarchy and its
    cut index. ``hierarchy`` is an ``ApproxHierarchy`` in approximate mode (leaves are then
    micro-clusters; ``components.state.approximate`` says what that changes)."""

    spec: TreeSpec
    prepared: Prepared
    hierarchy: Hierarchy | ApproxHierarchy
    index: TreeIndex

    @property
    def Z(self) -> np.ndarray:
        return self.hierarchy.Z

    @property
    def approximate(self) -> ApproxHierarchy | None:
        """The approximate hierarchy, or None when the tree is exact."""
        h = self.hierarchy
        return h if isinstance(h, ApproxHierarchy) else None


def _caps() -> tuple[int, int]:
    s = get_settings()
    return s.max_rows, s.max_columns


def tree_memo_key(spec: TreeSpec) -> tuple:
    """The memo key of the exact linkage of ``spec`` under this server's table caps."""
    return spec.memo_key(*_caps())


def is_memoised(key: object) -> bool:
    """True when the store already holds the result for ``key`` (nothing is read or computed:
    this runs on every compute request, and a stored big tree is megabytes to unpickle)."""
    return get_store().has_result(key)


def is_stored(spec: TreeSpec) -> bool:
    """True when the tree of ``spec`` (exact or approximate) is already memoised."""
    key = tree_memo_key(spec)
    return is_memoised(key) or is_memoised(approx_mode.approx_key(key))


def stored_linkage(spec: TreeSpec) -> Hierarchy | None:
    """The memoised exact linkage of a table's ``spec``, or None when it is not in the store.

    Only Z and its facts are read: the table is not prepared again and the tree not indexed.
    The tree job answers with the tree's size and time alone (the draw reads the rest), so a
    job that adopted an upload's head start answers ~30 ms sooner (issue 14).
    """
    if not spec.dataset.has_rows or spec.metric == GOWER:
        return None  # memoised under the same key, but not compute_linkage's Hierarchy
    key = tree_memo_key(spec)
    if not is_memoised(key):
        return None

    def evicted() -> Hierarchy:
        raise LookupError(key)  # gone since has_result: nothing is stored in its place

    try:
        found = get_store().memo(key, evicted)
    except LookupError:
        return None
    return found if isinstance(found, Hierarchy) else None


#: What a step that only reads trees says when the tree was never computed (a forged or stale
#: request): computing happens in the compute step, inline or as a job, decided on the server.
NOT_COMPUTED = ("This tree has not been computed yet; choose the data, method and metric "
                "again to compute it.")


def load_tree(spec: TreeSpec, *, progress: Progress | None = None,
              prepared: Prepared | None = None, compute: bool = True) -> Tree:
    """The memoised tree of ``spec``: prepared matrix -> linkage (exact or approximate) -> index.

    Parameters
    ----------
    spec : TreeSpec
    progress : callable(fraction, text), optional
        Told how the linkage (exact) or the approximate hierarchy is going, when it runs.
    prepared : Prepared, optional
        ``load_prepared(spec)`` when the caller has it already (one store read fewer).
    compute : bool
        False for steps that only read (drawing, the analysis tabs): a tree not in the store
        is computed only when its table is small enough for the compute step to have run it
        inline (``settings.background_rows``), else refused (:data:`NOT_COMPUTED`), whatever
        the request says: big work runs as a job, decided on the server.

    Raises
    ------
    DataError
        A method/metric pair SciPy refuses, a table that cannot be prepared, or a table too
        big for the exact linkage with a pair the approximate mode does not offer.
    """
    spec.check()
    if not compute and not is_stored(spec):
        _, _, n_rows = table_summary(spec.dataset)
        if n_rows > get_settings().background_rows:
            raise DataError(NOT_COMPUTED)
    if prepared is None:
        prepared = load_prepared(spec)
    key = tree_memo_key(spec)
    if not spec.dataset.has_rows:
        # A matrix or a tree from the file: always exact (the file's size is capped on upload).
        hierarchy = get_store().memo(key, lambda: input_hierarchy(spec))
        return Tree(spec, prepared, hierarchy, tree_index(hierarchy.Z))
    if spec.metric == GOWER:
        hierarchy = get_store().memo(key, lambda: gower_hierarchy(
            spec, prepared, load_table(spec.dataset)))
        return Tree(spec, prepared, hierarchy, tree_index(hierarchy.Z))
    hierarchy = table_hierarchy(spec, prepared, progress)
    return Tree(spec, prepared, hierarchy, tree_index(hierarchy.Z))


def table_hierarchy(spec: TreeSpec, prepared: Prepared, progress: Progress | None = None
                    ) -> Hierarchy | ApproxHierarchy:
    """The memoised linkage of a table's ``spec`` (not Gower) from ``prepared``: exact, or
    approximate past the exact limits; computed when not in the store.

    :func:`load_tree` indexes it for the page; an upload's head start only stores it, so the
    job waiting for it starts ~20 ms sooner (issue 14).
    """
    key = tree_memo_key(spec)
    n, d = prepared.matrix.shape
    mode = approx_mode.choose_mode(n, d, spec.method, spec.metric, get_settings())
    if not mode.approximate:
        return get_store().memo(key, lambda: compute_linkage(
            prepared.matrix, spec.method, spec.metric, p=LINKAGE_P,
            optimal_ordering=LINKAGE_OPTIMAL_ORDERING, progress=progress,
            scipy_ties_max_n=scipy_ties_limit(get_settings().memory_budget_mb),
            # Past SciPy's limit the tie check decides only the page's note, not Z: it runs
            # after the first view (tree_ties), not before (issue 14: ~5 s at 20,000 x 10).
            check_ties=False,
        ))
    return get_store().memo(approx_mode.approx_key(key), lambda: approximate_linkage(
        prepared.matrix, m=approx_mode.approx_m(n), seed=approx_mode.SEED,
        progress=progress, agreement_sample=approx_mode.AGREEMENT_SAMPLE,
        agreement_ks=approx_mode.AGREEMENT_KS,
    ))


def ties_checked(tree: Tree) -> bool:
    """False when the tree's tie verdict is still to be computed (:func:`tree_ties`) and is
    not memoised yet (a stored verdict is read without loading anything more)."""
    h = tree.hierarchy
    if not str(getattr(h, "backend", "")).endswith(TIES_UNCHECKED):
        return True
    return is_memoised(ties_key(tree.spec))


def tree_ties(tree: Tree) -> bool:
    """Whether ties may have shaped ``tree`` (``Hierarchy.ties``), computing and memoising the
    Ward tie check that :func:`load_tree` left for after the first view."""
    h = tree.hierarchy
    if not str(getattr(h, "backend", "")).endswith(TIES_UNCHECKED):
        return bool(getattr(h, "ties", False))
    t0 = time.process_time()

    def check() -> bool:
        verdict = ward_tree_ties(tree.prepared.matrix, tree.Z)
        log.info("ward tie check n=%d: %s in %.2f s CPU", h.n, verdict,
                 time.process_time() - t0)
        return verdict

    return bool(get_store().memo(ties_key(tree.spec), check))


def ties_key(spec: TreeSpec) -> tuple:
    return ("ties", *tree_memo_key(spec))


def scipy_ties_limit(memory_budget_mb: int) -> int:
    """Rows up to which tie-prone data is linked by SciPy: its peak is two condensed matrices
    (8 n^2 bytes), so a small ``DENDRO_MEMORY_BUDGET_MB`` lowers the 10,000 of the library.

    >>> scipy_ties_limit(2048), scipy_ties_limit(256)
    (10000, 5792)
    """
    return min(SCIPY_TIES_MAX_N, int(np.sqrt(memory_budget_mb * 1024 * 1024 / 8)))


def try_load_tree(params: dict | None) -> Tree | None:
    """The tree a browser store's ``params`` name (tree-data's), or None when there is none or
    it cannot be had (the analysis tabs then show nothing; the draw step said why)."""
    if not params:
        return None
    try:
        return load_tree(TreeSpec.from_json(params), compute=False)
    except DataError as err:
        log.info("no tree for the analysis tabs: %s", err)
        return None


#: Seed of the rows the cophenetic correlation is estimated on past 20,000 rows.
COPHENETIC_SEED = 0


def cophenetic(spec: TreeSpec) -> float | None:
    """Cophenetic correlation of the exact tree of ``spec`` (memoised); None when it cannot
    be computed. The tree is read only when the value is not memoised yet: the status line
    asks after every redraw. Past ``COPHENETIC_EXACT_MAX_ROWS`` rows it is estimated on a
    random sample of rows (:func:`cophenetic_caption` says so on the page): every pair of
    100,000 rows would take ~85 s here."""

    def compute() -> float | None:
        # Only read: a forged or stale status request naming a big tree never computed must
        # not compute it here (DataError, not memoised, so the value comes once it exists).
        tree = load_tree(spec, compute=False)
        if not spec.dataset.has_rows:
            return input_cophenetic(spec, tree.Z)
        if spec.metric == GOWER:
            return None  # against Gower distances, not the prepared matrix: not offered yet
        if tree.approximate is not None:
            # Its leaves are micro-clusters: it would need the exact distances of every row.
            return None
        return _cophenetic(tree.Z, tree.prepared.matrix, spec.metric)

    try:
        return get_store().memo(cophenetic_key(spec), compute)
    except DataError as err:
        log.info("no cophenetic correlation: %s", err)
        return None


def cophenetic_key(spec: TreeSpec) -> tuple:
    # The sampling constants are in the key: changing them must not serve an old estimate.
    return ("cophenetic", *tree_memo_key(spec), COPHENETIC_EXACT_MAX_ROWS,
            COPHENETIC_SAMPLE_ROWS, COPHENETIC_SEED)


def cophenetic_caption(value: float | None, n: int) -> str:
    """The status line's cophenetic part: five decimals (as SciPy's tutorial prints it), and
    the sample when the value was estimated on one.

    >>> cophenetic_caption(0.980012, 500)
    ' · cophenetic correlation 0.98001'
    >>> cophenetic_caption(0.7, 100_000)
    ' · cophenetic correlation 0.70000 (estimated on 20,000 random rows of 100,000)'
    """
    if value is None:
        return ""
    sample = cophenetic_sample_rows(int(n))
    how = "" if sample is None else f" (estimated on {sample:,} random rows of {int(n):,})"
    return f" · cophenetic correlation {value:.5f}{how}"


def _cophenetic(Z: np.ndarray, X: np.ndarray, metric: str) -> float | None:
    t0 = time.perf_counter()
    try:
        value = float(cophenetic_correlation(Z, X, metric, sample=cophenetic_sample_rows(len(X)),
                                             seed=COPHENETIC_SEED))
    except DataError as err:
        log.info("no cophenetic correlation: %s", err)
        return None
    except (ValueError, FloatingPointError, MemoryError) as err:
        log.warning("cophenetic correlation failed: %s", err)
        return None
    log.info("cophenetic correlation for n=%d in %.2f s", len(X), time.perf_counter() - t0)
    return value if np.isfinite(value) else None
