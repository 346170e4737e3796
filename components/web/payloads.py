"""Callback requests checked before any callback runs; a bad one answers 4xx with a sentence.

Dash answers a malformed ``/_dash-update-component`` body (a list, a missing ``inputs``, an
unknown output, inputs that are not the callback's) with a 500 and a traceback in the log,
after reaching into it. :func:`install` checks the body's shape against the app's own callback
map first and refuses with 400 and the reason; no callback runs. A callback that then fails on
values no page sends (a method named 123, a row 'abc') answers 422 with a sentence instead of
500; the traceback stays in the server log, the values do not go back to the client.
"""

from __future__ import annotations

import logging
from typing import Any

import flask

log = logging.getLogger(__name__)

#: Items a pattern-matching (ALL) input may carry: far above any page, far below a bomb.
MAX_WILDCARD_ITEMS = 5_000
ROUTE = "/_dash-update-component"
#: The exceptions a callback raises on values of the wrong type or range (not server faults
#: such as MemoryError or OSError, which stay 500).
VALUE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
                ArithmeticError)


def _items(given: Any, declared: list[dict[str, Any]], what: str) -> str | None:
    if not isinstance(given, list):
        return f"'{what}' must be a list"
    if len(given) != len(declared):
        return f"this callback takes {len(declared)} {what}, not {len(given)}"
    for item, want in zip(given, declared, strict=True):
        pattern = str(want.get("id", "")).startswith("{")
        if pattern and isinstance(item, list):
            if len(item) > MAX_WILDCARD_ITEMS:
                return f"at most {MAX_WILDCARD_ITEMS:,} items per input"
            if not all(isinstance(i, dict) and "property" in i for i in item):
                return f"each of the {what} needs an id and a property"
            continue
        if not isinstance(item, dict) or "property" not in item or "id" not in item:
            return f"each of the {what} needs an id and a property"
        if item["property"] != want.get("property"):
            return f"{what}: expected the property {want.get('property')!r}"
        if not pattern and item["id"] != want.get("id"):
            return f"{what}: expected the id {want.get('id')!r}"
    return None


def problem(body: Any, callback_map: dict[str, Any]) -> str | None:
    """Why ``body`` is not a request of one of these callbacks, or None when it is.

    >>> cmap = {"out.children": {"inputs": [{"id": "a", "property": "value"}], "state": []}}
    >>> ok = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
    ...       "inputs": [{"id": "a", "property": "value", "value": 1}], "state": []}
    >>> problem(ok, cmap) is None
    True
    >>> problem([1, 2], cmap)
    'the body must be a JSON object'
    >>> problem({**ok, "output": "nope.x"}, cmap)
    'no such callback'
    >>> problem({**ok, "inputs": ok["inputs"] * 3}, cmap)
    'this callback takes 1 inputs, not 3'
    """
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str):
        return "'output' must be a string"
    cb = callback_map.get(output)
    if cb is None:
        return "no such callback"
    if not isinstance(body.get("outputs"), (list, dict)):
        return "'outputs' must be a list or an object"
    for what in ("inputs", "state"):
        why = _items(body.get(what, [] if what == "state" else None), cb.get(what, []), what)
        if why:
            return why
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    return None


def refusal(status: int, reason: str) -> flask.Response:
    """The JSON answer of a refused callback request."""
    response = flask.jsonify({"error": f"This request was refused: {reason}. Reload the page; "
                                       "it sends valid requests."})
    response.status_code = status
    return response


def install(app: Any) -> None:
    """Check callback bodies before Dash dispatches them, and answer value errors with 422."""
    server: flask.Flask = app.server

    @server.before_request
    def _check_callback_body() -> flask.Response | None:
        if flask.request.method != "POST" or not flask.request.path.endswith(ROUTE):
            return None
        body = flask.request.get_json(silent=True)
        why = problem(body, app.callback_map)
        if why is None:
            return None
        log.info("refused a malformed callback request: %s", why)
        return refusal(400, why)

    @server.errorhandler(Exception)
    def _callback_value_error(err: Exception) -> Any:
        from werkzeug.exceptions import HTTPException

        if isinstance(err, HTTPException):
            return err
        if isinstance(err, VALUE_ERRORS) and flask.request.path.endswith(ROUTE):
            log.warning("a callback failed on the request's values", exc_info=err)
            from clustering.errors import DataError

            # A DataError's text is written for the user (what to fix); others may quote data.
            why = str(err)[:300] if isinstance(err, DataError) else type(err).__name__
            return refusal(422, f"a value in it could not be used ({why})")
        log.error("unhandled error", exc_info=err)
        return refusal(500, "the server failed") if flask.request.path.endswith(ROUTE) \
            else ("Internal Server Error", 500)
