"""Short links: a view whose query string is too long for a URL is kept on the server.

gunicorn refuses a request line over 4,094 bytes (414, and the browser shows a blank page):
3,000 ``col=`` parameters are enough. A link's query longer than :data:`MAX_QUERY` becomes
``v=<id>``: the id of the query kept in the store (with a dataset's retention since last
opened); the cut is still added by the browser (``v=<id>&cut=3``). Opening it reads the kept
query back (:func:`expand_query`) and restores it as any link.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode

from clustering.errors import DataError
from components.state.store import get_store

#: Longest query kept in the link itself; leaves room for the path, the cut and the protocol.
MAX_QUERY = 3_000
PARAM = "v"
_ID = re.compile(r"[0-9a-f]{32}")


def view_id_for(query: str) -> str:
    """The id a long query is kept under (128 bits of its SHA-256: not guessable).

    >>> len(view_id_for("dataset=mpg")), view_id_for("a") == view_id_for("a")
    (32, True)
    """
    return hashlib.sha256(query.encode()).hexdigest()[:32]


def shorten_query(query: str) -> str:
    """``query`` itself when short enough for a link, else ``v=<id>`` (kept in the store)."""
    if len(query) <= MAX_QUERY:
        return query
    view_id = view_id_for(query)
    get_store().put_view(view_id, query)
    return urlencode([(PARAM, view_id)])


def expand_query(search: str | None) -> str | None:
    """The full query of a short link (its other parameters, e.g. the cut, appended, so they
    win); any other query unchanged. DataError when the kept view is gone."""
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    ids = [v for k, v in pairs if k == PARAM]
    if not ids:
        return search
    view_id = ids[-1]
    kept = get_store().get_view(view_id) if _ID.fullmatch(view_id) else None
    if kept is None:
        raise DataError(f"this short link's view (id {view_id[:12]}) is no longer stored on "
                        "this server; ask whoever shared it for the view file or a new link")
    rest = [(k, v) for k, v in pairs if k != PARAM]
    return kept + ("&" + urlencode(rest) if rest else "")
