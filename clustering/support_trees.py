"""The trees merge support compares: distances as pvclust defines them, a replicate's tree,
and each merge's clade as an exact key.

Part of :mod:`clustering.support`; :func:`_clade_keys` is shared with
:mod:`clustering.subsampling`.
"""

from __future__ import annotations

import fastcluster
import numpy as np
from scipy.spatial.distance import pdist

from clustering.linkage import VECTOR_METHODS

try:  # the C entry point behind fastcluster.linkage (see clustering.linkage)
    from _fastcluster import linkage_wrap as _linkage_wrap
except ImportError:  # pragma: no cover
    _linkage_wrap = None

#: Metrics that are undefined (NaN) for a row that is constant or zero on the drawn features.
_MAY_BE_UNDEFINED = frozenset({"correlation", "cosine", "abscor"})


def _distances(X: np.ndarray, metric: str) -> np.ndarray:
    """Condensed distances between the rows of X as pvclust's ``dist.pvclust`` defines them."""
    if metric not in _MAY_BE_UNDEFINED:
        return pdist(X, metric)
    with np.errstate(all="ignore"):  # a constant row: NaN, which the caller handles
        if metric == "abscor":
            return 1.0 - np.abs(1.0 - pdist(X, "correlation"))
        return pdist(X, metric)


def _tree(X: np.ndarray, method: str, metric: str) -> np.ndarray | None:
    """SciPy-convention linkage of the rows of X, or None when a distance is undefined
    (pvclust leaves such a replicate out of the counts but not out of nboot)."""
    if metric == "euclidean" and method in VECTOR_METHODS:
        return fastcluster.linkage_vector(X, method=method, metric="euclidean")
    D = _distances(X, metric)
    if metric in _MAY_BE_UNDEFINED and not np.isfinite(D).all():
        return None
    n = X.shape[0]
    if _linkage_wrap is None:  # pragma: no cover - a fastcluster build without it
        return fastcluster.linkage(D, method=method)
    Z = np.empty((n - 1, 4), dtype=np.float64)
    _linkage_wrap(n, D, Z, fastcluster.mthidx[method])  # consumes D: no copy, unlike linkage()
    return Z


def _clade_keys(Z: np.ndarray, leaf_keys: list[int]) -> list[int]:
    """One exact key per merge: the set of its rows as the bits of a Python int."""
    keys = leaf_keys.copy()
    for a, b in Z[:, :2].astype(np.int64).tolist():
        keys.append(keys[a] | keys[b])
    return keys[len(leaf_keys):]
