"""Server settings: each comes from the argument, else an environment variable, else a default.

Follows the pattern of ``dash/_configs.py``. Every variable is listed in the README table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _default_data_dir() -> str:
    return str(Path(__file__).resolve().parent.parent / "var")


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told. Build with :meth:`from_env`."""

    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    data_dir: str = field(default_factory=_default_data_dir)
    redis_url: str | None = None
    max_upload_mb: float = 50.0
    max_rows: int = 1_000_000
    max_columns: int = 2_000
    store_size_mb: int = 2_048
    # Above this many rows the linkage runs as a background job with progress and cancel.
    # Inline up to 10k: ward takes 0.3 s there, average/cityblock 1.6 s (4 columns, 2 cores),
    # less than a job's start and first progress poll; 20k (ward 1.2-2.6 s) gets the bar.
    background_rows: int = 10_000
    # Above this many rows the exact linkage is refused and the approximate mode offered.
    exact_max_rows: int = 50_000
    # Peak memory the exact linkage may take; past it the approximate mode is used instead.
    memory_budget_mb: int = 2_048
    auth_user: str | None = None
    auth_password: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Read ``DENDRO_*`` environment variables (and ``REDIS_URL``); ``overrides`` win.

        >>> Settings.from_env(port=9000).port
        9000
        """
        env = {
            "host": _env("DENDRO_HOST", cls.host),
            "port": int(_env("DENDRO_PORT", str(cls.port))),
            "debug": _env("DENDRO_DEBUG", "0").lower() in ("1", "true", "yes"),
            "data_dir": _env("DENDRO_DATA_DIR", _default_data_dir()),
            "redis_url": os.environ.get("REDIS_URL") or None,
            "max_upload_mb": float(_env("DENDRO_MAX_UPLOAD_MB", str(cls.max_upload_mb))),
            "max_rows": int(_env("DENDRO_MAX_ROWS", str(cls.max_rows))),
            "max_columns": int(_env("DENDRO_MAX_COLUMNS", str(cls.max_columns))),
            "store_size_mb": int(_env("DENDRO_STORE_SIZE_MB", str(cls.store_size_mb))),
            "background_rows": int(_env("DENDRO_BACKGROUND_ROWS", str(cls.background_rows))),
            "exact_max_rows": int(_env("DENDRO_EXACT_MAX_ROWS", str(cls.exact_max_rows))),
            "memory_budget_mb": int(_env("DENDRO_MEMORY_BUDGET_MB", str(cls.memory_budget_mb))),
            "auth_user": os.environ.get("DENDRO_AUTH_USER") or None,
            "auth_password": os.environ.get("DENDRO_AUTH_PASSWORD") or None,
        }
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        env.update(overrides)
        return cls(**env)  # type: ignore[arg-type]
