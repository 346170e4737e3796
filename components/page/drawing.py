"""Drawing a computed tree as a view asks: the dendrogram, the scatter, the tree data.

:func:`build_view` is the pure step between the tree the compute step memoised
(``components.state.trees``) and the page: it calls the figure builders
(``components.figures``) and says what the status line, the preprocessing steps and the
browser's tree data show. No callbacks here: ``components.page.tree_view`` reads the
controls, loads the tree and calls it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
from dash import html

from clustering.datasets import EXAMPLES
from clustering.geometry import dendrogram_geometry
from clustering.suggest import default_cut, tidy_height
from clustering.ties import tie_note
from components.figures.dendrogram import make_dendrogram_figure
from components.figures.scatter import make_scatter_figure
from components.figures.tree_data import make_tree_data
from components.jobs.replicates import add_support
from components.state import approximate as approx_mode
from components.state.inputs import gower_steps, mds_caption
from components.state.store import get_settings
from components.state.tables import PCA_1, PCA_2, load_pca, load_table, scatter_axis
from components.state.trees import Tree, ties_checked, tree_ties
from components.state.views import shorten_query
from components.view import GOWER, View


class Drawn(NamedTuple):
    """What :func:`build_view` makes: both figures, the tree data, the status and steps."""

    dendrogram: Any
    scatter: Any
    tree_data: dict[str, Any]
    status: str
    seconds: str
    steps: list[Any]


def opening_cut(tree: Tree) -> float:
    """Where the line starts on a new tree: an example's own cut (with its own choices),
    else :func:`clustering.suggest.default_cut`."""
    spec = tree.spec
    example = EXAMPLES.get(spec.dataset.example or "")
    if (example is not None and example.cut is not None
            and _same_options(example.options, spec.options, tree.prepared.feature_names)
            and (example.method, example.metric) == (spec.method, spec.metric)):
        return float(example.cut)
    return tidy_cut(tree.Z, default_cut(tree.Z))


def tidy_cut(Z: Any, t: float) -> float:
    """The shortest decimal giving the same clusters as ``t`` (what a person would type), so
    the max_d field and the link never show 900.4119350860653 for 900.

    >>> import numpy as np
    >>> tidy_cut(np.array([[0, 1, 23.12198935528676, 2], [2, 3, 180.27043021047615, 3]]),
    ...          101.69620978288146)
    100.0
    """
    h = np.sort(np.asarray(Z, dtype=float)[:, 2])
    below, above = h[h <= t], h[h > t]
    lo = float(below[-1]) if below.size else 0.0
    hi = float(above[0]) if above.size else float("inf")
    if not lo < hi or (lo == 0.0 and t == 0.0):
        return float(t)
    tidy = tidy_height(lo, hi)
    return tidy if lo <= tidy < hi else float(t)


def _same_options(a: Any, b: Any, used: Any) -> bool:
    """Equal preparation choices, ``features=None`` counted as the columns it chose (``used``):
    a link without ``col`` (every numeric column) is the example's preset when those are
    the preset's columns (``?dataset=tutorial-five`` opens at its cut, 175)."""
    used = tuple(used)
    fa = used if a.features is None else tuple(a.features)
    fb = used if b.features is None else tuple(b.features)
    return fa == fb and replace(a, features=None) == replace(b, features=None)


def leaf_axis_title(tree: Tree, mode: str | None) -> str:
    """What the leaves are labelled by (issue 12: the leaf axis's title on exported images)."""
    if tree.approximate is not None:
        what = "leaves: micro-clusters of rows (approximate tree)"
    elif not tree.spec.dataset.has_rows:
        what = "leaves: the items' labels in the file"
    elif tree.spec.options.label_column:
        what = f"leaves: {tree.spec.options.label_column}"
    else:
        what = "leaves: row number (0-based, as SciPy's ivl)"
    return what + (" · (n): n leaves contracted" if mode else "")


def build_view(tree: Tree, view: View, support: dict[str, Any] | None = None) -> Drawn:
    """The dendrogram, the scatter and the tree data of ``tree`` as ``view`` asks (its cut
    must be set); with ``support`` (the Evidence tab's ``support-show``), its badges and
    outlines on the tree."""
    cut = float(view.cut if view.cut is not None else opening_cut(tree))
    key = tree.spec.key
    # The scatter's rows (a sample past 50k rows), drawn once: the tree data maps them too.
    sample = approx_mode.scatter_rows(tree, cut)
    mode = view.truncate_mode if view.truncate_mode in ("lastp", "level") else None
    # Approximate trees (big tables): leaves are micro-clusters, labelled and sized in rows.
    geometry = approx_mode.relabel_geometry(dendrogram_geometry(
        tree.Z, truncate_mode=mode, p=view.truncate_p, show_contracted=view.show_contracted,
        labels=approx_mode.leaf_labels(tree), index=tree.index,
    ), tree)
    figure = make_dendrogram_figure(
        geometry, cut, Z=tree.Z, k=int(tree.index.k_at(cut)), orientation=view.orientation,
        annotate_above=view.annotate_above, show_contracted=view.show_contracted,
        uirevision=f"{key}|{mode}|{view.truncate_p}|{view.orientation}",
        sizes=approx_mode.merge_sizes(tree),
        title=f"{tree.spec.dataset.display_name} · {tree.spec.method} · {tree.spec.metric}",
        leaf_title=leaf_axis_title(tree, mode),
    )
    add_support(figure, support, tree, geometry, view.orientation)
    tree_data = make_tree_data(
        geometry, tree.index, tree.Z, orientation=view.orientation,
        annotate_above=view.annotate_above,
        row_positions=approx_mode.row_leaf_positions(tree, sample[0]),
    )
    scatter = _scatter(tree, cut, view, sample)
    tree_data.update(
        approx_note=approx_mode.page_note(tree, get_settings()), cut=cut, tree_key=key,
        limit_note=approx_mode.limit_note(tree, get_settings()),  # which exact limit (14b)
        tie_note=tree_tie_note(tree) if ties_checked(tree) else None,
        # The Ward tie check left for after the first view: tree_view.after_first_view runs it.
        tie_check=not ties_checked(tree),
        params=tree.spec.to_json(),
        # The link to this view, less the cut (the browser adds the cut as it moves).
        # (kept on the server as a short ``v=<id>`` link when too long for a URL)
        query=shorten_query(view.to_query(cut=False)),
    )
    h = tree.hierarchy
    steps = list(tree.prepared.steps)
    if tree.spec.metric == GOWER:
        steps.append(gower_steps(tree.prepared, load_table(tree.spec.dataset)))
    return Drawn(figure, scatter, tree_data, f"n = {h.n:,} · {h.method} · {h.metric}",
                 f" · linkage computed in {h.seconds:.2f} s",
                 [html.Li(s) for s in steps])


def tree_tie_note(tree: Tree) -> str | None:
    """Why the tree is one of several equally valid ones (tied distances, fast path), or None."""
    h = tree.hierarchy
    return tie_note(tree_ties(tree), str(getattr(h, "backend", "")),
                    str(getattr(h, "method", "")))


def _scatter(tree: Tree, cut: float, view: View, sample: Any) -> Any:
    prepared = tree.prepared
    sx, sy = view.scatter_x, view.scatter_y
    if not tree.spec.dataset.has_rows:
        # A matrix or a tree has no coordinates: its map is classical MDS (the steps say so).
        pts = approx_mode.scatter_inputs(tree, cut, prepared.matrix[:, 0],
                                         prepared.matrix[:, 1], sample=sample)
        return make_scatter_figure(pts.x, pts.y, pts.clusters, labels=pts.labels,
                                   x_title="MDS axis 1", y_title="MDS axis 2",
                                   uirevision=f"{tree.spec.key}|mds",
                                   note=mds_caption(tree.spec.dataset))
    table = load_table(tree.spec.dataset)
    need_pca = sx in (PCA_1, PCA_2, None) or sy in (PCA_1, PCA_2, None)
    pca = load_pca(tree.spec, prepared) if need_pca else None
    x, x_title = scatter_axis(sx or PCA_1, prepared, table, pca)
    y, y_title = scatter_axis(sy or PCA_2, prepared, table, pca)
    # One cluster per row (a micro-cluster's in approximate mode); a sample past 50k rows.
    pts = approx_mode.scatter_inputs(tree, cut, x, y, sample=sample)
    return make_scatter_figure(pts.x, pts.y, pts.clusters, labels=pts.labels, x_title=x_title,
                               y_title=y_title, uirevision=f"{tree.spec.key}|{sx}|{sy}",
                               note=pts.note)
