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
    counts, r, nb = _checked_inputs(counts, scales, n_boot)
    bp = counts / nb
    use = (bp > _EPS) & (bp < 1 - _EPS)
    n_use = use.sum(axis=1)
    fit = n_use >= _MIN_USE
    zz, w = _z_values_and_weights(bp, use, nb)
    x1, x2 = np.sqrt(r), 1.0 / np.sqrt(r)
    v, c, cov = _weighted_fit(zz, w, x1, x2, fit)
    fitted = _p_values(v, c, cov)
    fitted.update(v=v, c=c, pchi=_pchi(zz, w, x1, x2, v, c, n_use))
    fallback = np.where(bp.mean(axis=1) < 0.5, 0.0, 1.0)
    return _edges(fit, fallback, fitted, n_use)


_Cov = tuple[np.ndarray, np.ndarray, np.ndarray]  # (v11, v12, v22): the covariance of (v, c)


def _phi(z: np.ndarray) -> np.ndarray:
    """The standard normal density."""
    return np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)


def _checked_inputs(
    counts: np.ndarray, scales: np.ndarray, n_boot: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counts (m, s), scales (s,), replicates per scale (s,)) as floats; refuses unequal s."""
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    r = np.asarray(scales, dtype=np.float64).ravel()
    nb = np.broadcast_to(np.asarray(n_boot, dtype=np.float64), r.shape)
    if counts.shape[1] != r.size:
        raise DataError(f"counts have {counts.shape[1]} scales but {r.size} scales were given")
    return counts, r, nb


def _z_values_and_weights(
    bp: np.ndarray, use: np.ndarray, nb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """msfit's z = -qnorm(bp) and its weights 1 / var(z), weight 0 on scales left out."""
    bq = np.where(use, bp, 0.5)  # placeholders keep the masked arithmetic finite
    zz = -ndtri(bq)
    dens = _phi(zz)
    vv = (1 - bq) * bq / (dens**2 * nb)
    w = np.where(use, 1.0 / vv, 0.0)  # a zero weight is the same as leaving the scale out
    return zz, w


def _weighted_fit(
    zz: np.ndarray, w: np.ndarray, x1: np.ndarray, x2: np.ndarray, fit: np.ndarray
) -> tuple[np.ndarray, np.ndarray, _Cov]:
    """Weighted least squares z ~ v sqrt(r) + c / sqrt(r) per clade: (v, c, covariance)."""
    a11, a12, a22 = w @ (x1 * x1), w @ (x1 * x2), w @ (x2 * x2)
    b1, b2 = (w * zz) @ x1, (w * zz) @ x2
    det = np.where(fit, a11 * a22 - a12 * a12, 1.0)
    # V = (X' W X)^-1, the covariance of (v, c) in msfit
    v11, v12, v22 = a22 / det, -a12 / det, a11 / det
    v = v11 * b1 + v12 * b2
    c = v12 * b1 + v22 * b2
    return v, c, (v11, v12, v22)


def _p_values(v: np.ndarray, c: np.ndarray, cov: _Cov) -> dict[str, np.ndarray]:
    """AU, BP and SI from the fitted (v, c), with their delta-method standard errors."""
    v11, v12, v22 = cov
    z_au, z_bp = v - c, v + c
    p_au, p_bp = ndtr(-z_au), ndtr(-z_bp)
    d0 = ndtr(-c)
    p_iau = ndtr(z_au)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_si = np.clip(1 - p_iau / d0, 0.0, 1.0)
        vz_au = v11 - 2 * v12 + v22
        vz_bp = v11 + 2 * v12 + v22
        se_au = _phi(z_au) * np.sqrt(vz_au)
        se_bp = _phi(z_bp) * np.sqrt(vz_bp)
        se_si = _se_si(z_au, c, p_iau, d0, p_si, cov)
    return {"au": p_au, "bp": p_bp, "se_au": se_au, "se_bp": se_bp, "si": p_si, "se_si": se_si}


def _se_si(
    z_au: np.ndarray, c: np.ndarray, p_iau: np.ndarray, d0: np.ndarray, p_si: np.ndarray,
    cov: _Cov,
) -> np.ndarray:
    """SI's delta-method standard error, 0 where SI is 0 or 1 (callers silence 0/0)."""
    v11, v12, v22 = cov
    d1 = _phi(z_au) / d0
    d2 = p_iau * _phi(c) / d0**2
    h1, h2 = d1, -d1 + d2
    v_si = h1 * h1 * v11 + 2 * h1 * h2 * v12 + h2 * h2 * v22
    return np.where((p_si > 0) & (p_si < 1), np.sqrt(v_si), 0.0)


def _pchi(
    zz: np.ndarray, w: np.ndarray, x1: np.ndarray, x2: np.ndarray, v: np.ndarray,
    c: np.ndarray, n_use: np.ndarray,
) -> np.ndarray:
    """The fit's chi-square p-value on n_use - 2 degrees of freedom (1 without any)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        resid = zz - np.outer(v, x1) - np.outer(c, x2)
        rss = np.sum(w * resid**2, axis=1)
    df = n_use - 2
    return np.where(df > 0, chi2.sf(rss, np.maximum(df, 1)), 1.0)


def _edges(
    fit: np.ndarray, fallback: np.ndarray, fitted: dict[str, np.ndarray], n_use: np.ndarray
) -> pd.DataFrame:
    """pvclust's ``$edges``: the fitted values, or msfit's give-up values where no fit."""
    return pd.DataFrame({
        "au": np.where(fit, fitted["au"], fallback),
        "bp": np.where(fit, fitted["bp"], fallback),
        "se_au": np.where(fit, fitted["se_au"], 0.0),
        "se_bp": np.where(fit, fitted["se_bp"], 0.0),
        "si": np.where(fit, fitted["si"], fallback),
        "se_si": np.where(fit, fitted["se_si"], 0.0),
        "v": np.where(fit, fitted["v"], 0.0),
        "c": np.where(fit, fitted["c"], 0.0),
        "pchi": np.where(fit, fitted["pchi"], 0.0),
        "n_used": np.where(fit, n_use, 0).astype(np.int64),
    })
