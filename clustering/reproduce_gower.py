"""The reproduce script's distance step for a Gower tree: R's ``daisy(x, "gower")`` written
out in pandas and NumPy, so the script still imports nothing of this project.

:func:`clustering.reproduce.reproduce_script` with ``metric="gower"`` and ``gower_kinds``
(column -> kind, as :func:`clustering.gower.gower_column_kinds` gives them for the page's
table) puts :data:`GOWER_CODE` in the script instead of ``pdist``. The page clusters the rows
``prepare`` kept, on the feature columns as they are in the table (not the one-hot, scaled
matrix), so the script's ``cluster(X, table)`` ignores ``X`` and takes those rows' columns.

The arithmetic follows :mod:`clustering.gower` step for step (range scaling, a zero range
taken as 1, contributions summed in column order, pairs without a shared variable NaN), so
the script's distances equal ``gower_distances`` to rounding and its Z the page's to 1e-12.
Only the kinds the page's tables produce are written: numeric, nominal, ordinal (an ordered
Categorical's level positions, else the sorted distinct values), asymmetric and symmetric
binary; weights are all 1, as on the page.

Examples
--------
>>> gower_constants({"x": "numeric", "c": "nominal"})
"GOWER_KINDS = {'x': 'numeric', 'c': 'nominal'}  # each column's kind in R's daisy (gower)"
"""

from __future__ import annotations

from collections.abc import Mapping

from clustering.errors import DataError
from clustering.gower import gower_method_problem

__all__ = ["GOWER_CODE", "SCRIPT_GOWER_KINDS", "check_gower", "gower_constants"]

#: Column kinds the script's Gower step handles.
SCRIPT_GOWER_KINDS = ("numeric", "nominal", "ordinal", "asymmetric", "symmetric")


def check_gower(method: str, kinds: Mapping[str, str]) -> None:
    """Refuse what the script's Gower step cannot do (the page refuses the same methods).

    >>> check_gower("ward", {"x": "numeric"})
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: ward linkage needs Euclidean distances, and Gower distances are not Euclidean (they mix range-scaled differences and category mismatches); choose single, complete, average or weighted linkage.
    """
    problem = gower_method_problem(method)
    if problem:
        raise DataError(problem)
    if not kinds:
        raise DataError("a Gower script needs the kind of each feature column (gower_kinds=)")
    bad = {str(c): k for c, k in kinds.items() if k not in SCRIPT_GOWER_KINDS}
    if bad:
        raise DataError(f"the script's Gower step handles {', '.join(SCRIPT_GOWER_KINDS)} "
                        f"columns, not {bad!r}")


def gower_constants(kinds: Mapping[str, str]) -> str:
    """The script's ``GOWER_KINDS = {...}`` line (column order = the table's)."""
    as_dict = {str(c): str(k) for c, k in kinds.items()}
    return f"GOWER_KINDS = {as_dict!r}  # each column's kind in R's daisy (gower)"


#: The script's ``cluster(X, table)`` for a Gower tree (plain text, no format fields).
GOWER_CODE = '''\
def gower_column(col, kind):
    """One column as daisy scales it: floats in [0, 1] (codes for nominal), NaN if missing."""
    missing = col.isna().to_numpy()
    if kind == "nominal":
        x = pd.factorize(col, use_na_sentinel=True)[0].astype(float)
        x[missing] = np.nan
        return x, missing
    if kind == "ordinal":
        if isinstance(col.dtype, pd.CategoricalDtype) and col.dtype.ordered:
            x = col.cat.codes.to_numpy().astype(float)  # positions among the declared levels
        else:
            levels = np.sort(pd.unique(col[~missing].to_numpy()))
            x = np.full(len(col), np.nan)
            x[~missing] = np.searchsorted(levels, col[~missing].to_numpy()).astype(float)
    else:  # numeric, asymmetric / symmetric binary (0/1, True/False)
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    x[missing] = np.nan
    lo, hi = np.min(x[~missing]), np.max(x[~missing])
    span = hi - lo if hi > lo else 1.0  # daisy: a zero range is taken as 1
    return (x - lo) / span, missing


def gower(table):
    """R's daisy(table, metric = "gower"): the square matrix of Gower distances."""
    n = len(table)
    num, den = np.zeros((n, n)), np.zeros((n, n))
    for name, kind in GOWER_KINDS.items():
        x, missing = gower_column(table[name], kind)
        xi, xj = x[:, None], x[None, :]
        part = np.abs(xi - xj) if kind in ("numeric", "ordinal") else (xi != xj).astype(float)
        present = ~(missing[:, None] | missing[None, :])
        if kind == "asymmetric":
            present &= (xi != 0) | (xj != 0)  # a pair where both are 0 (False) is left out
        num += np.where(present, part, 0.0)
        den += present
    with np.errstate(invalid="ignore", divide="ignore"):
        D = num / den
    D[den == 0] = np.nan  # no shared variable: daisy's NA
    np.fill_diagonal(D, 0.0)
    return D


def cluster(X, table):
    """SciPy's linkage matrix Z of the Gower distances between the table's rows (X unused:
    Gower reads the columns as they are, not the scaled, one-hot matrix)."""
    D = gower(table.reset_index(drop=True))
    condensed = D[np.triu_indices(len(D), 1)]  # upper triangle, row by row (SciPy's order)
    if np.isnan(condensed).any():
        raise SystemExit("some pairs of rows share no variable: no Gower distance")
    return linkage(condensed, method=METHOD)
'''
