"""docker-compose.yml keeps shared data (issue 13, point 6): its Redis settings, parsed.

Redis evicts by one server-wide policy, so the instance that holds datasets must evict
nothing (``noeviction``) and persist (``appendonly yes``) on a named volume; results go to a
second instance that may evict (``allkeys-lru``) and that the app is pointed at.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    """docker-compose.yml, parsed by PyYAML (Debian's python3-yaml; scripts/test.sh installs it;
    the test venv has none)."""
    python = "/usr/bin/python3"
    if subprocess.run([python, "-c", "import yaml"], capture_output=True).returncode:
        if os.environ.get("CI"):
            pytest.fail("python3-yaml is not installed; scripts/test.sh should have installed it")
        pytest.skip("python3-yaml not installed")
    done = subprocess.run(
        [python, "-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])),"
         " sys.stdout)", str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _options(command: list[str]) -> dict[str, str]:
    """``redis-server --a x --b y`` -> {"a": "x", "b": "y"}."""
    assert command[0] == "redis-server", command
    args = [str(a) for a in command[1:]]
    assert len(args) % 2 == 0 and all(a.startswith("--") for a in args[::2]), args
    return {k[2:]: v for k, v in zip(args[::2], args[1::2], strict=True)}


def _host(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0].split("/", 1)[0]


def test_datasets_live_in_a_redis_that_evicts_nothing_and_persists_on_a_volume():
    compose = _compose()
    services = compose["services"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        data = services[_host(env["REDIS_URL"])]
        opts = _options(data["command"])
        assert opts["maxmemory-policy"] == "noeviction", (name, opts)
        assert opts["appendonly"] == "yes", opts
        assert opts.get("dir", "/data") == "/data"
        volumes = [str(v) for v in data.get("volumes", [])]
        named = [v.split(":", 1)[0] for v in volumes if v.endswith(":/data")]
        assert named and named[0] in (compose.get("volumes") or {}), volumes
        # The app refuses uploads before Redis would refuse writes.
        maxmemory = opts["maxmemory"].lower()
        assert maxmemory.endswith("gb")
        assert int(env["DENDRO_STORE_SIZE_MB"]) < float(maxmemory[:-2]) * 1024


def test_results_live_in_a_second_redis_that_may_evict():
    services = _compose()["services"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        cache_host = _host(env["REDIS_CACHE_URL"])
        assert cache_host != _host(env["REDIS_URL"])
        opts = _options(services[cache_host]["command"])
        assert opts["maxmemory-policy"] == "allkeys-lru", opts
        assert "maxmemory" in opts
        assert set(services[name]["depends_on"]) >= {_host(env["REDIS_URL"]), cache_host}
