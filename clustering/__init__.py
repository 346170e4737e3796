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

from clustering.agreement import (
    SCORES,
    Agreement,
    agreement,
    best_agreeing_k,
)
from clustering.approximate import (
    DEFAULT_MEMORY_BUDGET_BYTES,
    EXACT_MAX_ROWS,
    EXACT_VECTOR_MAX_ROWS,
    ApproxHierarchy,
    agreement_with_exact,
    approximate_linkage,
    exact_feasible,
    exact_row_limit,
    row_labels,
)
from clustering.budget import (
    WHERE,
    WorkEstimate,
    estimate_work,
    max_cells_for,
    prepare_bytes,
)
from clustering.cut import (
    cut_height,
    cut_inconsistent,
    cut_k,
    cut_maxclust_monocrit,
)
from clustering.cut_index import TreeIndex, tree_index
from clustering.datasets import EXAMPLES, Example, load_example
from clustering.diagnostics import (
    Elbow,
    Gap,
    cophenetic_by_method,
    cophenetic_correlation,
    elbow,
    inconsistency_table,
    largest_gaps,
)
from clustering.distances import (
    FILE_KINDS,
    MDS,
    MDS_FULL_SPECTRUM_MAX_N,
    SIMILARITY_CONVERSIONS,
    SYMMETRY_TOLERANCE,
    DistanceMatrix,
    Guess,
    NumericArray,
    check_condensed_length,
    classical_mds,
    distances_from_condensed,
    distances_from_file,
    distances_from_square,
    distances_from_table,
    guess_kind,
    linkage_from_distances,
    precomputed_method_note,
    read_numeric_array,
    similarity_to_distance,
)
from clustering.dynamic_cut import (
    DYNAMIC_METHODS,
    RTree,
    dynamic_cut,
    r_tree,
)
from clustering.errors import DataError
from clustering.exports import (
    csv_safe,
    export_filename,
    labelled_rows_csv,
    linkage_csv,
    neutralise_cell,
)
from clustering.gap import GAP_RULES, GapStatistic, gap_reduce, gap_statistic, max_se
from clustering.gap_dispersion import (
    SPACES_H0,
    GapReference,
    gap_observed,
    gap_reference,
    gap_replicates,
    within_dispersion,
)
from clustering.geometry import ORIENTATIONS, TRUNCATE_MODES, Geometry, dendrogram_geometry
from clustering.gower import (
    GOWER_KINDS,
    gower_column_kinds,
    gower_distances,
    gower_method_problem,
)
from clustering.guess import guess_file
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
from clustering.newick import (
    NEWICK_CONVENTIONS,
    POLYTOMY_CHOICES,
    ULTRAMETRIC_TOLERANCE,
    NewickTree,
    from_newick,
    newick_label,
    to_newick,
)
from clustering.partition import (
    History,
    Partition,
    cluster_of,
    horizontal_partition,
    merge_clusters,
    partition_from_roots,
    split_cluster,
    with_min_size,
)
from clustering.prepare import (
    MISSING,
    SCALINGS,
    EncodedWidth,
    Prepared,
    PrepareOptions,
    encoded_width,
    prepare,
)
from clustering.profiles import Profiles, cluster_profiles, column_order, profile_effects
from clustering.projection import pca_2d
from clustering.reproduce import (
    SCRIPT_EXAMPLES,
    reproduce_script,
)
from clustering.reproduce_distances import reproduce_distances_script
from clustering.sampling import replicate_chunks, sample_per_group
from clustering.stability import (
    STABILITY_METRICS,
    ClusterStability,
    StabilityChunk,
    StabilityPlan,
    bootstrap_jaccard,
    cluster_stability,
    cut_by_merge_order,
    plan_stability,
    summarise_stability,
)
from clustering.subsampling import (
    RowSupport,
    RowSupportCounts,
    RowSupportPlan,
    count_row_clades,
    plan_row_support,
    row_support,
    summarise_row_support,
)
from clustering.suggest import N_GAPS, candidate_cuts, default_cut, heights_for_k, tidy_height
from clustering.support import (
    DEFAULT_SCALES,
    SUPPORT_METHODS,
    SUPPORT_METRICS,
    MergeSupport,
    SupportCounts,
    SupportPlan,
    count_clades,
    merge_support,
    multiscale_fit,
    pick_clades,
    plan_support,
    pvclust_arguments,
    summarise_support,
)
from clustering.tables import (
    COLUMN_KINDS,
    DELIMITERS,
    JSON_MAX_DEPTH,
    XLSX_MAX_RATIO,
    XLSX_MAX_ROWS,
    XLSX_MAX_UNPACKED,
    ColumnInfo,
    TableRead,
    TableShape,
    describe_columns,
    read_table,
    read_upload,
    table_shape,
    text_values,
)
from clustering.tanglegram import (
    Untangled,
    bakers_gamma,
    cophenetic_between,
    crossings,
    entanglement,
    untangle,
)
from clustering.ties import SCIPY_TIES_MAX_N, may_have_ties, tie_note
from clustering.tree_files import (
    CONVENTION_SENTENCES,
    json_tree_file,
    micro_labels,
    newick_file,
    view_linkage,
)
from clustering.tree_views import lastp_linkage, subtree_linkage, to_json_tree
from clustering.trees_in import (
    LinkageUpload,
    check_linkage,
    linkage_from_array,
    read_labels,
    read_linkage,
)
from clustering.validity import Silhouette, Validity, silhouette_widths, validity_indices
from clustering.ward_nnchain import row_counts, weighted_ward

__all__ = [
    "guess_file", "reproduce_distances_script",
    # errors
    "DataError",
    # tables
    "COLUMN_KINDS", "DELIMITERS", "JSON_MAX_DEPTH", "XLSX_MAX_RATIO", "XLSX_MAX_ROWS",
    "XLSX_MAX_UNPACKED", "ColumnInfo", "TableRead", "TableShape", "describe_columns",
    "read_table", "read_upload", "table_shape", "text_values",
    # prepare
    "MISSING", "SCALINGS", "EncodedWidth", "PrepareOptions", "Prepared", "encoded_width",
    "prepare",
    # linkage
    "METHODS", "METRICS", "OPTIMAL_ORDERING_MAX_N", "Hierarchy", "check_method_metric",
    "compute_linkage", "distance_kwargs", "method_metric_problem", "validate_matrix",
    # ties
    "SCIPY_TIES_MAX_N", "may_have_ties", "tie_note",
    # cut
    "TreeIndex", "cut_height", "cut_inconsistent", "cut_k", "cut_maxclust_monocrit", "tree_index",
    # geometry
    "ORIENTATIONS", "TRUNCATE_MODES", "Geometry", "dendrogram_geometry",
    # diagnostics
    "Elbow", "Gap", "Profiles", "cluster_profiles", "column_order", "cophenetic_by_method",
    "cophenetic_correlation", "elbow", "inconsistency_table", "largest_gaps", "profile_effects",
    # approximate (stage 1 in microclusters, stage 2 in ward_nnchain)
    "DEFAULT_M", "DEFAULT_MEMORY_BUDGET_BYTES", "EXACT_MAX_ROWS", "EXACT_VECTOR_MAX_ROWS",
    "SUMMARISERS",
    "ApproxHierarchy", "MicroClusters", "agreement_with_exact", "approximate_linkage",
    "default_m", "exact_feasible", "exact_row_limit", "row_counts", "row_labels", "summarise", "weighted_ward",
    # exports
    "csv_safe", "export_filename", "labelled_rows_csv", "linkage_csv", "neutralise_cell",
    # hints for the cut (never applied by themselves)
    "N_GAPS", "candidate_cuts", "default_cut", "heights_for_k", "tidy_height",
    # pictures and samples of the rows
    "pca_2d", "replicate_chunks", "sample_per_group",
    # merges (one node of the tree in words)
    "IDS_NOTE", "SENTENCE_LIST_MAX", "describe_node", "explain_merge", "explain_node",
    "node_members", "subtree_first_position",
    # datasets
    "EXAMPLES", "Example", "load_example",
    # evidence for k: validity indices, silhouette widths, the gap statistic (R's clusGap)
    "GAP_RULES", "SPACES_H0", "GapReference", "GapStatistic", "Silhouette", "Validity", "gap_observed", "gap_reduce", "gap_reference", "gap_replicates", "gap_statistic", "max_se", "replicate_chunks", "silhouette_widths", "validity_indices", "within_dispersion",
    # cuts that follow the data: dynamic tree cut (R's dynamicTreeCut)
    "DYNAMIC_METHODS", "RTree", "dynamic_cut", "r_tree",
    # partitions made of clades, edited by hand
    "History", "Partition", "cluster_of", "horizontal_partition", "merge_clusters", "partition_from_roots", "split_cluster", "with_min_size",
    # agreement with a known column
    "SCORES", "Agreement", "agreement", "best_agreeing_k",
    # two trees over the same rows (R's dendextend): Baker's gamma, cophenetic, untangling
    "Untangled", "bakers_gamma", "cophenetic_between", "crossings", "entanglement", "untangle",
    # mixed types by Gower (R's daisy)
    "GOWER_KINDS", "gower_column_kinds", "gower_distances", "gower_method_problem",
    # distance and similarity matrices, classical MDS
    "FILE_KINDS", "MDS", "MDS_FULL_SPECTRUM_MAX_N", "SIMILARITY_CONVERSIONS", "SYMMETRY_TOLERANCE", "DistanceMatrix", "Guess", "NumericArray", "check_condensed_length", "classical_mds", "distances_from_condensed", "distances_from_file", "distances_from_square", "distances_from_table", "guess_kind", "linkage_from_distances", "precomputed_method_note", "read_numeric_array", "similarity_to_distance",
    # trees in and out: Newick (ape's conventions), JSON
    "NEWICK_CONVENTIONS", "POLYTOMY_CHOICES", "ULTRAMETRIC_TOLERANCE", "NewickTree", "from_newick", "lastp_linkage", "newick_label", "subtree_linkage", "to_json_tree", "to_newick",
    # linkage matrices uploaded from a notebook
    "LinkageUpload", "check_linkage", "linkage_from_array", "read_labels", "read_linkage",
    # work estimated before it is done
    "WHERE", "WorkEstimate", "estimate_work", "max_cells_for", "prepare_bytes",
    # support on merges (R's pvclust) and cluster stability (R's fpc::clusterboot)
    "DEFAULT_SCALES", "SUPPORT_METHODS", "SUPPORT_METRICS", "MergeSupport", "SupportCounts", "SupportPlan", "count_clades", "merge_support", "multiscale_fit", "pick_clades", "plan_support", "pvclust_arguments", "summarise_support", "STABILITY_METRICS", "ClusterStability", "StabilityChunk", "StabilityPlan", "bootstrap_jaccard", "cluster_stability", "cut_by_merge_order", "plan_stability", "summarise_stability",
    # support on merges from row subsamples (tables with few features)
    "RowSupport", "RowSupportCounts", "RowSupportPlan", "count_row_clades", "plan_row_support", "row_support", "summarise_row_support",
    # results out: the view as files and as a script that reproduces it
    "reproduce_script", "SCRIPT_EXAMPLES", "CONVENTION_SENTENCES", "json_tree_file", "micro_labels", "newick_file", "view_linkage",
]
