"""Scaling the prepared matrix column by column without overflow, and refusing values too
large for distances (:func:`_scale`, :func:`_check_distances`). Part of :mod:`clustering.prepare`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.prepare_options import _choices, _fmt
from clustering.tables import file_row


def _safe(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """fn(x), or, where that overflows, s * fn(x / s) style rescue by the column's max |x|."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = fn(x)
    bad = ~np.isfinite(out).all(axis=0)
    if bad.any():
        scale = np.abs(x[:, bad]).max(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):
            out[:, bad] = fn(x[:, bad] / scale)
    return out


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (x - lo) / span


def _std(x: np.ndarray) -> np.ndarray:
    """x.std(axis=0), recomputed as s * std(x / s) where squares under- or overflow."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        std = x.std(axis=0)
    redo = ~np.isfinite(std) | ((std == 0) & (x.min(axis=0) != x.max(axis=0)))
    if redo.any():
        scale = np.abs(x[:, redo]).max(axis=0)
        std[redo] = scale * (x[:, redo] / scale).std(axis=0)
    return std


def _mean(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=0)
    redo = ~np.isfinite(mean)
    if redo.any():
        scale = np.abs(x[:, redo]).max(axis=0)
        mean[redo] = scale * (x[:, redo] / scale).mean(axis=0)
    return mean


def _zscore(x: np.ndarray) -> np.ndarray:
    std = _std(x)
    return (x - _mean(x)) / np.where(std > 0, std, 1.0)


def _whiten(x: np.ndarray) -> np.ndarray:
    std = _std(x)
    return x / np.where(std > 0, std, 1.0)


_SCALERS: dict[str, tuple[Callable[[np.ndarray], np.ndarray] | None, str]] = {
    "none": (None, ""),
    "minmax": (_minmax, "Scaled each column to [0, 1] (min-max)."),
    "zscore": (_zscore, "Standardised each column to mean 0 and standard deviation 1 (z-score)."),
    "whiten": (_whiten, "Divided each column by its standard deviation (scipy.cluster.vq.whiten)."),
}


def _scale(x: np.ndarray, names: list[str], how: str, steps: list[str]) -> np.ndarray:
    fn, sentence = _SCALERS[how]
    if fn is None:
        return x
    constant = x.min(axis=0) == x.max(axis=0)
    # min-max is shift-invariant, z-score too; whiten is not, but scaling a constant column
    # cannot change any distance, so 0 is as good as SciPy's unchanged values and never NaN.
    out = _safe(fn, x)
    out[:, constant] = 0.0
    steps.append(sentence)
    if constant.any():
        listed = _choices(tuple(n for n, c in zip(names, constant, strict=True) if c))
        steps.append(f"Constant column(s) {listed} set to 0 (no spread to scale).")
    return out


def _check_distances(x: np.ndarray, names: list[str], row_ids: np.ndarray, raw: np.ndarray,
                     df: pd.DataFrame) -> None:
    """Refuse matrices whose pairwise squared distances would overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        # |a - b|^2 <= 2|a|^2 + 2|b|^2 <= 4 max|.|^2: finite bound means no distance overflows.
        norms = np.einsum("ij,ij->i", x, x)
        ok = np.isfinite(x).all() and np.isfinite(4.0 * norms.max(initial=0.0))
    if ok:
        return
    absx = np.abs(np.where(np.isfinite(x), x, np.inf))
    col = int(absx.max(axis=0).argmax())
    row = int(absx[:, col].argmax())
    raise DataError(
        f"column '{names[col]}' has values too large to compute distances "
        f"(e.g. {file_row(df, int(row_ids[row]))}: {_fmt(float(raw[row, col]))}); rescale it or "
        "pick z-score/min-max scaling"
    )
