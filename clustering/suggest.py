"""Where a cut could go: the opening cut, candidate cuts, and a tidy height for every k.

These are hints the page offers, never applies by itself. They live in the library (not the
UI) so a notebook gets the same numbers, and so the browser is *sent* them rather than
computing its own copies (``heights_for_k``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clustering.cut_index import TreeIndex
from clustering.diagnostics import elbow, largest_gaps

__all__ = ["N_GAPS", "candidate_cuts", "default_cut", "heights_for_k", "tidy_height"]

#: How many of the largest height gaps become candidate cuts.
N_GAPS = 3


def default_cut(Z: np.ndarray) -> float:
    """Where the line starts: the middle of the largest jump among the last 20 merge heights.

    The biggest jump between consecutive top merges is the classic "elbow" reading of a
    dendrogram; it never gives k = 1.

    >>> default_cut(np.array([[0, 1, 1.0, 2], [2, 3, 10.0, 3]]))
    5.5
    """
    h = np.sort(np.asarray(Z, dtype=float)[:, 2])
    if h.size == 0:
        return 0.0
    if h.size == 1:
        return float(h[0]) / 2 if h[0] > 0 else 0.0
    top = h[-21:]
    jumps = np.diff(top)
    i = int(np.argmax(jumps))
    return float((top[i] + top[i + 1]) / 2)


def tidy_height(lo: float, hi: float) -> float:
    """The shortest decimal in ``(lo, hi)`` near the middle: what a person would type.

    Strictly above ``lo``: a cut gives ``k`` clusters for ``lo <= t < hi``, but a line drawn
    exactly on a merge looks as if it cut through it. ``hi = inf`` (k = 1) takes 10% above
    ``lo``.

    Examples
    --------
    >>> tidy_height(23.12198935528676, 180.27043021047615)
    100.0
    >>> tidy_height(1.0, float("inf"))
    1.1
    """
    if not np.isfinite(hi):
        t = lo * 1.1 if lo > 0 else 1.0
        hi = np.inf
    else:
        t = (lo + hi) / 2.0
    for digits in range(1, 16):
        r = float(f"{t:.{digits}g}")
        if lo < r < hi:
            return r
    return float(t)


def candidate_cuts(Z: np.ndarray, index: TreeIndex, *, gaps: int = N_GAPS
                   ) -> list[dict[str, Any]]:
    """Candidate cut heights: the largest gaps and the elbow's k, one per k, sorted by k.

    Each is ``{"height", "k", "why"}``; a cut at ``height`` gives exactly ``k`` clusters.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import linkage
    >>> from clustering.cut_index import tree_index
    >>> Z = linkage([[0.0], [1.0], [10.0], [11.0], [40.0]], "single")
    >>> [(c["k"], c["why"]) for c in candidate_cuts(Z, tree_index(Z))]
    [(2, 'largest gap, elbow'), (3, 'largest gap')]
    """
    out: dict[int, dict[str, Any]] = {}
    for g in largest_gaps(Z, top=gaps):
        if g.size <= 0:
            continue
        out[g.k] = {"height": tidy_height(g.lower, g.upper), "k": g.k, "why": "largest gap"}
    e = elbow(Z)
    if e.suggested_k is not None:
        k = int(e.suggested_k)
        if k in out:
            out[k]["why"] += ", elbow"
        else:
            band = index.band_for_k(k)
            if band is not None and np.isfinite(band[0]):
                out[k] = {"height": tidy_height(band[0], band[1]), "k": k, "why": "elbow"}
    return [out[k] for k in sorted(out)]


def _band(index: TreeIndex, k: int) -> tuple[float, float] | None:
    """``band_for_k`` limited to heights >= 0 (a cut is never negative)."""
    band = index.band_for_k(k)
    if band is None:
        return None
    lo, hi = max(band[0], 0.0), band[1]
    if not hi > 0 or lo >= hi:
        return None
    return lo, hi


def heights_for_k(index: TreeIndex, k_max: int) -> tuple[np.ndarray, np.ndarray]:
    """For each wanted k = 1 .. k_max: the k a cut can give nearest to it, and a tidy height.

    Tied merge heights can make some k impossible; the nearest possible one is taken,
    trying k, k + 1, k - 1, k + 2, ... in that order. This is what the k field uses: the
    browser looks the answer up instead of computing it.

    Parameters
    ----------
    index : TreeIndex
    k_max : int
        Largest k to tabulate (clipped to the number of leaves).

    Returns
    -------
    heights : ndarray, shape (k_max,), float64
        ``heights[k - 1]``: a cut height with ``index.k_at(height) == ks[k - 1]``.
    ks : ndarray, shape (k_max,), int32

    Examples
    --------
    >>> from clustering.cut_index import tree_index
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 1.0, 2], [4, 5, 3.0, 4]])
    >>> h, ks = heights_for_k(tree_index(Z), 4)
    >>> h.tolist(), ks.tolist()
    ([3.3, 2.0, 0.5, 0.5], [1, 2, 4, 4])
    """
    n = index.n
    k_max = int(max(1, min(int(k_max), n)))
    bands: dict[int, tuple[float, float] | None] = {}

    def band(k: int) -> tuple[float, float] | None:
        if k not in bands:
            bands[k] = _band(index, k) if 1 <= k <= n else None
        return bands[k]

    heights = np.zeros(k_max, dtype=np.float64)
    ks = np.ones(k_max, dtype=np.int32)
    for want in range(1, k_max + 1):
        for d in range(n + 1):
            found = None
            for k in ((want,) if d == 0 else (want + d, want - d)):
                b = band(k)
                if b is not None:
                    found = (k, b)
                    break
            if found is not None:
                k, (lo, hi) = found
                heights[want - 1] = tidy_height(lo, hi)
                ks[want - 1] = k
                break
    return heights, ks
