# Dendrogram Explorer: the web app (gunicorn) or a Celery worker, same image.
#   docker build -t dendro-explorer .     # packages from PyPI
#   scripts/build_image.sh                # CI: podman, offline, from a wheelhouse (README "Container image")
# Debian's own python3 (3.11.2) in a virtual environment rather than python:3.11-slim: CI makes
# this base itself with debootstrap, so the image it builds and runs is the one a team builds.
FROM debian:bookworm-slim

# ca-certificates: TLS to a managed Redis (rediss://) verifies against the system store.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/venv

# WHEELHOUSE: a directory of wheels mounted into the build (podman build -v DIR:/wheels:ro
# --build-arg WHEELHOUSE=/wheels) to install with no index; empty (the default): from PyPI.
# `pip check` fails the build on a missing dependency (e.g. async-timeout, which redis needs
# under Python 3.11.2 only).
ARG WHEELHOUSE=
COPY requirements.txt /app/requirements.txt
RUN if [ -n "$WHEELHOUSE" ]; then set -- --no-index --find-links "$WHEELHOUSE"; fi \
 && pip install "$@" -r /app/requirements.txt \
 && pip check

RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin dendro \
 && mkdir -p /data && chown dendro:dendro /data
WORKDIR /app
# The code stays root's: the app writes only under DENDRO_DATA_DIR.
COPY . .

ENV DENDRO_HOST=0.0.0.0 DENDRO_PORT=8050 DENDRO_DATA_DIR=/data
USER dendro
VOLUME ["/data"]
EXPOSE 8050
# Asks the app itself for its page (with the basic-auth credentials when access control is on).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "scripts/healthcheck.py"]
# Same entry point as the README's production command; the worker overrides it:
# celery -A app:celery_app worker --loglevel=INFO
CMD ["gunicorn", "app:server"]
