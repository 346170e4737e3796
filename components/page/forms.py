"""Small builders for the page's labelled fields and cards (layout only, no callbacks)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html


def field(label: str, control: Any, help_text: str | None = None, **kw: Any) -> html.Div:
    """``control`` under its label, with an optional help line."""
    children = [dbc.Label(label, html_for=getattr(control, "id", None), className="mb-1 small")]
    children.append(control)
    if help_text:
        children.append(html.Div(help_text, className="form-text"))
    return html.Div(children, className="mb-2", **kw)


def card(title: str, body: list[Any]) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3")


def select(label: str, id_: str, options: list[Any], value: Any) -> html.Div:
    """A labelled dropdown that always holds a value (not clearable)."""
    return field(label, dcc.Dropdown(id=id_, options=options, value=value, clearable=False))


def number(label: str, id_: str, help_text: str | None = None, **kw: Any) -> html.Div:
    """A labelled number field, sent when typing stops (debounce)."""
    return field(label, dcc.Input(id=id_, type="number", debounce=True,
                                  className="form-control form-control-sm", **kw), help_text)
