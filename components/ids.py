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
DIAG_NOW = "diag-now"  # "Now: k = … at max_d = …", kept in step with the cut in the browser
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
# {"format", "names": {graph id: file name}}: what the modebar downloads (assets/image_names.js)
IMAGE_NAMES = "image-names"

# --- hosting: the view in the URL, background jobs ---
URL = "url"  # dcc.Location: the query string is the view
URL_REQUEST = "url-request"  # store: a query string to restore (page load, back/forward)
# store: the page knows which dataset it opens on (the layout's, or the one a link names, once
# sharing.apply_url has read it); the tree's first request (page/compute.py) waits for it
VIEW_OPENED = "view-opened"
SHARE_LINK = "share-link"  # read-only field holding the full link to this view
SHARE_COPY = "share-copy"  # dcc.Clipboard copying SHARE_LINK
LINK_ERROR = "link-error"  # alert: what was wrong with the link that was opened
RESULT = "tree-result"  # store: {request, params, n, seconds, error} of the last computed tree
JOB = "tree-job"  # store: a tree request for the background callback {id, params}
REQUEST = "tree-request"  # store: the latest tree request {id, params}
JOB_PANEL = "job-panel"  # progress bar and cancel button, shown while a job runs
JOB_PROGRESS = "job-progress"
JOB_CANCEL = "job-cancel"
JOB_CLOCK = "job-clock"  # seconds since the job panel was shown (assets/job_clock.js)
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

# --- support on merges and cluster stability (issue 15 items 3-5) ---
# components/analysis/support.py, inside EVIDENCE_SUPPORT; jobs in components/jobs/replicates.py.
SUPPORT_KIND = "support-kind"  # radio: "features" (pvclust AU/BP) or "rows" (row subsampling)
SUPPORT_NBOOT = "support-nboot"  # replicates (per scale for the feature bootstrap)
SUPPORT_SEED = "support-seed"
SUPPORT_MIN_SIZE = "support-min-size"  # merges of fewer rows get no badge on the tree
SUPPORT_RUN = "support-run"
SUPPORT_CANCEL = "support-cancel"  # stops a local job (Dash's cancel)
SUPPORT_STOP = "support-stop"  # stops Celery tasks the page is waiting for (REDIS_URL)
SUPPORT_PROGRESS = "support-progress"
SUPPORT_NOTE = "support-note"  # which support suits the table, or why none can run
SUPPORT_SUMMARY = "support-summary"  # what the tree now shows
SUPPORT_DONE = "support-done"  # store: {"work", "error", "pending"} from the job
SUPPORT_SHOW = "support-show"  # store: {"work", "min_size", "tree_key"}: the tree's overlay
STABILITY_NBOOT = "stability-nboot"
STABILITY_SEED = "stability-seed"
STABILITY_RUN = "stability-run"
STABILITY_CANCEL = "stability-cancel"
STABILITY_STOP = "stability-stop"
STABILITY_PROGRESS = "stability-progress"
STABILITY_NOTE = "stability-note"
STABILITY_TABLE = "stability-table"  # per cluster: mean Jaccard, dissolved, recovered
STABILITY_DONE = "stability-done"  # store: {"work", "error", "pending"}
REPLICATE_POLL = "replicate-poll"  # interval: polls Celery work (on only while some is pending)
# --- known columns and comparing trees (issue 16, points 3-4) ---
# Colour bars of known columns under the tree and agreement with one of them
# (components/analysis/agreement.py); a second tree as a tanglegram (components/analysis/compare.py).
TAB_AGREEMENT = "tab-agreement"
TAB_COMPARE = "tab-compare"
# The two tabs go before Export (rebinding here keeps this block the only edit).
TABS = (*TABS[:-1], TAB_AGREEMENT, TAB_COMPARE, TABS[-1])
KNOWN_BARS = "known-bars"  # graph under the dendrogram: one colour bar per chosen column
KNOWN_BARS_NOTE = "known-bars-note"  # why no bars are drawn (orientation, no column)
KNOWN_COLUMNS = "known-columns"  # multi-dropdown: columns drawn as colour bars
KNOWN_BINS = "known-bins"  # quantile bins for numeric columns
KNOWN_REFERENCE = "known-reference"  # dropdown: the column the clusters are compared with
AGREEMENT_CUT = "agreement-cut"  # store: {cut, tree_key}, set only while the Agreement tab is open
AGREEMENT_SUMMARY = "agreement-summary"  # scores, feature note, the best-agreeing k hint
AGREEMENT_TABLE = "agreement-table"  # the contingency table clusters x classes
AGREEMENT_SNAP = "agreement-snap"  # button: move the cut to the best-agreeing k
AGREEMENT_SNAP_CUT = "agreement-snap-cut"  # store: the height that gives that k
COMPARE_CUT = "compare-cut"  # store: {cut, tree_key}, set only while the Compare tab is open
COMPARE_METHOD = "compare-method"  # dropdown: the other tree's linkage method
COMPARE_METRIC = "compare-metric"  # dropdown: the other tree's metric
COMPARE_SUMMARY = "compare-summary"  # Baker's gamma, cophenetic correlation, ARI at the same k
COMPARE_FIGURE = "compare-figure"  # graph: the tanglegram
# --- shared data kept, quotas (issue 13) ---
UPLOADS_LIST = "uploads-list"  # dropdown (multi): this client's stored uploads, to delete
UPLOADS_DELETE = "uploads-delete"  # button: delete the chosen uploads
UPLOADS_USAGE = "uploads-usage"  # "x of y MB used; kept z days after last opened"
# --- inputs: what an upload is (issue 17, items 1-4) ---
UPLOAD_KIND = "upload-kind"  # radio: features / distances / similarities / condensed / linkage / newick
UPLOAD_KIND_BOX = "upload-kind-box"  # wraps the kind choice; shown after an upload
UPLOAD_KIND_REASON = "upload-kind-reason"  # the app's guess and why
SIMILARITY = "similarity"  # radio: how similarities become distances (one_minus / max_minus)
SIMILARITY_BOX = "similarity-box"  # shown for a similarity matrix only
LABELS_UPLOAD = "labels-upload"  # dcc.Upload: optional leaf labels for a linkage matrix
LABELS_BOX = "labels-box"  # shown for a linkage matrix only
UPLOAD_PENDING = "upload-pending"  # store: {"dataset_id", "filename"} of the last upload
INPUT_NOTE = "input-note"  # what the upload kind means for the page (MDS, disabled tabs)
# --- partition sources and hand edits (issue 16, points 1-2) ---
# components/page/partition.py: where the clusters come from when not from the cut height.
CUT_SOURCE = "cut-source"  # dropdown: height | inconsistent | monocrit | tree | hybrid | roots
PART_THRESHOLD = "part-threshold"  # inconsistent: largest inconsistency coefficient (t)
PART_K = "part-k"  # monocrit: number of clusters
PART_DEPTH = "part-depth"  # inconsistent, monocrit: depth of the inconsistency statistic
PART_MCS = "part-mcs"  # dynamic: minClusterSize
PART_DEEP = "part-deep"  # hybrid: deepSplit 0..4
PART_DEEP_TREE = "part-deep-tree"  # tree: deepSplit TRUE/FALSE (checkbox)
PART_PAM = "part-pam"  # hybrid: PAM stage on/off (checkbox)
PART_MIN_SIZE = "part-min-size"  # hand edits: smaller clades are unassigned
PART_TOOL = "part-tool"  # radio: a click on the tree splits, or selects for merging
PART_MERGE = "part-merge"  # button: merge the two selected sibling clusters
PART_UNDO = "part-undo"
PART_REDO = "part-redo"
PART_NOTE = "part-note"  # what the partition is, or why it cannot be had
PART_GROUPS = "part-groups"  # prefix of the per-source parameter groups (shown one at a time)
PART_CLICK = "part-click"  # store: {node, tree_key, at} of a click on the dendrogram
PART_HISTORY = "part-history"  # store: hand edits {tree_key, states, position, selected}
PART_RESTORE = "part-restore"  # store: a link's partition, to be applied to its tree
PARTITION = "partition"  # store: the partition spec in force {source, ...params, tree_key}
PARTITION_DATA = "partition-data"  # store: labels by leaf position, for the clientside paint
# --- honest fields (issue 12, section 4) ---
CUT_HEIGHT_MESSAGE = "cut-height-message"  # what max_d allows, shown when the typed value is refused
CLUSTER_K_MESSAGE = "cluster-k-message"  # what k allows, shown when the typed value is refused
# --- accessibility (issue 19): the cut by keyboard, the graphs in words ---
CUT_SLIDER = "cut-slider"  # role=slider twin of the cut line (assets/keyboard_cut.js)
DENDROGRAM_DESC = "dendrogram-desc"  # visually hidden: n, method, cut, k, cluster sizes
SCATTER_DESC = "scatter-desc"  # visually hidden: the scatter's points per cluster
UPLOAD_CHOOSE = "upload-choose"  # the upload's "choose one" button (opens the file dialog)
MERGE_PICK = "merge-pick"  # Merge tab: pick a merge by its row of Z (keyboard, no click)
# --- colours, numbering, the loop in one view (issue 12, sections 1-3) ---
NUMBERING_HELP = "numbering-help"  # one line: observations 0..n-1, merge i forms n + i
TAB_SCROLL = "tab-scroll"  # store: written when a click in the tree brings its tab into view
# --- the full tree with level of detail (issue 14, goal 3; components/analysis/full_tree.py) ---
TAB_FULL_TREE = "tab-full-tree"
# Before Export (rebinding here keeps this block the only edit).
TABS = (*TABS[:-1], TAB_FULL_TREE, TABS[-1])
FULL_TREE_GRAPH = "full-tree-graph"  # div plotly.js draws every leaf into, at the zoom's detail (assets/lod.js)
FULL_TREE_VIEW = "full-tree-view"  # store: what the full tree draws now {links, marks, leaves, pixel, cut}
FULL_TREE_DATA = "full-tree-data"  # store: the compact tree {payload, labels, tree_key, ...}
FULL_TREE_NOTE = "full-tree-note"  # what the view shows, or why it cannot
# --- requests at load (issue 14, goal 2b): stores written in the browser only when the server
# has work to do, so a fresh page does not ask the server for answers that change nothing ---
VIEW_TREE = "view-tree"  # store: the drawn tree's ref while a link's view waits for its cut
SUPPORT_REF = "support-ref"  # store: tree-ref for the Evidence tab's support note (when open)
KNOWN_REF = "known-ref"  # store: tree-ref for the known columns (tab open, or columns chosen)
LINKAGE_REF = "linkage-ref"  # store: tree-ref for the Linkage matrix tab (when open)
FULL_TREE_REF = "full-tree-ref"  # store: tree-ref for the Full tree tab (when open)
LINKAGE_ROWS = "linkage-rows"  # store: a block request of the linkage grid, sent on when open
JOBS_STALE = "jobs-stale"  # store: a new tree drawn while an analysis job runs (cancels it)
INSPECT_TREE = "inspect-tree"  # store: a redrawn tree while a merge is explained
# --- the first view of an upload (issue 14, goal 1) ---
UPLOAD_JOB = "upload-job"  # store: the tree job a new upload starts at once {id, params}
LINKAGE_SCROLL = "linkage-scroll"  # store: where the linkage grid scrolls once its rows reload
