"""Dendrogram Explorer's clustering service: numpy / scipy / pandas / fastcluster, no UI.

Everything public is re-exported here, so a notebook needs one import::

    >>> import clustering as cl
    >>> df = cl.load_example("tutorial-blobs")
    >>> prep = cl.prepare(df, cl.PrepareOptions())
    >>> h = cl.compute_linkage(prep.matrix, "ward", "euclidean")
    >>> idx = cl.tree_index(h.Z)
    >>> idx.k_at(50.0), idx.k_at(16.0)
    (2, 4)
    >>> round(cl.cophenetic_correlation(h.Z, prep.matrix), 5)
    0.98001

See ``clustering/README.md`` for the walk-through and each module's contract.
"""

from clustering.approximate import (
    DEFAULT_MEMORY_BUDGET_BYTES,
    EXACT_MAX_ROWS,
    ApproxHierarchy,
    agreement_with_exact,
    approximate_linkage,
    exact_feasible,
    row_labels,
)
from clustering.cut import TreeIndex, cut_height, cut_inconsistent, cut_k, tree_index
from clustering.datasets import EXAMPLES, Example, load_example
from clustering.diagnostics import (
    Elbow,
    Gap,
    Profiles,
    cluster_profiles,
    column_order,
    cophenetic_by_method,
    cophenetic_correlation,
    elbow,
    inconsistency_table,
    largest_gaps,
    profile_effects,
)
from clustering.errors import DataError
from clustering.exports import (
    csv_safe,
    export_filename,
    labelled_rows_csv,
    linkage_csv,
    neutralise_cell,
)
from clustering.geometry import ORIENTATIONS, TRUNCATE_MODES, Geometry, dendrogram_geometry
from clustering.linkage import (
    METHODS,
    METRICS,
    OPTIMAL_ORDERING_MAX_N,
    Hierarchy,
    check_method_metric,
    compute_linkage,
    distance_kwargs,
    method_metric_problem,
    validate_matrix,
)
from clustering.merges import (
    IDS_NOTE,
    SENTENCE_LIST_MAX,
    describe_node,
    explain_merge,
    explain_node,
    node_members,
    subtree_first_position,
)
from clustering.microclusters import DEFAULT_M, SUMMARISERS, MicroClusters, default_m, summarise
from clustering.prepare import MISSING, SCALINGS, Prepared, PrepareOptions, prepare
from clustering.projection import pca_2d
from clustering.sampling import sample_per_group
from clustering.suggest import N_GAPS, candidate_cuts, default_cut, heights_for_k, tidy_height
from clustering.tables import (
    COLUMN_KINDS,
    DELIMITERS,
    XLSX_MAX_RATIO,
    ColumnInfo,
    describe_columns,
    read_table,
    text_values,
)
from clustering.ward_nnchain import row_counts, weighted_ward

__all__ = [
    # errors
    "DataError",
    # tables
    "COLUMN_KINDS", "DELIMITERS", "XLSX_MAX_RATIO", "ColumnInfo", "describe_columns",
    "read_table", "text_values",
    # prepare
    "MISSING", "SCALINGS", "PrepareOptions", "Prepared", "prepare",
    # linkage
    "METHODS", "METRICS", "OPTIMAL_ORDERING_MAX_N", "Hierarchy", "check_method_metric",
    "compute_linkage", "distance_kwargs", "method_metric_problem", "validate_matrix",
    # cut
    "TreeIndex", "cut_height", "cut_inconsistent", "cut_k", "tree_index",
    # geometry
    "ORIENTATIONS", "TRUNCATE_MODES", "Geometry", "dendrogram_geometry",
    # diagnostics
    "Elbow", "Gap", "Profiles", "cluster_profiles", "column_order", "cophenetic_by_method",
    "cophenetic_correlation", "elbow", "inconsistency_table", "largest_gaps", "profile_effects",
    # approximate (stage 1 in microclusters, stage 2 in ward_nnchain)
    "DEFAULT_M", "DEFAULT_MEMORY_BUDGET_BYTES", "EXACT_MAX_ROWS", "SUMMARISERS",
    "ApproxHierarchy", "MicroClusters", "agreement_with_exact", "approximate_linkage",
    "default_m", "exact_feasible", "row_counts", "row_labels", "summarise", "weighted_ward",
    # exports
    "csv_safe", "export_filename", "labelled_rows_csv", "linkage_csv", "neutralise_cell",
    # hints for the cut (never applied by themselves)
    "N_GAPS", "candidate_cuts", "default_cut", "heights_for_k", "tidy_height",
    # pictures and samples of the rows
    "pca_2d", "sample_per_group",
    # merges (one node of the tree in words)
    "IDS_NOTE", "SENTENCE_LIST_MAX", "describe_node", "explain_merge", "explain_node",
    "node_members", "subtree_first_position",
    # datasets
    "EXAMPLES", "Example", "load_example",
]
