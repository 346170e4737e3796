"""pvclust's ``msfit``: AU and BP from the hits at each scale (:func:`multiscale_fit`).
Part of :mod:`clustering.support`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from scipy.stats import chi2

from clustering.errors import DataError

_EPS = 0.001  # pvclust's msfit: scales with bp within eps of 0 or 1 are left out of the fit
_MIN_USE = 3  # ... and at least this many scales are needed for a fit


def multiscale_fit(
    counts: np.ndarray, scales: np.ndarray, n_boot: np.ndarray | int
) -> pd.DataFrame:
    """pvclust's ``msfit`` for many clades at once.

    Parameters
    ----------
    counts : array_like, shape (m, s)
        Hits of each of m clades at each of s scales.
    scales : array_like, shape (s,)
        The scales used (pvclust's ``$r``).
    n_boot : int or array_like, shape (s,)
        Replicates per scale.

    Returns
    -------
    DataFrame, m rows
        ``au, bp, se_au, se_bp, si, se_si, v, c, pchi, n_used`` as pvclust's ``$edges``
        (``n_used``: scales that entered the fit). With fewer than 3 scales where
        ``0.001 < bp < 0.999``, pvclust gives up the fit: all p-values 0 (mean bp < 0.5)
        or 1, standard errors, v, c and pchi 0.

    Examples
    --------
    >>> fit = multiscale_fit([[60, 52, 45, 40]], [0.5, 0.8, 1.1, 1.4], 100)  # R: 0.1634, 0.4688
    >>> fit[["au", "bp"]].round(3).values.tolist()
    [[0.163, 0.469]]
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    r = np.asarray(scales, dtype=np.float64).ravel()
    nb = np.broadcast_to(np.asarray(n_boot, dtype=np.float64), r.shape)
    if counts.shape[1] != r.size:
        raise DataError(f"counts have {counts.shape[1]} scales but {r.size} scales were given")
    bp = counts / nb
    use = (bp > _EPS) & (bp < 1 - _EPS)
    n_use = use.sum(axis=1)
    bq = np.where(use, bp, 0.5)  # placeholders keep the masked arithmetic finite
    zz = -ndtri(bq)
    dens = np.exp(-0.5 * zz**2) / math.sqrt(2 * math.pi)
    vv = (1 - bq) * bq / (dens**2 * nb)
    w = np.where(use, 1.0 / vv, 0.0)  # a zero weight is the same as leaving the scale out
    x1, x2 = np.sqrt(r), 1.0 / np.sqrt(r)
    a11, a12, a22 = w @ (x1 * x1), w @ (x1 * x2), w @ (x2 * x2)
    b1, b2 = (w * zz) @ x1, (w * zz) @ x2
    fit = n_use >= _MIN_USE
    det = np.where(fit, a11 * a22 - a12 * a12, 1.0)
    # V = (X' W X)^-1, the covariance of (v, c) in msfit
    v11, v12, v22 = a22 / det, -a12 / det, a11 / det
    v = v11 * b1 + v12 * b2
    c = v12 * b1 + v22 * b2
    z_au, z_bp = v - c, v + c
    p_au, p_bp = ndtr(-z_au), ndtr(-z_bp)
    d0 = ndtr(-c)
    p_iau = ndtr(z_au)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_si = np.clip(1 - p_iau / d0, 0.0, 1.0)
        vz_au = v11 - 2 * v12 + v22
        vz_bp = v11 + 2 * v12 + v22
        phi = lambda z: np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)  # noqa: E731
        se_au = phi(z_au) * np.sqrt(vz_au)
        se_bp = phi(z_bp) * np.sqrt(vz_bp)
        d1 = phi(z_au) / d0
        d2 = p_iau * phi(c) / d0**2
        h1, h2 = d1, -d1 + d2
        v_si = h1 * h1 * v11 + 2 * h1 * h2 * v12 + h2 * h2 * v22
        se_si = np.where((p_si > 0) & (p_si < 1), np.sqrt(v_si), 0.0)
        resid = zz - np.outer(v, x1) - np.outer(c, x2)
        rss = np.sum(w * resid**2, axis=1)
    df = n_use - 2
    pchi = np.where(df > 0, chi2.sf(rss, np.maximum(df, 1)), 1.0)
    fallback = np.where(bp.mean(axis=1) < 0.5, 0.0, 1.0)
    out = pd.DataFrame({
        "au": np.where(fit, p_au, fallback),
        "bp": np.where(fit, p_bp, fallback),
        "se_au": np.where(fit, se_au, 0.0),
        "se_bp": np.where(fit, se_bp, 0.0),
        "si": np.where(fit, p_si, fallback),
        "se_si": np.where(fit, se_si, 0.0),
        "v": np.where(fit, v, 0.0),
        "c": np.where(fit, c, 0.0),
        "pchi": np.where(fit, pchi, 0.0),
        "n_used": np.where(fit, n_use, 0).astype(np.int64),
    })
    return out
