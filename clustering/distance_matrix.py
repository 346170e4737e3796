"""A checked distance matrix: :class:`DistanceMatrix` and the checks that make one.

A square matrix (:func:`distances_from_square`) or a condensed vector
(:func:`distances_from_condensed`) becomes a :class:`DistanceMatrix` only when every value is
a finite number, the matrix is symmetric within :data:`SYMMETRY_TOLERANCE`, its diagonal is 0
and no distance is negative; similarities are first turned into distances
(:func:`similarity_to_distance`). Every check names the offending cells by their labels, e.g.
"row 'b', column 'c': 3.2 but column 'b', row 'c': 3.1". The condensed vector kept is the
upper triangle (row before column), what ``scipy.spatial.distance.squareform(D,
checks=False)`` takes.

Reading such matrices from tables and files: :mod:`clustering.distance_files`; guessing what
an upload is: :mod:`clustering.file_kinds`; linkage and classical MDS of a matrix:
:mod:`clustering.precomputed`. :mod:`clustering.distances` imports all four.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.distance import squareform

from clustering.errors import DataError

__all__ = [
    "SIMILARITY_CONVERSIONS",
    "SYMMETRY_TOLERANCE",
    "DistanceMatrix",
    "check_condensed_length",
    "distances_from_condensed",
    "distances_from_square",
    "similarity_to_distance",
]

#: How a similarity s becomes a distance: ``1 - s`` or ``max(s) - s``.
SIMILARITY_CONVERSIONS: tuple[str, ...] = ("one_minus", "max_minus")
#: Default tolerance of the symmetry and zero-diagonal checks, relative to the largest
#: absolute entry: CSV written with 15 significant digits stays well inside it.
SYMMETRY_TOLERANCE = 1e-9

_LIST_MAX = 5


# ---------------------------------------------------------------- small words
def _q(label: object) -> str:
    return "'" + str(label).replace("'", "\\'") + "'"


def _num(v: float, other: float | None = None) -> str:
    """Shortest readable text of v that tells it from ``other``."""
    for digits in (6, 10, 17):
        a = f"{v:.{digits}g}"
        if other is None or a != f"{other:.{digits}g}":
            return a
    return repr(float(v))


def _listing(items: list[str], total: int, noun: str = "more") -> str:
    text = "; ".join(items[:_LIST_MAX])
    if total > _LIST_MAX:
        text += f"; and {total - _LIST_MAX:,} {noun}"
    return text


def _condensed_index(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Index in the condensed vector of pair (i, j), i < j."""
    return n * i - i * (i + 1) // 2 + (j - i - 1)


def _pairs_of(n: int, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j), i < j, of condensed positions k."""
    i, j = np.triu_indices(n, 1)
    return i[k], j[k]


# ---------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class DistanceMatrix:
    """A checked distance matrix, ready for linkage.

    Attributes
    ----------
    condensed : ndarray, shape (n (n - 1) / 2,), float64, read-only
        Upper triangle row by row (SciPy's condensed form); finite and >= 0.
    labels : tuple of str, length n
        Leaf labels (row labels of the file, or "1".."n").
    steps : tuple of str
        Sentences for the page: what was read, converted, tolerated.

    Examples
    --------
    >>> dm = distances_from_condensed([1.0, 2.0, 3.0])
    >>> dm.n, dm.labels, dm.square().tolist()[0]
    (3, ('1', '2', '3'), [0.0, 1.0, 2.0])
    """

    condensed: np.ndarray
    labels: tuple[str, ...]
    steps: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.labels)

    def square(self) -> np.ndarray:
        """The (n, n) symmetric matrix with a zero diagonal (a new array)."""
        return squareform(self.condensed, checks=False)


def _finish(condensed: np.ndarray, labels: Sequence[str], steps: list[str]) -> DistanceMatrix:
    condensed = np.ascontiguousarray(condensed, dtype=np.float64)
    condensed.setflags(write=False)
    return DistanceMatrix(condensed, tuple(str(x) for x in labels), tuple(steps))


# ---------------------------------------------------------------- similarity
def similarity_to_distance(values: np.ndarray, how: str) -> tuple[np.ndarray, str]:
    """Turn similarities into distances, as the user chose; say which way.

    Parameters
    ----------
    values : ndarray, any shape
        Similarities (square matrix or condensed vector).
    how : {"one_minus", "max_minus"}
        ``1 - s`` (for similarities in [0, 1], e.g. correlations or Jaccard) or
        ``max - s`` with ``max`` the largest similarity in ``values``.

    Returns
    -------
    (ndarray, str)
        The distances (same shape, new array) and a sentence for the page.

    Examples
    --------
    >>> d, said = similarity_to_distance(np.array([0.9, 0.2, 0.5]), "max_minus")
    >>> d.round(3).tolist(), said
    ([0.0, 0.7, 0.4], 'Similarities s were turned into distances as max − s, with max = 0.9 (the largest similarity in the file).')
    """
    if how not in SIMILARITY_CONVERSIONS:
        raise DataError(f"unknown similarity conversion {how!r}; choose one of "
                        f"{', '.join(SIMILARITY_CONVERSIONS)}")
    s = np.asarray(values, dtype=float)
    if how == "one_minus":
        return 1.0 - s, "Similarities s were turned into distances as 1 − s."
    top = float(np.nanmax(s))
    return top - s, (f"Similarities s were turned into distances as max − s, with max = "
                     f"{_num(top)} (the largest similarity in the file).")


# ---------------------------------------------------------------- checks
def _check_finite(D: np.ndarray, labels: Sequence[str]) -> None:
    bad = ~np.isfinite(D)
    if bad.any():
        # a symmetric pair of bad cells is named once (row before column)
        r, c = np.nonzero(bad & ~(np.tril(bad.T, -1)))
        items = [f"row {_q(labels[i])}, column {_q(labels[j])}: "
                 + ("empty" if np.isnan(D[i, j]) else _num(D[i, j])) for i, j in zip(r, c, strict=True)]
        raise DataError("every cell must be a finite number: " + _listing(items, len(items))
                        + ". Put numbers in those cells or remove those rows and columns.")


def _check_symmetric(D: np.ndarray, labels: Sequence[str], tolerance: float) -> list[str]:
    scale = float(np.max(np.abs(D))) or 1.0
    diff = np.abs(D - D.T)
    iu = np.triu(np.ones_like(D, dtype=bool), 1)
    bad = (diff > tolerance * scale) & iu
    if bad.any():
        r, c = np.nonzero(bad)
        order = np.argsort(-diff[r, c], kind="stable")
        items = [f"row {_q(labels[r[k]])}, column {_q(labels[c[k]])}: {_num(D[r[k], c[k]], D[c[k], r[k]])} "
                 f"but column {_q(labels[r[k]])}, row {_q(labels[c[k]])}: "
                 f"{_num(D[c[k], r[k]], D[r[k], c[k]])}" for k in order]
        raise DataError(
            f"the matrix is not symmetric (tolerance {tolerance:g} of the largest entry, "
            f"{_num(scale)}): " + _listing(items, len(items), "more pairs")
            + ". A distance matrix has d(a, b) = d(b, a): fix those cells, or upload features.")
    worst = float(np.max(diff[iu])) if D.shape[0] > 1 else 0.0
    if worst > 0:
        return [f"The matrix is symmetric within the tolerance (largest difference {_num(worst)}); "
                "the upper triangle (row before column) is used, as SciPy's squareform does."]
    return []


def _similarity_hint(similarity: str | None, default: str) -> str:
    """What to do next: the user already said "similarities", so name the other conversion
    (1 − s needs similarities at most 1, with 1 on the diagonal; max − s, the largest value
    on the diagonal) instead of asking them to say so again."""
    if similarity == "one_minus":
        return (". 1 − s fits similarities at most 1 with 1 on the diagonal; for other "
                "similarities choose max − s.")
    if similarity == "max_minus":
        return (". max − s needs every item's similarity with itself to be the largest value "
                "in the file; fix those cells.")
    return default


def _after(similarity: str | None) -> str:
    """The message's start when the numbers checked are converted similarities."""
    return {"one_minus": "after 1 − s, ", "max_minus": "after max − s, "}.get(similarity or "", "")


def _check_diagonal(D: np.ndarray, labels: Sequence[str], tolerance: float,
                    similarity: str | None = None) -> None:
    scale = float(np.max(np.abs(D))) or 1.0
    diag = np.diag(D)
    bad = np.flatnonzero(np.abs(diag) > tolerance * scale)
    if bad.size:
        items = [f"row {_q(labels[i])}, column {_q(labels[i])}: {_num(diag[i])}" for i in bad]
        raise DataError(_after(similarity) + "the diagonal must be 0 (each item is at distance 0 from itself): "
                        + _listing(items, len(items)) + _similarity_hint(
                            similarity, ". If these are similarities, say so and choose how "
                            "to convert them."))


def _check_nonnegative_square(D: np.ndarray, labels: Sequence[str],
                              similarity: str | None = None) -> None:
    iu = np.triu(np.ones_like(D, dtype=bool), 1)
    bad = (D < 0) & iu
    if bad.any():
        r, c = np.nonzero(bad)
        items = [f"row {_q(labels[i])}, column {_q(labels[j])}: {_num(D[i, j])}"
                 for i, j in zip(r, c, strict=True)]
        raise DataError(_after(similarity) + "distances must be non-negative: "
                        + _listing(items, len(items)) + _similarity_hint(similarity, ". If these are similarities (or "
                                           "correlations), say so and choose how to convert "
                                           "them."))


def check_condensed_length(m: int) -> int:
    """The n whose n (n - 1) / 2 is m, or a DataError naming the nearest valid lengths.

    Examples
    --------
    >>> check_condensed_length(10)
    5
    >>> check_condensed_length(8)
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: a condensed distance vector holds n (n − 1) / 2 values for n items, so 8 values cannot be one: the nearest valid lengths are 6 (4 items) and 10 (5 items)
    """
    m = int(m)
    n = _triangular(m)
    if n:
        return n
    lo = 2
    while (lo + 1) * lo // 2 <= m:
        lo += 1
    # now T(lo) <= m < T(lo + 1) when m >= 1; else lo = 2 and T(2) = 1 > m
    if m < 1:
        near = "the nearest valid length is 1 (2 items)"
    else:
        near = (f"the nearest valid lengths are {lo * (lo - 1) // 2:,} ({lo:,} items) and "
                f"{(lo + 1) * lo // 2:,} ({lo + 1:,} items)")
    raise DataError(f"a condensed distance vector holds n (n − 1) / 2 values for n items, so "
                    f"{m:,} values cannot be one: {near}")


def _triangular(m: int) -> int | None:
    """The n >= 2 whose n (n - 1) / 2 is m (a condensed vector's item count), else None."""
    n = int(round((1 + math.sqrt(1 + 8 * m)) / 2)) if m > 0 else 0
    return n if n * (n - 1) // 2 == m and n >= 2 else None


# ---------------------------------------------------------------- constructors
def _labels_or_numbers(labels: Sequence[object] | None, n: int) -> list[str]:
    if labels is None:
        return [str(i + 1) for i in range(n)]
    out = [str(x) for x in labels]
    if len(out) != n:
        raise DataError(f"{len(out):,} labels for {n:,} items; give one label per item "
                        "(in the order of the matrix rows)")
    return out


def distances_from_square(
    D: object,
    labels: Sequence[object] | None = None,
    *,
    similarity: str | None = None,
    tolerance: float = SYMMETRY_TOLERANCE,
) -> DistanceMatrix:
    """Check a square matrix (already numbers) and keep its upper triangle.

    Parameters
    ----------
    D : array-like, shape (n, n)
    labels : sequence of n labels, optional
        Default "1".."n".
    similarity : {None, "one_minus", "max_minus"}
        None: D holds distances. Otherwise D holds similarities, converted so.
    tolerance : float
        Symmetry and zero-diagonal tolerance, relative to the largest absolute entry.

    Returns
    -------
    DistanceMatrix

    Examples
    --------
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> dm = distances_from_square(S, ["x", "y"], similarity="one_minus")
    >>> dm.condensed.round(6).tolist(), dm.steps[-1]
    ([0.2], 'Similarities s were turned into distances as 1 − s.')
    """
    if not (isinstance(tolerance, int | float) and 0 <= tolerance < 1):
        raise DataError(f"tolerance must be a number in [0, 1), not {tolerance!r}")
    try:
        A = np.array(D, dtype=float)
    except (TypeError, ValueError):
        raise DataError("the matrix must hold numbers only") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise DataError(f"a distance matrix is square (n rows, n columns); this one has shape "
                        f"{A.shape}")
    n = A.shape[0]
    if n < 2:
        raise DataError("a distance matrix needs at least 2 items")
    lab = _labels_or_numbers(labels, n)
    steps = [f"Read a {n:,} × {n:,} {'similarity' if similarity else 'distance'} matrix."]
    _check_finite(A, lab)
    steps += _check_symmetric(A, lab, tolerance)
    if similarity is not None:
        A, said = similarity_to_distance(A, similarity)
        steps.append(said)
    _check_diagonal(A, lab, tolerance, similarity)
    _check_nonnegative_square(A, lab, similarity)
    iu = np.triu_indices(n, 1)
    return _finish(A[iu], lab, steps)


def distances_from_condensed(
    values: object,
    labels: Sequence[object] | None = None,
    *,
    similarity: str | None = None,
) -> DistanceMatrix:
    """Check a condensed vector (SciPy's ``pdist`` order) of n (n − 1) / 2 distances.

    Parameters
    ----------
    values : array-like, shape (m,) or (m, 1)
    labels : sequence of n labels, optional
    similarity : {None, "one_minus", "max_minus"}
        With ``max_minus``, max is the largest off-diagonal similarity given (the diagonal
        is not in a condensed vector).

    Returns
    -------
    DistanceMatrix

    Examples
    --------
    >>> distances_from_condensed([0.5, -1.0, 2.0], ["a", "b", "c"])
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: distances must be non-negative: 'a' to 'c' (value 2 of 3): -1.
    """
    try:
        v = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError("a condensed distance vector must hold numbers only") from None
    if v.ndim == 2 and 1 in v.shape:
        v = v.ravel()
    if v.ndim != 1:
        raise DataError(f"a condensed distance vector is one column of numbers, not shape {v.shape}")
    n = check_condensed_length(v.size)
    lab = _labels_or_numbers(labels, n)
    steps = [f"Read {v.size:,} distances in condensed order (pairs (1, 2), (1, 3), ..., "
             f"({n - 1}, {n})) for {n:,} items."]

    def where(k: np.ndarray) -> list[str]:
        i, j = _pairs_of(n, k)
        return [f"{_q(lab[a])} to {_q(lab[b])} (value {kk + 1:,} of {v.size:,}): "
                + ("empty" if np.isnan(v[kk]) else _num(v[kk]))
                for a, b, kk in zip(i, j, k, strict=True)]

    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise DataError("every value must be a finite number: "
                        + _listing(where(bad[:_LIST_MAX]), bad.size) + ".")
    if similarity is not None:
        v, said = similarity_to_distance(v, similarity)
        steps.append(said)
    bad = np.flatnonzero(v < 0)
    if bad.size:
        raise DataError(_after(similarity) + "distances must be non-negative: "
                        + _listing(where(bad[:_LIST_MAX]), bad.size)
                        + _similarity_hint(similarity, "."))
    return _finish(v, lab, steps)
