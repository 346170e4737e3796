"""Distance and similarity matrices brought by the user: read, check, convert, cluster, map.

Data flows as everywhere else, one pure function an arrow::

    table (read_table) --distances_from_table--> DistanceMatrix --linkage_from_distances--> Hierarchy
    bytes (.npy / one column) --read_numeric_array--> distances_from_condensed --> DistanceMatrix
    DistanceMatrix --classical_mds--> MDS (the scatter when there are no coordinates)

What a file is, the caller says (``guess_kind`` offers a guess and its reason; a one-column
file is never taken for a condensed distance vector without being told). Every check names
the offending cells by their labels, e.g. "row 'b', column 'c': 3.2 but column 'b', row 'c':
3.1". The condensed vector used for linkage is the upper triangle (row before column), what
``scipy.spatial.distance.squareform(D, checks=False)`` takes, so the tree is SciPy's
``linkage(squareform(D), method)``.

One import for all of it, kept in four modules by their job:

* ``clustering.distance_matrix``: :class:`DistanceMatrix` and its checks,
  :func:`distances_from_square`, :func:`distances_from_condensed`,
  :func:`similarity_to_distance`, :func:`check_condensed_length`;
* ``clustering.distance_files``: :func:`distances_from_table`, :func:`distances_from_file`,
  :func:`read_numeric_array` (:class:`NumericArray`);
* ``clustering.file_kinds``: :func:`guess_kind` (:class:`Guess`, :data:`FILE_KINDS`);
* ``clustering.precomputed``: :func:`linkage_from_distances`,
  :func:`precomputed_method_note`, :func:`classical_mds` (:class:`MDS`).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"id": ["a", "b", "c"], "a": [0, 2, 6], "b": [2, 0, 5], "c": [6, 5, 0]})
>>> dm = distances_from_table(t)
>>> dm.labels, dm.condensed.tolist()
(('a', 'b', 'c'), [2.0, 6.0, 5.0])
>>> linkage_from_distances(dm, "average").Z.tolist()
[[0.0, 1.0, 2.0, 2.0], [2.0, 3.0, 5.5, 3.0]]
"""

from __future__ import annotations

from clustering.distance_files import (
    NumericArray,
    distances_from_file,
    distances_from_table,
    read_numeric_array,
)
from clustering.distance_matrix import (
    SIMILARITY_CONVERSIONS,
    SYMMETRY_TOLERANCE,
    DistanceMatrix,
    check_condensed_length,
    distances_from_condensed,
    distances_from_square,
    similarity_to_distance,
)
from clustering.file_kinds import FILE_KINDS, Guess, guess_kind
from clustering.precomputed import (
    MDS,
    MDS_FULL_SPECTRUM_MAX_N,
    classical_mds,
    linkage_from_distances,
    precomputed_method_note,
)

__all__ = [
    "FILE_KINDS",
    "MDS_FULL_SPECTRUM_MAX_N",
    "SIMILARITY_CONVERSIONS",
    "SYMMETRY_TOLERANCE",
    "DistanceMatrix",
    "Guess",
    "MDS",
    "NumericArray",
    "check_condensed_length",
    "classical_mds",
    "distances_from_condensed",
    "distances_from_file",
    "distances_from_square",
    "distances_from_table",
    "guess_kind",
    "linkage_from_distances",
    "precomputed_method_note",
    "read_numeric_array",
    "similarity_to_distance",
]
