"""Known columns beside the tree: colour bars under the leaves (as seaborn's ``row_colors``).

Pure builders, numpy/pandas in, ``go.Figure`` out. The bars are a strip figure drawn under the
dendrogram with the same leaf axis (leaf j at x = 5 + 10 j, range [0, 10 L], the dendrogram's
left and right margins), so the bars stand under their leaves without touching the tree figure.
A truncated leaf (a subtree) takes the class most of its rows have (its majority).

Figure contract (tests and the browser test read it): one ``go.Bar`` trace per (column, class),
``meta = "bar:<column>"``, ``name`` = the class, ``legendgroup`` = the column, one bar per leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.figures.common import WHITE
from components.figures.text import plot_text

#: Qualitative colours for classes (ColorBrewer Set2 + Dark2): distinct from the cluster
#: palette (matplotlib's cycle) so a bar of classes never reads as a bar of clusters.
CLASS_COLORS: tuple[str, ...] = (
    "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494",
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
)
#: Light to dark, for the quantile bins of a numeric column (ordered, so a sequential scale).
BIN_COLORS: tuple[str, ...] = ("#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b",
                               "#041a3a")
MISSING_COLOR = "#ffffff"
#: Beyond this many classes a categorical column keeps its commonest and pools the rest.
MAX_CLASSES = len(CLASS_COLORS)
OTHER = "(other)"
DEFAULT_BINS = 4
#: Numeric columns with this many distinct values or fewer are classes as they are.
FEW_VALUES = 8


@dataclass(frozen=True)
class Classes:
    """A column cut into classes: ``codes`` (n,) int, -1 = missing; ``names`` per code;
    ``colors`` per code; ``binned`` when a numeric column was cut into quantiles."""

    column: str
    codes: np.ndarray
    names: list[str]
    colors: list[str]
    binned: bool


def column_classes(values: Any, column: str = "", *, bins: int = DEFAULT_BINS) -> Classes:
    """Classes of one column: categories as they are, numbers in ``bins`` quantile bins.

    A numeric column with at most ``max(bins, FEW_VALUES)`` distinct values (cylinders,
    a year of a few values) keeps its values as classes.
    A categorical column with more than :data:`MAX_CLASSES` classes keeps the commonest
    ``MAX_CLASSES - 1`` and pools the rest as "(other)".

    Examples
    --------
    >>> c = column_classes(["usa", "japan", None, "usa"], "origin")
    >>> c.codes.tolist(), c.names
    ([1, 0, -1, 1], ['japan', 'usa'])
    >>> column_classes(list(range(1, 11)), bins=2).names
    ['[1, 5.5]', '(5.5, 10]']
    >>> column_classes([4, 10, 6, 4]).names
    ['4', '6', '10']
    """
    s = pd.Series(values).reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if numeric and s.nunique(dropna=True) > max(bins, FEW_VALUES):
        cut = pd.qcut(s.astype(float), q=bins, duplicates="drop")
        intervals = list(cut.cat.categories)
        names = [f"{'[' if i == 0 else '('}{iv.left:.4g}, {iv.right:.4g}]"
                 for i, iv in enumerate(intervals)]
        # qcut widens the first interval's left edge slightly; show the data's minimum.
        if intervals:
            names[0] = f"[{float(s.min()):.4g}, {intervals[0].right:.4g}]"
        codes = cut.cat.codes.to_numpy().astype(np.int64)
        step = max(1, len(BIN_COLORS) // max(1, len(names)))
        colors = [BIN_COLORS[min(i * step + (1 if len(names) <= 3 else 0), len(BIN_COLORS) - 1)]
                  for i in range(len(names))]
        return Classes(column, codes, names, colors, True)
    if numeric:  # few values: each its own class, in numeric order
        codes, uniques = pd.factorize(s, sort=True)
        names = [f"{float(u):g}" for u in uniques]
        colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(names))]
        return Classes(column, codes.astype(np.int64), names, colors, False)
    text = s.map(lambda v: v if pd.isna(v) else str(v))
    counts = text.value_counts(dropna=True)
    if len(counts) > MAX_CLASSES:
        keep = set(counts.index[: MAX_CLASSES - 1])
        text = text.map(lambda v: v if pd.isna(v) or v in keep else OTHER)
    codes, uniques = pd.factorize(text, sort=True)
    names = [str(u) for u in uniques]
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(names))]
    return Classes(column, codes.astype(np.int64), names, colors, False)


def leaf_majority(codes: np.ndarray, row_leaf: np.ndarray, n_leaves: int) -> np.ndarray:
    """The class most rows of each shown leaf have (-1 when none has a value); ties go to
    the lower code.

    Examples
    --------
    >>> leaf_majority(np.array([0, 1, 1, -1, 0]), np.array([0, 0, 0, 1, 2]), 3).tolist()
    [1, -1, 0]
    """
    codes = np.asarray(codes, dtype=np.int64)
    row_leaf = np.asarray(row_leaf, dtype=np.int64)
    out = np.full(n_leaves, -1, dtype=np.int64)
    known = codes >= 0
    if not known.any():
        return out
    n_classes = int(codes[known].max()) + 1
    counts = np.zeros((n_leaves, n_classes), dtype=np.int64)
    np.add.at(counts, (row_leaf[known], codes[known]), 1)
    has = counts.sum(axis=1) > 0
    out[has] = counts[has].argmax(axis=1)
    return out


def shown_leaf_of_position(leaf_sizes: np.ndarray) -> np.ndarray:
    """Shown leaf (0..L-1) of every position of the full tree, from the number of the full
    tree's leaves under each shown leaf (left to right).

    >>> shown_leaf_of_position(np.array([1, 3, 2])).tolist()
    [0, 1, 1, 1, 2, 2]
    """
    sizes = np.asarray(leaf_sizes, dtype=np.int64)
    return np.repeat(np.arange(sizes.size), sizes)


def make_colour_bars_figure(bars: list[tuple[Classes, np.ndarray]], leaf_x: np.ndarray,
                            *, uirevision: str | None = None,
                            margin_lr: tuple[int, int] = (60, 20)) -> go.Figure:
    """Colour bars under the leaves, one row per known column, each with its legend.

    Parameters
    ----------
    bars : list of (Classes, leaf_codes)
        ``leaf_codes`` (L,): the class of each shown leaf (-1: no value, drawn white).
    leaf_x : ndarray, shape (L,)
        x of each shown leaf (the dendrogram's, ``5 + 10 j``).
    margin_lr : (int, int)
        The dendrogram's left and right margins
        (:func:`components.figures.dendrogram.tree_margins`).

    Examples
    --------
    >>> c = column_classes(["a", "b", "a"], "col")
    >>> fig = make_colour_bars_figure([(c, c.codes)], np.array([5.0, 15.0, 25.0]))
    >>> [(t.meta, t.name, t.x.tolist()) for t in fig.data]
    [('bar:col', 'a', [5.0, 25.0]), ('bar:col', 'b', [15.0])]
    """
    leaf_x = np.asarray(leaf_x, dtype=float)
    fig = go.Figure()
    n_rows = len(bars)
    for row, (classes, leaf_codes) in enumerate(bars):
        leaf_codes = np.asarray(leaf_codes)
        base = n_rows - 1 - row  # first column on top, nearest the tree
        title = plot_text(classes.column) + (" (quantiles)" if classes.binned else "")
        for code, (name, color) in enumerate(zip(classes.names, classes.colors, strict=True)):
            sel = leaf_codes == code
            if not sel.any():
                continue
            fig.add_trace(go.Bar(
                x=leaf_x[sel], y=np.full(int(sel.sum()), 0.9), base=base, width=10.0,
                marker={"color": color, "line": {"width": 0}}, name=plot_text(name),
                legendgroup=classes.column, legendgrouptitle={"text": title},
                hovertemplate=f"{title}: {plot_text(name)}<extra></extra>",
                meta=f"bar:{classes.column}",
            ))
    width = 10.0 * leaf_x.size
    fig.update_layout(
        template=WHITE, barmode="overlay", bargap=0, uirevision=uirevision,
        xaxis={"range": [0.0, width], "showticklabels": False, "showgrid": False,
               "zeroline": False, "fixedrange": True},
        yaxis={"range": [0, max(n_rows, 1)], "tickmode": "array",
               "tickvals": [n_rows - 1 - r + 0.45 for r in range(n_rows)],
               "ticktext": [plot_text(c.column) for c, _ in bars], "showgrid": False,
               "zeroline": False, "fixedrange": True},
        legend={"orientation": "h", "y": -0.05, "yanchor": "top", "groupclick": "toggleitem"},
        # The dendrogram's left and right margins, so leaf x lines up with the tree above.
        margin={"l": margin_lr[0], "r": margin_lr[1], "t": 4, "b": 4},
        # The bars, then the legend below: a title and one line per class of the longest.
        height=30 * n_rows + 64 + 21 * max((len(c.names) for c, _ in bars), default=0),
        hovermode="closest",
        # The whole leaf range, for the browser to go back to when the tree is zoomed out.
        meta={"leaf_range": [0.0, width]},
    )
    return fig


def contingency_table(table: pd.DataFrame) -> pd.DataFrame:
    """The contingency table (clusters x classes) as rows for a grid: a ``cluster`` column,
    one column per class, a ``total``.

    >>> t = pd.DataFrame({"a": [2, 0], "b": [1, 3]}, index=[1, 2])
    >>> contingency_table(t).to_dict("records")
    [{'cluster': 1, 'a': 2, 'b': 1, 'total': 3}, {'cluster': 2, 'a': 0, 'b': 3, 'total': 3}]
    """
    out = table.copy()
    out.columns = [str(c) for c in out.columns]
    out["total"] = out.sum(axis=1)
    out.index.name = "cluster"
    return out.reset_index()
