"""The one "same clustering up to renumbering" check every test uses."""

from __future__ import annotations

from typing import Any

import numpy as np


def same_partition(a: Any, b: Any) -> bool:
    """True when two labelings group the items the same way (labels may be renumbered): same
    shape, and the pairs (a_i, b_i) form a one-to-one map between the labels.

    >>> same_partition([1, 1, 2], [5, 5, 3]), same_partition([1, 1, 2], [1, 2, 2])
    (True, False)
    >>> same_partition([1, 2], [1, 2, 3])
    False
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    pairs = set(zip(a.ravel().tolist(), b.ravel().tolist(), strict=True))
    return len(pairs) == len(set(a.ravel().tolist())) == len(set(b.ravel().tolist()))
