"""Sums of distances from every row to every cluster, for many labelings in one pass.

Every distance sum is computed in row blocks (``block x n`` distances at a time, 32 MB),
so no n x n matrix is ever held, and all k share one pass over the distances: the cuts of
one tree are nested, so each block is multiplied by the one-hot columns of the finest cut
only (K = max k of them) and mapped to every coarser cut. Cost: O(n^2 (d + K)) time,
O(n sum(ks)) memory. The silhouette (:mod:`clustering.validity`) and W_k of the gap
statistic (:mod:`clustering.gap_dispersion`) are both read off these sums.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.spatial.distance import cdist

from clustering.errors import DataError
from clustering.linkage import distance_kwargs

__all__: list[str] = []  # helpers of clustering.validity and clustering.gap_dispersion only

#: Distances per row block: 4M float64 = 32 MB at a time, whatever n.
_BLOCK_ENTRIES = 1 << 22


class _Distances:
    """Rows of the n x n distance matrix, a block at a time, from features or from distances."""

    def __init__(self, X: np.ndarray | None, D: np.ndarray | None, metric: str, p: float,
                 power: float = 1.0) -> None:
        self.X, self.D, self.metric, self.power = X, D, metric, power
        if D is not None:
            self.n = D.shape[0] if D.ndim == 2 else int(round((1 + math.sqrt(1 + 8 * D.size)) / 2))
            self.kwargs: dict = {}
        else:
            assert X is not None
            self.n = X.shape[0]
            # V / VI from the whole of X so blocks equal pdist(X) (see linkage.distance_kwargs).
            self.kwargs = distance_kwargs(X, metric, p)

    def blocks(self) -> Iterable[tuple[int, int, np.ndarray]]:
        n = self.n
        step = max(1, min(n, _BLOCK_ENTRIES // n))
        for i0 in range(0, n, step):
            i1 = min(n, i0 + step)
            if self.D is None:
                blk = cdist(self.X[i0:i1], self.X, self.metric, **self.kwargs)
                if not np.isfinite(blk).all():
                    rows = i0 + np.flatnonzero(~np.isfinite(blk).all(axis=1))
                    raise DataError(
                        f"{self.metric} distances involving row(s) "
                        f"{', '.join(str(int(r) + 1) for r in rows[:5])} are not finite numbers "
                        "(e.g. a row of zeros under cosine): remove those rows or choose another "
                        "metric"
                    )
            elif self.D.ndim == 2:
                blk = np.array(self.D[i0:i1], dtype=np.float64)
            else:
                rows = np.arange(i0, i1)[:, None]
                cols = np.arange(n)[None, :]
                lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
                idx = n * lo - lo * (lo + 1) // 2 + (hi - lo - 1)
                np.clip(idx, 0, None, out=idx)  # the diagonal, zeroed below
                blk = self.D[idx]
            # cosine/correlation can leave 1e-16 on the diagonal; a row is no distance from itself.
            blk[np.arange(i1 - i0), np.arange(i0, i1)] = 0.0
            if self.power != 1.0:
                np.power(blk, self.power, out=blk)
            yield i0, i1, blk


def _codes(labelings: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[int], np.ndarray]:
    """Labelings -> 0-based codes each, their cluster counts, and column offsets."""
    codes, sizes = [], []
    for lab in labelings:
        _, code = np.unique(lab, return_inverse=True)
        codes.append(code.astype(np.int64))
        sizes.append(int(code.max()) + 1)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return codes, sizes, offsets


def _cluster_sums(dist: _Distances, codes: list[np.ndarray], offsets: np.ndarray) -> np.ndarray:
    """(n, sum k): entry [i, off_j + c] = sum of distances from row i to cluster c of labeling j.

    The cuts of one tree are nested, so their common refinement (the finest cut, r = max k
    clusters) determines them all: one product of each block of distances with the r one-hot
    columns, then a small (r, sum k) map to every labeling. Labelings that are not nested
    (a FUNcluster like k-means) fall back to all sum(k) one-hot columns. Either way every k
    shares the single pass over the n^2 distances.
    """
    n = dist.n
    total = int(offsets[-1])
    rows = np.arange(n)
    uniq, fine = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    fine = fine.ravel()
    expand = None
    if uniq.shape[0] < total:
        basis = np.zeros((n, uniq.shape[0]), dtype=np.float64)
        basis[rows, fine] = 1.0
        expand = np.zeros((uniq.shape[0], total), dtype=np.float64)
        for j in range(len(codes)):
            expand[np.arange(uniq.shape[0]), offsets[j] + uniq[:, j]] = 1.0
    else:
        basis = np.zeros((n, total), dtype=np.float64)
        for j, code in enumerate(codes):
            basis[rows, offsets[j] + code] = 1.0
    sums = np.empty((n, total), dtype=np.float64)
    for i0, i1, blk in dist.blocks():
        part = blk @ basis
        sums[i0:i1] = part if expand is None else part @ expand
    return sums
