"""Two-dimensional pictures of the rows: the scatter's PCA axes.

``pca_2d`` is scikit-learn's ``PCA(n_components=2)`` with each component's sign fixed (its
largest-magnitude score is positive), so the picture does not flip between runs or versions.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

__all__ = ["pca_2d"]


def pca_2d(X: np.ndarray) -> np.ndarray:
    """(n, 2) scores on the first two principal components (columns padded with 0).

    Parameters
    ----------
    X : ndarray, shape (n, d)

    Returns
    -------
    ndarray, shape (n, 2)
        ``sklearn.decomposition.PCA(2).fit_transform(X)``, each column's sign chosen so that
        its largest-magnitude value is positive. With d = 1 (or n < 2) the missing
        components are 0.

    Examples
    --------
    >>> np.round(pca_2d(np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0]]))[:, 0], 3).tolist()
    [-1.667, -0.667, 2.333]
    """
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    out = np.zeros((n, 2))
    k = min(2, d, n)
    if k == 0:
        return out
    # Full SVD: deterministic (no randomised solver), and cheap for tall tables (n >> d).
    with np.errstate(invalid="ignore", divide="ignore"):  # constant data: variance ratio 0/0
        scores = PCA(n_components=k, svd_solver="full").fit_transform(X)
    for j in range(k):
        col = scores[:, j]
        if col.size and col[np.argmax(np.abs(col))] < 0:
            col = -col
        out[:, j] = col
    return out
