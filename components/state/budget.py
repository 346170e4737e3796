"""How much work a view asks for, estimated on the server from the view alone.

The inline-versus-job choice (``components.jobs.tree.runs_inline``) used to count rows only: a
request with one-hot on a text ``id`` column (4,000 rows, 4,000 indicator columns) ran for
minutes inside a web request. Here the view's encoded width (numeric columns plus one-hot
indicators, counted from the table's column descriptions without encoding anything) and its
method and metric go into :func:`clustering.budget.estimate_work`; only a tree estimated to
be quick and small runs inline. Nothing in the request but the view is consulted, so a forged
request gets the same answer as the page.
"""

from __future__ import annotations

from clustering.budget import WorkEstimate, estimate_work
from clustering.prepare import encoded_width
from components.settings import Settings
from components.state.tables import table_summary
from components.view import GOWER, TreeSpec

#: A tree estimated to take longer than this runs as a job (with progress and cancel):
#: 10,000 rows × 4 columns average/cityblock, the largest case the row rule kept inline
#: (measured 1.6 s), is estimated at 1.7 s.
INLINE_SECONDS = 2.0
#: ... and one whose linkage or preparation needs more memory than this, too: a web worker's
#: threads share its memory (10,000 rows on the condensed path: about 760 MB).
INLINE_MEMORY_BYTES = 1024 * 2**20


def view_work(spec: TreeSpec) -> WorkEstimate | None:
    """The estimated work of computing the tree of ``spec`` from its table; None when the
    upload has no feature rows (a distance matrix or a tree: sized by rows alone).

    Gower distances are estimated as a condensed-matrix metric (cityblock's cost) over the
    columns Gower reads; categorical columns are not encoded for it, so they never refuse.
    """
    if not spec.dataset.has_rows:
        return None
    head, columns, n_rows = table_summary(spec.dataset)
    options = spec.options
    if spec.metric == GOWER:
        # Gower reads numeric and categorical columns as they are (nothing is one-hot
        # encoded; components.state.tables), at cityblock's cost per column.
        chosen = options.features
        width = sum(1 for c in columns if c.kind in ("numeric", "categorical")
                    and c.name != options.label_column
                    and (chosen is None or c.name in chosen))
        return estimate_work(n_rows, max(width, 1), spec.method, "cityblock")
    width = encoded_width(head, options, columns=columns)
    return estimate_work(n_rows, width.total, spec.method, spec.metric,
                         indicator_columns=width.indicators)


def inline_work(spec: TreeSpec, settings: Settings) -> bool:
    """True when the tree of ``spec`` is cheap enough to compute inside the request: at most
    ``settings.background_rows`` rows, and estimated under :data:`INLINE_SECONDS` and
    :data:`INLINE_MEMORY_BYTES` (rows × encoded columns × method and metric)."""
    _, _, n_rows = table_summary(spec.dataset)
    if n_rows > settings.background_rows:
        return False
    work = view_work(spec)
    return work is None or (work.seconds <= INLINE_SECONDS
                            and work.peak_bytes <= INLINE_MEMORY_BYTES)
