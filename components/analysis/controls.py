"""Small controls the analysis tabs share (no callbacks here)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc

__all__ = ["number_field"]


def number_field(fid: str, label: str, value: int, lo: int, hi: int) -> Any:
    """A whole-number field in an input group, its label a real ``<label for>``, sent when
    typing stops (debounce).

    >>> number_field("seed-x", "seed", 0, 0, 9).children.children[0].html_for
    'seed-x'
    """
    return dbc.Col(dbc.InputGroup([
        # A real <label for>: an input-group text alone names nothing to a screen reader.
        dbc.Label(label, html_for=fid, className="input-group-text mb-0"),
        dcc.Input(id=fid, type="number", min=lo, max=hi, step=1, value=value, debounce=True,
                  className="form-control form-control-sm", style={"width": "6em"}),
    ], size="sm"), width="auto")
