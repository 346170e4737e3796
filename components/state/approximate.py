"""Big tables in the app: exact or approximate clustering, and what each view needs for it.

Above ``settings.exact_max_rows`` rows, or when the exact linkage would need more memory than
``settings.memory_budget_mb`` (``clustering.approximate.exact_feasible``), the app clusters
with :func:`clustering.approximate.approximate_linkage`: ward on m micro-clusters. The tree's
leaves are then micro-clusters, not rows, and this module is where the views learn that:

* leaf labels and merge sizes count rows (``ApproxHierarchy.row_counts``), not ``Z[:, 3]``,
  which counts micro-clusters;
* every row takes its micro-cluster's cluster, and the browser's recolour maps each scatter
  point to its micro-cluster's leaf position (``tree-data``'s ``row_pos``);
* the page says plainly that the result is approximate (the ``approx-note`` alert).

The approximate mode is ward on euclidean distances only; any other choice on a table too big
for exact clustering is refused with a sentence saying what to do.

The tree itself is loaded by ``components.state.trees.load_tree`` (the one loader), which
asks :func:`choose_mode` and keys the result with :func:`approx_key`. Every other function
takes a ``components.state.trees.Tree`` whose ``hierarchy`` is either a
``clustering.linkage.Hierarchy`` (exact) or an ``ApproxHierarchy``; exact trees go through
unchanged, so callers need no branch of their own. No Dash here.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from clustering.approximate import DEFAULT_M, ApproxHierarchy, exact_feasible, exact_row_limit
from clustering.errors import DataError
from clustering.linkage import check_method_metric
from clustering.sampling import sample_per_group
from components.settings import Settings

if TYPE_CHECKING:  # trees imports this module; the type is only for annotations
    from components.state.trees import Tree

log = logging.getLogger(__name__)

#: Micro-clusters of the approximate mode (the service's default, 5,000): ward on 5,000
#: weighted centroids takes ~1-2 s here, and 1M rows reach a first dendrogram in ~11 s
#: (README "Big tables", bench/bench_big.py).
APPROX_M = DEFAULT_M
#: Rows per micro-cluster at least: a table just past a low DENDRO_EXACT_MAX_ROWS still gets
#: a real summary (5,000 rows -> 500 micro-clusters), not one micro-cluster per row.
MIN_ROWS_PER_MICRO = 10
#: Rows of the random sample on which the approximate labels are compared with exact ward.
AGREEMENT_SAMPLE = 10_000
AGREEMENT_KS = (2, 3, 5, 8, 12)
SEED = 0
# Past this many points the scatter shows a sample drawn per stratum (see sample_per_group):
# 1M points would be ~20 MB of JSON and seconds of WebGL upload for a picture that looks the same.
SCATTER_MAX_POINTS = 50_000


class Mode(NamedTuple):
    """Exact or approximate, and the sentence for the page saying why."""

    approximate: bool
    reason: str


def _exact_feasible(n: int, d: int, method: str, metric: str,
                    settings: Settings) -> tuple[bool, str]:
    """``clustering.approximate.exact_feasible`` under this server's row cap and memory budget."""
    return exact_feasible(
        n, d, method, metric,
        memory_budget_bytes=int(settings.memory_budget_mb) * 1024 * 1024,
        max_rows=int(settings.exact_max_rows),
        vector_max_rows=settings.vector_max_rows,
    )


def row_limit(method: str, metric: str, settings: Settings) -> tuple[int, str]:
    """This server's exact row cap for the pair, and the sentence saying why it is that one:
    ``settings.vector_max_rows`` (DENDRO_EXACT_VECTOR_MAX_ROWS) for ward/single/centroid/median
    on euclidean data, ``exact_max_rows`` (DENDRO_EXACT_MAX_ROWS) for every other pair.

    >>> s = Settings.from_env(exact_max_rows=50_000, exact_vector_max_rows=100_000)
    >>> row_limit("ward", "euclidean", s)[0], row_limit("complete", "euclidean", s)[0]
    (100000, 50000)
    """
    return exact_row_limit(method, metric, max_rows=int(settings.exact_max_rows),
                           vector_max_rows=settings.vector_max_rows)


def choose_mode(n: int, d: int, method: str, metric: str, settings: Settings) -> Mode:
    """Exact when it fits the server's row cap and memory budget, else approximate ward.

    Parameters
    ----------
    n, d : int
        Rows and columns of the prepared matrix.
    method, metric : str
    settings : Settings
        ``exact_max_rows`` (DENDRO_EXACT_MAX_ROWS) and ``memory_budget_mb``
        (DENDRO_MEMORY_BUDGET_MB).

    Returns
    -------
    Mode

    Raises
    ------
    DataError
        When exact does not fit and the pair is not ward/euclidean (the only approximate
        mode): the message says why and what to choose instead.

    Examples
    --------
    >>> s = Settings.from_env(exact_max_rows=1000)
    >>> choose_mode(500, 3, "average", "cityblock", s).approximate
    False
    >>> choose_mode(5000, 3, "ward", "euclidean", s).approximate
    True
    >>> try:
    ...     choose_mode(5000, 3, "average", "euclidean", s)
    ... except DataError as err:
    ...     print(str(err)[:50])
    Exact average linkage on 5,000 rows would fit in m
    """
    check_method_metric(method, metric)
    ok, reason = _exact_feasible(n, d, method, metric, settings)
    if ok:
        return Mode(False, reason)
    if (method, metric) == ("ward", "euclidean"):
        return Mode(True, reason)
    # exact_feasible ends with the approximate fallback, which only exists for ward.
    why = re.split(r", so (?:the approximate mode|above )", reason, maxsplit=1)[0]
    limit, _ = row_limit(method, metric, settings)
    raise DataError(
        f"{why}; this server's limits for {method} with {metric} are {limit:,} rows and "
        f"{settings.memory_budget_mb:,} MB (ward, single, centroid and median on euclidean "
        f"data need no distance matrix and go up to {settings.vector_max_rows:,} "
        "rows). Tables this big are clustered approximately, "
        "and only with ward linkage on euclidean distances (ward on micro-clusters): choose "
        "method 'ward' and metric 'euclidean', or use fewer rows or columns."
    )


def approx_m(n: int) -> int:
    """Micro-clusters for n rows: :data:`APPROX_M`, or fewer for small tables.

    >>> approx_m(1_000_000), approx_m(5_000), approx_m(3)
    (5000, 500, 2)
    """
    return max(2, min(APPROX_M, n // MIN_ROWS_PER_MICRO))


def approx_key(tree_key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The memo key of an approximate tree: the exact tree's memo key and every constant of
    the approximation. Knowable without the table (m = :func:`approx_m` of the prepared rows,
    which the key fixes), so the page can ask whether it is stored before reading anything."""
    return ("approx", *tree_key, APPROX_M, MIN_ROWS_PER_MICRO, SEED, AGREEMENT_SAMPLE,
            AGREEMENT_KS)


def approx_of(tree: Tree) -> ApproxHierarchy | None:
    """The approximate hierarchy behind a tree, or None when it is exact."""
    h = tree.hierarchy
    return h if isinstance(h, ApproxHierarchy) else None


def sample_note(shown: int, total: int, how: str = "sampled per cluster") -> str:
    """The caption of a downsampled scatter.

    >>> sample_note(50_000, 1_000_000)
    'showing 50,000 of 1,000,000 rows, sampled per cluster (legend counts the points shown)'
    """
    return f"showing {shown:,} of {total:,} rows, {how} (legend counts the points shown)"


def leaf_labels(tree: Tree) -> list[str]:
    """Labels of the tree's leaves: the row labels, or "(rows)" for each micro-cluster.

    >>> import numpy as np, pandas as pd
    >>> from clustering.approximate import approximate_linkage
    >>> from clustering.cut_index import tree_index
    >>> from clustering.prepare import PrepareOptions, prepare
    >>> from components.state.trees import Tree
    >>> from components.view import DatasetRef, TreeSpec
    >>> X = np.r_[np.zeros((30, 2)), np.full((30, 2), 9.0)] + np.arange(60)[:, None] / 100
    >>> p = prepare(pd.DataFrame(X, columns=["a", "b"]), PrepareOptions())
    >>> ah = approximate_linkage(p.matrix, m=4, agreement_sample=0)
    >>> sorted(leaf_labels(Tree(TreeSpec(DatasetRef(example="x")), p, ah, tree_index(ah.Z))))
    ['(14)', '(14)', '(16)', '(16)']
    """
    approx = approx_of(tree)
    if approx is None:
        return [str(s) for s in tree.prepared.labels]
    return [f"({int(w):,})" for w in approx.micro.weights]


def relabel_geometry(geometry: Any, tree: Tree) -> Any:
    """In approximate mode, label contracted leaves with their row count, not Z's count.

    ``dendrogram_geometry`` writes ``(count)`` from ``Z[:, 3]``, which counts micro-clusters
    here; the analyst needs rows. Exact geometries are returned as they are.
    """
    approx = approx_of(tree)
    if approx is None:
        return geometry
    m = approx.m
    weights = np.asarray(approx.micro.weights, dtype=np.int64)
    nodes = np.asarray(geometry.leaves, dtype=np.int64)
    rows = np.where(nodes < m, weights[np.minimum(nodes, m - 1)],
                    np.asarray(approx.row_counts)[np.maximum(nodes - m, 0)])
    rows.setflags(write=False)
    return dataclasses.replace(
        geometry, ivl=[f"({int(r):,})" for r in rows], leaf_counts=rows
    )


def merge_sizes(tree: Tree) -> np.ndarray:
    """Rows under each merge (row of Z): ``Z[:, 3]`` when exact, ``row_counts`` when not."""
    approx = approx_of(tree)
    if approx is None:
        return np.asarray(tree.hierarchy.Z)[:, 3].astype(np.int64)
    return np.asarray(approx.row_counts, dtype=np.int64)


def row_clusters(tree: Tree, cut: float) -> np.ndarray:
    """Cluster 1..k of every row at height ``cut`` (numbered in leaf order, as the tree).

    In approximate mode each row takes its micro-cluster's cluster, so the members of one
    micro-cluster always share a label.
    """
    labels = tree.index.labels_at(cut)
    approx = approx_of(tree)
    return labels if approx is None else labels[approx.micro.assignment]


def row_leaf_positions(tree: Tree, rows: np.ndarray | None = None) -> np.ndarray:
    """Leaf position (left to right in the full tree) of each row, or of ``rows`` only.

    What the browser's recolour reads (``tree-data``'s ``row_pos``): a row is in the cluster
    of its leaf position. In approximate mode a row's leaf is its micro-cluster.
    """
    leaves = np.asarray(tree.index.leaves, dtype=np.int64)
    position = np.empty(leaves.size, dtype=np.int64)
    position[leaves] = np.arange(leaves.size)
    approx = approx_of(tree)
    out = position if approx is None else position[approx.micro.assignment]
    return out if rows is None else out[np.asarray(rows, dtype=np.int64)]


def scatter_rows(
    tree: Tree, cut: float, max_points: int = SCATTER_MAX_POINTS
) -> tuple[np.ndarray | None, str | None]:
    """Rows the scatter draws and its caption; ``(None, None)`` when every row fits.

    Past ``max_points`` rows the sample is drawn per micro-cluster (approximate mode: every
    cluster at every cut is a union of micro-clusters, so all stay visible whatever the cut)
    or per cluster at ``cut`` (exact), with a fixed seed.

    Returns
    -------
    rows : ndarray of int, shape (s,), sorted, or None
    note : str or None
        e.g. "showing 50,000 of 1,000,000 rows, sampled per micro-cluster (...)".
    """
    approx = approx_of(tree)
    n = tree.prepared.matrix.shape[0]
    if n <= max_points:
        return None, None
    if approx is not None:
        strata, how = approx.micro.assignment, "sampled per micro-cluster"
    else:
        strata, how = tree.index.labels_at(cut), "sampled per cluster"
    rows = sample_per_group(strata, max_points, seed=SEED)
    return rows, sample_note(rows.size, n, how)


class ScatterInputs(NamedTuple):
    """What ``make_scatter_figure`` draws: the shown rows only, and the caption."""

    x: np.ndarray
    y: np.ndarray
    clusters: np.ndarray
    labels: list[str]
    note: str | None
    rows: np.ndarray | None


def scatter_inputs(
    tree: Tree, cut: float, x: np.ndarray, y: np.ndarray, max_points: int = SCATTER_MAX_POINTS,
    *, sample: tuple[np.ndarray | None, str | None] | None = None,
) -> ScatterInputs:
    """Per-row scatter coordinates -> the points to draw, their clusters, labels and caption.

    ``x``, ``y`` have one value per prepared row. Past ``max_points`` rows only the sample of
    :func:`scatter_rows` is kept (and ``rows`` says which); the browser's recolour then needs
    ``row_leaf_positions(tree, rows)`` as ``tree-data``'s ``row_pos``. ``sample``: that
    function's result when the caller already has it (the draw step shares it with the tree).
    """
    rows, note = sample if sample is not None else scatter_rows(tree, cut, max_points)
    clusters = row_clusters(tree, cut)
    labels = tree.prepared.labels
    if rows is not None:
        x, y, clusters, labels = (np.asarray(x)[rows], np.asarray(y)[rows], clusters[rows],
                                  np.asarray(labels)[rows])
    return ScatterInputs(x, y, clusters, [str(s) for s in labels], note, rows)


def limit_note(tree: Tree, settings: Settings) -> str | None:
    """For an exact tree past ``exact_max_rows``: which row limit let it be exact, and why
    (None otherwise: below the lower cap no limit is near enough to matter).

    The page shows it where the approximate note goes, so an analyst who wonders why ward
    on 80,000 rows is exact while average is refused finds the answer next to the tree.
    """
    if approx_of(tree) is not None or not tree.spec.dataset.has_rows:
        return None
    n = tree.prepared.matrix.shape[0]
    if n <= int(settings.exact_max_rows):
        return None
    _, why = row_limit(tree.spec.method, tree.spec.metric, settings)
    return f"Exact tree of {n:,} rows. {why}"


def page_note(tree: Tree, settings: Settings) -> str | None:
    """The plain sentences the page shows in approximate mode (None when exact)."""
    approx = approx_of(tree)
    if approx is None:
        return None
    n, d = tree.prepared.matrix.shape
    _, why = _exact_feasible(n, d, "ward", "euclidean", settings)
    return f"{approx.note} {why}"
