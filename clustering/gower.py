"""Gower distances for tables of mixed numbers and categories, as R's ``cluster::daisy``.

``gower_distances(frame)`` equals ``cluster::daisy(frame, metric = "gower")`` (to rounding,
checked to 1e-12 against R in ``tests/clustering/test_gower.py``), column kinds taken from
the pandas dtypes the way daisy takes them from R's classes:

========================  ==============  ===============================================
pandas column             daisy type      contribution of a pair (i, j), weight w
========================  ==============  ===============================================
numbers (int, float)      "I" interval    w·|x_i − x_j| / range(x)
ordered Categorical       "O" ordinal     w·|c_i − c_j| / (max c − min c), c = the level's
                                          position among *all* declared levels (R's codes)
other text / Categorical  "N" nominal     w if the values differ, else 0
bool / boolean            "A" asymmetric  w if they differ; a pair where both are False is
                                          left out (neither numerator nor denominator)
========================  ==============  ===============================================

The distance of a pair is the sum of contributions over the variables both rows have,
divided by the sum of those variables' weights. A range of 0 (a constant column) is taken
as 1, so the column adds 0 but still counts in the denominator, as in daisy.

Missing values (NaN, None, pd.NA) make a pair skip that variable. A pair that shares no
variable (every variable missing in one row or the other) has no Gower distance: daisy
returns NA; we return NaN in that cell (``gower_distances``) and
:func:`clustering.distances.linkage_from_distances` refuses such a matrix naming the pairs.
cluster 2.1.4 (R 4.2's Debian package) also returns NA when the shared weight is at most
0.5 (``ppa <= 0.5`` in its Fortran); cluster 2.1.5 and later only when it is 0. We follow
the later rule, so with weights below 0.5 a pair that shares only light variables gets a
distance here and NA from the old daisy.

Two daisy details are kept so the numbers agree: an ordered factor's codes count its
declared but unused levels (``daisy`` uses ``data.matrix`` codes; ``type = list(ordratio=)``
would rank the observed values instead: pass ``kinds={'col': 'ordratio'}`` for that); and a
binary column holding a single value is shifted to 0 by the range scaling, so an all-True
asymmetric column is ignored in every pair.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"x": [1.0, 2.0, 4.0], "c": ["a", "b", "a"]})
>>> gower_distances(df).round(4).tolist()
[[0.0, 0.6667, 0.5], [0.6667, 0.0, 0.8333], [0.5, 0.8333, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = ["GOWER_KINDS", "gower_column_kinds", "gower_distances", "gower_method_problem"]

#: Column kinds :func:`gower_distances` understands (daisy's type letters in brackets):
#: numeric (I), nominal (N), ordinal (O: an ordered Categorical's level positions, unused
#: levels included; for other columns the sorted distinct values, as R's as.ordered),
#: ordratio (daisy's type "ordratio": ranks of the distinct observed values), asymmetric (A)
#: and symmetric (S) binary (values 0/1 or True/False).
GOWER_KINDS: tuple[str, ...] = (
    "numeric", "nominal", "ordinal", "ordratio", "asymmetric", "symmetric",
)

_BLOCK_CELLS = 4_000_000  # cells per row block: ~32 MB per temporary array


_EUCLIDEAN_METHODS = ("ward", "centroid", "median")


def gower_method_problem(method: str) -> str | None:
    """Why a linkage method is refused on Gower distances, or None when it is fine.

    Ward, centroid and median need Euclidean distances (as for any metric in
    :func:`clustering.linkage.method_metric_problem`); Gower distances are not Euclidean.
    An uploaded matrix is different: the user vouches for it, and
    :func:`clustering.distances.precomputed_method_note` explains instead of refusing.

    Examples
    --------
    >>> gower_method_problem("average") is None
    True
    >>> gower_method_problem("ward")[:40]
    'ward linkage needs Euclidean distances, '
    """
    from clustering.linkage import METHODS

    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {', '.join(METHODS)}")
    if method in _EUCLIDEAN_METHODS:
        return (f"{method} linkage needs Euclidean distances, and Gower distances are not "
                "Euclidean (they mix range-scaled differences and category mismatches); choose "
                "single, complete, average or weighted linkage.")
    return None


def _default_kind(col: pd.Series) -> str:
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "asymmetric"
    if isinstance(dtype, pd.CategoricalDtype):
        return "ordinal" if dtype.ordered else "nominal"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "unsupported"
    return "nominal"


def gower_column_kinds(frame: pd.DataFrame, kinds: Mapping[str, str] | None = None
                       ) -> dict[str, str]:
    """The Gower kind of every column: the dtype's default, overridden by ``kinds``.

    Parameters
    ----------
    frame : DataFrame, shape (n, p)
    kinds : mapping column -> kind, optional
        Each kind one of :data:`GOWER_KINDS`.

    Returns
    -------
    dict
        Column name -> kind, in the frame's column order.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.5, 2.0], "c": ["a", "b"], "b": [True, False]})
    >>> gower_column_kinds(df, {"c": "symmetric"})
    {'x': 'numeric', 'c': 'symmetric', 'b': 'asymmetric'}
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"Gower distances need a table (pandas DataFrame), not {type(frame).__name__}")
    kinds = dict(kinds or {})
    unknown = [str(c) for c in kinds if c not in frame.columns]
    if unknown:
        raise DataError(f"kinds name columns the table does not have: {', '.join(map(repr, unknown))}; "
                        f"the columns are {', '.join(map(repr, map(str, frame.columns)))}")
    out: dict[str, str] = {}
    for name in frame.columns:
        kind = kinds.get(name, _default_kind(frame[name]))
        if kind not in GOWER_KINDS:
            if kind == "unsupported":
                raise DataError(f"column '{name}' holds dates or times; convert it to numbers "
                                "(e.g. days since a start) or drop it before Gower distances")
            raise DataError(f"column '{name}': unknown kind {kind!r}; choose one of "
                            f"{', '.join(GOWER_KINDS)}")
        out[name] = kind
    return out


@dataclass(frozen=True)
class _Column:
    kind: str
    values: np.ndarray  # float64 (n,), scaled as daisy scales; NaN where missing
    missing: np.ndarray  # bool (n,)


def _missing(col: pd.Series) -> np.ndarray:
    return np.asarray(col.isna(), dtype=bool)


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask) + 1
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (f" and {rows.size - limit} more" if rows.size > limit else "")


def _range_scale(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    # daisy: scale(x, center = min, scale = max - min), a zero range taken as 1.
    lo = np.min(x[~missing])
    hi = np.max(x[~missing])
    span = hi - lo
    if span == 0:
        span = 1.0
    out = (x - lo) / span
    out[missing] = np.nan
    return out


def _encode(name: str, col: pd.Series, kind: str) -> _Column:
    miss = _missing(col)
    if miss.all():
        raise DataError(f"column '{name}' has no values (all missing); drop it")
    if kind == "numeric":
        try:
            x = pd.to_numeric(col, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            bad = pd.to_numeric(col, errors="coerce").isna().to_numpy() & ~miss
            raise DataError(f"column '{name}' is numeric for Gower but has text in rows "
                            f"{_rows(bad)}; fix those cells or make it nominal") from None
        inf = np.isinf(x)
        if inf.any():
            raise DataError(f"column '{name}' has infinite values in rows {_rows(inf)}; "
                            "replace them with numbers or leave them empty (missing)")
        return _Column(kind, _range_scale(x, miss), miss)
    if kind == "nominal":
        codes, _ = pd.factorize(col, use_na_sentinel=True)
        x = codes.astype(float)
        x[miss] = np.nan
        return _Column(kind, x, miss)
    if kind in ("ordinal", "ordratio"):
        if kind == "ordinal" and isinstance(col.dtype, pd.CategoricalDtype):
            x = col.cat.codes.to_numpy().astype(float)  # positions among declared levels
        else:
            # as.ordered(): levels are the sorted distinct observed values
            try:
                levels = np.sort(pd.unique(col[~miss].to_numpy()))
            except TypeError:
                raise DataError(f"column '{name}' mixes values that cannot be ordered "
                                "(e.g. numbers and text); make it an ordered Categorical "
                                "with its levels in order") from None
            x = np.full(len(col), np.nan)
            x[~miss] = np.searchsorted(levels, col[~miss].to_numpy()).astype(float)
        x[miss] = np.nan
        return _Column("numeric", _range_scale(x, miss), miss)
    # binary
    vals = col[~miss]
    if pd.api.types.is_bool_dtype(vals.dtype):
        num = vals.astype(float).to_numpy()
    else:
        num = pd.to_numeric(vals, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isin(num, (0.0, 1.0))
    if bad.any():
        rows = np.flatnonzero(~miss)[bad]
        mask = np.zeros(len(col), bool)
        mask[rows] = True
        raise DataError(f"column '{name}' is {kind} binary but rows {_rows(mask)} hold values "
                        "other than 0/1 (True/False); fix them or make the column nominal")
    x = np.full(len(col), np.nan)
    x[~miss] = num
    return _Column(kind, _range_scale(x, miss), miss)


def _weights(frame: pd.DataFrame, weights: object) -> np.ndarray:
    p = frame.shape[1]
    if weights is None:
        return np.ones(p)
    if isinstance(weights, Mapping):
        unknown = [str(c) for c in weights if c not in frame.columns]
        if unknown:
            raise DataError(f"weights name columns the table does not have: "
                            f"{', '.join(map(repr, unknown))}")
        w = np.array([weights.get(c, 1.0) for c in frame.columns], dtype=float)
    else:
        try:
            w = np.asarray(weights, dtype=float)
        except (TypeError, ValueError):
            raise DataError("weights must be numbers, one per column") from None
        if w.ndim == 0:
            w = np.full(p, float(w))
        if w.ndim != 1 or w.size != p:
            raise DataError(f"weights must give one number per column ({p}), not {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        bad = [str(c) for c, v in zip(frame.columns, w, strict=True)
               if not (np.isfinite(v) and v >= 0)]
        raise DataError(f"weights must be finite and non-negative; check {', '.join(bad)}")
    if not np.any(w > 0):
        raise DataError("every weight is 0; give at least one column a positive weight")
    return w


def _block(cols: list[_Column], w: np.ndarray, a: int, b: int, c0: int) -> np.ndarray:
    """Gower distances of rows a..b-1 to rows c0..n-1, summed in column order as daisy does."""
    shape = (b - a, len(cols[0].values) - c0)
    num = np.zeros(shape)
    buf = np.empty(shape)
    # the denominator is one number unless some pair can skip a variable
    varying = any(col.missing.any() or col.kind == "asymmetric" for col, wj in zip(cols, w, strict=True) if wj)
    den: np.ndarray | float = np.zeros(shape) if varying else 0.0
    for col, wj in zip(cols, w, strict=True):
        if wj == 0:
            continue
        xi = col.values[a:b, None]
        xj = col.values[None, c0:]
        if col.kind == "numeric":
            np.subtract(xi, xj, out=buf)
            np.abs(buf, out=buf)
            buf *= wj
        else:
            np.multiply(xi != xj, wj, out=buf)
        if col.missing.any() or col.kind == "asymmetric":
            present = ~(col.missing[a:b, None] | col.missing[None, c0:])
            if col.kind == "asymmetric":
                present &= (xi != 0) | (xj != 0)
            np.copyto(buf, 0.0, where=~present)
            num += buf
            den += np.multiply(present, wj)  # type: ignore[operator]
        else:
            num += buf
            den += wj  # type: ignore[operator]
    with np.errstate(invalid="ignore", divide="ignore"):
        num /= den
    if varying:
        num[den == 0] = np.nan  # type: ignore[comparison-overlap]
    return num


def gower_distances(
    frame: pd.DataFrame,
    weights: Sequence[float] | Mapping[str, float] | float | None = None,
    *,
    kinds: Mapping[str, str] | None = None,
    condensed: bool = False,
) -> np.ndarray:
    """Gower dissimilarities between the rows of a mixed table, as ``daisy(x, "gower")``.

    Parameters
    ----------
    frame : DataFrame, shape (n, p)
        Every column is used (drop label columns first). Kinds come from the dtypes
        (see the module docstring) unless ``kinds`` says otherwise.
    weights : sequence of p floats, mapping column -> float, or float, optional
        Column weights (daisy's ``weights``); default 1 each. Finite, >= 0, not all 0.
    kinds : mapping column -> kind, optional
        Override a column's kind; kinds are :data:`GOWER_KINDS`.
    condensed : bool
        Return the condensed vector (as ``scipy.spatial.distance.squareform`` of the
        square matrix) instead of the square matrix, saving half the memory.

    Returns
    -------
    ndarray
        (n, n) symmetric with zero diagonal, or (n (n - 1) / 2,) when ``condensed``;
        values in [0, 1]; NaN for a pair that shares no variable (daisy's NA).

    Raises
    ------
    DataError
        Fewer than 2 rows, no columns, an all-missing column, text in a numeric column,
        infinite numbers, binary columns with other values, bad weights or kinds.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, None, 3.0],
    ...                    "size": pd.Categorical(["S", "L", "M"], ["S", "M", "L"], ordered=True)})
    >>> gower_distances(df, weights=[1, 3]).round(4).tolist()
    [[0.0, 1.0, 0.625], [1.0, 0.0, 0.5], [0.625, 0.5, 0.0]]
    >>> gower_distances(df, condensed=True).round(4).tolist()
    [1.0, 0.75, 0.5]
    """
    kind_of = gower_column_kinds(frame, kinds)
    n, p = frame.shape
    if p == 0:
        raise DataError("the table has no columns to compare")
    if n < 2:
        raise DataError(f"Gower distances need at least 2 rows, not {n}")
    w = _weights(frame, weights)
    cols = [_encode(str(name), frame[name], kind_of[name]) for name in frame.columns]
    block = max(1, _BLOCK_CELLS // n)
    if condensed:
        out = np.empty(n * (n - 1) // 2)
        for a in range(0, n - 1, block):
            b = min(n - 1, a + block)
            blk = _block(cols, w, a, b, a)
            for i in range(a, b):
                start = i * n - i * (i + 1) // 2
                out[start:start + n - 1 - i] = blk[i - a, i - a + 1:]
        return out
    D = np.zeros((n, n))
    for a in range(0, n, block):
        b = min(n, a + block)
        blk = _block(cols, w, a, b, a)
        D[a:b, a:] = blk
        D[a:, a:b] = blk.T
    np.fill_diagonal(D, 0.0)
    return D
