"""Content-addressed storage for uploaded tables and memoised results.

An upload is stored once under the SHA-256 of its bytes; the browser only ever holds that id.
Results (prepared matrix, linkage, ...) are memoised under a hash of (dataset id, parameters),
so any worker process, on any machine sharing the store, can answer any user.

Two backends with one interface:

- :class:`DiskStore` (the embedded default): two ``diskcache`` directories, one for datasets and
  one for results, each with a size cap and least-recently-used eviction. Survives restarts.
- :class:`RedisStore` (when ``REDIS_URL`` is set): the same keys in Redis, shared by every
  process and machine that points at it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^[0-9a-f]{64}$")

__all__ = [
    "DatasetStore",
    "DiskStore",
    "RedisStore",
    "dataset_id_for",
    "is_upload_id",
    "key_hash",
    "open_store",
]


def dataset_id_for(data: bytes) -> str:
    """The id an upload is stored under: the SHA-256 of its bytes, as 64 hex digits.

    >>> dataset_id_for(b"x,y\\n1,2\\n")[:12]
    '81bf9fa83c6f'
    """
    return hashlib.sha256(data).hexdigest()


def is_upload_id(dataset_id: str) -> bool:
    """True when ``dataset_id`` has the shape of an upload id (not an example id)."""
    return bool(_ID_RE.match(dataset_id or ""))


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
        # diskcache's own culling drops ten entries at a time, which can take the upload that
        # was just stored with them; we evict one least-recently-used entry at a time instead.
        opts = {"size_limit": self.size_limit, "eviction_policy": "least-recently-used",
                "cull_limit": 0}
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


def _evict_lru(cache: Any, size_limit: int, keep: str) -> None:
    """Delete least-recently-used entries, one at a time, until ``cache`` fits ``size_limit``.

    ``keep`` (the entry just written) is never deleted, so a fresh upload always stays.
    Reads diskcache's own ``access_time`` column (diskcache is pinned in requirements.txt).
    """
    while cache.volume() > size_limit:
        row = cache._sql(
            "SELECT key FROM Cache WHERE key != ? ORDER BY access_time LIMIT 1", (keep,)
        ).fetchone()
        if row is None:
            return
        cache.delete(row[0])
        log.info("evicted %s to stay under %d bytes", str(row[0])[:12], size_limit)


def open_store(settings: Any) -> DatasetStore:
    """The store the settings ask for: Redis when ``settings.redis_url``, else disk.

    ``settings`` needs ``data_dir``, ``redis_url`` and ``store_size_mb`` attributes
    (``components.settings.Settings`` has them).
    """
    if getattr(settings, "redis_url", None):
        return RedisStore(settings.redis_url)
    return DiskStore(Path(settings.data_dir) / "store", settings.store_size_mb)
