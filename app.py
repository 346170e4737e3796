"""Dendrogram Explorer: the Dash app.

    python app.py              # serves on DENDRO_HOST:DENDRO_PORT (127.0.0.1:8050)
    python app.py --help       # the settings (environment variables) and their values
    gunicorn app:server        # production; see gunicorn.conf.py
    celery -A app:celery_app worker --loglevel=INFO   # with REDIS_URL: runs the big linkages

Callbacks are registered with ``@callback`` in ``components``' page and analysis modules, which
``components.register`` imports; nothing imports this module's ``app``. Settings reach callbacks
through ``server.config["DENDRO_SETTINGS"]`` (read with ``components.state.store.get_settings``).
"""

from __future__ import annotations

import logging
import os
import socket
import sys

import dash

import components
from components.jobs.managers import MANAGER_KEY, make_manager
from components.settings import Settings, SettingsError, help_text
from components.state.store import SETTINGS_KEY, STORE_KEY
from components.web import security

log = logging.getLogger(__name__)

CELERY_KEY = "DENDRO_CELERY"  # server.config: the Celery app of a Redis deployment, or None


def create_app(settings: Settings | None = None) -> dash.Dash:
    """A configured Dash app (layout, callbacks, security headers, upload limit).

    Parameters
    ----------
    settings : Settings, optional
        Default: ``Settings.from_env()``.

    Returns
    -------
    dash.Dash

    Examples
    --------
    >>> app = create_app(Settings.from_env())
    >>> app.server.config["DENDRO_SETTINGS"].port
    8050
    """
    settings = settings or Settings.from_env()
    settings.check()  # fails closed: e.g. a user name for access control without a password
    # Big linkages run as background callbacks: in local processes (diskcache under the data
    # directory, shared by every worker process) or, with REDIS_URL, on Celery workers.
    manager, celery = make_manager(settings)
    # Bootstrap's CSS is served from assets/ (vendored), not a CDN: the CSP allows 'self' only.
    app = dash.Dash(
        __name__,
        title="Dendrogram Explorer",
        serve_locally=True,
        update_title=None,
        background_callback_manager=manager,
    )
    app.server.config[CELERY_KEY] = celery
    app.server.config[MANAGER_KEY] = manager
    components.register(app)
    app.server.config[SETTINGS_KEY] = settings
    # Flask turns debug on from FLASK_DEBUG at construction; `gunicorn app:server` must never
    # run in debug. Only `python app.py` may turn it on (app.run, from DENDRO_DEBUG).
    app.server.config["DEBUG"] = False
    app.server.config[STORE_KEY] = None
    security.install(app, settings)
    return app


def port_in_use_message(host: str, port: int) -> str | None:
    """A sentence naming DENDRO_PORT when ``host:port`` cannot be bound, else None.

    >>> port_in_use_message("127.0.0.1", 0) is None
    True
    """
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            return (f"cannot listen on {host}:{port} ({err.strerror or err}): another program "
                    f"uses that port. Stop it, or choose another port, e.g. "
                    f"DENDRO_PORT={port + 1} python app.py")
    return None


if __name__ == "__main__" and {"-h", "--help"} & set(sys.argv[1:]):
    # Before create_app: asking for help must not create the data directory or a server.
    print(help_text())
    sys.exit(0)

try:
    app = create_app()
except SettingsError as err:
    # Refuse to start, saying why, rather than serve with settings the operator did not mean
    # (under gunicorn the worker exits with this code and the arbiter stops: "failed to boot").
    sys.stderr.write(f"Dendrogram Explorer will not start: {err}\n")
    sys.stderr.flush()
    raise SystemExit(3) from None
server = app.server
# The Celery app the worker runs (`celery -A app:celery_app worker`); None without REDIS_URL.
celery_app = server.config[CELERY_KEY]

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    s = server.config[SETTINGS_KEY]
    # Under Dash's debug reloader the child serves on the socket its parent bound already.
    problem = None if os.environ.get("WERKZEUG_RUN_MAIN") else port_in_use_message(s.host, s.port)
    if problem:
        log.error(problem)
        sys.exit(1)
    app.run(host=s.host, port=s.port, debug=s.debug)
