"""Cluster colours: one palette for the tree, the scatter and every analysis plot.

Cluster c gets ``PALETTE[(c - 1) % len(PALETTE)]`` everywhere; links above the cut are grey.
"""

from __future__ import annotations

# Matplotlib's default cycle (what SciPy's dendrogram colours with): analysts recognise it.
# Cluster c gets PALETTE[(c - 1) % len(PALETTE)] in the tree and in the scatter alike.
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#7f7f7f",
)
# Links above the cut. Darker than PALETTE's own grey (#7f7f7f) so the two never look alike.
ABOVE_CUT_COLOR = "#b0b0b0"
CUT_LINE_COLOR = "#d62728"
# Rows no cluster takes (label 0: dynamic tree cut, a minimum cluster size): darker than both
# ABOVE_CUT_COLOR and PALETTE's grey, so "unassigned" never reads as "above the cut".
UNASSIGNED_COLOR = "#555555"


def cluster_color(c: int) -> str:
    """Colour of cluster ``c`` (1-based); 0 means "above the cut".

    >>> cluster_color(1), cluster_color(11), cluster_color(0)
    ('#1f77b4', '#1f77b4', '#b0b0b0')
    """
    return ABOVE_CUT_COLOR if c <= 0 else PALETTE[(c - 1) % len(PALETTE)]
