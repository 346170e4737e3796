#!/usr/bin/env bash
# Installs what the app needs into a virtual environment (.venv, or $DENDRO_VENV) and runs it
# on its embedded defaults (http://127.0.0.1:8050, data in ./var). Debian's system Python
# refuses `pip install` (PEP 668), hence the venv; python3-venv is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f='${Status}' python3-venv 2>/dev/null | grep -q "install ok installed" \
   && ! python3 -c "import ensurepip" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
fi
VENV="${DENDRO_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
exec "$VENV/bin/python" app.py "$@"
