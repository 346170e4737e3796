"""Text on plots: user strings made safe for plotly, heights written as the browser writes them.

:func:`plot_text` is the one escaping helper: every figure builder passes user text (column
names, row labels, file names, titles) through it (tests/components/figures/test_escaping.py).
Identifiers plotly never renders (``meta``, ``legendgroup``) stay as typed: the browser matches
on them."""

from __future__ import annotations

import html


def plot_text(value: object) -> str:
    """User text made safe for plotly labels and hover: tags shown as typed, never parsed.

    plotly.js decodes ``&lt; &gt; &amp;`` but shows ``&quot;`` literally, so quotes stay as they are.

    >>> plot_text('<b>"x"</b> & y')
    '&lt;b&gt;"x"&lt;/b&gt; &amp; y'
    """
    return html.escape(str(value), quote=False)


def format_height(t: float) -> str:
    """Short text for a height, as the JS writes it (4 significant digits).

    >>> format_height(12.3456), format_height(0.5)
    ('12.35', '0.5')
    """
    return f"{t:.4g}"


def cut_label(t: float, k: int) -> str:
    """The cut line's label.

    >>> cut_label(12.3, 4)
    'max_d = 12.3 · k = 4'
    """
    return f"max_d = {format_height(t)} · k = {k}"
