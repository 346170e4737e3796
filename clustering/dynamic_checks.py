"""The argument checks of the dynamic tree cut (:func:`clustering.dynamic_cut.dynamic_cut`).

Each check raises a :class:`~clustering.errors.DataError` that names the argument, the valid
values and what was given, in the order ``dynamic_cut`` runs them: the tree, the numbers and
flags both methods take, then what only "tree" or only "hybrid" reads (the hybrid method's
distances last, as they are the costly check).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial.distance import squareform

from clustering.dynamic_rtree import RTree, r_tree
from clustering.errors import DataError
from clustering.linkage import METRICS, condensed_distances, validate_matrix

__all__: list[str] = []  # helpers of clustering.dynamic_cut only


def _checked_r_tree(Z: Any) -> RTree:
    """Z in R's conventions (:func:`r_tree`), or a DataError when its heights ever decrease."""
    rt = r_tree(Z)
    if np.any(np.diff(rt.height) < 0):
        raise DataError(
            "dynamic tree cut needs merge heights that never decrease; this tree has inversions "
            "(centroid or median linkage): choose another linkage method"
        )
    return rt


def _check_int(name: str, value: Any, low: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{name} must be a whole number ({what}), got {value!r}")
    if value < low:
        raise DataError(f"{name} must be at least {low} ({what}), got {value}")
    return int(value)


def _check_float(name: str, value: Any, *, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{name} must be a number or None (R's default), got {value!r}")
    if not math.isfinite(float(value)):
        raise DataError(f"{name} must be a finite number or None (R's default), got {value!r}")
    return float(value)


def _check_flags(**flags: Any) -> None:
    """Each flag is a bool (or numpy bool), checked in the order given."""
    for name, flag in flags.items():
        if not isinstance(flag, (bool, np.bool_)):
            raise DataError(f"{name} must be True or False, got {flag!r}")


def _check_tree_args(deep_split: Any, min_cluster_size: int) -> bool:
    """The "tree" method's ``deep_split`` (None = R's False) once both its checks pass."""
    if deep_split is None:
        deep_split = False
    if not isinstance(deep_split, (bool, np.bool_)):
        raise DataError(f'deep_split must be True or False for method "tree", got {deep_split!r}')
    if min_cluster_size < 2:
        raise DataError("min_cluster_size must be at least 2 for method \"tree\" "
                        "(R's tree method fails on one-row modules)")
    return bool(deep_split)


def _check_hybrid_deep_split(deep_split: Any) -> int:
    """The "hybrid" method's ``deep_split``, 0..4 (None = R's 1; a bool as R reads a logical)."""
    if deep_split is None:
        deep_split = 1
    if isinstance(deep_split, (bool, np.bool_)):
        deep_split = 3 if deep_split else 0  # as cutreeHybrid reads a logical
    deep_split = _check_int("deep_split", deep_split, 0, "0 to 4, higher splits more")
    if deep_split > 4:
        raise DataError(f"deep_split must be 0, 1, 2, 3 or 4 (higher splits more), got {deep_split}")
    return deep_split


def _hybrid_distances(D: Any, X: Any, metric: str, p: Any, n: int) -> Any:
    """The "hybrid" method's distances as given (D), or computed from the rows (X or an (n, d) D).

    Only the rows are checked here; :func:`_square_distances` checks the distances.
    """
    if D is not None and X is not None:
        raise DataError("give the distances D or the rows X, not both")
    if D is not None and X is None and np.ndim(D) == 2 and np.shape(D)[0] == n \
            and np.shape(D)[1] != n:
        D, X = None, D  # (n, d): the rows, not an n x n distance matrix
    if X is not None:
        if metric not in METRICS:
            raise DataError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
        X = validate_matrix(X)
        if X.shape[0] != n:
            raise DataError(f"X has {X.shape[0]} rows but the tree has {n} leaves: pass the rows "
                            "the tree was built from")
        D = condensed_distances(X, metric, _check_float("p", p, allow_none=False))
    if D is None:
        raise DataError(
            'method "hybrid" needs the distances the tree was built from (D, n x n or pdist '
            'form, or the rows X and their metric); pass them, or choose method "tree"'
        )
    return D


def _symmetric(arr: np.ndarray, block: int = 256) -> bool:
    """``allclose(arr, arr.T)`` (rtol 1e-10) tile by tile: no n x n temporaries."""
    n = arr.shape[0]
    for i in range(0, n, block):
        for j in range(i, n, block):  # tile against mirrored tile: both stay in cache
            upper = arr[i:i + block, j:j + block]
            lower = arr[j:j + block, i:i + block].T
            if (np.abs(upper - lower) > 1e-12 + 1e-10 * np.abs(lower)).any():
                return False
    return True


def _square_distances(D: Any, n: int) -> np.ndarray:
    """D as a float64 (n, n) symmetric array with zero diagonal, or a DataError."""
    try:
        arr = np.asarray(D, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("the distance matrix must hold numbers only") from None
    if arr.ndim == 1:
        if arr.shape[0] != n * (n - 1) // 2:
            raise DataError(
                f"a condensed distance vector for {n} rows has {n * (n - 1) // 2} entries, "
                f"got {arr.shape[0]}: pass pdist(X) of the rows the tree was built from"
            )
        arr = squareform(arr)
    elif arr.ndim != 2 or arr.shape != (n, n):
        raise DataError(
            f"the distance matrix must be {n} x {n} (one row and column per leaf of the tree) "
            f"or condensed (pdist), or the rows {n} x d; got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise DataError("the distance matrix has missing or infinite values: fix them first")
    if (arr < 0).any():
        raise DataError("the distance matrix has negative entries: distances must be >= 0")
    if not _symmetric(arr):
        raise DataError("the distance matrix is not symmetric: D[i, j] must equal D[j, i] "
                        "(data with as many columns as rows: pass it as X=)")
    if np.any(np.diag(arr) != 0):
        arr = arr.copy()
        np.fill_diagonal(arr, 0.0)  # as cutreeHybrid does
    return arr
