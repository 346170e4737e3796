"""Pure figure builders for the analysis tabs: scree/elbow, candidate cut lines and clickable
leaves on the dendrogram, the clustermap, the cluster-profile heatmap.

Nothing here touches Dash, the request or the store (tests call these directly). Traces added
to the dendrogram carry ``meta`` ``"candidates"`` and ``"leaves"``: ``assets/dendro.js`` keeps
every trace that is not ``"links"`` when it recolours, so they survive cut changes, and
``assets/inspect.js`` tells clicks on them apart by that ``meta``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures.common import WHITE, hover_points
from components.figures.palette import PALETTE, UNASSIGNED_COLOR, cluster_color
from components.figures.text import format_height, plot_text

CANDIDATE_COLOR = "rgba(31, 119, 180, 0.45)"
# Points per candidate line: clicks land on points, so a line needs one every ~20 px.
_LINE_POINTS = 80
# Rows of a clustermap above this are averaged in runs along the leaf order.
HEATMAP_MAX_ROWS = 1_000


def _leaf_extent(n_leaves: int) -> float:
    return 10.0 * max(int(n_leaves), 1)


def candidate_trace(
    candidates: Sequence[dict[str, Any]], n_leaves: int, orientation: str = "top"
) -> dict[str, Any]:
    """Faint dotted lines across the tree at candidate cut heights; click one to snap.

    Parameters
    ----------
    candidates : sequence of dict
        ``{"height": float, "k": int, "why": str}`` each.
    n_leaves : int
        Leaves drawn (the leaf axis spans ``[0, 10 n_leaves]``).
    orientation : {'top', 'bottom', 'left', 'right'}

    Returns
    -------
    dict
        A plotly scatter trace (``meta='candidates'``), ``customdata`` (height, k) per point.

    Examples
    --------
    >>> tr = candidate_trace([{"height": 2.0, "k": 3, "why": "gap"}], 4)
    >>> tr["meta"], len(tr["x"]), tr["y"][0], tr["customdata"][0]
    ('candidates', 81, 2.0, [2.0, 3])
    """
    along = np.linspace(0.0, _leaf_extent(n_leaves), _LINE_POINTS).tolist()
    a: list[float | None] = []
    h: list[float | None] = []
    cd: list[list[Any] | None] = []
    text: list[str] = []
    for c in candidates:
        a += along + [None]
        h += [float(c["height"])] * _LINE_POINTS + [None]
        cd += [[float(c["height"]), int(c["k"])]] * _LINE_POINTS + [None]
        label = f"candidate cut {format_height(c['height'])} → k = {int(c['k'])} ({c['why']})"
        text += [plot_text(label)] * _LINE_POINTS + [""]
    x, y = (a, h) if orientation in ("top", "bottom") else (h, a)
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines",
        "line": {"color": CANDIDATE_COLOR, "width": 1, "dash": "dot"},
        "customdata": cd,
        "text": text,
        "hovertemplate": "%{text}<br>click to move the cut here<extra></extra>",
        "showlegend": False,
        "meta": "candidates",
    }


def leaves_trace(
    leaf_x: np.ndarray,
    leaves: np.ndarray,
    ivl: Sequence[str],
    counts: np.ndarray,
    orientation: str = "top",
    *,
    gl: bool = False,
) -> dict[str, Any]:
    """Invisible-but-clickable points on the leaves (``meta='leaves'``), drawn as
    :func:`~components.figures.common.hover_points`.

    ``customdata`` per leaf is (position in the leaf order, node id, samples under it): node
    ids below n are samples, n and above are truncated subtrees.

    Examples
    --------
    >>> tr = leaves_trace(np.array([5.0, 15.0]), np.array([0, 3]), ["a", "(2)"], np.array([1, 2]))
    >>> tr["customdata"], tr["y"]
    ([[0, 0, 1], [1, 3, 2]], [0.0, 0.0])
    """
    leaf_x = np.asarray(leaf_x, dtype=float)
    zeros = np.zeros(leaf_x.size)
    x, y = (leaf_x, zeros) if orientation in ("top", "bottom") else (zeros, leaf_x)
    cd = np.column_stack([np.arange(leaf_x.size), np.asarray(leaves), np.asarray(counts)])
    return {
        "type": "scattergl" if gl else "scatter",
        "x": x.tolist(),
        "y": y.tolist(),
        **hover_points(gl, 9),
        "customdata": cd.astype(int).tolist(),
        "text": [plot_text(s) for s in ivl],
        "hovertemplate": "leaf %{text}<br>%{customdata[2]} sample(s) · click to inspect"
        "<extra></extra>",
        "showlegend": False,
        "meta": "leaves",
    }


def make_scree_figure(
    ks: np.ndarray, heights: np.ndarray, acceleration: np.ndarray, suggested_k: int | None,
    current_k: int | None = None,
) -> go.Figure:
    """Merge heights of the last merges (scree) and their second differences (elbow).

    Parameters
    ----------
    ks, heights, acceleration : ndarray, shape (m,)
        As ``clustering.diagnostics.elbow``: ``heights[j]`` is the merge that leaves ``ks[j]``
        clusters; ``acceleration`` NaN where undefined.
    suggested_k : int or None
        Marked with a dashed vertical line.
    current_k : int, optional
        The page's k, marked with a solid line.

    Examples
    --------
    >>> fig = make_scree_figure(np.array([1, 2, 3]), np.array([9.0, 2.0, 1.0]),
    ...                         np.array([np.nan, 6.0, np.nan]), 2)
    >>> [t.name for t in fig.data]
    ['merge height', 'acceleration (2nd difference)']
    """
    ks = np.asarray(ks)
    acc = np.asarray(acceleration, dtype=float)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=ks, y=np.asarray(heights, dtype=float), mode="lines+markers",
                   name="merge height", line={"color": PALETTE[0]},
                   hovertemplate="k = %{x}: merge at %{y:.4g}<extra></extra>")
    )
    fig.add_trace(
        go.Scatter(x=ks, y=np.where(np.isfinite(acc), acc, None), mode="lines+markers",
                   name="acceleration (2nd difference)", line={"color": PALETTE[1]},
                   hovertemplate="k = %{x}: %{y:.4g}<extra></extra>")
    )
    shapes = scree_shapes(ks, suggested_k, current_k)
    fig.update_layout(
        template=WHITE,
        xaxis={"title": {"text": "clusters k (merge leaving k)"}, "dtick": 1},
        yaxis={"title": {"text": "height"}},
        legend={"orientation": "h", "y": 1.12},
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        height=280,
        shapes=shapes,
    )
    return fig


def scree_shapes(ks: np.ndarray, suggested_k: int | None, current_k: int | None
                 ) -> list[dict[str, Any]]:
    """The scree's vertical lines: the elbow's k (dashed) and the page's k (solid), when shown.

    A cut move changes only these, so the page patches them instead of redrawing the figure.

    >>> [s["x0"] for s in scree_shapes(np.array([1, 2, 3]), 2, 3)]
    [2, 3]
    """
    ks = np.asarray(ks)
    shapes = []
    if suggested_k is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": suggested_k,
                       "x1": suggested_k, "y0": 0, "y1": 1,
                       "line": {"color": PALETTE[1], "dash": "dash", "width": 1}})
    if current_k is not None and ks.size and ks.min() <= current_k <= ks.max():
        # Named: assets/diagnostics.js moves this one line as the cut moves.
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": current_k,
                       "x1": current_k, "y0": 0, "y1": 1, "name": "k-now",
                       "line": {"color": "#d62728", "width": 1}})
    return shapes


def runs(labels_by_position: np.ndarray, max_rows: int = HEATMAP_MAX_ROWS) -> np.ndarray:
    """Start positions of row runs for a heatmap: at most ~``max_rows`` runs, none crossing a
    cluster boundary (so the side bar stays exact).

    Examples
    --------
    >>> runs(np.array([1, 1, 1, 1, 2, 2]), max_rows=2).tolist()
    [0, 3, 4]
    """
    lab = np.asarray(labels_by_position)
    n = lab.size
    if n <= max_rows:
        return np.arange(n)
    regular = np.linspace(0, n, max_rows, endpoint=False).astype(np.int64)
    boundaries = np.flatnonzero(np.diff(lab) != 0) + 1
    return np.unique(np.concatenate([regular, boundaries, [0]]))


def make_clustermap_figure(
    matrix: np.ndarray,
    leaves: np.ndarray,
    feature_names: Sequence[str],
    clusters_by_position: np.ndarray,
    *,
    row_labels: Sequence[str] | None = None,
    column_order: Sequence[int] | None = None,
    standardise: bool = True,
    max_rows: int = HEATMAP_MAX_ROWS,
    caption: str | None = None,
) -> go.Figure:
    """The data as a heatmap, rows in dendrogram leaf order, with a cluster-colour side bar.

    Parameters
    ----------
    matrix : ndarray, shape (n, d)
        The prepared data (rows in matrix order).
    leaves : ndarray, shape (n,)
        Leaf order (``leaves_list(Z)``): row ``leaves[i]`` is drawn at position ``i``.
    feature_names : sequence of str, length d
    clusters_by_position : ndarray, shape (n,)
        Cluster at each leaf position (``TreeIndex.labels_by_position``).
    row_labels : sequence of str, optional
        Per matrix row, for the hover when rows are not averaged.
    column_order : sequence of int, optional
        Column permutation (e.g. the leaf order of a tree over the columns).
    standardise : bool
        Colour by each column's z-score (features in different units stay comparable);
        the hover always shows the value.
    max_rows : int
        Above this many rows, contiguous runs in leaf order (never crossing a cluster) are
        averaged into one heatmap row.
    caption : str, optional
        Said before the row count under the heatmap, e.g. that the rows are a sample.

    Examples
    --------
    >>> fig = make_clustermap_figure(np.array([[0.0, 1], [5, 6], [0, 2]]), np.array([0, 2, 1]),
    ...                              ["a", "b"], np.array([1, 1, 2]))
    >>> fig.data[1].z.shape, list(fig.data[1].x)
    ((3, 2), ['a', 'b'])
    """
    X = np.asarray(matrix, dtype=float)[np.asarray(leaves, dtype=np.int64)]
    cl = np.asarray(clusters_by_position, dtype=np.int64)
    names = [plot_text(s) for s in feature_names]
    order = list(range(X.shape[1])) if column_order is None else [int(j) for j in column_order]
    X = X[:, order]
    names = [names[j] for j in order]
    Xr, clr, ylab = _heatmap_rows(X, cl, leaves, row_labels, max_rows)
    averaged = Xr.shape[0] < X.shape[0]
    if standardise:
        sd = X.std(axis=0)
        colour = (Xr - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    else:
        colour = Xr
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.04, 0.96],
                        horizontal_spacing=0.01)
    fig.add_trace(_sidebar_trace(cl, clr, ylab), row=1, col=1)
    fig.add_trace(_cells_trace(colour, Xr, names, ylab, standardise), row=1, col=2)
    note = (f"{X.shape[0]:,} rows averaged into {Xr.shape[0]:,} runs along the leaf order"
            if averaged else f"{X.shape[0]:,} rows in leaf order")
    if caption:
        note = f"{plot_text(caption)}; {note}"
    fig.update_layout(
        template=WHITE,
        yaxis={"autorange": "reversed", "showticklabels": False, "title": {"text": note}},
        height=min(900, max(320, 14 * Xr.shape[0] + 80)) if not averaged else 700,
        margin={"l": 50, "r": 10, "t": 30, "b": 60},
    )
    return fig


def _sidebar_trace(cl: np.ndarray, clr: np.ndarray, ylab: list[str]) -> go.Heatmap:
    """The cluster-colour bar: one cell per drawn row in its cluster's colour."""
    k = max(int(cl.max()) if cl.size else 1, 1)
    # Label 0 (unassigned: dynamic tree cut, a minimum size) gets its own band below cluster 1;
    # without it z = 0 fell under zmin and took cluster 1's colour.
    low = 0 if (clr == 0).any() else 1
    names_of = np.array([cluster_name(int(c)) for c in clr], dtype=object)
    return go.Heatmap(z=clr[:, None].astype(float), y=np.arange(clr.size), x=["cluster"],
                      colorscale=_band_scale(k, low), zmin=low - 0.5, zmax=k + 0.5,
                      showscale=False,
                      customdata=np.dstack([np.array(ylab, dtype=object)[:, None],
                                            names_of[:, None]]),
                      hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
                      meta="sidebar")


def _cells_trace(colour: np.ndarray, Xr: np.ndarray, names: list[str], ylab: list[str],
                 standardise: bool) -> go.Heatmap:
    """The data cells: coloured by ``colour``, the value and the row named in the hover."""
    return go.Heatmap(
        z=colour, y=np.arange(Xr.shape[0]), x=names, colorscale="RdBu_r",
        zmid=0 if standardise else None,
        customdata=np.dstack([Xr, np.broadcast_to(np.array(ylab, dtype=object)[:, None],
                                                  Xr.shape)]),
        hovertemplate="%{customdata[1]}<br>%{x} = %{customdata[0]:.4g}<extra></extra>",
        colorbar={"title": {"text": "z-score" if standardise else "value"}},
        meta="heatmap")


def _heatmap_rows(X: np.ndarray, cl: np.ndarray, leaves: np.ndarray,
                  row_labels: Sequence[str] | None, max_rows: int
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The rows drawn (runs averaged past ``max_rows``), their clusters and hover names."""
    starts = runs(cl, max_rows)
    if starts.size < X.shape[0]:
        Xr = np.add.reduceat(X, starts, axis=0) / np.diff(np.append(starts, X.shape[0]))[:, None]
        ylab = [f"positions {s + 1}–{e}" for s, e in zip(starts, np.append(starts[1:], X.shape[0]),
                                                         strict=True)]
        return Xr, cl[starts], ylab
    ylab = ([plot_text(row_labels[i]) for i in np.asarray(leaves)] if row_labels
            is not None else [str(int(i)) for i in np.asarray(leaves)])
    return X, cl, ylab


def _band_scale(k: int, low: int = 1) -> list[list[Any]]:
    """A discrete colorscale: cluster c (``low``..k) -> its colour, in bands of equal width;
    0 is the unassigned colour.

    >>> _band_scale(1, 0)
    [[0.0, '#000000'], [0.5, '#000000'], [0.5, '#0072b2'], [1.0, '#0072b2']]
    """
    scale: list[list[Any]] = []
    bands = k - low + 1
    for j, c in enumerate(range(low, k + 1)):
        lo, hi = j / bands, (j + 1) / bands
        colour = UNASSIGNED_COLOR if c == 0 else cluster_color(c)
        scale += [[lo, colour], [hi, colour]]
    return scale


def cluster_name(c: int) -> str:
    """How a cluster label reads in hovers and legends: 0 is "unassigned".

    >>> cluster_name(3), cluster_name(0)
    ('cluster 3', 'unassigned')
    """
    return "unassigned" if c == 0 else f"cluster {c}"


def make_profile_figure(
    means: np.ndarray, effects: np.ndarray, clusters: Sequence[int], feature_names: Sequence[str],
    sizes: Sequence[int],
) -> go.Figure:
    """Clusters x features: colour = how far the cluster mean sits from the overall mean (in
    SDs), text = the mean in original units.

    Examples
    --------
    >>> fig = make_profile_figure(np.array([[1.0], [3.0]]), np.array([[-1.0], [1.0]]), [1, 2],
    ...                           ["x"], [5, 5])
    >>> fig.data[0].text.tolist()
    [['1'], ['3']]
    """
    means = np.asarray(means, dtype=float)
    effects = np.asarray(effects, dtype=float)
    # Each row starts with its cluster's colour, as in the tree and the scatter.
    # Label 0 (rows no cluster claims) reads "unassigned" in its own colour, as in the legend.
    ylab = [f"<span style='color:{UNASSIGNED_COLOR if int(c) == 0 else cluster_color(int(c))}'>"
            f"■</span> {'unassigned' if int(c) == 0 else int(c)} ({int(s)} rows)"
            for c, s in zip(clusters, sizes, strict=True)]
    text = np.vectorize(lambda v: "" if not np.isfinite(v) else f"{v:.4g}", otypes=[object])(means)
    lim = float(np.nanmax(np.abs(effects))) if np.isfinite(effects).any() else 1.0
    # One constructor: a second pass (update_layout) validated the layout and template again,
    # a third of this figure's time, paid on every cut while the Profiles tab is open.
    return go.Figure(
        data=[go.Heatmap(z=effects, x=[plot_text(f) for f in feature_names], y=ylab, text=text,
                         texttemplate="%{text}", colorscale="RdBu_r", zmin=-lim, zmax=lim,
                         colorbar={"title": {"text": "(mean − all) / SD"}},
                         hovertemplate="cluster %{y}<br>%{x}: mean %{text}<br>%{z:.2f} SD "
                         "from all<extra></extra>")],
        layout={"template": WHITE, "yaxis": {"autorange": "reversed", "type": "category"},
                "height": min(900, 120 + 28 * len(ylab)),
                "margin": {"l": 110, "r": 10, "t": 30, "b": 60}},
    )
