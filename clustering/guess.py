"""What an uploaded file probably is, from its bytes: :func:`guess_file`.

The decision itself is :func:`clustering.distances.guess_kind` (on a table, an array or the
text); this module reads as little as that needs. The guess is only preselected: the caller
(the page, a notebook) lets the person say what the file is. A one-column file is never
guessed to be a condensed distance vector unless its header says distances.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from clustering.distances import Guess, guess_kind, read_numeric_array
from clustering.errors import DataError
from clustering.tables import read_table

__all__ = ["guess_file"]

_TREE_SUFFIXES = (".nwk", ".newick", ".tre", ".tree")


#: Past this size a headerless file is not parsed number by number for the linkage check
#: (a linkage matrix of 100,000 leaves is ~7 MB of text).
LINKAGE_SNIFF_BYTES = 8 * 1024 * 1024


def guess_file(data: bytes, filename: str, *, max_rows: int | None = None,
               max_columns: int | None = None, max_cells: int | None = None,
               read: Callable[[], pd.DataFrame] | None = None) -> Guess:
    """Guess what an upload is, with the reason in words.

    Parameters
    ----------
    data : bytes
    filename : str
    max_rows, max_columns, max_cells : int, optional
        The reader's limits (:func:`clustering.tables.read_table`): a file over them is
        guessed to be features, and reading it so says what is over.
    read : callable, optional
        Returns the file read as a table (default: :func:`clustering.tables.read_table`
        under the limits above). A caller that keeps the table passes its own reader, so a
        big upload is parsed once for the guess and the page (it may raise DataError).

    Returns
    -------
    Guess
        ``kind`` in :data:`clustering.distances.FILE_KINDS`; ``reason`` a sentence. A file
        that reads as nothing is guessed to be features (reading it so says what is wrong).

    Examples
    --------
    >>> guess_file(b"item,a,b\\na,0,2\\nb,2,0\\n", "d.csv").kind
    'distances'
    >>> guess_file(b"((a:1,b:1):1,c:2);", "t.txt").kind
    'newick'
    >>> guess_file(b"0,1,0.5,2\\n3,2,1.5,3\\n", "z.csv").kind
    'linkage'
    >>> g = guess_file(b"v\\n1\\n2\\n3\\n", "v.csv")
    >>> g.kind, "condensed" in g.reason
    ('features', True)
    """
    name = filename.lower()
    if name.endswith(_TREE_SUFFIXES):
        return guess_kind(None, filename)
    if data[:6] == b"\x93NUMPY" or name.endswith(".npy"):
        try:
            return guess_kind(read_numeric_array(data, filename).values, filename)
        except DataError:
            return Guess("features", "a .npy file that is not an array of numbers.")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"("):
        return guess_kind(data.decode("utf-8", "replace"), filename)
    first = head.split(b"\n", 1)[0]
    fields = max(first.count(b","), first.count(b"\t"), first.count(b";"), len(first.split()) - 1)
    if not name.endswith((".xlsx", ".parquet", ".pq", ".json")) and 2 <= fields <= 4 \
            and len(data) <= LINKAGE_SNIFF_BYTES:
        # A headerless linkage matrix (numpy.savetxt) reads as a table whose header is its
        # first row: look at the numbers themselves.
        try:
            arr = read_numeric_array(data, filename).values
        except DataError:
            arr = None
        if arr is not None and arr.ndim == 2 and arr.shape[1] in (3, 4, 5):
            cols = arr[:, 1:] if arr.shape[1] == 5 and np.array_equal(
                arr[:, 0], np.arange(arr.shape[0])) else arr
            g = guess_kind(cols, filename)
            if g.kind == "linkage":
                return g
    try:
        table = read() if read is not None else read_table(
            data, filename, max_rows=max_rows, max_columns=max_columns, max_cells=max_cells)
    except DataError:
        return Guess("features", "the file could not be read as a table.")
    return guess_kind(table, filename)
