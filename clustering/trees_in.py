"""Linkage matrices brought from a notebook: read, check rule by rule, attach labels.

:func:`check_linkage` applies ``scipy.cluster.hierarchy.is_valid_linkage``'s rules and a few
it leaves out (finite numbers, whole-number ids, sizes that add up), each failure in words
with the row (1-based, as in the file) and the rule. A file without the sizes column gets
them computed; a sizes column that disagrees is refused (SciPy only checks the upper
bound, so a wrong size would pass it and later give wrong truncated labels).

Examples
--------
>>> import numpy as np
>>> up = linkage_from_array(np.array([[0, 1, 0.5], [2, 3, 1.5]]), labels=["a", "b", "c"])
>>> up.Z.tolist(), up.notes
([[0.0, 1.0, 0.5, 2.0], [2.0, 3.0, 1.5, 3.0]], ('The sizes column (4th) was computed from the tree.',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clustering.errors import DataError

__all__ = [
    "LinkageUpload",
    "check_linkage",
    "linkage_from_array",
    "read_labels",
    "read_linkage",
]

_LIST_MAX = 5


def _row(i: int, n: int) -> str:
    return f"row {i + 1} (forming cluster {n + i})"


def _more(items: list[str], total: int) -> str:
    return "; ".join(items[:_LIST_MAX]) + (f"; and {total - _LIST_MAX:,} more" if total > _LIST_MAX else "")


def _sizes(Z: np.ndarray) -> np.ndarray:
    n = Z.shape[0] + 1
    size = np.ones(2 * n - 1, dtype=np.int64)
    for i in range(n - 1):
        size[n + i] = size[int(Z[i, 0])] + size[int(Z[i, 1])]
    return size


def check_linkage(Z: object, *, sizes: str = "check") -> np.ndarray:
    """Check a linkage matrix by SciPy's rules (and a few more), saying which row breaks which.

    Parameters
    ----------
    Z : array-like, shape (n - 1, 4), or (n - 1, 3) with ``sizes="compute"``
    sizes : {"check", "compute"}
        ``"check"``: the 4th column must equal the leaves under each merge.
        ``"compute"``: ignore a 4th column if any and compute it.

    Returns
    -------
    ndarray, shape (n - 1, 4), float64, read-only
        A new array; ``scipy.cluster.hierarchy.is_valid_linkage`` accepts it.

    Raises
    ------
    DataError
        Not 2-D / wrong columns / no rows; non-finite values; ids not whole numbers or
        negative (with a hint for R's ``hclust$merge``); negative heights; a cluster used
        before it is formed; a cluster merged twice; sizes that do not add up.

    Examples
    --------
    >>> check_linkage([[0, 1, 0.5, 2], [0, 2, 1.0, 3]])
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: a cluster can be merged only once: cluster 0 is merged in rows 1 and 2. Each of the ids 0..3 must appear exactly once in the first two columns.
    """
    if sizes not in ("check", "compute"):
        raise DataError(f"sizes must be 'check' or 'compute', not {sizes!r}")
    try:
        A = np.array(Z, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("a linkage matrix holds numbers only (id, id, height, size per row)") from None
    if A.ndim != 2:
        raise DataError(f"a linkage matrix is a table of rows (id, id, height, size); this has "
                        f"{A.ndim} dimension(s)")
    want = (3, 4) if sizes == "compute" else (4,)
    if A.shape[1] not in want:
        raise DataError(f"a linkage matrix has 4 columns (id, id, height, size){' or 3 without the sizes' if sizes == 'compute' else ''}; "
                        f"this one has {A.shape[1]}")
    if A.shape[0] == 0:
        raise DataError("the linkage matrix has no rows; a tree of n leaves has n − 1 merges (n >= 2)")
    m = A.shape[0]
    n = m + 1
    bad = np.flatnonzero(~np.all(np.isfinite(A), axis=1))
    if bad.size:
        raise DataError("every cell must be a finite number: "
                        + _more([f"{_row(i, n)}: {A[i].tolist()}" for i in bad], bad.size))
    ids = A[:, :2]
    frac = np.flatnonzero(np.any(ids != np.round(ids), axis=1))
    if frac.size:
        raise DataError("cluster ids (first two columns) must be whole numbers: "
                        + _more([f"{_row(i, n)}: {float(ids[i, 0])!r}, {float(ids[i, 1])!r}" for i in frac], frac.size))
    neg = np.flatnonzero(np.any(ids < 0, axis=1))
    if neg.size:
        raise DataError(
            "cluster ids must not be negative (SciPy numbers leaves 0..n−1 and gives the cluster "
            "formed in row r the id n + r − 1): "
            + _more([f"{_row(i, n)}: {int(ids[i, 0])}, {int(ids[i, 1])}" for i in neg], neg.size)
            + ". Negative ids look like R's hclust$merge (leaf −j, cluster k), which needs converting.")
    h = A[:, 2]
    neg = np.flatnonzero(h < 0)
    if neg.size:
        raise DataError("merge heights (3rd column) must not be negative: "
                        + _more([f"{_row(i, n)}: {float(h[i])!r}" for i in neg], neg.size))
    limit = n + np.arange(m)
    early = np.flatnonzero(ids.max(axis=1) >= limit)
    if early.size:
        items = [f"{_row(i, n)} uses cluster {int(ids[i].max())}, but only leaves 0..{n - 1}"
                 + (f" and clusters {n}..{n + i - 1}" if i > 0 else "") + " exist by then"
                 for i in early]
        raise DataError("a cluster is used before it is formed: " + _more(items, early.size)
                        + f". With {m:,} rows the tree has n = {n:,} leaves; the rows must be in "
                        "merge order.")
    flat = ids.astype(np.int64).ravel()
    counts = np.bincount(flat, minlength=2 * n - 2)
    twice = np.flatnonzero(counts > 1)
    if twice.size:
        items = []
        for c in twice[:_LIST_MAX]:
            rows = sorted({int(r) // 2 + 1 for r in np.flatnonzero(flat == c)})
            items.append(f"cluster {int(c)} is merged in rows {' and '.join(map(str, rows))}"
                         if len(rows) > 1 else f"cluster {int(c)} is merged with itself in row {rows[0]}")
        raise DataError("a cluster can be merged only once: " + _more(items, twice.size)
                        + f". Each of the ids 0..{2 * n - 3} must appear exactly once in the first "
                        "two columns.")
    # With no id too large and none twice, all 2n - 2 ids are used exactly once.
    size = _sizes(A)
    out = np.empty((m, 4))
    out[:, :3] = A[:, :3]
    if sizes == "check":
        wrong = np.flatnonzero(A[:, 3] != size[n:])
        if wrong.size:
            items = [f"{_row(i, n)}: size {A[i, 3]:g}, but clusters {int(ids[i, 0])} and "
                     f"{int(ids[i, 1])} hold {size[int(ids[i, 0])]} + {size[int(ids[i, 1])]} = "
                     f"{size[n + i]} leaves" for i in wrong]
            raise DataError("the sizes (4th column) do not add up: " + _more(items, wrong.size)
                            + ". Fix them, or drop the column and let the app compute it.")
    out[:, 3] = size[n:]
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class LinkageUpload:
    """A checked linkage matrix from a file, with its leaf labels.

    Attributes
    ----------
    Z : ndarray, shape (n - 1, 4), read-only
    labels : tuple of str, length n
        From the labels file, else "0".."n-1" (SciPy's leaf ids).
    notes : tuple of str
        Sentences for the page (sizes computed, heights not monotone, header skipped...).
    """

    Z: np.ndarray
    labels: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.labels)


def linkage_from_array(values: object, labels: Sequence[object] | None = None) -> LinkageUpload:
    """Check an array holding a linkage matrix (3 or 4 columns) and attach labels.

    A leading column 0, 1, 2, ... (a pandas index written by ``DataFrame.to_csv()``) is
    dropped. Three columns: sizes computed. Heights that decrease (inversions, as centroid
    and median linkage give) are allowed and noted.

    Parameters
    ----------
    values : array-like, shape (n - 1, 3 | 4 | 5)
    labels : sequence of n labels, optional

    Returns
    -------
    LinkageUpload

    Examples
    --------
    >>> linkage_from_array([[0, 1, 2.0, 2], [2, 3, 1.0, 3]]).notes[0][:40]
    'Heights decrease at row 2 (an inversion,'
    """
    try:
        A = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("a linkage matrix holds numbers only (id, id, height, size per row)") from None
    notes: list[str] = []
    if A.ndim == 2 and A.shape[1] == 5 and np.array_equal(A[:, 0], np.arange(A.shape[0])):
        A = A[:, 1:]
        notes.append("The first column (0, 1, 2, ...: a row index) was dropped.")
    mode = "compute" if A.ndim == 2 and A.shape[1] == 3 else "check"
    Z = check_linkage(A, sizes=mode)
    if mode == "compute":
        notes.append("The sizes column (4th) was computed from the tree.")
    drops = np.flatnonzero(np.diff(Z[:, 2]) < 0)
    if drops.size:
        notes.append(f"Heights decrease at row {int(drops[0]) + 2} (an inversion, as centroid and "
                     f"median linkage can give; {drops.size:,} in all): cuts by height follow "
                     "SciPy's fcluster, and the drawing has links below their children.")
    n = Z.shape[0] + 1
    if labels is None:
        labs = [str(i) for i in range(n)]
    else:
        labs = [str(x) for x in labels]
        if len(labs) != n:
            raise DataError(f"{len(labs):,} labels for a tree of {n:,} leaves ({n - 1:,} rows); "
                            "give one label per leaf, in leaf-id order")
    return LinkageUpload(Z, tuple(labs), tuple(notes))


def read_linkage(data: bytes, filename: str, labels: Sequence[object] | None = None) -> LinkageUpload:
    """Read a linkage matrix file: ``.npy``, CSV/TSV (with or without header), ``.xlsx``, Parquet.

    Parameters
    ----------
    data : bytes
    filename : str
    labels : sequence of n labels, optional (see :func:`read_labels`)

    Returns
    -------
    LinkageUpload

    Examples
    --------
    >>> read_linkage(b"idx1,idx2,height,size\\n0,1,0.5,2\\n2,3,1.5,3\\n", "z.csv").Z.tolist()
    [[0.0, 1.0, 0.5, 2.0], [2.0, 3.0, 1.5, 3.0]]
    """
    from clustering.distances import read_numeric_array
    from clustering.tables import read_table

    if filename.lower().endswith((".xlsx", ".parquet", ".pq")):
        frame = read_table(data, filename)
        try:
            values = frame.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError("a linkage matrix holds numbers only (id, id, height, size per row)") from None
    else:
        values = read_numeric_array(data, filename).values
    return linkage_from_array(values, labels)


def read_labels(data: bytes, filename: str, n: int) -> tuple[list[str], str]:
    """Leaf labels from a file: one per line (a header line allowed), or a column of a table.

    The count decides whether the first line is a header: n + 1 lines means it is, n lines
    means it is a label. In a table with several columns, a column named ``label``,
    ``labels``, ``name`` or ``id`` is taken, else the first.

    Parameters
    ----------
    data : bytes
    filename : str
    n : int
        Number of leaves.

    Returns
    -------
    (list of str, str)
        The n labels and a sentence saying where they came from.

    Examples
    --------
    >>> read_labels(b"name\\nx\\ny\\n", "l.txt", 2)
    (['x', 'y'], "2 labels, one per line (the first line, 'name', was taken as a header).")
    """
    from clustering.tables import read_table

    if not isinstance(n, int | np.integer) or n < 2:
        raise DataError(f"n must be the number of leaves (>= 2), not {n!r}")
    text = None
    if not filename.lower().endswith((".xlsx", ".parquet", ".pq", ".json")):
        for enc in ("utf-8-sig", "utf-16", "latin-1"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if text is not None and not any(d in text for d in (",", "\t", ";", "|")):
        lines = [ln.strip().strip('"') for ln in text.splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        if len(lines) == n + 1:
            return lines[1:], (f"{n:,} labels, one per line (the first line, {lines[0]!r}, was "
                               "taken as a header).")
        if len(lines) == n:
            return lines, f"{n:,} labels, one per line."
        raise DataError(f"the labels file has {len(lines):,} lines but the tree has {n:,} leaves: "
                        "give one label per line, in leaf-id order (a header line is allowed)")
    frame = read_table(data, filename)
    names = {str(c).strip().lower(): c for c in frame.columns}
    col = next((names[k] for k in ("label", "labels", "name", "id") if k in names), frame.columns[0])
    values = ["" if pd.isna(v) else str(v) for v in frame[col]]
    if len(values) == n - 1 and frame.shape[1] == 1:
        return [str(col)] + values, (f"{n:,} labels from the file's only column (its first line "
                                     "is a label, not a header).")
    if len(values) != n:
        raise DataError(f"the labels file has {len(values):,} rows but the tree has {n:,} leaves: "
                        "give one label per leaf, in leaf-id order")
    return values, f"{n:,} labels from column {str(col)!r}."


