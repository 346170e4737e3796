"""Small helpers the analysis tabs share (numbers from inputs, sortable tables)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import dash_table


def number_or_none(v: Any) -> float | None:
    """``v`` as a finite float, or None (an empty or half-typed input field).

    >>> number_or_none("2.5"), number_or_none(""), number_or_none("inf")
    (2.5, None, None)
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def sortable_table(df: pd.DataFrame, table_id: str | None = None, **kw: Any) -> dash_table.DataTable:
    """A small sortable DataTable; values are data, never HTML."""
    cols = []
    for c in df.columns:
        col = {"name": str(c), "id": str(c)}
        if pd.api.types.is_float_dtype(df[c]):
            col.update(type="numeric", format={"specifier": ".4g"})
        elif pd.api.types.is_numeric_dtype(df[c]):
            col.update(type="numeric")
        cols.append(col)
    data = df.rename(columns=str).to_dict("records")
    extra = {"id": table_id} if table_id else {}
    return dash_table.DataTable(
        columns=cols, data=data, sort_action="native", page_action="native", page_size=15,
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.8rem", "padding": "2px 6px", "maxWidth": "16rem",
                    "overflow": "hidden", "textOverflow": "ellipsis"},
        **extra, **kw,
    )
