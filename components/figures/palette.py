"""Cluster colours: one palette for the tree, the scatter and every analysis plot.

Cluster c gets ``PALETTE[(c - 1) % len(PALETTE)]`` everywhere (:func:`cluster_color` is the
one entry point); links above the cut are :data:`ABOVE_CUT_COLOR`.

What the palette promises (checked in tests/components/figures/test_palette.py, with the
WCAG contrast ratio and CIEDE2000 computed there):

* 40 distinct colours (pairwise CIEDE2000 >= 11.5); past 40 clusters colours repeat, and the
  scatter's legend says so;
* the first 8 stay apart for colour-blind readers (CIEDE2000 >= 12 with normal vision and under
  simulated protanopia, deuteranopia and tritanopia, Machado et al. 2009): Okabe-Ito's blue,
  vermillion, bluish green and reddish purple (Okabe-Ito's own closest pair, blue and purple
  seen with protanopia, sets the bar), then a wine, an indigo, a red and a mauve;
* every colour, the above-cut grey and the unassigned colour have at least 3:1 contrast against
  the white plot area (WCAG 2.1, 1.4.11 non-text contrast);
* no cluster colour is close to the grey or to the unassigned colour (CIEDE2000 >= 20).

Colours 9-40 were picked greedily (farthest first in CIEDE2000) from an sRGB grid of step 15
restricted to those rules; the list is fixed here so that a colour never changes between
releases.
"""

from __future__ import annotations

PALETTE: tuple[str, ...] = (
    # colour-blind safe: Okabe-Ito's four that reach 3:1 on white, then four picked to stay
    # apart from them and each other under every simulated colour-vision deficiency
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#780f3c", "#1e1eb4", "#b40000", "#964b69",
    # distinct for normal vision
    "#4b4b00", "#a58700", "#b42dff", "#005a3c", "#ff4b5a", "#0096a5", "#8787c3", "#5a8700",
    "#693c0f", "#5a5a96", "#960096", "#87693c", "#e100a5", "#3c4bff", "#a55a4b", "#d2004b",
    "#003c78", "#0f6900", "#4b87ff", "#965aa5", "#ff0000", "#5a2d5a", "#781e1e", "#0096d2",
    "#ff3c87", "#00a52d", "#c37878", "#87965a", "#b4782d", "#0f7869", "#4b784b", "#a54b0f",
)
#: How many colour-blind safe colours lead the palette.
SAFE_COLOURS = 8
#: Links above the cut: a neutral grey that still has 3.4:1 contrast on white.
ABOVE_CUT_COLOR = "#8c8c8c"
#: Rows no cluster claims (label 0: dynamic tree cut, a minimum cluster size): black, unlike
#: any cluster or the above-cut grey, so "unassigned" never reads as "above the cut".
UNASSIGNED_COLOR = "#000000"
CUT_LINE_COLOR = "#d62728"


def cluster_color(c: int) -> str:
    """Colour of cluster ``c`` (1-based); 0 (or below) means "above the cut".

    >>> cluster_color(1), cluster_color(41), cluster_color(0)
    ('#0072b2', '#0072b2', '#8c8c8c')
    """
    return ABOVE_CUT_COLOR if c <= 0 else PALETTE[(c - 1) % len(PALETTE)]


def palette_note(k: int) -> str | None:
    """What the legend says when ``k`` clusters outrun the palette (None when they do not).

    >>> palette_note(40) is None, palette_note(41)
    (True, 'colours repeat after 40 clusters')
    """
    return None if k <= len(PALETTE) else f"colours repeat after {len(PALETTE)} clusters"


def contrast_ratio(a: str, b: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (1 to 21).

    >>> round(contrast_ratio("#000000"), 1), round(contrast_ratio("#b0b0b0"), 2)
    (21.0, 2.17)
    """
    def luminance(h: str) -> float:
        rgb = [int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
