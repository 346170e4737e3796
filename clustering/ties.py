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

import numpy as np

__all__ = ["ALWAYS_TIED_METRICS", "SCIPY_TIES_MAX_N", "may_have_ties", "tie_note"]

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
