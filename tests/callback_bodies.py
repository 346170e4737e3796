"""Hand-written ``/_dash-update-component`` bodies that tests send to a real server.

One place for the body of the model callback (``components.page.model.pair_options``), so a
change of its outputs is made once for the security, hosting and corpus tests.
"""

from __future__ import annotations

from typing import Any

from components import ids

_OUTPUTS = [(ids.METRIC, "options"), (ids.METHOD, "options"), (ids.METRIC_NOTE, "children"),
            (ids.METRIC, "disabled"), (ids.METHOD, "disabled")]


def pair_options_body(method: str = "ward", metric: str = "euclidean",
                      dataset: dict[str, Any] | None = None) -> dict[str, Any]:
    """The request the page sends when the method changes (no dataset: a feature table)."""
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in _OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in _OUTPUTS],
        "inputs": [{"id": ids.METHOD, "property": "value", "value": method},
                   {"id": ids.METRIC, "property": "value", "value": metric},
                   {"id": ids.DATASET, "property": "data", "value": dataset}],
        "state": [], "changedPropIds": [f"{ids.METHOD}.value"],
    }
