"""What an uploaded file is, guessed with a reason: :func:`guess_kind` over :data:`FILE_KINDS`.

The guess is only offered: the caller (the page, a notebook) lets the person say what the file
is, and a one-column file is never taken for a condensed distance vector unless its header
says distances. Reading the file to guess from: :func:`clustering.guess.guess_file`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.distance_matrix import _num, _q, _triangular

__all__ = ["FILE_KINDS", "Guess", "guess_kind"]

#: What an uploaded file can be; the caller (the page, a notebook) decides.
FILE_KINDS: tuple[str, ...] = ("features", "distances", "similarities", "condensed",
                               "linkage", "newick")


@dataclass(frozen=True)
class Guess:
    """The app's guess of what a file is (one of :data:`FILE_KINDS`) and why, in words."""

    kind: str
    reason: str


def _looks_linkage(Z: np.ndarray) -> bool:
    """Rows of (id, id, height[, size]) forming a valid tree: ids whole, each used once,
    each below n + row, heights >= 0."""
    if Z.ndim != 2 or Z.shape[1] not in (3, 4) or Z.shape[0] < 1 or not np.all(np.isfinite(Z)):
        return False
    ids = Z[:, :2]
    n = Z.shape[0] + 1
    if np.any(ids != np.round(ids)) or np.any(ids < 0):
        return False
    if np.any(ids.max(axis=1) >= n + np.arange(Z.shape[0])):
        return False
    return len(np.unique(ids)) == ids.size and bool(np.all(Z[:, 2] >= 0))


def guess_kind(table: object, filename: str = "") -> Guess:
    """Guess what an upload is, with a reason a person can check.

    Parameters
    ----------
    table : DataFrame, ndarray, str or None
        What was read: a table (``read_table``), an array (``read_numeric_array`` of a
        ``.npy``), the text (for Newick), or None when only the name is known.
    filename : str

    Returns
    -------
    Guess
        ``kind`` in :data:`FILE_KINDS`. A one-column table is guessed to be features unless
        its header says distances and its length is n (n − 1) / 2: the user confirms.

    Examples
    --------
    >>> guess_kind(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0], "z": [0.0, 1.0]})).kind
    'features'
    >>> g = guess_kind(pd.DataFrame({"a": [0.0, 2.0], "b": [2.0, 0.0]}))
    >>> g.kind, g.reason
    ('distances', '2 rows and 2 columns named alike, zero diagonal, symmetric: looks like a distance matrix.')
    >>> guess_kind(None, "tree.nwk").kind
    'newick'
    """
    name = filename.lower()
    if name.endswith((".nwk", ".newick", ".tre", ".tree", ".phy", ".ph")):
        return Guess("newick", f"the file name ends in {name[name.rfind('.'):]}, a Newick tree file.")
    if isinstance(table, str | bytes):
        return _guess_text(table)
    if isinstance(table, np.ndarray):
        return _guess_array(table)
    if not isinstance(table, pd.DataFrame):
        return Guess("features", "nothing more is known: read it as a table of features.")
    return _guess_table(table)


def _guess_text(table: str | bytes) -> Guess:
    """Newick when the text, [comments] aside, starts with '(' and ends with ';'."""
    text = table.decode("utf-8", "replace") if isinstance(table, bytes) else table
    stripped = re.sub(r"\[[^\]]*\]", "", text).strip()
    if stripped.startswith("(") and stripped.rstrip().endswith(";"):
        return Guess("newick", "the text starts with '(' and ends with ';', as a Newick tree does.")
    return Guess("features", "the text is not a Newick tree; read it as a table.")


def _guess_array(a: np.ndarray) -> Guess:
    """An array read from a ``.npy``: a condensed vector (one column of triangular length),
    a linkage matrix, a symmetric zero-diagonal square, else features."""
    if a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1):
        m = a.size
        n = _triangular(m)
        if n:
            return Guess("condensed", f"a single column of {m:,} numbers = n (n − 1) / 2 for "
                         f"n = {n:,}: looks like a condensed distance vector (SciPy's pdist).")
        return Guess("features", f"a single column of {m:,} numbers, not n (n − 1) / 2 for "
                     "any n, so not a condensed distance vector: one feature.")
    if a.ndim == 2 and _looks_linkage(a):
        return Guess("linkage", f"{a.shape[0]:,} rows of (id, id, height{', size' if a.shape[1] == 4 else ''}) "
                     "that form a valid tree: looks like a SciPy linkage matrix.")
    if a.ndim == 2 and a.shape[0] == a.shape[1] and np.all(np.isfinite(a)):
        if np.allclose(a, a.T) and np.all(np.diag(a) == 0):
            return Guess("distances", f"a {a.shape[0]:,} × {a.shape[0]:,} symmetric array "
                         "with zero diagonal: looks like a distance matrix.")
    return Guess("features", "an array of numbers: rows of features.")


def _guess_table(df: pd.DataFrame) -> Guess:
    """A table: one column, a linkage export, a square matrix (named alike), a matrix with a
    defect, else rows of features; the first that fits, in that order."""
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c].dtype)]
    if df.shape[1] == 1:
        return _guess_one_column(df)
    cols = [str(c).strip().lower() for c in df.columns]
    if cols[:3] in (["idx1", "idx2", "height"], ["0", "1", "2"]) and len(numeric) >= 3 and \
            _looks_linkage(df[numeric].to_numpy(dtype=float)[:, :4]):
        return Guess("linkage", "columns idx1, idx2, height, size forming a valid tree: looks "
                     "like a linkage matrix (the app's Z export, or SciPy's).")
    n = len(df)
    guess = _guess_square(df, n)
    if guess is None:
        guess = _guess_defective_matrix(df, n)
    if guess is not None:
        return guess
    return Guess("features", f"{len(df):,} rows and {df.shape[1]:,} columns "
                 f"({len(numeric):,} numeric): rows of features.")


def _guess_one_column(df: pd.DataFrame) -> Guess:
    """Condensed only when the header says distances, every value is a number and the length
    is n (n − 1) / 2; else one feature (the reason says when it could be condensed)."""
    m = len(df)
    n = _triangular(m)
    col = str(df.columns[0])
    # read_table may leave a lone column as text: numbers are what count.
    all_numbers = bool(pd.to_numeric(df.iloc[:, 0], errors="coerce").notna().all())
    if n and re.search(r"dist|dissim|condensed|pdist", col, re.I) and all_numbers:
        return Guess("condensed", f"one column named {_q(col)} of {m:,} numbers = n (n − 1) / 2 "
                     f"for n = {n:,}: looks like a condensed distance vector.")
    extra = (f" (its {m:,} values could also be a condensed distance vector for {n:,} items: "
             "choose that if it is)") if n else ""
    return Guess("features", f"one column: a single feature{extra}.")


def _guess_square(df: pd.DataFrame, n: int) -> Guess | None:
    """n rows and n numeric columns named alike (rows by a first label column, else by the
    header): distances or similarities by the numbers; None when it does not say matrix."""
    labelled = df.shape[1] == n + 1 and not pd.api.types.is_float_dtype(df[df.columns[0]].dtype)
    body = df.iloc[:, 1:] if labelled else df
    if body.shape[1] == n and n >= 2 and all(pd.api.types.is_numeric_dtype(body[c].dtype) for c in body):
        A = body.to_numpy(dtype=float)
        rows = [str(x) for x in df.iloc[:, 0]] if labelled else [str(c) for c in body.columns]
        same = sorted(rows) == sorted(str(c) for c in body.columns)
        if same and np.all(np.isfinite(A)):
            sym = np.allclose(A, A.T, rtol=1e-9, atol=0)
            diag = np.diag(A)
            named = f"{n:,} rows and {n:,} columns named alike"
            if sym and np.all(diag == 0):
                return Guess("distances", f"{named}, zero diagonal, symmetric: looks like a "
                             "distance matrix.")
            if sym and np.all(diag == diag.max()) and diag.max() > 0 and diag.max() >= A.max():
                return Guess("similarities", f"{named}, symmetric, the diagonal all "
                             f"{_num(diag.max())} (the largest value): looks like a similarity "
                             "matrix.")
            if labelled:
                # Only rows named by their own column say "matrix" when the numbers do not:
                # a square table named by its header alone is as likely n rows of n features.
                return Guess("distances", f"{named}: looks like a distance matrix, though "
                             + ("it is not symmetric" if not sym else "its diagonal is not 0")
                             + " (the checks will say where).")
        elif same and labelled:
            return Guess("distances", f"{n:,} rows and {n:,} columns named alike: looks like a "
                         "distance matrix, though some cells are empty or not finite (the "
                         "checks will say where).")
    return None


def _guess_defective_matrix(df: pd.DataFrame, n: int) -> Guess | None:
    """Rows named by a first column of text and most value columns named like them: a
    distance matrix with a defect; else None."""
    if df.shape[1] >= 3 and n >= 2 and not pd.api.types.is_numeric_dtype(df[df.columns[0]].dtype):
        # Rows named by a first column, and most value columns named like the rows: a matrix
        # with a defect (not square, a label that differs); the checks name it.
        rows = {str(x) for x in df.iloc[:, 0]}
        cols = [str(c) for c in df.columns[1:]]
        shared = sum(c in rows for c in cols)
        if shared >= max(2, (len(cols) + 1) // 2):
            return Guess("distances", f"{shared:,} of the {len(cols):,} value columns are named "
                         "like rows (first column): looks like a distance matrix, though "
                         + (f"it has {n:,} rows and {len(cols):,} columns" if n != len(cols)
                            else "its row and column labels differ")
                         + " (the checks will say where).")
    return None
