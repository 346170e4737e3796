"""Figures every panel uses."""

from __future__ import annotations

import plotly.graph_objects as go

from components.figures.text import plot_text


def empty_figure(message: str = "") -> go.Figure:
    """A blank plot with a centred message (before data, or after an error)."""
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": plot_text(message),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14, "color": "#666"},
            }
        ]
        if message
        else [],
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
    )
    return fig
