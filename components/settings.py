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
    # The same for ward/single/centroid/median on euclidean data: fastcluster's memory-saving
    # path holds O(n·d), so only time stops it (ward 100,000 × 10: ~60 s here, as a job).
    # None: twice exact_max_rows (100,000), so lowering DENDRO_EXACT_MAX_ROWS lowers both.
    exact_vector_max_rows: int | None = None
    # Peak memory the exact linkage may take; past it the approximate mode is used instead.
    memory_budget_mb: int = 2_048
    auth_user: str | None = None
    auth_password: str | None = None
    # Shared data is kept: an upload stays this many days after it was last opened, and is
    # never evicted to make room for another client's; uploads past a quota are refused.
    retention_days: float = 30.0
    client_quota_mb: int = 256
    # Results (prepared matrices, trees) are a cache; with Redis, where they go (a second
    # instance with allkeys-lru; default: the dataset instance, with a time to live).
    redis_cache_url: str | None = None
    # Background jobs running at once: per client and in total on this server.
    max_jobs_per_client: int = 2
    max_jobs: int = 4

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
            "exact_vector_max_rows": (int(os.environ["DENDRO_EXACT_VECTOR_MAX_ROWS"])
                                      if os.environ.get("DENDRO_EXACT_VECTOR_MAX_ROWS")
                                      else None),
            "memory_budget_mb": int(_env("DENDRO_MEMORY_BUDGET_MB", str(cls.memory_budget_mb))),
            "auth_user": os.environ.get("DENDRO_AUTH_USER") or None,
            "auth_password": os.environ.get("DENDRO_AUTH_PASSWORD") or None,
            "retention_days": float(_env("DENDRO_RETENTION_DAYS", str(cls.retention_days))),
            "client_quota_mb": int(_env("DENDRO_CLIENT_QUOTA_MB", str(cls.client_quota_mb))),
            "redis_cache_url": os.environ.get("REDIS_CACHE_URL") or None,
            "max_jobs_per_client": int(_env("DENDRO_MAX_JOBS_PER_CLIENT",
                                            str(cls.max_jobs_per_client))),
            "max_jobs": int(_env("DENDRO_MAX_JOBS", str(cls.max_jobs))),
        }
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        env.update(overrides)
        return cls(**env)  # type: ignore[arg-type]

    @property
    def vector_max_rows(self) -> int:
        """Exact row cap of ward/single/centroid/median on euclidean data: the setting, or
        twice ``exact_max_rows`` when unset.

        >>> Settings().vector_max_rows, Settings(exact_max_rows=2_000).vector_max_rows
        (100000, 4000)
        >>> Settings(exact_max_rows=2_000, exact_vector_max_rows=150_000).vector_max_rows
        150000
        """
        v = self.exact_vector_max_rows
        return int(v) if v is not None else 2 * int(self.exact_max_rows)

    def check(self) -> None:
        """Refuse settings a server must not start with; :class:`SettingsError` says why.

        Access control fails closed: a user name without a password (or the reverse) is a
        mistake, and starting open would hide it.

        >>> Settings(auth_user="analyst").check()
        Traceback (most recent call last):
        ...
        components.settings.SettingsError: DENDRO_AUTH_USER is set but DENDRO_AUTH_PASSWORD is not: set both for HTTP basic auth on every route, or neither to run without access control
        """
        if bool(self.auth_user) != bool(self.auth_password):
            given, missing = (("DENDRO_AUTH_USER", "DENDRO_AUTH_PASSWORD") if self.auth_user
                              else ("DENDRO_AUTH_PASSWORD", "DENDRO_AUTH_USER"))
            raise SettingsError(
                f"{given} is set but {missing} is not: set both for HTTP basic auth on every "
                "route, or neither to run without access control")
        for name in ("retention_days", "client_quota_mb", "max_jobs_per_client", "max_jobs"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive, not {getattr(self, name)!r}")


class SettingsError(ValueError):
    """Settings the server refuses to start with (the message says what to set)."""

#: ``python app.py --help``: each variable, the setting it fills and what it does (the README
#: table says the same; the gunicorn-only ones, DENDRO_WORKERS/THREADS/TIMEOUT, are in
#: gunicorn.conf.py).
ENV_HELP: tuple[tuple[str, str, str], ...] = (
    ("DENDRO_HOST", "host", "address to listen on"),
    ("DENDRO_PORT", "port", "port to listen on"),
    ("DENDRO_DEBUG", "debug", "Dash's debug mode (python app.py only; 1/true/yes)"),
    ("DENDRO_DATA_DIR", "data_dir", "stored uploads, memoised results, background jobs"),
    ("REDIS_URL", "redis_url", "Redis store and Celery jobs instead of disk and local processes"),
    ("DENDRO_MAX_UPLOAD_MB", "max_upload_mb", "largest upload"),
    ("DENDRO_MAX_ROWS", "max_rows", "most rows read from a table"),
    ("DENDRO_MAX_COLUMNS", "max_columns", "most columns read from a table"),
    ("DENDRO_STORE_SIZE_MB", "store_size_mb", "cap of the disk store"),
    ("DENDRO_BACKGROUND_ROWS", "background_rows", "above this many rows the tree is a background job"),
    ("DENDRO_EXACT_MAX_ROWS", "exact_max_rows",
     "above this many rows clustering is approximate (methods that need the distance matrix)"),
    ("DENDRO_EXACT_VECTOR_MAX_ROWS", "exact_vector_max_rows",
     "the same for ward, single, centroid and median on euclidean data (memory O(n·d); "
     "unset: twice DENDRO_EXACT_MAX_ROWS)"),
    ("DENDRO_MEMORY_BUDGET_MB", "memory_budget_mb", "memory the exact linkage may use"),
    ("DENDRO_AUTH_USER", "auth_user", "HTTP basic auth user (with DENDRO_AUTH_PASSWORD)"),
    ("DENDRO_AUTH_PASSWORD", "auth_password", "HTTP basic auth password"),
    ("DENDRO_RETENTION_DAYS", "retention_days", "days an upload is kept since last opened"),
    ("DENDRO_CLIENT_QUOTA_MB", "client_quota_mb", "uploads one client may keep"),
    ("DENDRO_MAX_JOBS_PER_CLIENT", "max_jobs_per_client", "background jobs one client may run at once"),
    ("DENDRO_MAX_JOBS", "max_jobs", "background jobs running at once in all"),
)


def help_text(settings: Settings | None = None) -> str:
    """What ``python app.py --help`` prints: how to start, then every setting with its
    environment variable, current value (passwords hidden) and meaning.

    >>> text = help_text(Settings())
    >>> text.splitlines()[0], "DENDRO_PORT" in text
    ('usage: python app.py [--help]', True)
    """
    settings = settings or Settings.from_env()
    lines = [
        "usage: python app.py [--help]",
        "",
        f"Serves Dendrogram Explorer on http://{settings.host}:{settings.port}/ (Flask's "
        "development server; use `gunicorn app:server` in production).",
        "Settings come from environment variables (current values shown):",
        "",
    ]
    width = max(len(name) for name, _, _ in ENV_HELP)
    for name, attr, what in ENV_HELP:
        value = getattr(settings, attr)
        shown = "(set)" if attr == "auth_password" and value else ("(unset)" if value is None
                                                                   else str(value))
        lines.append(f"  {name:<{width}}  {shown:<24} {what}")
    return "\n".join(lines)
