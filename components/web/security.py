"""What a shared instance needs around the Dash app: headers, optional access control, limits.

Installed on the Flask server by ``create_app``; nothing here knows about layouts or callbacks.
"""

from __future__ import annotations

import base64
import hmac
import logging
from typing import Any

import flask

from components.web import clients, logs, payloads

log = logging.getLogger(__name__)

# Dash renders its config and bootstrap scripts inline; their hashes are added at install time.
# 'unsafe-eval': plotly.js compiles its WebGL (scattergl) shaders' drawing code at run time;
# without it every big tree shows "WebGL is not supported" and logs nothing.
_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-eval' {hashes}; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "worker-src 'self' blob:; "
    "connect-src 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def upload_limit_message(limit_mb: float) -> str:
    """The sentence a user reads when a file is over the upload limit.

    >>> upload_limit_message(50)
    'The file is larger than this instance accepts (50 MB). Upload a sample of the rows or fewer columns, or run the app with a larger DENDRO_MAX_UPLOAD_MB.'
    """
    return (
        f"The file is larger than this instance accepts ({limit_mb:g} MB). Upload a sample of the "
        "rows or fewer columns, or run the app with a larger DENDRO_MAX_UPLOAD_MB."
    )


def _authorised(header: str | None, user: str, password: str) -> bool:
    if not header or not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    given_user, _, given_password = given.partition(":")
    # Constant-time comparisons, both evaluated, so timing says nothing about which was wrong.
    ok_user = hmac.compare_digest(given_user.encode(), user.encode())
    ok_password = hmac.compare_digest(given_password.encode(), password.encode())
    return ok_user and ok_password


def install(app: Any, settings: Any) -> None:
    """Attach headers, the upload limit and (when configured) HTTP basic auth to ``app.server``.

    Access control, when ``settings.auth_user`` and ``settings.auth_password`` are both set,
    refuses every route: pages, callbacks, assets and downloads.
    """
    server: flask.Flask = app.server
    # base64 in a JSON callback body is ~4/3 of the file; leave room for the rest of the request.
    server.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1024 * 1024 * 1.4) + 65536
    csp_holder: dict[str, str] = {}
    clients.install(server)  # who is asking: the quotas of uploads and jobs
    logs.install()  # the development server's access log without query strings
    payloads.install(app)  # malformed callback requests: 4xx with the reason, before any work

    def csp() -> str:
        if "value" not in csp_holder:
            try:
                hashes = " ".join(app.csp_hashes())  # already quoted
            except Exception:  # the index may not be built yet; fall back to no inline scripts
                hashes = ""
            csp_holder["value"] = _CSP.format(hashes=hashes)
        return csp_holder["value"]

    user, password = settings.auth_user, settings.auth_password
    if user and password:
        log.info("access control on: HTTP basic auth for every route")

        @server.before_request
        def _require_auth() -> flask.Response | None:
            if _authorised(flask.request.headers.get("Authorization"), user, password):
                return None
            return flask.Response(
                "Sign-in required for this Dendrogram Explorer instance.",
                401,
                {"WWW-Authenticate": 'Basic realm="Dendrogram Explorer", charset="UTF-8"'},
            )

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", csp())
        return response

    @server.errorhandler(413)
    def _too_large(_err: Exception) -> tuple[flask.Response, int]:
        # Dash shows a failed callback's body nowhere; the upload callback checks the size
        # first, so this only answers requests that would not fit at all. Say it anyway.
        log.info("refused a request over MAX_CONTENT_LENGTH")
        return flask.jsonify({"error": upload_limit_message(settings.max_upload_mb)}), 413
