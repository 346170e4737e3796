#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs every test.
# Used as-is by .ci/run. Safe to re-run: installs are skipped when already present.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# Playwright drives Debian's chromium directly (CDP): no chromedriver.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The clientside cut (assets/dendro.js) is checked against fcluster in Node.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

python3 -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-test.txt

python3 -m pytest "$@"
