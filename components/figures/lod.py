"""The compact tree the browser's level-of-detail view (``assets/lod.js``) lays out itself.

At 100,000 leaves the page cannot send a figure of every link (100,000 links, ~10 MB of
coordinates, seconds of WebGL upload per redraw); it sends the tree instead, ~20 bytes a leaf
(children and height of each merge, the leaf order), and ``assets/lod.js`` draws the zoom
window at the detail its pixels can show (the rule of ``clustering.lod``). Pure: no Dash.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from components.figures.tree_data import _b64

__all__ = ["lod_payload"]


def lod_payload(Z: np.ndarray, leaves: np.ndarray) -> dict[str, Any]:
    """JSON-ready arrays for ``window.dendroLod.fromPayload``.

    Parameters
    ----------
    Z : ndarray, shape (n - 1, 4)
    leaves : ndarray of int, shape (n,)
        Row at each leaf position (``TreeIndex.leaves``, SciPy's ``leaves_list``).

    Returns
    -------
    dict
        ``children`` int32 (2(n - 1),), ``height`` float64 (n - 1,), ``leaves`` int32 (n,),
        each ``{"dtype", "n", "b64"}``; ``n``.

    Examples
    --------
    >>> from scipy.cluster.hierarchy import leaves_list, linkage
    >>> Z = linkage([[0.0], [1.0], [5.0]], "single")
    >>> p = lod_payload(Z, leaves_list(Z))
    >>> p["n"], p["children"]["n"], p["height"]["dtype"]
    (3, 4, 'float64')
    """
    Z = np.asarray(Z, dtype=np.float64)
    leaves = np.asarray(leaves, dtype=np.int64)
    if Z.ndim != 2 or Z.shape[1] != 4 or Z.shape[0] + 1 != leaves.size:
        raise ValueError(f"Z of shape {Z.shape} does not match {leaves.size} leaves")
    return {
        "n": int(leaves.size),
        "children": _b64(Z[:, :2].astype(np.int32).ravel(), "int32"),
        "height": _b64(Z[:, 2], "float64"),
        "leaves": _b64(leaves, "int32"),
    }
