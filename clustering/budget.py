"""What a clustering request will cost, known before any of it is done.

The page must decide, from numbers it has before preparing or linking anything, whether
a request runs inline, as a background job, or not at all. Everything here is arithmetic
on the shape: rows, encoded columns, method and metric. The constants are measured (see
``bench/bench_budget.py``) and are estimates, good to about a factor of two; they decide
between "now", "as a job" and "no", not a progress bar.

Where the constants come from (2-core machine of this project):

* ``VECTOR_SECONDS_PER_N2D`` — ``fastcluster.linkage_vector`` (ward, centroid, median,
  single on euclidean) is a nearest-neighbour chain that recomputes distances: time grows
  as n²·d. Quiet machine (DESIGN.md, settings.py): ward 20,000 × 10 in 2.5 s (6.3e-10),
  10,000 × 4 in 0.3 s (7.5e-10). Under load ~5, ``bench/bench_budget.py`` gave 2.3e-9 at
  d = 10 and 3.0-3.6e-9 at d = 500-2,000: the n²·d model holds across widths.
* ``INDICATOR_FACTOR`` — one-hot columns are 0/1 with many ties, which lengthen the chains:
  a 1,500-row one-hot id (every row its own unit vector) took 8.9e-9 per n²·d against
  3.0e-9 for random data of the same shape under the same load: ×3.
* ``PDIST_SECONDS_PER_N2D`` and ``CONDENSED_SECONDS_PER_N2`` — every other pair builds the
  condensed matrix (``pdist``, n²/2 · d) then links it (n²). Under load: pdist cityblock
  and euclidean 0.6-1.0e-9 per n²·d at d ≥ 500; quiet: average/cityblock 10,000 × 4 in
  1.6 s and average/cosine 20,000 × 10 in 5.9 s, i.e. 1.5-1.6e-8 per n² all told.
* ``PREPARE_COPIES`` — :func:`clustering.prepare.prepare` holds about six float64 copies of
  the encoded matrix at its peak (numeric frame, dummies, raw, scaled, original):
  tracemalloc peak / (8·n·D) was 5.7-5.8 on 2,000 × 1,001 one-hot tables, both scalings.

Examples
--------
>>> e = estimate_work(2_000, 10_000, "ward", "euclidean", indicator_columns=10_000)
>>> round(e.seconds), e.where(inline_seconds=2, job_seconds=600, memory_budget_bytes=2**31)
(96, 'job')
"""

from __future__ import annotations

from dataclasses import dataclass

from clustering.errors import DataError
from clustering.linkage import METHODS, METRICS, VECTOR_METHODS

__all__ = [
    "CONDENSED_SECONDS_PER_N2",
    "INDICATOR_FACTOR",
    "PDIST_SECONDS_PER_N2D",
    "PREPARE_COPIES",
    "VECTOR_SECONDS_PER_N2D",
    "WHERE",
    "WorkEstimate",
    "estimate_work",
    "max_cells_for",
    "nbytes",
    "prepare_bytes",
]

VECTOR_SECONDS_PER_N2D = 8e-10
INDICATOR_FACTOR = 3.0
PDIST_SECONDS_PER_N2D = 5e-10
CONDENSED_SECONDS_PER_N2 = 1.6e-8
PREPARE_COPIES = 6
# Per row beyond the matrix: row id, label string and index entries (~bytes; measured ~150).
_PREPARE_ROW_BYTES = 200
# A decoded table value: 8 bytes of float64, and as much again while the reader converts.
_DECODED_VALUE_BYTES = 16
# The condensed matrix charged twice, as clustering.approximate.exact_feasible does.
_CONDENSED_COPIES = 2
WHERE = ("inline", "job", "refuse")


def nbytes(n: float) -> str:
    """Bytes for a person: '512 MB', '3.2 GB'.

    >>> nbytes(3.2e9), nbytes(5e8), nbytes(2_000)
    ('3.2 GB', '500 MB', '2 KB')
    """
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 10 and unit == "GB" else f"{value:,.0f} {unit}"
    return f"{int(n):,} bytes"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else "under a second"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def prepare_bytes(n_rows: int, n_columns: int) -> int:
    """Peak bytes :func:`clustering.prepare.prepare` takes for an (n_rows, n_columns) result.

    >>> prepare_bytes(2_000, 10_000)
    960400000
    """
    return PREPARE_COPIES * 8 * n_rows * n_columns + _PREPARE_ROW_BYTES * n_rows


def max_cells_for(memory_budget_bytes: int) -> int:
    """The ``max_cells`` to give ``read_table`` so that decoding stays within a budget.

    >>> max_cells_for(2 * 2**30)
    134217728
    """
    return int(memory_budget_bytes) // _DECODED_VALUE_BYTES


@dataclass(frozen=True)
class WorkEstimate:
    """Seconds and peak bytes of preparing and linking an (n, d) matrix.

    Attributes
    ----------
    n, d : int
        Rows and encoded columns.
    method, metric : str
    seconds : float
        Linkage time estimate (preparation is linear and small beside it).
    prepare_bytes, linkage_bytes : int
        Peak memory of each stage; they do not overlap (the prepared matrix is what links).
    backend : str
        ``'vector'`` (O(n·d) memory) or ``'condensed'`` (O(n²)).
    """

    n: int
    d: int
    method: str
    metric: str
    seconds: float
    prepare_bytes: int
    linkage_bytes: int
    backend: str

    @property
    def peak_bytes(self) -> int:
        """The larger of the two stages' peaks."""
        return max(self.prepare_bytes, self.linkage_bytes)

    def where(self, *, inline_seconds: float, job_seconds: float, memory_budget_bytes: int) -> str:
        """``'inline'``, ``'job'`` or ``'refuse'`` (one of ``WHERE``) under these settings."""
        if self.peak_bytes > memory_budget_bytes or self.seconds > job_seconds:
            return "refuse"
        return "inline" if self.seconds <= inline_seconds else "job"

    def sentence(self, *, inline_seconds: float, job_seconds: float, memory_budget_bytes: int) -> str:
        """What the page says about the choice: the numbers, and what to do when refused.

        >>> e = estimate_work(4_000, 4_001, "ward", "euclidean", indicator_columns=4_000)
        >>> print(e.sentence(inline_seconds=2, job_seconds=60, memory_budget_bytes=2**31))
        ward linkage of 4,000 rows × 4,001 columns would take about 3 min (limit 1 min); choose fewer columns (leave out or merge categorical columns with many levels, or turn one-hot encoding off), or take a sample of the rows.
        """
        where = self.where(inline_seconds=inline_seconds, job_seconds=job_seconds,
                           memory_budget_bytes=memory_budget_bytes)
        what = f"{self.method} linkage of {self.n:,} rows × {self.d:,} columns"
        fix = ("choose fewer columns (leave out or merge categorical columns with many levels, "
               "or turn one-hot encoding off), or take a sample of the rows.")
        if where == "refuse" and self.peak_bytes > memory_budget_bytes:
            stage = "preparing it" if self.prepare_bytes >= self.linkage_bytes else "linking it"
            return (f"{what} needs about {nbytes(self.peak_bytes)} ({stage}), over this "
                    f"instance's memory budget of {nbytes(memory_budget_bytes)} "
                    f"(DENDRO_MEMORY_BUDGET_MB); {fix}")
        if where == "refuse":
            return (f"{what} would take about {_duration(self.seconds)} (limit "
                    f"{_duration(job_seconds)}); {fix}")
        if where == "job":
            return f"{what}: about {_duration(self.seconds)}, run as a background job."
        return f"{what}: about {_duration(self.seconds)}."


def estimate_work(
    n_rows: int,
    n_columns: int,
    method: str = "ward",
    metric: str = "euclidean",
    *,
    indicator_columns: int = 0,
) -> WorkEstimate:
    """Estimate time and memory of preparing and linking before doing either.

    Parameters
    ----------
    n_rows : int
        Rows to cluster (after dropping missing values, or the table's rows: an upper bound).
    n_columns : int
        Encoded columns d: numeric features plus one-hot indicators
        (:func:`clustering.prepare.encoded_width` gives it from a table).
    method, metric : str
        As for :func:`clustering.linkage.compute_linkage`.
    indicator_columns : int
        How many of the d columns are one-hot indicators (slower on the vector path: ties).

    Returns
    -------
    WorkEstimate

    Examples
    --------
    >>> e = estimate_work(20_000, 10, "average", "cosine")
    >>> e.backend, nbytes(e.linkage_bytes), round(e.seconds)
    ('condensed', '3.2 GB', 7)
    """
    if method not in METHODS:
        raise DataError(f"unknown linkage method {method!r}; choose one of {', '.join(METHODS)}")
    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    n, d = int(n_rows), int(n_columns)
    if n < 0 or d < 0 or not 0 <= indicator_columns <= max(d, 0):
        raise DataError("rows, columns and indicator columns must be >= 0, indicators <= columns")
    pairs = n * n
    if method in VECTOR_METHODS and metric == "euclidean":
        width = (d - indicator_columns) + INDICATOR_FACTOR * indicator_columns
        seconds = VECTOR_SECONDS_PER_N2D * pairs * width
        linkage = 8 * n * (d + 12)  # as clustering.approximate.exact_feasible
        backend = "vector"
    else:
        seconds = PDIST_SECONDS_PER_N2D * pairs * d / 2 + CONDENSED_SECONDS_PER_N2 * pairs
        linkage = _CONDENSED_COPIES * 8 * (n * (n - 1) // 2)
        backend = "condensed"
    return WorkEstimate(n=n, d=d, method=method, metric=metric, seconds=float(seconds),
                        prepare_bytes=prepare_bytes(n, d), linkage_bytes=int(linkage),
                        backend=backend)
