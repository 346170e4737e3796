"""Text on plots: user strings made safe for plotly, heights written as the browser writes them.

:func:`plot_text` is the one escaping helper: every figure builder passes user text (column
names, row labels, file names, titles) through it (tests/components/figures/test_escaping.py).
Identifiers plotly never renders (``meta``, ``legendgroup``) stay as typed: the browser matches
on them."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np


def plot_text(value: object) -> str:
    """User text made safe for plotly labels and hover: tags shown as typed, never parsed.

    plotly.js decodes ``&lt; &gt; &amp;`` but shows ``&quot;`` literally, so quotes stay as they are.

    >>> plot_text('<b>"x"</b> & y')
    '&lt;b&gt;"x"&lt;/b&gt; &amp; y'
    """
    return html.escape(str(value), quote=False)


#: Longest text kept in a fixed-width NumPy string array by :func:`plot_texts` (4 bytes a
#: character per element; longer labels stay Python strings).
_FIXED_WIDTH_MAX = 64


def plot_texts(values: Sequence[object]) -> np.ndarray:
    """:func:`plot_text` of each value, as one NumPy array (the scatter's hover labels).

    Labels with nothing to escape (most: row numbers, names) skip the escaping, and short ones
    come back as a fixed-width string array: plotly.py deep-copies each figure's arrays, an
    object array one element at a time (20,000 labels: ~20 ms per scatter, issue 14).

    >>> plot_texts(["a", "<b>", 3]).tolist()
    ['a', '&lt;b&gt;', '3']
    >>> plot_texts(["row 1", "row 2"]).dtype.kind
    'U'
    """
    texts = [str(v) for v in values]
    joined = "".join(texts)
    if "&" in joined or "<" in joined or ">" in joined:
        texts = [plot_text(t) for t in texts]
    if texts and max(map(len, texts)) <= _FIXED_WIDTH_MAX:
        return np.array(texts, dtype=str)
    return np.array(texts, dtype=object)


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
