"""What the merge heights say about where to cut: SciPy's inconsistency statistics, the elbow
of the last merges, and the largest gaps between successive merges (candidate cut heights).

* :func:`inconsistency_table`, :func:`elbow` (:class:`Elbow`), :func:`largest_gaps`
  (:class:`Gap`). ``clustering.diagnostics`` re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import inconsistent, maxdists

from clustering.errors import DataError

__all__ = ["Elbow", "Gap", "elbow", "inconsistency_table", "largest_gaps"]


def _check_Z(Z: object) -> np.ndarray:
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 4 or Z.shape[0] < 1:
        raise DataError(f"a linkage matrix has shape (n - 1, 4), got {Z.shape}")
    return Z


def inconsistency_table(Z: object, depth: int = 2) -> np.ndarray:
    """SciPy's inconsistency statistics of every merge.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    depth : int
        Number of levels below each merge that enter its statistics (>= 1).

    Returns
    -------
    ndarray, shape (n - 1, 4)
        Per row of Z: mean and standard deviation of the link heights within
        ``depth`` levels, their count, and the inconsistency coefficient;
        equals ``scipy.cluster.hierarchy.inconsistent(Z, depth)``.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> inconsistency_table(linkage([[0.0], [1.0], [5.0]], "single")).round(3).tolist()
    [[1.0, 0.0, 1.0, 0.0], [2.5, 2.121, 2.0, 0.707]]
    """
    Z = _check_Z(Z)
    if isinstance(depth, bool) or int(depth) != depth or depth < 1:
        raise DataError(f"the inconsistency depth must be a whole number >= 1, got {depth!r}")
    return inconsistent(Z, int(depth))


@dataclass(frozen=True, eq=False)
class Elbow:
    """The heights of the last merges and their acceleration (second difference).

    Attributes
    ----------
    ks : ndarray, shape (m,), int
        1, 2, ..., m: cutting just below ``heights[j]`` leaves ``ks[j] + 1``
        clusters; merging at ``heights[j]`` leaves ``ks[j]`` clusters (the x axis
        of the tutorial's elbow plot).
    heights : ndarray, shape (m,)
        ``Z[-m:, 2][::-1]``: the last merge first.
    acceleration : ndarray, shape (m,)
        ``np.diff(Z[-m:, 2], 2)[::-1]`` aligned with ``ks``: ``acceleration[j]``
        belongs to k = ``ks[j]``; NaN at k = 1 and k = m where it is undefined.
    suggested_k : int or None
        k at the largest acceleration (the tutorial's ``argmax + 2``); None when
        there are fewer than 3 merges.
    """

    ks: np.ndarray
    heights: np.ndarray
    acceleration: np.ndarray
    suggested_k: int | None


def elbow(Z: object, last: int = 10) -> Elbow:
    """The "elbow" of the last merge heights and the number of clusters it suggests.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    last : int
        How many of the final merges to look at (at most n - 1 are used).

    Returns
    -------
    Elbow

    Examples
    --------
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.5, 2], [4, 5, 2.0, 4], [6, 7, 9.0, 5]])
    >>> e = elbow(Z, last=4)
    >>> e.heights.tolist(), e.suggested_k
    ([9.0, 2.0, 1.5, 1.0], 2)
    """
    Z = _check_Z(Z)
    if int(last) != last or last < 1:
        raise DataError(f"'last' must be a whole number >= 1, got {last!r}")
    tail = Z[-int(last) :, 2]
    m = tail.size
    heights = tail[::-1].copy()
    acceleration = np.full(m, np.nan)
    suggested = None
    if m >= 3:
        acc_rev = np.diff(tail, 2)[::-1]
        acceleration[1 : m - 1] = acc_rev
        suggested = int(np.argmax(acc_rev)) + 2
    return Elbow(
        ks=np.arange(1, m + 1),
        heights=heights,
        acceleration=acceleration,
        suggested_k=suggested,
    )


@dataclass(frozen=True)
class Gap:
    """A range of cut heights that all give the same k.

    Attributes
    ----------
    lower, upper : float
        Successive merge heights (as ``fcluster`` sees them, i.e. after
        ``maxdists`` evens out inversions); any cut in ``[lower, upper)``
        gives ``k`` clusters.
    k : int
        Number of clusters at such a cut.
    size : float
        ``upper - lower``.
    """

    lower: float
    upper: float
    k: int
    size: float

    @property
    def cut(self) -> float:
        """The candidate cut height: the middle of the gap."""
        return (self.lower + self.upper) / 2.0


def largest_gaps(Z: object, top: int = 5) -> list[Gap]:
    """The largest gaps between successive merge heights: candidate cut heights.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    top : int
        How many gaps to return.

    Returns
    -------
    list of Gap
        Largest first; ties by smaller k first. Empty when n < 3.

    Examples
    --------
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.5, 2], [4, 5, 9.0, 4]])
    >>> [(g.k, g.cut) for g in largest_gaps(Z, top=2)]
    [(2, 5.25), (3, 1.25)]
    """
    Z = _check_Z(Z)
    if int(top) != top or top < 0:
        raise DataError(f"'top' must be a whole number >= 0, got {top!r}")
    n = Z.shape[0] + 1
    # fcluster's distance criterion cuts on maxdists, so use it to stay consistent
    # with the labels a cut at the candidate height produces.
    h = np.sort(maxdists(Z))
    sizes = np.diff(h)
    ks = n - 1 - np.arange(sizes.size)  # cut in [h[i], h[i+1]) leaves n-(i+1) clusters
    order = np.lexsort((ks, -sizes))[: int(top)]
    return [
        Gap(lower=float(h[i]), upper=float(h[i + 1]), k=int(ks[i]), size=float(sizes[i]))
        for i in order
    ]
