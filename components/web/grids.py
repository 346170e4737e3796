"""Tables on the page: AG Grid (``dash-ag-grid``), Dash's replacement for ``dash_table``.

:func:`data_grid` shows a small data frame: sortable, numbers formatted to 4 significant
digits in the browser (sorting stays numeric), values shown as text, never parsed as HTML.
The linkage matrix uses the infinite row model instead (``components.analysis.linkage``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import pandas as pd

#: d3-format, which dash-ag-grid exposes to its value formatters; empty for missing values.
NUMBER_FORMAT = {"function": "params.value == null ? '' : d3.format('.4~g')(params.value)"}
HIGHLIGHT_STYLE = {"fontWeight": "bold", "backgroundColor": "#e7f1ff"}


def number_format(spec: str) -> dict[str, str]:
    """An AG Grid value formatter for d3-format ``spec`` (empty for missing values).

    >>> number_format(".5f")["function"]
    "params.value == null ? '' : d3.format('.5f')(params.value)"
    """
    return {"function": f"params.value == null ? '' : d3.format('{spec}')(params.value)"}


def column_defs(df: pd.DataFrame, wrap: Sequence[str] = (),
                formats: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One column per data frame column; floats formatted (4 significant digits, or the
    d3-format ``formats`` names for that column), numbers right-aligned.

    >>> [c.get("type") for c in column_defs(pd.DataFrame({"a": [1.5], "b": ["x"]}))]
    ['numericColumn', None]
    >>> column_defs(pd.DataFrame({"r": [0.98]}), formats={"r": ".5f"})[0]["valueFormatter"]
    {'function': "params.value == null ? '' : d3.format('.5f')(params.value)"}
    """
    cols = []
    for c in df.columns:
        col: dict[str, Any] = {"field": str(c), "headerName": str(c)}
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            col["type"] = "numericColumn"
            col["filter"] = "agNumberColumnFilter"
            if pd.api.types.is_float_dtype(df[c]):
                col["valueFormatter"] = NUMBER_FORMAT
        if formats and str(c) in formats:
            col["valueFormatter"] = number_format(formats[str(c)])
        if str(c) in wrap:
            col.update(wrapText=True, autoHeight=True, flex=2, minWidth=220)
        cols.append(col)
    return cols


def data_grid(df: pd.DataFrame, grid_id: str | None = None, *,
              highlight: tuple[str, Any] | None = None, wrap: Sequence[str] = (),
              page_size: int | None = 15, formats: Mapping[str, str] | None = None
              ) -> dag.AgGrid:
    """A sortable grid of ``df`` (its index dropped).

    Parameters
    ----------
    df : pandas.DataFrame
    grid_id : str, optional
    highlight : (column, value), optional
        Rows whose ``column`` equals ``value`` are shown in bold.
    wrap : columns whose long text wraps instead of being cut.
    page_size : rows per page; None for one page.
    formats : d3-format per column, where 4 significant digits would not do.
    """
    data = df.rename(columns=str).astype(object).where(pd.notna(df), None).to_dict("records")
    options: dict[str, Any] = {"domLayout": "autoHeight", "suppressCellFocus": False,
                               "enableCellTextSelection": True}
    if page_size:
        options.update(pagination=True, paginationPageSize=page_size,
                       paginationPageSizeSelector=False)
    extra: dict[str, Any] = {"id": grid_id} if grid_id else {}
    if highlight is not None:
        column, value = highlight
        cond = f"params.data && params.data[{json.dumps(column)}] === {json.dumps(value)}"
        extra["getRowStyle"] = {"styleConditions": [{"condition": cond,
                                                     "style": HIGHLIGHT_STYLE}]}
    return dag.AgGrid(
        rowData=data,
        columnDefs=column_defs(df, wrap, formats),
        defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 70},
        dashGridOptions=options,
        className="data-grid",
        style={"fontSize": "0.8rem"},
        **extra,
    )
