"""Access logs without query strings: a link's query carries dataset ids and column names.

gunicorn logs ``%(U)s`` (the path alone; ``gunicorn.conf.py``); Flask's development server
(werkzeug) logs the whole request line, so :func:`install` filters its records.
"""

from __future__ import annotations

import logging
import re

#: "GET /path?query HTTP/1.1" -> "GET /path HTTP/1.1" (also inside ANSI colour codes).
_QUERY = re.compile(r"((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE) [^\s?]*)"
                    r"\?[^\s\x1b\"]*")


def strip_query(text: str) -> str:
    """A request line without its query string.

    >>> strip_query('GET /?dataset=abc&col=salary HTTP/1.1')
    'GET / HTTP/1.1'
    >>> strip_query('POST /_dash-update-component HTTP/1.1')
    'POST /_dash-update-component HTTP/1.1'
    """
    return _QUERY.sub(r"\1", text)


class QueryStringFilter(logging.Filter):
    """Drops query strings from a record's message and string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query(a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def install() -> None:
    """Filter the development server's request log (idempotent)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())
