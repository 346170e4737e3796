"""gunicorn settings, read from the same DENDRO_* environment variables as the app.

    gunicorn app:server          # picks this file up from the working directory
"""

import os

bind = f"{os.environ.get('DENDRO_HOST', '127.0.0.1')}:{os.environ.get('DENDRO_PORT', '8050')}"
workers = int(os.environ.get("DENDRO_WORKERS", "2"))
threads = int(os.environ.get("DENDRO_THREADS", "4"))
# Linkage of big tables runs in background jobs, but preparing a large upload can take a while.
timeout = int(os.environ.get("DENDRO_TIMEOUT", "300"))
graceful_timeout = 30
accesslog = "-"
# Query strings carry only ids and parameters, never data, so the access log holds no content.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
