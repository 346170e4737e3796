"""The view's numbers: read from the page's fields and from links, checked, written back.

A half-typed field reads as None (:func:`number_or_none`); a height in a link or a view must be
a finite number >= 0 (``_height``, ``_query_float``); a height is written as the shortest text
that reads back as the same float (``_num``). ``components.view`` uses them, and
:func:`number_or_none` stays importable from there. Nothing here imports Dash.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from clustering.errors import DataError

__all__ = ["number_or_none"]


def number_or_none(v: Any) -> float | None:
    """``v`` as a finite float, or None (an empty or half-typed input field).

    >>> number_or_none("2.5"), number_or_none(""), number_or_none("inf")
    (2.5, None, None)
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _num(v: float) -> str:
    """Shortest text that reads back as the same float (integers without '.0').

    >>> _num(50.0), _num(0.1 + 0.2), _num(1e-7)
    ('50', '0.30000000000000004', '1e-07')
    """
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def _height(key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise DataError(f"{key} has the wrong type (bool)")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{key} must be a number, not {value!r}") from None
    if not math.isfinite(f) or f < 0:
        raise DataError(f"{key} must be a finite height >= 0, not {value!r}")
    return f


def _nonneg(v: float | None) -> float | None:
    return v if v is None or v >= 0 else None


def _query_float(key: str, text: str) -> float:
    try:
        f = float(text)
    except ValueError:
        raise DataError(f"{key} must be a number, not {text!r}") from None
    if not math.isfinite(f) or f < 0:
        raise DataError(f"{key} must be a finite height >= 0, not {text!r}")
    return f
