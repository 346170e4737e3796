"""The caps a table reader checks while it decodes (:class:`_Limits`), shared by every reader.

Split by job from :mod:`clustering.tables`, the public entry point (:func:`read_table`,
:func:`read_upload`), which builds the limits from its keyword arguments. Each check raises a
:class:`clustering.errors.DataError` saying the limit, the table's size and what to do.

Examples
--------
>>> _Limits(max_rows=10).row_cap(3), _Limits(max_cells=100).row_cap(3), _Limits().row_cap(3)
(11, 34, None)
>>> _Limits(max_columns=2).check(5, 3)
Traceback (most recent call last):
...
clustering.errors.DataError: the table has 3 columns; this instance accepts at most 2. Choose fewer columns, or run on a bigger instance (DENDRO_MAX_COLUMNS).
"""

from __future__ import annotations

from dataclasses import dataclass

from clustering.errors import DataError


def _count(n: int) -> str:
    return f"{n:,}"


@dataclass(frozen=True)
class _Limits:
    """The caps a reader checks while it decodes (None: no cap)."""

    max_rows: int | None = None
    max_columns: int | None = None
    max_cells: int | None = None
    max_bytes: int | None = None
    # Cleaned names of the only columns wanted (None: all); readers that can skip the
    # others while decoding (Parquet) do, the others select after decoding.
    columns: tuple[str, ...] | None = None

    def check_columns(self, n: int, *, more: bool = False) -> None:
        if self.max_columns is not None and n > self.max_columns:
            raise DataError(
                f"the table has {'more than ' if more else ''}{_count(n)} columns; this instance "
                f"accepts at most {_count(self.max_columns)}. Choose fewer columns, or run on a "
                "bigger instance (DENDRO_MAX_COLUMNS)."
            )

    def check_rows(self, n: int, *, more: bool = False) -> None:
        if self.max_rows is not None and n > self.max_rows:
            raise DataError(
                f"the table has {'more than ' if more else ''}{_count(n)} rows; this instance "
                f"accepts at most {_count(self.max_rows)}. Take a sample, or run on a bigger "
                "instance (DENDRO_MAX_ROWS)."
            )

    def check_cells(self, rows: int, columns: int) -> None:
        if self.max_cells is not None and rows * columns > self.max_cells:
            raise DataError(
                f"the table has {_count(rows)} rows × {_count(columns)} columns = "
                f"{_count(rows * columns)} values; this instance holds at most "
                f"{_count(self.max_cells)} values in memory. Upload only the columns to "
                "cluster, take a sample of the rows, or run on a bigger instance "
                "(DENDRO_MEMORY_BUDGET_MB)."
            )

    def check(self, rows: int, columns: int) -> None:
        self.check_columns(columns)
        self.check_rows(rows)
        self.check_cells(rows, columns)

    def row_cap(self, columns: int) -> int | None:
        """The most data rows worth decoding: one past the limit proves the limit is passed."""
        caps = []
        if self.max_rows is not None:
            caps.append(self.max_rows)
        if self.max_cells is not None:
            caps.append(self.max_cells // max(columns, 1))
        return min(caps) + 1 if caps else None
