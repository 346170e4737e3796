"""Every element id of the page, in one place.

The first block is the contract for automation (browser tests, benchmarks): these
names are stable and must not change. The rest are internal but also stable.
"""

from __future__ import annotations

# --- contract (tests/browser and bench depend on these exact strings) ---
UPLOAD = "upload"
EXAMPLE = "example"
METHOD = "method"
METRIC = "metric"
SCALING = "scaling"
TRUNCATE_MODE = "truncate-mode"
TRUNCATE_P = "truncate-p"
ANNOTATE_ABOVE = "annotate-above"
CUT_HEIGHT = "cut-height"
CLUSTER_K = "cluster-k"
CLUSTER_COUNT = "cluster-count"
DENDROGRAM = "dendrogram"
SCATTER = "scatter"
ERROR = "error"

# --- further controls ---
FEATURE_COLUMNS = "feature-columns"
LABEL_COLUMN = "label-column"
MISSING = "missing"
ONE_HOT = "one-hot"
ORIENTATION = "orientation"
SHOW_CONTRACTED = "show-contracted"
SCATTER_X = "scatter-x"
SCATTER_Y = "scatter-y"
STATUS = "status"
PREVIEW = "preview"
METRIC_NOTE = "metric-note"
UPLOAD_NAME = "upload-name"
COMPUTE_ERROR = "compute-error"

# --- browser-side state (small: ids and parameters, never the data) ---
DATASET = "dataset"  # {"dataset_id", "filename"} or {"example"}
TREE_DATA = "tree-data"  # what the browser needs to recolour at any cut, sent once per tree
CUT_PREVIEW = "cut-preview"  # a cut line held still mid-drag (assets/cutdrag.js): colours only
UPLOAD_ERROR = "upload-error"
UPLOAD_LIMIT = "upload-limit"  # wraps the upload; data-max-bytes / data-message for the browser
PREPARE_STEPS = "prepare-steps"
STATUS_MAIN = "status-main"
COPHENETIC = "cophenetic"
STATUS_TIME = "status-time"
APPROX_NOTE = "approx-note"  # alert saying the tree is approximate (big tables), and how far

# --- analysis tabs: diagnostics, inspection, Z table, heatmap, profiles, exports ---
ANALYSIS_TABS = "analysis-tabs"
TAB_DIAGNOSTICS = "tab-diagnostics"
TAB_EVIDENCE = "tab-evidence"
TAB_INSPECT = "tab-inspect"
TAB_LINKAGE = "tab-linkage"
TAB_HEATMAP = "tab-heatmap"
TAB_PROFILES = "tab-profiles"
TAB_EXPORT = "tab-export"
#: Every analysis tab, in the order the page shows them (``dbc.Tab`` ``tab_id`` values).
TABS = (TAB_DIAGNOSTICS, TAB_EVIDENCE, TAB_INSPECT, TAB_LINKAGE, TAB_HEATMAP, TAB_PROFILES,
        TAB_EXPORT)
DIAG_LAST = "diag-last"  # how many final merges the scree shows
DIAG_DEPTH = "diag-depth"  # inconsistency depth
DIAG_SCREE = "diag-scree"
DIAG_SUMMARY = "diag-summary"  # elbow's k, gaps, snap buttons
DIAG_INCONSISTENCY = "diag-inconsistency"
CANDIDATES = "candidates"  # store: candidate cuts of the current tree
SNAP = "snap"  # pattern-matching {"type": SNAP, "index": i}: one button per candidate cut
COPHENETIC_RUN = "cophenetic-methods-run"
COPHENETIC_METHODS = "cophenetic-methods"
INSPECT = "inspect"  # store: what was clicked on the dendrogram {kind, node, tree_key}
INSPECT_TEXT = "inspect-text"
INSPECT_MEMBERS = "inspect-members"
INSPECT_CLEAR = "inspect-clear"
HIGHLIGHT = "highlight"  # store: member rows to light up in the scatter
LINKAGE_TABLE = "linkage-table"
LINKAGE_SHOWN = "linkage-shown"  # store: the tree whose rows the Z grid was told to fetch
LINKAGE_NOTE = "linkage-note"  # what the leaves and sizes of Z count (micro-clusters / rows)
COPHENETIC_CANCEL = "cophenetic-methods-cancel"
COPHENETIC_PROGRESS = "cophenetic-methods-progress"
HEATMAP = "heatmap"
HEATMAP_OPTIONS = "heatmap-options"
PROFILE_TABLE = "profile-table"
PROFILE_HEATMAP = "profile-heatmap"
EXPORT_LABELS = "export-labels"
EXPORT_LINKAGE = "export-linkage"
EXPORT_VIEW = "export-view"
DOWNLOAD = "download"
LOAD_VIEW = "load-view"
LOAD_VIEW_MESSAGE = "load-view-message"
PENDING_VIEW = "pending-view"  # store: a loaded view waiting for its dataset's controls
IMAGE_FORMAT = "image-format"

# --- hosting: the view in the URL, background jobs ---
URL = "url"  # dcc.Location: the query string is the view
URL_REQUEST = "url-request"  # store: a query string to restore (page load, back/forward)
SHARE_LINK = "share-link"  # read-only field holding the full link to this view
SHARE_COPY = "share-copy"  # dcc.Clipboard copying SHARE_LINK
LINK_ERROR = "link-error"  # alert: what was wrong with the link that was opened
RESULT = "tree-result"  # store: {request, params, n, seconds, error} of the last computed tree
JOB = "tree-job"  # store: a tree request for the background callback {id, params}
REQUEST = "tree-request"  # store: the latest tree request {id, params}
JOB_PANEL = "job-panel"  # progress bar and cancel button, shown while a job runs
JOB_PROGRESS = "job-progress"
JOB_CANCEL = "job-cancel"
JOB_RETRY = "job-retry"
JOB_NOTE = "job-note"

# --- lazy analysis tabs (components/analysis/lazy.py): small stores so a cut move sends little ---
TREE_REF = "tree-ref"  # store: tree-data less its arrays {params, tree_key, approx_note, orientation}
DIAG_CUT = "diag-cut"  # store: {cut, tree_key}, set only while the Diagnostics tab is open
HEATMAP_CUT = "heatmap-cut"  # ... only while the Heatmap tab is open
PROFILES_CUT = "profiles-cut"  # ... only while the Profiles tab is open
LAZY_CONFIG = "lazy-config"  # store: which tab each gated store serves, which keys tree-ref keeps

# --- groups of controls (components/view.py reads and writes them in these orders) ---
#: What a linkage depends on (with the dataset): TreeSpec.from_controls's arguments.
TREE_CONTROLS = (FEATURE_COLUMNS, LABEL_COLUMN, MISSING, ONE_HOT, SCALING, METHOD, METRIC)
#: How the tree and the scatter are drawn: View.from_controls's arguments after the tree.
DRAW_CONTROLS = (TRUNCATE_MODE, TRUNCATE_P, ANNOTATE_ABOVE, ORIENTATION, SHOW_CONTRACTED,
                 SCATTER_X, SCATTER_Y)
#: Every picker a view sets, in View.control_values order.
VIEW_CONTROLS = TREE_CONTROLS + DRAW_CONTROLS

# --- exports (issue 17) ---
EXPORT_NEWICK = "export-newick"  # button: the tree (or the view) as Newick
EXPORT_JSON_TREE = "export-json-tree"  # button: the tree (or the view) as nested JSON
EXPORT_SCRIPT = "export-script"  # button: a Python script that reproduces the view
NEWICK_CONVENTION = "newick-convention"  # radio: "ape" (half heights) or "height"
TREE_SCOPE = "tree-scope"  # radio: "tree" (every leaf) or "view" (the truncated view's leaves)
EXPORT_TREE_NOTE = "export-tree-note"  # what the chosen convention and scope mean
EXPORT_MESSAGE = "export-message"  # why a file could not be made (e.g. approximate trees)
EXPORT_SCRIPT_TEXT = "export-script-text"  # <pre>: the last script downloaded, to read and copy
EXPORT_SCRIPT_COPY = "export-script-copy"  # dcc.Clipboard copying EXPORT_SCRIPT_TEXT

# --- evidence tab (issue 15) ---
# Validity per k, the gap statistic (a background job) and the silhouette at the cut
# (components/analysis/evidence.py); bootstrap support and stability (items 3-4) add theirs here.
EVIDENCE_CUT = "evidence-cut"  # store: {cut, tree_key}, set only while the Evidence tab is open
EVIDENCE_K = "evidence-k"  # K: validity and gap for k = 2..K
EVIDENCE_B = "evidence-b"  # B: reference sets of the gap statistic
EVIDENCE_SEED = "evidence-seed"  # seed of the gap statistic's reference sets
EVIDENCE_SUMMARY = "evidence-summary"  # what each index favours, snap buttons, notes
EVIDENCE_CURVES = "evidence-curves"  # graph: silhouette, CH, DB (and gap) per k
EVIDENCE_SNAPS = "evidence-snaps"  # store: {"cuts": [{"k", "height"}], "tree_key"}
EVIDENCE_SNAP = "evidence-snap"  # pattern-matching {"type": EVIDENCE_SNAP, "index": i}
EVIDENCE_RUN = "evidence-run"  # button: the gap statistic (and big-table indices) in the background
EVIDENCE_CANCEL = "evidence-cancel"
EVIDENCE_PROGRESS = "evidence-progress"
EVIDENCE_DONE = "evidence-done"  # store: the job's outcome {"tree_key", "error"}; shows the memo
EVIDENCE_SILHOUETTE = "evidence-silhouette"  # graph: silhouette widths at the cut
EVIDENCE_SIL_NOTE = "evidence-sil-note"  # what the silhouette plot shows (and why not)
EVIDENCE_SUPPORT = "evidence-support"  # reserved: bootstrap support and stability (items 3-4)

# --- colours, numbering, the loop in one view (issue 12, sections 1-3) ---
NUMBERING_HELP = "numbering-help"  # one line: observations 0..n-1, merge i forms n + i
TAB_SCROLL = "tab-scroll"  # store: written when a click in the tree brings its tab into view
