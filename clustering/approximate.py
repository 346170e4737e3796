"""Two-stage (approximate) ward clustering for tables too big for the exact O(n²) path.

Stage 1 summarises the n rows into m micro-clusters (two-level k-means, or BIRCH), keeping
each micro-cluster's size as its weight. Stage 2 runs ward on the weighted centroids: the
increase in within-cluster sum of squares when two groups merge depends only on their sizes and
centroids, so the tree above the micro-clusters is exactly the ward tree that exact ward would
build if it were forced to keep every micro-cluster together. Every row takes its
micro-cluster's label.

``Z`` follows SciPy's conventions over the m micro-clusters (leaf ids ``0..m-1``, new ids
``m+i``, sorted by height, ``Z[:, 3]`` = number of micro-clusters under the node), so
``scipy.cluster.hierarchy.fcluster`` / ``dendrogram`` and ``clustering.cut`` /
``clustering.geometry`` accept it. SciPy refuses a ``Z[:, 3]`` larger than m
(``is_valid_linkage``: "excessive observations in a cluster"), so the number of original rows
under each node lives in ``ApproxHierarchy.row_counts`` instead.

Stage 1 is ``clustering.microclusters``, stage 2 ``clustering.ward_nnchain``, and
``clustering.exact_limits`` decides between exact and approximate; this module puts the two
stages together (the public names of all three are re-exported here).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from clustering.errors import DataError

# The choice of exact or approximate (exact_limits), stage 1 (microclusters) and stage 2
# (ward_nnchain) live in their own modules; their names stay importable from here.
from clustering.exact_limits import (
    DEFAULT_MEMORY_BUDGET_BYTES,
    EXACT_MAX_ROWS,
    EXACT_VECTOR_MAX_ROWS,
    exact_feasible,
    exact_row_limit,
)
from clustering.linkage import validate_matrix
from clustering.microclusters import (
    DEFAULT_M,
    SUMMARISERS,
    MicroClusters,
    Progress,
    _noop,
    default_m,
    summarise,
)
from clustering.ward_nnchain import row_counts, weighted_ward

__all__ = [
    "DEFAULT_MEMORY_BUDGET_BYTES",
    "EXACT_MAX_ROWS",
    "EXACT_VECTOR_MAX_ROWS",
    "DEFAULT_M",
    "SUMMARISERS",
    "MicroClusters",
    "ApproxHierarchy",
    "exact_feasible",
    "exact_row_limit",
    "default_m",
    "summarise",
    "weighted_ward",
    "row_counts",
    "approximate_linkage",
    "row_labels",
    "agreement_with_exact",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ApproxHierarchy:
    """An approximate ward hierarchy of n rows built on m micro-clusters.

    Attributes
    ----------
    Z : ndarray, shape (m-1, 4)
        SciPy linkage over the micro-clusters (``Z[:, 3]`` counts micro-clusters).
    micro : MicroClusters
    n : int
        Rows.
    m : int
        Micro-clusters actually used (leaves of Z).
    seconds : float
        Wall time of summarising + ward (not the agreement check).
    note : str
        Plain sentences for the page: approximate, what m is, how far from exact.
    row_counts : ndarray, shape (m-1,)
        Original rows under each node of Z (for "(123 rows)" labels).
    agreement : dict[int, float]
        ARI against exact ward on a random sample of the rows, per k (empty if not measured).
    agreement_rows : int
        Size of that sample.
    method, metric, backend, summariser : str
        ``'ward'``, ``'euclidean'``, a description, and ``'kmeans'``/``'birch'``/``'identity'``.
    """

    Z: np.ndarray
    micro: MicroClusters
    n: int
    m: int
    seconds: float
    note: str
    row_counts: np.ndarray
    agreement: dict[int, float] = field(default_factory=dict)
    agreement_rows: int = 0
    method: str = "ward"
    metric: str = "euclidean"
    backend: str = "approximate: micro-clusters + weighted ward"
    summariser: str = "kmeans"


def row_labels(approx: ApproxHierarchy, micro_labels: np.ndarray) -> np.ndarray:
    """Give every row the label of its micro-cluster.

    Parameters
    ----------
    approx : ApproxHierarchy
    micro_labels : array, shape (m,)
        One label per leaf of ``approx.Z``, e.g. ``fcluster(approx.Z, 5, 'maxclust')`` or
        ``clustering.cut.cut_k(approx.Z, 5)``.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from scipy.cluster.hierarchy import fcluster
    >>> X = np.r_[np.zeros((50, 2)), np.full((50, 2), 9.0)]
    >>> ah = approximate_linkage(X, m=10, agreement_sample=0)
    >>> labels = row_labels(ah, fcluster(ah.Z, 2, "maxclust"))
    >>> labels.shape, len(set(labels[:50])), len(set(labels[50:])), labels[0] != labels[-1]
    ((100,), 1, 1, np.True_)
    """
    micro_labels = np.asarray(micro_labels)
    if micro_labels.shape != (approx.m,):
        raise DataError(
            f"expected one label per micro-cluster ({approx.m}), got shape {micro_labels.shape}"
        )
    return micro_labels[approx.micro.assignment]


def _ari_range(agreement: dict[int, float]) -> str:
    lo, hi = min(agreement.values()), max(agreement.values())
    ks = sorted(agreement)
    span = f"{lo:.2f}" if round(lo, 2) == round(hi, 2) else f"{lo:.2f}–{hi:.2f}"
    return f"ARI {span} at k = {', '.join(map(str, ks))}"


def _wanted_m(n: int, m: int | None) -> int:
    """The micro-clusters to ask for: ``m``, or :func:`default_m` of n rows; at least 2."""
    want = default_m(n) if m is None else int(m)
    if want < 2:
        raise DataError("approximate mode needs at least 2 micro-clusters")
    return want


def _micro_clusters(X: np.ndarray, want: int, summariser: str, seed: int,
                    progress: Progress) -> MicroClusters:
    """Stage 1 (the first 75% of the progress): at least 2 micro-clusters of X's rows."""
    micro = summarise(X, want, method=summariser, seed=seed,
                      progress=lambda f, s: progress(0.75 * f, s))
    if micro.m < 2:
        raise DataError("all rows are identical: there is nothing to cluster")
    return micro


def _ward_tree(micro: MicroClusters, progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2 (progress 75% to 95%): ward on the weighted centroids, as read-only
    (Z, rows under each node)."""
    Z = weighted_ward(micro.centroids, micro.weights,
                      progress=lambda f, s: progress(0.75 + 0.2 * f, s))
    counts = row_counts(Z, micro.weights)
    Z.setflags(write=False)
    counts.setflags(write=False)
    return Z, counts


def _note(n: int, micro: MicroClusters) -> str:
    """The page's sentence on how the n rows became the tree's leaves."""
    how = {"kmeans": "k-means", "birch": "BIRCH", "identity": "none"}[micro.method]
    if micro.method == "identity":
        return (f"Every one of the {n:,} rows is its own micro-cluster, so this ward tree is "
                "exact.")
    return (f"Approximate: {n:,} rows summarised into {micro.m:,} micro-clusters by {how}; "
            "the tree is built on those (ward on their weighted centroids), and every row "
            "takes its micro-cluster's label.")


def _with_agreement(X: np.ndarray, approx: ApproxHierarchy, agreement_sample: int,
                    agreement_ks: Sequence[int], seed: int,
                    progress: Progress) -> ApproxHierarchy:
    """``approx`` with its agreement with exact ward on a sample of X, per k, measured and
    added to the note; unchanged when ``agreement_sample`` is 0 or the tree is exact."""
    if not (agreement_sample and approx.micro.method != "identity"):
        return approx
    progress(0.95, "comparing with exact ward on a sample")
    n = approx.n
    sample_rows = min(n, int(agreement_sample))
    agreement = agreement_with_exact(X, approx, ks=agreement_ks, sample=sample_rows, seed=seed)
    where = "all rows" if sample_rows == n else f"a random {sample_rows:,}-row sample"
    note = approx.note + f" Agreement with exact ward on {where}: {_ari_range(agreement)}."
    return replace(approx, note=note, agreement=agreement, agreement_rows=sample_rows)


def approximate_linkage(
    X: np.ndarray,
    *,
    m: int | None = None,
    summariser: str = "kmeans",
    seed: int = 0,
    progress: Progress | None = None,
    agreement_sample: int = 10_000,
    agreement_ks: Sequence[int] = (2, 3, 5, 8, 12),
) -> ApproxHierarchy:
    """Approximate ward hierarchy: micro-clusters, then ward on their weighted centroids.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Finite numeric matrix (euclidean geometry, as ward needs).
    m : int, optional
        Micro-clusters wanted; default ``default_m(n)``. The result may have fewer (empty
        micro-clusters are dropped); ``approx.m`` says how many.
    summariser : {'kmeans', 'birch'}
    seed : int
    progress : callable(fraction, text), optional
    agreement_sample : int
        Rows of a random sample on which the result is compared with exact ward (adjusted Rand
        index, see ``agreement_with_exact``) for the note; 0 skips the check (~1 s at 10,000).
    agreement_ks : sequence of int
        Numbers of clusters at which that agreement is measured.

    Returns
    -------
    ApproxHierarchy

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (500, 2)), rng.normal(20, 1, (500, 2))]
    >>> ah = approximate_linkage(X, m=40, agreement_sample=1000, agreement_ks=(2,))
    >>> ah.Z.shape, ah.n, ah.agreement
    ((39, 4), 1000, {2: 1.0})
    """
    X = validate_matrix(X)
    n = X.shape[0]
    if n < 2:
        raise DataError("clustering needs at least 2 rows")
    progress = progress or _noop
    want = _wanted_m(n, m)
    t0 = time.perf_counter()
    micro = _micro_clusters(X, want, summariser, seed, progress)
    Z, counts = _ward_tree(micro, progress)
    seconds = time.perf_counter() - t0
    approx = ApproxHierarchy(Z=Z, micro=micro, n=n, m=micro.m, seconds=seconds,
                             note=_note(n, micro), row_counts=counts, summariser=micro.method)
    approx = _with_agreement(X, approx, agreement_sample, agreement_ks, seed, progress)
    progress(1.0, "approximate hierarchy ready")
    logger.info("approximate ward: n=%d m=%d %.2f s", n, micro.m, seconds)
    return approx


def agreement_with_exact(
    X: np.ndarray,
    approx: ApproxHierarchy,
    ks: Sequence[int] = (2, 3, 5, 8, 12),
    *,
    sample: int | None = None,
    seed: int = 0,
) -> dict[int, float]:
    """Adjusted Rand index between the approximate labels and exact ward, per k.

    Exact is ``fcluster(linkage(X_s, 'ward'), k, 'maxclust')`` computed with
    ``fastcluster.linkage_vector`` (same tree as SciPy, O(n·d) memory) on the rows X_s;
    the approximate labels are ``row_labels(approx, fcluster(approx.Z, k, 'maxclust'))``
    restricted to the same rows. With ``sample`` smaller than n, X_s is a random sample of
    that many rows (exact ward on all rows being what approximate mode avoids), so the number
    mixes approximation and sampling error.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        The rows ``approx`` was built from.
    approx : ApproxHierarchy
    ks : sequence of int
    sample : int, optional
        Compare on this many random rows (None: all rows; refused above ``EXACT_MAX_ROWS``).
    seed : int

    Returns
    -------
    dict[int, float]
        k -> ARI (1.0 means identical partitions).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.r_[rng.normal(0, 1, (300, 3)), rng.normal(10, 1, (300, 3))]
    >>> ah = approximate_linkage(X, m=30, agreement_sample=0)
    >>> agreement_with_exact(X, ah, ks=(2,))
    {2: 1.0}
    """
    import fastcluster
    from scipy.cluster.hierarchy import fcluster
    from sklearn.metrics import adjusted_rand_score

    X = validate_matrix(X)
    n = X.shape[0]
    if n != approx.n:
        raise DataError(f"X has {n:,} rows but the hierarchy was built on {approx.n:,}")
    size = n if sample is None else min(n, int(sample))
    if size > EXACT_MAX_ROWS:
        raise DataError(f"exact ward on {size:,} rows is too slow; pass sample=20000")
    if size < n:
        idx = np.sort(np.random.default_rng(seed).choice(n, size, replace=False))
    else:
        idx = np.arange(n)
    Ze = fastcluster.linkage_vector(X[idx], method="ward")
    out: dict[int, float] = {}
    for k in ks:
        exact = fcluster(Ze, k, "maxclust")
        approx_labels = row_labels(approx, fcluster(approx.Z, k, "maxclust"))[idx]
        out[int(k)] = float(adjusted_rand_score(exact, approx_labels))
    return out
