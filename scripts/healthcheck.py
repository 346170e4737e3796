"""The image's HEALTHCHECK: exit 0 when the app answers its page, 1 otherwise.

Reads the same DENDRO_* variables as the app; sends basic-auth credentials when access control
is on, so a locked instance is healthy only if it accepts its own password.
"""

from __future__ import annotations

import base64
import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    host = os.environ.get("DENDRO_HOST", "127.0.0.1")
    # A server bound to every interface answers on loopback.
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    url = f"http://{host}:{os.environ.get('DENDRO_PORT', '8050')}/"
    request = urllib.request.Request(url)
    user, password = os.environ.get("DENDRO_AUTH_USER"), os.environ.get("DENDRO_AUTH_PASSWORD")
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            ok = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
