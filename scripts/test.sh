#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine, then runs every test.
# Used as-is by .ci/run. Safe to re-run: installs are skipped when already present.
# Python packages go into a virtual environment (.venv, or $DENDRO_VENV): Debian's system
# Python refuses `pip install` (PEP 668).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use:
# - chromium: Playwright drives Debian's browser directly (CDP), never a downloaded one;
# - redis-server: the Celery/Redis hosting tests start a real one on 127.0.0.1;
# - nodejs: the clientside cut (assets/dendro.js) is checked against fcluster in Node;
# - npm: installs axe-core (tests/browser/package.json), which the accessibility tests inject;
# - python3-venv: the virtual environment below;
# - r-base-core and r-cran-*: R's reference packages, run from the oracle tests (Rscript);
# - podman, debootstrap: tests/test_image.py builds the Dockerfile (scripts/build_image.sh) and
#   runs the image's filesystem; python3-yaml: it parses docker-compose.yml.
APT_PACKAGES=(chromium redis-server nodejs npm python3-venv r-base-core r-cran-cluster
              r-cran-pvclust r-cran-dynamictreecut r-cran-fpc r-cran-dendextend r-cran-ape
              podman debootstrap python3-yaml)
need_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  # A Node.js that brings its own npm (e.g. NodeSource's, which conflicts with Debian's npm
  # package) is enough.
  if [ "$pkg" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

VENV="${DENDRO_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-test.txt

# axe-core for tests/browser/test_a11y*.py, at the version package-lock.json pins.
[ -f tests/browser/node_modules/axe-core/axe.min.js ] \
  || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

# Two pytest-xdist workers (the machine has 2 cores; a browser test leaves much of them idle
# while it waits on the page). Whole files go to one worker (--dist loadfile: a module's fixtures
# and servers are made once) in collection order (--no-loadscope-reorder), so the slow browser
# files start first, one per worker, each worker with its own server, browser and redis, and the
# short files fill the end. Every test starts its servers on free ports with their own data
# directories, so none depends on which worker or what runs beside it. DENDRO_TEST_WORKERS=0 runs
# everything in this one process.
WORKERS="${DENDRO_TEST_WORKERS:-2}"
"$VENV/bin/python" -m pytest -n "$WORKERS" --dist loadfile --no-loadscope-reorder "$@"
