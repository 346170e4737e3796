"""The cophenetic correlation, made to scale: how faithfully a tree keeps the rows' distances.

* :func:`cophenetic_correlation` equals ``scipy.cluster.hierarchy.cophenet(Z,
  pdist(X))[0]`` without holding either n^2 vector: rows are taken in
  dendrogram leaf order, where the cophenetic distance of leaf positions
  i < j is the height of the lowest common ancestor (LCA) of i and j, and that
  LCA is the latest-formed (highest row of Z) among the LCAs of the adjacent
  pairs (k, k+1), i <= k < j. A running maximum along a row therefore gives a
  whole row of cophenetic distances in O(n), inversions (centroid / median)
  included. Distances come from ``cdist`` per block of rows, and the
  correlation is accumulated block by block with Chan's pairwise update.
* :func:`cophenetic_sample_rows` (when the page estimates on a sample of rows),
  :func:`cophenetic_by_method`.

``clustering.diagnostics`` re-exports these names.

Examples
--------
>>> import numpy as np
>>> from scipy.cluster.hierarchy import linkage
>>> X = np.array([[0.0], [1.0], [5.0], [6.0]])
>>> round(cophenetic_correlation(linkage(X, "single"), X), 6)
0.956183
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from clustering.cut_index import tree_index
from clustering.errors import DataError
from clustering.linkage import (
    METHODS,
    compute_linkage,
    distance_kwargs,
    method_metric_problem,
    validate_matrix,
)
from clustering.linkage_distances import _precheck_rows
from clustering.merge_heights import _check_Z

__all__ = [
    "COPHENETIC_EXACT_MAX_ROWS",
    "COPHENETIC_SAMPLE_ROWS",
    "cophenetic_by_method",
    "cophenetic_correlation",
    "cophenetic_sample_rows",
]


#: Elements per block of the pair matrix (rows x columns) in cophenetic_correlation:
#: ~32 MB per float64 temporary, a handful alive at once.
_BLOCK_ELEMENTS = 4_000_000
#: Past this many rows the page estimates the cophenetic correlation on a random sample of
#: COPHENETIC_SAMPLE_ROWS rows (every pair: ~2 s at 20,000 rows here, ~85 s at 100,000).
COPHENETIC_EXACT_MAX_ROWS = 20_000
COPHENETIC_SAMPLE_ROWS = 20_000


def cophenetic_correlation(Z: object, X: object, metric: str = "euclidean", *, p: float = 2.0,
                           sample: int | None = None, seed: int = 0) -> float:
    """Pearson correlation between cophenetic and original distances, in O(n·d) memory.

    Equals ``scipy.cluster.hierarchy.cophenet(Z, pdist(X, metric))[0]``; with ``sample`` (fewer
    than n), the same correlation over the pairs of ``sample`` rows drawn at random without
    replacement (the rows at leaf positions ``sorted(default_rng(seed).choice(n, sample,
    replace=False))``), each pair's cophenetic distance taken in the full tree: O(sample²)
    time instead of O(n²). :func:`cophenetic_sample_rows` says when the page samples.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
        Linkage matrix of X.
    X : array_like, shape (n, d)
        The matrix Z was computed from.
    metric : str
        Distance metric Z was computed with (see ``clustering.linkage.METRICS``).
    p : float
        Minkowski exponent.
    sample : int, optional
        Rows to estimate on (None, or at least n: every pair).
    seed : int
        Seed of the row sample.

    Returns
    -------
    float
        In [-1, 1]; NaN when all distances (or all cophenetic distances) are equal.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 2.0]])
    >>> round(cophenetic_correlation(linkage(X, "average"), X), 6)
    0.993891
    """
    Z = _check_Z(Z)
    X = validate_matrix(X)
    n = X.shape[0]
    if Z.shape[0] != n - 1:
        raise DataError(f"the linkage matrix is for {Z.shape[0] + 1} rows but X has {n}")
    _precheck_rows(X, metric)
    kw = distance_kwargs(X, metric, p)
    heights = Z[:, 2]
    index = tree_index(Z)
    # rows[k]: the row of Z that joins leaf positions k and k + 1 (their LCA).
    leaves, rows = index.leaves, index._tree.gap_row
    Xl = X[leaves]
    child_rows = Z[:, :2].astype(np.int64) - n
    children_heights = np.where(child_rows >= 0, heights[np.maximum(child_rows, 0)], -np.inf)
    # In a monotone tree the LCA is also the highest merge between i and j, so plain
    # float maxima replace the gather heights[rows] on every pair.
    monotone = bool(np.all(children_heights.max(axis=1) <= heights))
    if monotone:
        g = heights[rows]
        empty = -np.inf
    else:
        g = rows
        empty = -1
    if sample is not None and int(sample) < n:
        if int(sample) < 2:
            raise DataError(f"a cophenetic sample needs at least 2 rows, got {sample}")
        # Sampled leaf positions in leaf order: the LCA of neighbours q_i < q_{i+1} is the
        # highest merge between them, the maximum of g over [q_i, q_{i+1}), so the sample
        # keeps the running-maximum structure with that shorter g.
        rng = np.random.default_rng(seed)
        q = np.sort(rng.choice(n, size=int(sample), replace=False))
        g = np.maximum.reduceat(g, q[:-1])
        Xl, n = Xl[q], int(sample)
    return _correlate(g, heights, monotone, empty, Xl, metric, kw)


def cophenetic_sample_rows(n: int, exact_max: int = COPHENETIC_EXACT_MAX_ROWS,
                           sample: int = COPHENETIC_SAMPLE_ROWS) -> int | None:
    """Rows :func:`cophenetic_correlation` should be estimated on for an n-row tree, or None
    for every pair: up to ``exact_max`` rows the exact value costs a few seconds here
    (20,000 rows: ~2 s); at 100,000 it would take ~85 s, so a random ``sample`` of rows.

    >>> cophenetic_sample_rows(20_000), cophenetic_sample_rows(100_000)
    (None, 20000)
    """
    return None if n <= exact_max else min(int(sample), n)


def _correlate(g: np.ndarray, heights: np.ndarray, monotone: bool, empty: float,
               Xl: np.ndarray, metric: str, kw: dict) -> float:
    """The correlation over every pair of leaf positions of ``Xl`` (rows in leaf order),
    whose neighbours' LCAs are ``g`` (heights when monotone, rows of Z otherwise)."""
    n = Xl.shape[0]
    block = max(1, min(n - 1, _BLOCK_ELEMENTS // n))
    count = 0
    mean_c = mean_d = m_cc = m_dd = m_cd = 0.0

    def add(pairs: np.ndarray) -> None:
        """Merge a (2, m) block of (cophenetic, original) distances into the moments."""
        nonlocal count, mean_c, mean_d, m_cc, m_dd, m_cd
        m = pairs.shape[1]
        if m == 0:
            return
        # One pass for the sums and one einsum pass for the three cross products
        # (cheaper than three dot products); the block's centred moments follow,
        # and Chan's update merges blocks stably.
        sc, sd = (float(v) for v in pairs.sum(axis=1))
        if not np.isfinite(sd):
            raise DataError(
                f"some {metric} distances are not finite numbers: "
                "compute_linkage names the rows involved"
            )
        prods = np.einsum("ij,kj->ik", pairs, pairs)
        mc = sc / m
        md = sd / m
        bcc = float(prods[0, 0]) - sc * mc
        bdd = float(prods[1, 1]) - sd * md
        bcd = float(prods[0, 1]) - sc * md
        total = count + m
        dc = mc - mean_c
        dd = md - mean_d
        w = count * m / total
        m_cc += bcc + dc * dc * w
        m_dd += bdd + dd * dd * w
        m_cd += bcd + dc * dd * w
        mean_c += dc * m / total
        mean_d += dd * m / total
        count = total

    for a in range(0, n - 1, block):
        b = min(a + block, n)
        size = b - a
        # Pairs inside the block: row i's running maximum over g[a+i .. a+k].
        if size > 1:
            G = np.broadcast_to(g[a : b - 1], (size - 1, size - 1)).copy()
            G[np.tril_indices(size - 1, -1)] = empty
            np.maximum.accumulate(G, axis=1, out=G)
            iu = np.triu_indices(size - 1)
            T = cdist(Xl[a : b - 1], Xl[a + 1 : b], metric=metric, **kw)
            c = G[iu] if monotone else heights[G[iu]]
            add(np.stack([c, T[iu]]))
        # Pairs from the block to every later row: max(suffix in block, prefix after it).
        if b < n:
            suffix = np.maximum.accumulate(g[a:b][::-1])[::-1]
            prefix = np.empty(n - b, dtype=g.dtype)
            prefix[0] = empty
            if n - b > 1:
                np.maximum.accumulate(g[b : n - 1], out=prefix[1:])
            buf = np.empty((2, size, n - b))
            if monotone:
                np.maximum(suffix[:, None], prefix[None, :], out=buf[0])
            else:
                np.take(heights, np.maximum(suffix[:, None], prefix[None, :]), out=buf[0])
            cdist(Xl[a:b], Xl[b:], metric=metric, out=buf[1], **kw)
            add(buf.reshape(2, -1))
    if m_cc <= 0 or m_dd <= 0:
        return float("nan")
    return float(m_cd / np.sqrt(m_cc * m_dd))


def cophenetic_by_method(X: object, metric: str = "euclidean", *, p: float = 2.0) -> dict[str, float]:
    """Cophenetic correlation of every linkage method valid for ``metric``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    metric : str
    p : float
        Minkowski exponent.

    Returns
    -------
    dict
        method -> cophenetic correlation, in ``METHODS`` order.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 2.0]])
    >>> sorted(cophenetic_by_method(X, "cityblock"))
    ['average', 'complete', 'single', 'weighted']
    """
    X = validate_matrix(X)
    out: dict[str, float] = {}
    for method in METHODS:
        if method_metric_problem(method, metric) is not None:
            continue
        h = compute_linkage(X, method, metric, p=p)
        out[method] = cophenetic_correlation(h.Z, X, metric, p=p)
    return out
