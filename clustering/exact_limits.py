"""Exact or approximate? The memory and the row caps of exact clustering.

:func:`exact_feasible` says whether the exact linkage of an (n, d) table fits this server's
memory budget and row caps, and in one sentence for the page why it does or not;
:func:`exact_row_limit` gives the row cap that applies to a method and metric. Used by
:mod:`clustering.approximate`, which re-exports every name here (``from clustering.approximate
import exact_feasible`` still works), and by the app to choose the approximate mode.
"""

from __future__ import annotations

from clustering.errors import DataError
from clustering.linkage import METHODS, VECTOR_METHODS

__all__ = [
    "DEFAULT_MEMORY_BUDGET_BYTES",
    "EXACT_MAX_ROWS",
    "EXACT_VECTOR_MAX_ROWS",
    "exact_feasible",
    "exact_row_limit",
]

#: Memory the exact path may take when the caller does not say (the app passes its setting).
DEFAULT_MEMORY_BUDGET_BYTES = 2 * 1024**3
#: Row cap for exact clustering even when memory allows: O(n²) time. Measured here (2 shared
#: cores, d = 10): fastcluster.linkage_vector ward 20k rows 2.5 s, so 50k rows ~ 16 s.
EXACT_MAX_ROWS = 50_000
#: Row cap for the methods ``fastcluster.linkage_vector`` runs (ward, single, centroid, median
#: on euclidean): memory O(n·d), so only time stops them; ward 100,000 × 10 takes ~60 s here
#: (bench/bench_service.py), where SciPy would need a 40 GB matrix.
EXACT_VECTOR_MAX_ROWS = 100_000

# The condensed path peaks below 1.3 matrices (compute_linkage avoids fastcluster.linkage's
# copy; asserted by tests/test_linkage.py). The budget is charged two: the server also holds
# other requests' trees and jobs, so the matrix gets as much again as working room. Lowering
# it changes which tables go approximate and the sentences the page and the tests quote.
_CONDENSED_COPIES = 2


def _nbytes(b: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= size:
            return f"{b / size:,.1f} {unit}"
    return f"{b:,.0f} bytes"


def exact_feasible(
    n: int,
    d: int,
    method: str,
    metric: str,
    *,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
    max_rows: int = EXACT_MAX_ROWS,
    vector_max_rows: int = EXACT_VECTOR_MAX_ROWS,
) -> tuple[bool, str]:
    """Decide between exact and approximate clustering by the memory exact would take.

    Exact ward/centroid/median/single on euclidean run on ``fastcluster.linkage_vector``
    (memory O(n·d)); every other pair needs the condensed distance matrix, ``n(n-1)/2``
    float64 values, charged twice against the budget (the matrix, and as much again as working
    room for the rest of the server; the linkage itself peaks below 1.3 matrices). Exact is also refused
    above a row cap, as its time grows as n²: ``vector_max_rows`` for the memory-saving path,
    ``max_rows`` for the matrix path (:func:`exact_row_limit`).

    Parameters
    ----------
    n, d : int
        Rows and columns of the prepared matrix.
    method, metric : str
        SciPy linkage method and distance metric.
    memory_budget_bytes : int
        Largest peak memory the exact path may take.
    max_rows : int
        Row cap for the exact matrix path whatever its memory.
    vector_max_rows : int
        Row cap for the memory-saving path (ward/single/centroid/median on euclidean).

    Returns
    -------
    feasible : bool
        True when exact clustering fits.
    reason : str
        One sentence for the page saying what was chosen and why.

    Examples
    --------
    >>> exact_feasible(1_000, 10, "average", "cityblock", memory_budget_bytes=10**9)[0]
    True
    >>> ok, why = exact_feasible(100_000, 10, "average", "cityblock", memory_budget_bytes=10**9)
    >>> ok, why.startswith("Exact average linkage on 100,000 rows needs")
    (False, True)
    >>> exact_feasible(80_000, 10, "ward", "euclidean")[0]
    True
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {sorted(METHODS)}")
    if n < 0 or d < 0:
        raise DataError("the number of rows and columns cannot be negative")
    vector = method in VECTOR_METHODS and metric == "euclidean"
    if vector:
        # X copy + Z + a handful of n-long work arrays in fastcluster.
        need = 8 * n * (d + 12)
        how = f"fastcluster's memory-saving path needs about {_nbytes(need)}"
    else:
        need = _CONDENSED_COPIES * 8 * (n * (n - 1) // 2)
        how = (
            f"the distance matrix takes {_nbytes(need / _CONDENSED_COPIES)} "
            f"({_nbytes(need)} with as much again kept free as working room)"
        )
    what = f"Exact {method} linkage on {n:,} rows"
    budget = _nbytes(memory_budget_bytes)
    if need > memory_budget_bytes:
        return False, (
            f"{what} needs {_nbytes(need)}: {how}, over the {budget} budget, so the "
            "approximate mode builds a ward tree on micro-clusters instead."
        )
    cap = vector_max_rows if vector else max_rows
    if n > cap:
        return False, (
            f"{what} would fit in memory ({how}) but takes time growing as n², so above "
            f"{cap:,} rows ({_limit_name(vector)}) the approximate mode builds a ward tree on "
            "micro-clusters instead."
        )
    return True, f"{what}: {how}, within the {budget} budget, so the result is exact."


def _limit_name(vector: bool) -> str:
    return ("the limit for ward, single, centroid and median on euclidean data" if vector
            else "the limit for methods that need the distance matrix")


def exact_row_limit(method: str, metric: str, *, max_rows: int = EXACT_MAX_ROWS,
                    vector_max_rows: int = EXACT_VECTOR_MAX_ROWS) -> tuple[int, str]:
    """The row cap of exact clustering for this method and metric, and why it is that one.

    Ward, single, centroid and median on euclidean data run on ``fastcluster.linkage_vector``
    (memory O(n·d): only time, growing as n², stops them); every other pair builds the
    condensed distance matrix (memory O(n²)), so it keeps the lower cap.

    Parameters
    ----------
    method, metric : str
    max_rows, vector_max_rows : int
        The two caps (DENDRO_EXACT_MAX_ROWS and DENDRO_EXACT_VECTOR_MAX_ROWS in the app).

    Returns
    -------
    limit : int
    why : str
        One sentence: which limit applies and why.

    Examples
    --------
    >>> exact_row_limit("ward", "euclidean")[0], exact_row_limit("average", "euclidean")[0]
    (100000, 50000)
    >>> exact_row_limit("ward", "cityblock")[0]
    50000
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {sorted(METHODS)}")
    if method in VECTOR_METHODS and metric == "euclidean":
        return int(vector_max_rows), (
            f"Exact {method} linkage on euclidean data runs in memory that grows with the rows "
            f"(fastcluster's memory-saving path), so only its time (growing as n²) limits it: "
            f"up to {int(vector_max_rows):,} rows on this server.")
    return int(max_rows), (
        f"Exact {method} linkage with the {metric} metric needs the matrix of every pair's "
        f"distance (memory growing as n²), so it is limited to {int(max_rows):,} rows and the "
        "memory budget on this server; ward, single, centroid and median on euclidean data "
        f"go further (up to {int(vector_max_rows):,} rows).")
