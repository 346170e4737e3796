"""Logs without query strings: a link's query carries dataset ids and column names.

gunicorn's access log has ``%(U)s`` (the path alone; ``gunicorn.conf.py``); its error log quotes
a malformed request line whole ("Invalid request from ip=...: Invalid HTTP Version 'GET
/?dataset=... HTTP/9'") and the URI of a request that failed, so ``gunicorn.conf.py`` uses
:class:`GunicornLogger`, which filters them. Flask's development server (werkzeug) logs the whole
request line, so :func:`install` filters its records.
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


#: "?query" glued to a path or word ("/x?a=1", "'/?a"), or any "?name=value" (a bare query).
_ANY_QUERY = re.compile(r"(?<=[^\s'\"])\?[^\s'\"\x1b]+|\?[^\s'\"\x1b]*=[^\s'\"\x1b]*")


def strip_queries(text: str) -> str:
    """Any text (an error message quoting a URI) without query strings.

    >>> strip_queries("Invalid HTTP Version 'GET /?dataset=abc&col=x HTTP/9'")
    "Invalid HTTP Version 'GET / HTTP/9'"
    >>> strip_queries("Error handling request GET /_dash-layout?x=1")
    'Error handling request GET /_dash-layout'
    >>> strip_queries("Invalid request line: 'GET ?col=salary'")
    "Invalid request line: 'GET "
    >>> strip_queries("Is the worker alive? It is.")
    'Is the worker alive? It is.'
    """
    return _ANY_QUERY.sub("", strip_query(text))


class QueryStringFilter(logging.Filter):
    """Drops query strings from a record's message and string arguments."""

    scrub = staticmethod(strip_query)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.scrub(a) if isinstance(a, str) else a
                                for a in record.args)
        return True


class AnyQueryFilter(QueryStringFilter):
    """Drops query strings anywhere in a record's message (error logs quote URIs freely)."""

    scrub = staticmethod(strip_queries)


def _gunicorn_logger() -> type:
    from gunicorn.glogging import Logger

    class Scrubbed(Logger):
        """gunicorn's logger whose error log drops query strings (``logger_class``)."""

        def setup(self, cfg: object) -> None:
            super().setup(cfg)
            if not any(isinstance(f, AnyQueryFilter) for f in self.error_log.filters):
                self.error_log.addFilter(AnyQueryFilter())

    return Scrubbed


def __getattr__(name: str) -> type:
    # gunicorn imports ``logger_class`` by dotted name; built on demand so this module does
    # not need gunicorn (the development server, notebooks).
    if name == "GunicornLogger":
        return _gunicorn_logger()
    raise AttributeError(name)


def install() -> None:
    """Filter the development server's request log (idempotent)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())
