"""Content-addressed storage for uploaded tables and memoised results, and the process's handle.

An upload is stored once under the SHA-256 of its bytes; the browser only ever holds that id.
Results (prepared matrix, linkage, ...) are memoised under a hash of (dataset id, parameters),
so any worker process, on any machine sharing the store, can answer any user.

Two backends with one interface:

- :class:`DiskStore` (the embedded default): two ``diskcache`` directories, one for datasets and
  one for results, each with a size cap and least-recently-used eviction. Survives restarts.
- :class:`RedisStore` (when ``REDIS_URL`` is set): the same keys in Redis, shared by every
  process and machine that points at it.

:func:`get_settings` and :func:`get_store` are how code running for a request (or a job)
reaches them: ``create_app`` puts the ``Settings`` in ``server.config["DENDRO_SETTINGS"]``;
outside a request (a notebook, a Celery worker) they come from the environment. Nothing
per-user lives here: every result is keyed by the dataset id and the parameters.
(Moved here from ``clustering/``, which stays a pure library.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import flask

from components.settings import Settings
from components.view import is_upload_id

T = TypeVar("T")

log = logging.getLogger(__name__)

SETTINGS_KEY = "DENDRO_SETTINGS"
STORE_KEY = "DENDRO_STORE"


def dataset_id_for(data: bytes) -> str:
    """The id an upload is stored under: the SHA-256 of its bytes, as 64 hex digits.

    >>> dataset_id_for(b"x,y\\n1,2\\n")[:12]
    '81bf9fa83c6f'
    """
    return hashlib.sha256(data).hexdigest()


def key_hash(key: Any) -> str:
    """A stable hash of a JSON-able key (tuples, dicts, str, numbers, None).

    Dict order does not matter; anything not JSON-able is hashed through its ``repr``.

    >>> key_hash(("linkage", "abc", {"b": 1, "a": 2})) == key_hash(["linkage", "abc", {"a": 2, "b": 1}])
    True
    """
    text = json.dumps(key, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class DatasetStore(Protocol):
    """What the app needs from a store, whatever holds the bytes."""

    def put_dataset(self, data: bytes, filename: str) -> str: ...

    def get_dataset(self, dataset_id: str) -> tuple[bytes, str] | None: ...

    def has_dataset(self, dataset_id: str) -> bool: ...

    def memo(self, key: Any, compute: Callable[[], T]) -> T: ...

    def has_result(self, key: Any) -> bool: ...


class DiskStore:
    """Datasets and results in two ``diskcache`` directories under ``directory``.

    Parameters
    ----------
    directory : path
        Created if missing; reused across restarts.
    size_limit_mb : int
        Cap for stored datasets; results get a cap of the same size. Past a cap the least
        recently used entries go first.

    Examples
    --------
    >>> import tempfile
    >>> store = DiskStore(tempfile.mkdtemp())
    >>> ds = store.put_dataset(b"x,y\\n1,2\\n3,4\\n", "t.csv")
    >>> store.get_dataset(ds)
    (b'x,y\\n1,2\\n3,4\\n', 't.csv')
    >>> store.memo(("double", 21), lambda: 42)
    42
    >>> store.has_result(("double", 21)), store.has_result(("double", 22))
    (True, False)
    """

    def __init__(self, directory: str | Path, size_limit_mb: int = 2048) -> None:
        import diskcache  # local: the Redis deployment does not need it

        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        self.size_limit = int(size_limit_mb) * 1024 * 1024
        # diskcache's explicit cull() drops ten entries at a time, which can take the upload
        # that was just stored with them; with cull_limit=1 each write evicts at most one
        # least-recently-used entry (diskcache's own culling), and _evict_lru repeats that.
        opts = {"size_limit": self.size_limit, "eviction_policy": "least-recently-used",
                "cull_limit": 1}
        self.directory = root
        self._datasets = diskcache.Cache(str(root / "datasets"), **opts)
        self._results = diskcache.Cache(str(root / "results"), **opts)

    def put_dataset(self, data: bytes, filename: str) -> str:
        dataset_id = dataset_id_for(data)
        if dataset_id not in self._datasets:
            self._datasets.set(dataset_id, (bytes(data), str(filename)))
            log.info("stored dataset %s (%d bytes)", dataset_id[:12], len(data))
            _evict_lru(self._datasets, self.size_limit, keep=dataset_id)
        return dataset_id

    def get_dataset(self, dataset_id: str) -> tuple[bytes, str] | None:
        if not is_upload_id(dataset_id):
            return None
        return self._datasets.get(dataset_id)

    def has_dataset(self, dataset_id: str) -> bool:
        return is_upload_id(dataset_id) and dataset_id in self._datasets

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        h = key_hash(key)
        found = self._results.get(h, default=_MISSING)
        if found is not _MISSING:
            return found
        value = compute()
        self._results.set(h, value)
        _evict_lru(self._results, self.size_limit, keep=h)
        return value

    def has_result(self, key: Any) -> bool:
        """Whether :meth:`memo` holds ``key``, without reading (unpickling) the value."""
        return key_hash(key) in self._results


class RedisStore:
    """Datasets and results in Redis, shared by every process that uses the same URL.

    Datasets have no expiry (the operator sets ``maxmemory`` and ``maxmemory-policy
    allkeys-lru`` on the server for a cap); results expire after ``result_ttl`` seconds.
    """

    def __init__(self, url: str, result_ttl: int = 7 * 24 * 3600, prefix: str = "dendro") -> None:
        import redis  # local: only the Redis deployment needs it

        self._r = redis.Redis.from_url(url)
        self._ttl = int(result_ttl)
        self._prefix = prefix

    def _ds_key(self, dataset_id: str) -> str:
        return f"{self._prefix}:ds:{dataset_id}"

    def put_dataset(self, data: bytes, filename: str) -> str:
        dataset_id = dataset_id_for(data)
        key = self._ds_key(dataset_id)
        if not self._r.exists(key):
            self._r.hset(key, mapping={"data": bytes(data), "filename": str(filename)})
            log.info("stored dataset %s (%d bytes) in redis", dataset_id[:12], len(data))
        return dataset_id

    def get_dataset(self, dataset_id: str) -> tuple[bytes, str] | None:
        if not is_upload_id(dataset_id):
            return None
        got = self._r.hmget(self._ds_key(dataset_id), ["data", "filename"])
        if got[0] is None:
            return None
        return got[0], got[1].decode("utf-8", "replace")

    def has_dataset(self, dataset_id: str) -> bool:
        return is_upload_id(dataset_id) and bool(self._r.exists(self._ds_key(dataset_id)))

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        rkey = f"{self._prefix}:memo:{key_hash(key)}"
        raw = self._r.get(rkey)
        if raw is not None:
            # Only this app writes under the prefix, so unpickling reads our own values.
            return pickle.loads(raw)
        value = compute()
        self._r.set(rkey, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=self._ttl)
        return value

    def has_result(self, key: Any) -> bool:
        """Whether :meth:`memo` holds ``key``, without fetching the value."""
        return bool(self._r.exists(f"{self._prefix}:memo:{key_hash(key)}"))


_MISSING = object()


#: A key written and deleted again to make diskcache cull one entry (see _evict_lru).
_CULL_KEY = "__dendro_cull__"


def _evict_lru(cache: Any, size_limit: int, keep: str) -> None:
    """Evict least-recently-used entries, one at a time, until ``cache`` fits ``size_limit``.

    Through diskcache's public API only: the cache is opened with ``cull_limit=1``, so every
    ``set`` evicts at most one least-recently-used entry once the cache is over its limit;
    writing (and deleting) a one-byte marker repeats that until the cache fits. ``keep`` (the
    entry just written, the most recently used) is never the one evicted while any other
    entry is left, so a fresh upload always stays.
    """
    while cache.volume() > size_limit and len(cache) > 1:
        before = len(cache)
        cache.set(_CULL_KEY, b"")
        cache.delete(_CULL_KEY)
        if len(cache) >= before or keep not in cache:
            # Nothing was evicted (another process did it), or only `keep` was left to go.
            return
        log.info("evicted an entry to stay under %d bytes", size_limit)


def open_store(settings: Settings) -> DatasetStore:
    """The store the settings ask for: Redis when ``settings.redis_url``, else disk."""
    if settings.redis_url:
        return RedisStore(settings.redis_url)
    return DiskStore(Path(settings.data_dir) / "store", settings.store_size_mb)


def get_settings() -> Settings:
    """The running app's settings; outside a request, from the environment."""
    if flask.has_app_context():
        s = flask.current_app.config.get(SETTINGS_KEY)
        if s is not None:
            return s
    return Settings.from_env()


# One open store per settings per process, for code running outside a request (a Celery
# worker, a notebook): a connection handle, not user state.
_PROCESS_STORES: dict[Settings, DatasetStore] = {}


def get_store() -> DatasetStore:
    """The dataset/result store of this process (opened on first use)."""
    if flask.has_app_context():
        config = flask.current_app.config
        if config.get(STORE_KEY) is None:
            config[STORE_KEY] = open_store(get_settings())
        return config[STORE_KEY]
    settings = get_settings()
    if settings not in _PROCESS_STORES:
        _PROCESS_STORES[settings] = open_store(settings)
    return _PROCESS_STORES[settings]
