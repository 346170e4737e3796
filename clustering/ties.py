"""Tied distances: when they can change the tree, and what to say about them.

When two candidate merges are exactly as close, every linkage method but single
may build a different (equally valid) tree depending on which it takes first,
and later heights change with it. fastcluster and SciPy break ties in
different orders, so on tie-prone data (integer-valued columns, counts,
ratings, one-hot, duplicate rows) they disagree in about one case in four.
:func:`clustering.linkage.compute_linkage` therefore hands tie-prone data of
up to :data:`SCIPY_TIES_MAX_N` rows to SciPy's own routine, so a notebook that
calls ``scipy.cluster.hierarchy.linkage`` gets the same Z; above that it keeps
the fast path and :func:`tie_note` says why the tree is one of several.

Deciding exactly whether the n(n-1)/2 distances hold a tie means sorting them
(seconds at 10,000 rows); :func:`may_have_ties` instead looks at the columns in
O(n·d log n): a column of distinct values whose gaps are all different, and that is
not on a coarse grid (a few decimals, counts, ratings, or their scaled images, where
|0 - 3| = |3 - 6| although the neighbour gaps 1, 2, 3, 4 of 0, 1, 3, 6, 10 differ, and where
later centroid or ward distances coincide), makes equal sums of squared (or absolute)
differences a coincidence of measure zero.

Examples
--------
>>> import numpy as np
>>> may_have_ties(np.arange(8.0).reshape(-1, 1), "euclidean")
True
>>> may_have_ties(np.random.default_rng(0).normal(size=(50, 3)), "euclidean")
False
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["ALWAYS_TIED_METRICS", "SCIPY_TIES_MAX_N", "may_have_ties", "nearest_pairs_tie",
           "tie_note", "ward_tree_is_tie_free"]

#: Up to this many rows tie-prone data is linked by ``scipy.cluster.hierarchy.linkage``
#: itself. Measured on 2 shared, busy cores at 10,000 x 10: SciPy ward 13.5 s / 763 MB,
#: average 24 s, single 7.6 s, against fastcluster's 2.6 s, 3.7 s and 1.2 s
#: (bench/bench_service.py, rows "linkage ... tied").
SCIPY_TIES_MAX_N: int = 10_000

#: Metrics whose values are counts or maxima: ties are the rule, whatever the data.
ALWAYS_TIED_METRICS: tuple[str, ...] = ("chebyshev", "hamming", "jaccard")


#: A column on a grid of at most this many steps over its range counts as tie-prone.
GRID_STEPS: float = 1e7
#: Quanta tried: the smallest gap divided by 1 .. this many.
_GRID_DIVISORS = 1000


def _on_grid(gaps: np.ndarray) -> bool:
    """True when every gap is a whole multiple of one quantum q, and the range holds at most
    :data:`GRID_STEPS` of them: decimals of a few places, counts, ratings, and their
    affine images (centred or scaled), whose sums of squares coincide far more often than
    chance (a later centroid or ward distance then ties although no input distance does)."""
    r = gaps / gaps.min()
    span = float(r.sum())
    for m in range(1, _GRID_DIVISORS + 1):
        steps = r * m
        if np.all(np.abs(steps - np.round(steps)) <= 1e-7 * np.maximum(steps, 1.0)):
            return span * m <= GRID_STEPS
    return False


def _continuous(column: np.ndarray) -> bool:
    """True when the values are all different, so are the gaps between sorted neighbours,
    and the values are not on a coarse grid (:func:`_on_grid`)."""
    s = np.sort(column)
    gaps = np.diff(s)
    if gaps.size == 0 or not np.all(gaps > 0):
        return False
    if not np.all(np.diff(np.sort(gaps)) > 0):
        return False
    return not _on_grid(gaps)


def may_have_ties(X: np.ndarray, metric: str) -> bool:
    """Whether the pairwise distances of X may hold exact ties that can reorder merges.

    Parameters
    ----------
    X : ndarray, shape (n, d), float64
        The validated data matrix.
    metric : str
        One of :data:`clustering.linkage.METRICS`.

    Returns
    -------
    bool
        False only when some column is continuous (distinct values, distinct gaps, not on a
        coarse grid) and the metric sums over columns; then a tie would need an exact
        floating-point coincidence. A false True only sends the data to SciPy (slower, same
        tree); tests/clustering/test_issue12_ties.py checks that a False gives SciPy's tree.

    Examples
    --------
    >>> may_have_ties(np.sqrt([[2.0, 3.0], [5.0, 7.0], [11.0, 13.0]]), "cityblock")
    False
    >>> may_have_ties(np.sqrt([[2.0, 3.0], [5.0, 7.0], [11.0, 13.0]]), "chebyshev")
    True
    >>> may_have_ties(np.array([[0.0, 0.1], [1.0, 0.7], [3.0, 0.2]]), "cityblock")  # decimals
    True
    """
    if metric in ALWAYS_TIED_METRICS:
        return True
    X = np.asarray(X, dtype=np.float64)
    return not any(_continuous(X[:, j]) for j in range(X.shape[1]))


#: Two distances closer than this (relative) count as tied in :func:`ward_tree_is_tie_free`:
#: SciPy's and fastcluster's heights differ by about 1e-13 relative (rounding in different
#: update formulas), so a near-tie within rounding could be broken either way.
TIE_RTOL: float = 1e-9
#: The merges are checked in this many blocks of steps, each with a k-d tree of the clusters
#: alive in it (fewer blocks: more dead clusters among the candidates; more: more trees).
_BLOCKS = 16


def _ward_clusters(X: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centroids, shape (2n - 1, d), and sizes of every cluster of Z (leaves first)."""
    n = X.shape[0]
    sums = np.empty((2 * n - 1, X.shape[1]))
    sums[:n] = X
    pairs = Z[:, :2].astype(np.intp)
    for i, (a, b) in enumerate(pairs):  # n steps of a d-vector sum: ~10 ms at 5,000 rows
        sums[n + i] = sums[a] + sums[b]
    size = np.concatenate([np.ones(n), Z[:, 3]])
    return sums / size[:, None], size


def nearest_pairs_tie(X: np.ndarray, rtol: float = TIE_RTOL) -> bool:
    """Whether two nearest-neighbour pairs of X are equally far apart (or a row repeats).

    Cheap (a k-d tree, O(n log n)), and only a forecast: on such data the first merges of
    Ward almost surely tie, so :func:`ward_tree_is_tie_free` would refuse the fast tree and
    its linkage would be time spent for nothing (integer-valued tables, ratings, counts).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Euclidean data.
    rtol : float
        Relative difference within which two distances count as equal.

    Returns
    -------
    bool

    Examples
    --------
    >>> nearest_pairs_tie(np.array([[0.0], [1.0], [5.0], [6.0]]))  # 0-1 and 5-6
    True
    >>> nearest_pairs_tie(np.array([[0.0], [1.0], [5.0], [7.0]]))
    False
    """
    X = np.asarray(X, dtype=np.float64)
    if X.shape[0] < 3:
        return False
    try:
        dist, index = cKDTree(X).query(X, k=2)
    except (ValueError, FloatingPointError):
        return True
    d = dist[:, 1]
    if np.any(d <= 0):
        return True
    pair = np.sort(np.column_stack([np.arange(X.shape[0]), index[:, 1]]), axis=1)
    _, first = np.unique(pair, axis=0, return_index=True)  # a mutual pair once
    d = np.sort(d[first])
    return bool(np.any(np.diff(d) <= rtol * d[1:]))


def ward_tree_is_tie_free(X: np.ndarray, Z: np.ndarray, rtol: float = TIE_RTOL) -> bool:
    """Whether no tie could have changed the Ward tree Z of X: then every exact
    implementation (SciPy's included) builds this same Z, whatever its tie-breaking order.

    Ward is reducible, so without a tie at the minimum of any step the tree is the one the
    primitive algorithm (always merge the closest pair) builds, which is unique. A tie at
    step t is a second pair at the step's height h_t: either it shares a cluster with the
    merged pair (then that cluster has another partner at distance h_t when it dies), or it
    is disjoint (then it is still at h_t after the merge, and the next merge is also at h_t).
    So the check is: the heights strictly increase, and each cluster at its merge has no
    other live cluster within h_t. The Ward distance of clusters A and C is
    sqrt(2 |A| |C| / (|A| + |C|)) times the distance of their centroids, never less than
    sqrt(2 |A| / (|A| + 1)) times it, so a radius query on the centroids (a k-d tree per block of steps, over the
    clusters alive in it) finds every candidate; each is then measured exactly. Anything
    within ``rtol`` of h_t counts as a tie, so rounding differences between implementations
    cannot hide one. O(n log n) plus the candidates (about 40 per row on blob data).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        The data the tree was built on (Euclidean).
    Z : ndarray, shape (n - 1, 4)
        Its Ward linkage matrix, heights ascending (as fastcluster and SciPy give it).
    rtol : float
        Relative distance within which two distances count as tied.

    Returns
    -------
    bool
        True only when Z is the one Ward tree of X; False when some merge had a tie (or a
        near-tie within ``rtol``), including any zero height (duplicate rows).

    Examples
    --------
    >>> X = np.arange(8.0).reshape(-1, 1)  # 0-1, 2-3, ... all at 1: ties
    >>> from scipy.cluster.hierarchy import linkage
    >>> ward_tree_is_tie_free(X, linkage(X, "ward"))
    False
    >>> X = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> ward_tree_is_tie_free(X, linkage(X, "ward"))
    True
    """
    X = np.asarray(X, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64)
    n = X.shape[0]
    h = Z[:, 2]
    if n < 2 or not np.all(np.isfinite(h)) or h[0] <= 0 or np.any(np.diff(h) <= rtol * h[1:]):
        return n < 2
    if n == 2:
        return True
    try:
        return _no_tied_partner(X, Z, rtol)
    except (ValueError, FloatingPointError):  # e.g. the k-d tree's squares overflow at 1e200
        return False


def _no_tied_partner(X: np.ndarray, Z: np.ndarray, rtol: float) -> bool:
    """No cluster has a live partner other than its own within its merge height (see
    :func:`ward_tree_is_tie_free`; heights already checked strictly increasing)."""
    n, h = X.shape[0], Z[:, 2]
    centre, size = _ward_clusters(X, Z)
    a, b = Z[:, 0].astype(np.intp), Z[:, 1].astype(np.intp)
    steps = np.arange(n - 1)
    born = np.concatenate([np.full(n, -1, np.intp), steps])
    died = np.full(2 * n - 1, n - 1, np.intp)
    died[a] = steps
    died[b] = steps
    partner = np.full(2 * n - 1, -1, np.intp)
    partner[a], partner[b] = b, a
    edges = np.unique(np.linspace(0, n - 1, _BLOCKS + 1).astype(np.intp))
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        pool = np.flatnonzero((born < hi - 1) & (died >= lo))  # alive at some step here
        t = np.concatenate([steps[lo:hi], steps[lo:hi]])
        dying = np.concatenate([a[lo:hi], b[lo:hi]])
        # Ward's factor sqrt(2 s r / (s + r)) is at least sqrt(2 s / (s + 1)) for a partner
        # of any size r >= 1, so a cluster of size s needs only that much smaller a radius.
        own = size[dying]
        radius = h[t] * (1 + rtol) / np.sqrt(2 * own / (own + 1))
        found = cKDTree(centre[pool]).query_ball_point(centre[dying], radius,
                                                       return_sorted=False)
        counts = np.fromiter(map(len, found), np.intp, len(found))
        other = pool[np.fromiter(itertools.chain.from_iterable(found), np.intp, counts.sum())]
        who, when = np.repeat(dying, counts), np.repeat(t, counts)
        live = ((born[other] < when) & (died[other] > when) & (other != who)
                & (other != partner[who]))
        who, other, when = who[live], other[live], when[live]
        s, r = size[who], size[other]
        d2 = 2 * s * r / (s + r) * ((centre[who] - centre[other]) ** 2).sum(axis=1)
        if np.any(np.sqrt(d2) <= h[when] * (1 + rtol)):
            return False
    return True


def tie_note(ties: bool, backend: str, method: str) -> str | None:
    """A sentence for the page when the tree is one of several equally valid ones, else None.

    Parameters
    ----------
    ties : bool
        :func:`may_have_ties` of the data (``Hierarchy.ties``).
    backend : str
        What computed Z (``Hierarchy.backend``).
    method : str
        The linkage method.

    Examples
    --------
    >>> tie_note(True, "scipy.cluster.hierarchy.linkage", "ward") is None
    True
    >>> tie_note(True, "fastcluster.linkage_vector", "ward")[:40]
    'The data has tied distances (equal value'
    """
    if not ties or backend.startswith("scipy") or method == "single":
        return None
    return (
        "The data has tied distances (equal values, e.g. integer-valued columns or duplicate "
        "rows), so several merge orders are equally valid and this tree is one of them: above "
        f"{SCIPY_TIES_MAX_N:,} rows the fast backend breaks ties in its own order, so heights "
        "and clusters may differ from scipy.cluster.hierarchy.linkage (both trees are correct)."
    )
