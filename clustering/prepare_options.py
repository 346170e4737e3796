"""What :func:`clustering.prepare.prepare` is asked to do and what it gives back
(:class:`PrepareOptions`, :class:`Prepared`), and the wording its messages share.
Part of :mod:`clustering.prepare` (import from there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from clustering.errors import DataError

MISSING = ("drop", "mean", "median")
SCALINGS = ("none", "minmax", "zscore", "whiten")


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


def _fmt(value: float) -> str:
    return f"{value:.6g}".replace("e+", "e")


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class PrepareOptions:
    """How to turn a table into a matrix; frozen, hashable, JSON round-trip.

    Parameters
    ----------
    features : tuple of str, optional
        Columns to cluster on. None: every numeric column except the label column
        (and, with ``one_hot``, every categorical one too).
    label_column : str, optional
        Column whose values name the leaves; else the 1-based row number.
    missing : {'drop', 'mean', 'median'}
        Drop rows with a missing feature value, or fill it with the column's mean / median.
    one_hot : bool
        Encode categorical feature columns as 0/1 indicator columns (``pandas.get_dummies``).
    scaling : {'none', 'minmax', 'zscore', 'whiten'}
        Per column after encoding: none; (x - min) / (max - min); (x - mean) / std;
        x / std as ``scipy.cluster.vq.whiten``. std has ddof=0. Constant columns become 0.

    Examples
    --------
    >>> o = PrepareOptions(features=["a", "b"], scaling="zscore")
    >>> o.features
    ('a', 'b')
    >>> PrepareOptions.from_dict(o.to_dict()) == o
    True
    >>> PrepareOptions(scaling="log")
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: scaling must be one of 'none', 'minmax', 'zscore', 'whiten'; got 'log'
    """

    # Pickles (background jobs, caches) name the class by module: keep the one it was
    # defined in before prepare.py was split, which re-exports it.
    __module__ = "clustering.prepare"

    features: tuple[str, ...] | None = None
    label_column: str | None = None
    missing: str = "drop"
    one_hot: bool = False
    scaling: str = "none"

    def __post_init__(self) -> None:
        if self.features is not None:
            if isinstance(self.features, str):
                raise DataError("features must be a list of column names, not one string")
            object.__setattr__(self, "features", tuple(str(f) for f in self.features))
        if self.label_column is not None and not isinstance(self.label_column, str):
            object.__setattr__(self, "label_column", str(self.label_column))
        if self.missing not in MISSING:
            raise DataError(f"missing must be one of {_choices(MISSING)}; got {self.missing!r}")
        if self.scaling not in SCALINGS:
            raise DataError(f"scaling must be one of {_choices(SCALINGS)}; got {self.scaling!r}")
        if not isinstance(self.one_hot, bool | np.bool_):
            raise DataError(f"one_hot must be true or false; got {self.one_hot!r}")
        object.__setattr__(self, "one_hot", bool(self.one_hot))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (features as a list or None)."""
        d = asdict(self)
        if d["features"] is not None:
            d["features"] = list(d["features"])
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PrepareOptions:
        """Inverse of :meth:`to_dict`; unknown keys are refused, missing keys take defaults."""
        valid = tuple(f.name for f in fields(cls))
        unknown = sorted(set(d) - set(valid))
        if unknown:
            raise DataError(
                f"unknown option(s) {_choices(tuple(unknown))}; valid options are {_choices(valid)}"
            )
        return cls(**dict(d))


@dataclass(frozen=True, eq=False)
class Prepared:
    """The matrix to cluster and what was done to get it.

    Attributes
    ----------
    matrix : ndarray, shape (n, d)
        float64, C-contiguous, finite, read-only.
    feature_names : tuple of str, length d
        One per matrix column; one-hot columns are named like ``origin_usa``.
    row_ids : ndarray of int64, shape (n,)
        0-based positions in the input table of the rows kept.
    labels : ndarray of object (str), shape (n,)
        Leaf labels: the label column's values verbatim, else the observation number
        ``0..n-1`` (the row of ``matrix``, SciPy's ``ivl``).
    original : pandas.DataFrame, (n, d)
        The matrix before scaling (original units, after imputation), columns ``feature_names``.
    n_input_rows, n_dropped : int
    steps : tuple of str
        Sentences saying what was done, for the UI.
    options : PrepareOptions
    """

    # Pickles (background jobs, caches) name the class by module: keep the one it was
    # defined in before prepare.py was split, which re-exports it.
    __module__ = "clustering.prepare"

    matrix: np.ndarray
    feature_names: tuple[str, ...]
    row_ids: np.ndarray
    labels: np.ndarray
    original: pd.DataFrame
    n_input_rows: int
    n_dropped: int
    steps: tuple[str, ...]
    options: PrepareOptions = field(default_factory=PrepareOptions)
