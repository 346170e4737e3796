"""Numbers that argue for or against a cut: SciPy's diagnostics, made to scale.

One import for the diagnostics, kept in two modules by their job:

* ``clustering.cophenetic``: :func:`cophenetic_correlation` (equals
  ``scipy.cluster.hierarchy.cophenet(Z, pdist(X))[0]`` without holding either n^2 vector),
  :func:`cophenetic_sample_rows`, :func:`cophenetic_by_method`;
* ``clustering.merge_heights``: :func:`inconsistency_table`, :func:`elbow`,
  :func:`largest_gaps`.

(What each cluster is like: ``clustering.profiles``.)
"""

from __future__ import annotations

from clustering.cophenetic import (
    COPHENETIC_EXACT_MAX_ROWS,
    COPHENETIC_SAMPLE_ROWS,
    cophenetic_by_method,
    cophenetic_correlation,
    cophenetic_sample_rows,
)
from clustering.merge_heights import Elbow, Gap, elbow, inconsistency_table, largest_gaps

__all__ = [
    "Elbow",
    "Gap",
    "cophenetic_by_method",
    "cophenetic_correlation",
    "cophenetic_sample_rows",
    "COPHENETIC_EXACT_MAX_ROWS",
    "COPHENETIC_SAMPLE_ROWS",
    "elbow",
    "inconsistency_table",
    "largest_gaps",
]
