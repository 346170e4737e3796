"""gunicorn settings, read from the same DENDRO_* environment variables as the app.

    gunicorn app:server          # picks this file up from the working directory
"""

import os

bind = f"{os.environ.get('DENDRO_HOST', '127.0.0.1')}:{os.environ.get('DENDRO_PORT', '8050')}"
workers = int(os.environ.get("DENDRO_WORKERS", "2"))
# Half of them (components.jobs.managers.waiting_polls) may hold a job's poll up to 1 s while
# it waits for news; the others always answer the page's other requests at once.
threads = int(os.environ.get("DENDRO_THREADS", "4"))
# Linkage of big tables runs in background jobs, but preparing a large upload can take a while.
timeout = int(os.environ.get("DENDRO_TIMEOUT", "300"))
graceful_timeout = 30
accesslog = "-"
# The path only (%(U)s), never the query string: a link's query carries the dataset id (which
# lets its holder open the table) and column names. components/web/logs.py does the same for
# the development server.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# The error log quotes malformed request lines and failed requests' URIs: without queries too.
logger_class = "components.web.logs.GunicornLogger"


def on_starting(server):
    """Refuse to start, saying why, before listening: e.g. access control half configured
    (only one of DENDRO_AUTH_USER / DENDRO_AUTH_PASSWORD) must not serve the app open."""
    from components.settings import Settings, SettingsError

    try:
        Settings.from_env().check()
    except SettingsError as err:
        server.log.critical("Dendrogram Explorer will not start: %s", err)
        raise SystemExit(3) from None


def post_worker_init(worker):
    """Serve the page once inside the worker before it takes requests.

    Dash registers its script bundles while it serves the first page; with threads, a browser's
    script request can arrive before that finishes and get a 500 "dash is not a registered
    library" (plotly/dash#3971), leaving the page on "Loading...". Serving one page here first
    closes that window. With access control on the answer is a 401, but Dash's setup (a hook
    that runs before ours) has happened by then.
    """
    worker.wsgi.test_client().get("/")
