"""Who is asking: the client a quota (uploads, background jobs) is counted against.

With access control on, the signed-in user; otherwise the browser's own random id, kept in a
cookie this module sets on the first response (32 random bytes: unguessable, so one browser
cannot spend or delete another's uploads). A request that carries no valid cookie (a script)
is counted against its address, so it cannot get a fresh quota per request.
"""

from __future__ import annotations

import re
import secrets

import flask

COOKIE = "dendro_client"
#: 43 URL-safe characters: ``secrets.token_urlsafe(32)``.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
#: A year: the id outlives the retention of the uploads it owns.
_MAX_AGE = 365 * 24 * 3600


def valid_token(value: str | None) -> bool:
    """True for an id this module could have made.

    >>> valid_token(secrets.token_urlsafe(32)), valid_token("admin"), valid_token(None)
    (True, False, False)
    """
    return bool(value) and _TOKEN.fullmatch(str(value)) is not None


def current_client() -> str | None:
    """The client of the request being served; None outside a request (a job, a notebook)."""
    if not flask.has_request_context():
        return None
    settings = flask.current_app.config.get("DENDRO_SETTINGS")
    if settings is not None and settings.auth_user and settings.auth_password:
        auth = flask.request.authorization
        # Only requests with the right credentials get this far (web.security).
        return f"user:{auth.username if auth and auth.username else settings.auth_user}"
    token = flask.request.cookies.get(COOKIE)
    if valid_token(token):
        return f"browser:{token}"
    return f"addr:{flask.request.remote_addr or 'unknown'}"


def install(server: flask.Flask) -> None:
    """Give every browser its id: a cookie set on the first response that lacks one."""

    @server.after_request
    def _give_id(response: flask.Response) -> flask.Response:
        if valid_token(flask.request.cookies.get(COOKIE)):
            return response
        response.set_cookie(COOKIE, secrets.token_urlsafe(32), max_age=_MAX_AGE, httponly=True, samesite="Lax",
                            secure=flask.request.is_secure, path="/")
        return response

