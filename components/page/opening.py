"""The page as it opens: the default example already chosen and described in the layout.

A fresh page without a link used to build its first view in a chain of requests: read the URL,
choose the example, describe it (preview, pickers), grey out the method/metric pairs, list the
client's uploads; only then compute and draw. Each step's answer for the default example is
the same every time, so :func:`fill` puts it into the layout instead (issue 14: at most 8
callback requests at load), computed by the very callbacks that would have answered:
``preview.describe_dataset`` and ``model.pair_options``. Those callbacks keep
``prevent_initial_call`` and answer every later change.

A link (``?dataset=...``) still opens its own view: ``assets/url_state.js`` passes its query to
``sharing.apply_url`` (only an empty query is skipped: the layout already is that view), and
the compute step waits for that chain before its first call, as the renderer holds a callback
while anything upstream of its inputs is pending.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from dash import no_update

from components import ids
from components.view import DEFAULT_EXAMPLE

log = logging.getLogger(__name__)

#: ``preview.describe_dataset``'s outputs, in its order (tests/components/page/test_opening.py
#: checks them against the registered callback).
DESCRIBE_OUTPUTS = (
    (ids.PREVIEW, "children"), (ids.FEATURE_COLUMNS, "options"), (ids.FEATURE_COLUMNS, "value"),
    (ids.LABEL_COLUMN, "options"), (ids.LABEL_COLUMN, "value"), (ids.MISSING, "value"),
    (ids.ONE_HOT, "value"), (ids.SCALING, "value"), (ids.METHOD, "value"),
    (ids.METRIC, "value"), (ids.TRUNCATE_MODE, "value"), (ids.TRUNCATE_P, "value"),
    (ids.SCATTER_X, "options"), (ids.SCATTER_X, "value"), (ids.SCATTER_Y, "options"),
    (ids.SCATTER_Y, "value"),
)
#: ``model.pair_options``'s outputs, in its order.
PAIR_OUTPUTS = ((ids.METRIC, "options"), (ids.METHOD, "options"), (ids.METRIC_NOTE, "children"),
                (ids.METRIC, "disabled"), (ids.METHOD, "disabled"))


def opening_props(example: str = DEFAULT_EXAMPLE) -> dict[tuple[str, str], Any]:
    """``{(id, prop): value}`` of a page opened on ``example``, as the callbacks answer it.

    >>> props = opening_props()
    >>> props[(ids.DATASET, "data")], props[(ids.METHOD, "value")]
    ({'example': 'tutorial-blobs'}, 'ward')
    """
    # Imported here: page/__init__ imports this module, and these hold callbacks (imported by
    # register(), in its order); model imports page/forms.
    from components.page.model import pair_options
    from components.page.preview import describe_dataset

    dataset = {"example": example}
    props: dict[tuple[str, str], Any] = {(ids.DATASET, "data"): dataset,
                                         (ids.EXAMPLE, "value"): example}
    props.update(_pairs(DESCRIBE_OUTPUTS, describe_dataset(dataset, None)))
    method, metric = props.get((ids.METHOD, "value")), props.get((ids.METRIC, "value"))
    props.update(_pairs(PAIR_OUTPUTS, pair_options(method, metric, dataset)))
    return props


def _pairs(outputs: Iterable[tuple[str, str]], values: Iterable[Any]
           ) -> dict[tuple[str, str], Any]:
    return {o: v for o, v in zip(outputs, values, strict=True) if v is not no_update}


def fill(root: Any, props: dict[tuple[str, str], Any]) -> Any:
    """Set ``props`` on the components of ``root`` (a Dash component tree) by id; returns root.
    Every id must be found: a renamed element fails loudly, not silently at load."""
    wanted = {cid for cid, _ in props}
    found = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not hasattr(node, "_prop_names"):
            continue
        cid = getattr(node, "id", None)
        if isinstance(cid, str) and cid in wanted:
            found.add(cid)
            for (pid, prop), value in props.items():
                if pid == cid:
                    setattr(node, prop, value)
        children = getattr(node, "children", None)
        if children is not None:
            stack.append(children)
    missing = wanted - found
    if missing:
        raise KeyError(f"opening props for ids not in the layout: {sorted(missing)}")
    return root


def opening_layout(root: Any) -> Any:
    """``root`` with the default example's opening state; unchanged (the chain of callbacks
    fills it, as before) when that state cannot be made."""
    try:
        props = opening_props()
    except Exception:  # noqa: BLE001 - the page must open even when an example cannot be read
        log.exception("the opening state of %s could not be made", DEFAULT_EXAMPLE)
        return root
    return fill(root, props)
