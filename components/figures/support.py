"""Support on the tree: badges on merges and pvrect outlines, as traces to add to the dendrogram.

:func:`support_traces` is pure (numpy in, plotly traces out). The page adds its traces to the
figure ``components.figures.dendrogram.make_dendrogram_figure`` built; they carry ``meta``
``"support"`` (badges: a marker and the numbers per merge, the hover) and ``"support-rect"``
(the outlines). The outlines are a line trace, not ``layout.shapes``: the browser's recolour
(``assets/dendro.js``) rewrites the shapes (the cut line, the contracted marks, the stems),
but keeps every trace that is not ``"links"``.

Both numbers with their standard errors and the replicate count go into the merge hover
(:func:`hover_texts`): the tree's invisible merge markers (``"hover"``) already take the
pointer there, and a click on a merge must keep picking it (``assets/inspect.js``).

* ``kind="features"`` (pvclust's multiscale bootstrap): the badge reads ``AU 96 · BP 80``
  (percent, as pvclust prints them); clades with AU >= 0.95 are outlined as ``pvrect`` does
  (the largest such clades below the root, ``clustering.support.pick_clades``), from the
  clade's leaves up to just above its height.
* ``kind="rows"`` (row subsampling): the badge reads the support in percent; clades with
  support >= 0.95 are outlined the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from clustering.support import pick_clades
from components.figures.dendrogram import oriented

ALPHA = 0.95
RECT_COLOR = "#d62728"  # pvrect's default border for AU (red)
STRONG, MEDIUM, WEAK = "#d62728", "#ff7f0e", "#7f7f7f"
_PAD_X = 3.5  # leaves sit 10 apart: the outline clears the leaf by a third, as pvrect's mx


def _pct(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{100 * v:.0f}"


def badge_text(kind: str, values: dict[str, np.ndarray], r: int) -> str:
    """The badge of row r: "AU 96 · BP 80" (percent, as pvclust prints) or "87%"."""
    if kind == "features":
        return f"AU {_pct(float(values['au'][r]))} · BP {_pct(float(values['bp'][r]))}"
    sup = float(values["support"][r])
    return f"{_pct(sup)}%" if np.isfinite(sup) else "–"


def hover_texts(rows: np.ndarray, *, kind: str, values: dict[str, np.ndarray], n_boot: int,
                n_scales: int = 10, note: str = "") -> list[str]:
    """Both numbers with their standard errors and the replicate count, per row of Z in
    ``rows``: added to the tree's merge hover (the ``"hover"`` trace), so hovering a merge
    shows its support and a click still picks the merge.

    >>> v = {"au": np.array([0.9612]), "bp": np.array([0.8]), "se_au": np.array([0.01]),
    ...      "se_bp": np.array([0.02])}
    >>> hover_texts(np.array([0]), kind="features", values=v, n_boot=100)
    ['AU 0.961 ± 0.010 · BP 0.800 ± 0.020<br>100 replicates × 10 scales (feature bootstrap)']
    """
    tail = f"<br>{note}" if note else ""
    out = []
    for r in np.asarray(rows, dtype=np.int64).tolist():
        if kind == "features":
            out.append(f"AU {float(values['au'][r]):.3f} ± {float(values['se_au'][r]):.3f} · "
                       f"BP {float(values['bp'][r]):.3f} ± {float(values['se_bp'][r]):.3f}<br>"
                       f"{n_boot:,} replicates × {n_scales} scales (feature bootstrap){tail}")
        else:
            sup, se = float(values["support"][r]), float(values["se"][r])
            head = "support –" if not np.isfinite(sup) else f"support {sup:.3f} ± {se:.3f}"
            out.append(f"{head}<br>{n_boot:,} row subsamples, "
                       f"{int(values['informative'][r]):,} informative{tail}")
    return out


def badge_rows(sizes: np.ndarray, drawn_rows: np.ndarray, min_size: int) -> np.ndarray:
    """Drawn rows of Z whose merge holds at least ``min_size`` rows (those get a badge).

    >>> badge_rows(np.array([2, 2, 4, 5]), np.array([0, 2, 3]), 3).tolist()
    [2, 3]
    """
    drawn_rows = np.asarray(drawn_rows, dtype=np.int64)
    return drawn_rows[np.asarray(sizes)[drawn_rows] >= int(min_size)]


def support_traces(
    geometry: Any,
    Z: np.ndarray,
    *,
    kind: str,
    values: dict[str, np.ndarray],
    min_size: int = 3,
    orientation: str = "top",
    sizes: np.ndarray | None = None,
    alpha: float = ALPHA,
) -> list[go.Scatter]:
    """Badges on the drawn merges of at least ``min_size`` rows and outlines of the supported
    clades.

    Parameters
    ----------
    geometry : clustering.geometry.Geometry
        The drawn tree (``leaves``, ``leaf_x``, ``link_rows``, ``icoord``, ``dcoord``).
    Z : ndarray, shape (n - 1, 4)
    kind : {"features", "rows"}
    values : dict of ndarray, each shape (n - 1,)
        ``au, bp, se_au, se_bp`` for "features"; ``support, se, informative`` for "rows".
    min_size : int
        Merges of fewer rows get no badge (the outlines do not depend on it).
    orientation : str
    sizes : ndarray, shape (n - 1,), optional
        Rows under each merge; default ``Z[:, 3]``.
    alpha : float
        Outline clades whose AU (or support) is at least this.

    Returns
    -------
    list of plotly Scatter
        ``[outlines ("support-rect"), badges ("support")]``; the badges take no hover (the
    merge's own hover marker gets :func:`hover_texts`).

    Examples
    --------
    >>> from clustering.geometry import dendrogram_geometry
    >>> Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [5, 6, 3.0, 4], [4, 7, 4.0, 5]])
    >>> v = {"au": np.array([0.5, 0.99, 0.97, 1.0]), "bp": np.array([0.4, 0.9, 0.8, 1.0]),
    ...      "se_au": np.zeros(4), "se_bp": np.zeros(4)}
    >>> rect, badges = support_traces(dendrogram_geometry(Z), Z, kind="features", values=v,
    ...                               min_size=4)
    >>> badges.customdata[:, 0].tolist(), list(badges.text)
    ([2, 3], ['AU 97 · BP 80', 'AU 100 · BP 100'])
    >>> len(rect.x)  # one outline (row 2; the root is never outlined), 5 corners and a gap
    6
    """
    if kind not in ("features", "rows"):
        raise ValueError(f"kind must be 'features' or 'rows', not {kind!r}")
    Z = np.asarray(Z, dtype=float)
    sizes = Z[:, 3].astype(np.int64) if sizes is None else np.asarray(sizes, dtype=np.int64)
    score = np.asarray(values["au" if kind == "features" else "support"], dtype=float)
    rect = _outlines(geometry, Z, score, kind=kind, orientation=orientation, alpha=alpha)
    badges = _badges(geometry, score, kind=kind, values=values, sizes=sizes,
                     min_size=min_size, orientation=orientation, alpha=alpha)
    return [rect, badges]


def _drawn_extents(geometry: Any, Z: np.ndarray) -> dict[int, tuple[float, float]]:
    """Leftmost and rightmost drawn leaf x under every drawn node (leaf or link)."""
    n = Z.shape[0] + 1
    ext = {int(node): (float(x), float(x))
           for node, x in zip(geometry.leaves, geometry.leaf_x, strict=True)}
    for r in sorted(int(r) for r in geometry.link_rows):  # children before parents
        a, b = (int(c) for c in Z[r, :2])
        if a in ext and b in ext:
            ext[n + r] = (min(ext[a][0], ext[b][0]), max(ext[a][1], ext[b][1]))
    return ext


def _outlines(geometry: Any, Z: np.ndarray, score: np.ndarray, *, kind: str,
              orientation: str, alpha: float) -> go.Scatter:
    """pvrect: outlines of the largest clades with score >= alpha (drawn ones only)."""
    n = Z.shape[0] + 1
    ext = _drawn_extents(geometry, Z)
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    top = float(dcoord.max()) if dcoord.size else 1.0
    pad_y = top / 200.0  # pvrect lifts the top edge by 1/200 of the plot's height
    rx: list[float | None] = []
    ry: list[float | None] = []
    for r in pick_clades(Z, np.nan_to_num(score, nan=-1.0), alpha):
        if n + r not in ext:
            continue  # inside a contracted leaf of a truncated view
        x0, x1 = ext[n + r][0] - _PAD_X, ext[n + r][1] + _PAD_X
        y1 = float(Z[r, 2]) + pad_y
        xs = [x0, x1, x1, x0, x0]
        ys = [0.0, 0.0, y1, y1, 0.0]
        px, py = oriented(np.array(xs), np.array(ys), orientation)
        rx += [*px.tolist(), None]
        ry += [*py.tolist(), None]
    return go.Scatter(x=rx, y=ry, mode="lines", line={"color": RECT_COLOR, "width": 1.5},
                      hoverinfo="skip", showlegend=False, meta="support-rect",
                      name=f"AU ≥ {alpha:g}" if kind == "features" else f"support ≥ {alpha:g}")


def _badges(geometry: Any, score: np.ndarray, *, kind: str, values: dict[str, np.ndarray],
            sizes: np.ndarray, min_size: int, orientation: str, alpha: float) -> go.Scatter:
    """A marker and the numbers on each drawn merge of at least ``min_size`` rows."""
    rows = np.asarray(geometry.link_rows, dtype=np.int64)
    icoord = np.asarray(geometry.icoord, dtype=float)
    dcoord = np.asarray(geometry.dcoord, dtype=float)
    mid_of = {int(r): (icoord[j, 1] + icoord[j, 2]) / 2.0 for j, r in enumerate(rows)}
    height_of = {int(r): float(dcoord[j, 1]) for j, r in enumerate(rows)}
    shown = badge_rows(sizes, rows, min_size)
    shown = shown[np.argsort(shown)]
    mx = np.array([mid_of[int(r)] for r in shown], dtype=float)
    my = np.array([height_of[int(r)] for r in shown], dtype=float)
    sc = score[shown] if shown.size else np.array([])
    colors = [STRONG if v >= alpha else MEDIUM if v >= 0.8 else WEAK for v in
              np.nan_to_num(sc, nan=0.0)]
    texts = [badge_text(kind, values, r) for r in shown.tolist()]
    bx, by = oriented(mx, my, orientation)
    return go.Scatter(
        x=bx, y=by, mode="markers+text",
        marker={"color": colors, "size": 7, "symbol": "diamond",
                "line": {"color": "white", "width": 1}},
        text=texts, textposition="top left" if orientation in ("top", "bottom") else
        "middle left", textfont={"size": 9, "color": "#555"},
        hoverinfo="skip", showlegend=False, meta="support",
        customdata=np.column_stack([shown, sizes[shown]]) if shown.size else
        np.zeros((0, 2), dtype=np.int64),
    )
