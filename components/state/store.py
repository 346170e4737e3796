"""Content-addressed storage for uploaded tables and memoised results, and the process's handle.

An upload is stored once under the SHA-256 of its bytes; the browser only ever holds that id.
Results (prepared matrix, linkage, ...) are memoised under a hash of (dataset id, parameters),
so any worker process, on any machine sharing the store, can answer any user.

Two backends with one interface:

- :class:`DiskStore` (the embedded default): two ``diskcache`` directories, one for datasets
  (kept: retention since last opened, quotas per client, never evicted for room; see
  ``components.state.quota``) and one for results (a cache: size cap, least recently used
  out). Survives restarts.
- ``components.state.redis_store.RedisStore`` (when ``REDIS_URL`` is set): the same contract in
  Redis, shared by every process and machine that points at it.

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
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import flask
import redis.exceptions

from components.settings import Settings
from components.state.quota import (
    Limits,
    QuotaError,
    StoredUpload,
    over_quota_message,
    store_full_message,
)
from components.view import is_upload_id

T = TypeVar("T")

log = logging.getLogger(__name__)

#: What a store raises when it cannot answer now: the disk store's files or their SQLite index
#: (full, gone, locked) and Redis (down, refused, out of memory). Code that must keep the page
#: up while the store is away catches these, and lets every other error (a bug) through.
STORE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError, sqlite3.Error, redis.exceptions.RedisError)

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
    """What the app needs from a store, whatever holds the bytes.

    ``client`` is who uploads (``components.web.clients.current_client``); None (a notebook,
    a test) counts against no quota, only against the whole store.
    """

    def put_dataset(self, data: bytes, filename: str, client: str | None = None) -> str: ...

    def get_dataset(self, dataset_id: str) -> tuple[bytes, str] | None: ...

    def has_dataset(self, dataset_id: str) -> bool: ...

    def touch_dataset(self, dataset_id: str) -> bool: ...

    def client_datasets(self, client: str) -> list[StoredUpload]: ...

    def delete_dataset(self, dataset_id: str, client: str) -> bool: ...

    def put_view(self, view_id: str, query: str) -> None: ...

    def get_view(self, view_id: str) -> str | None: ...

    def memo(self, key: Any, compute: Callable[[], T]) -> T: ...

    def has_result(self, key: Any) -> bool: ...


class DiskStore:
    """Datasets and results in two ``diskcache`` directories under ``directory``.

    Datasets are never evicted for room: each expires ``retention_days`` after it was last
    opened (:meth:`touch_dataset`, :meth:`get_dataset`), and an upload past its client's quota
    or the store's cap is refused (:class:`~components.state.quota.QuotaError`). Results are a
    cache with a cap of ``size_limit_mb``, least recently used first out.

    Parameters
    ----------
    directory : path
        Created if missing; reused across restarts.
    size_limit_mb : int
        Cap for stored datasets; results get a cap of the same size.
    client_quota_mb, retention_days : float
        Per-client cap on uploads (never above ``size_limit_mb``); days a dataset is kept
        after it was last opened.

    Examples
    --------
    >>> import tempfile
    >>> store = DiskStore(tempfile.mkdtemp())
    >>> ds = store.put_dataset(b"x,y\\n1,2\\n3,4\\n", "t.csv", client="browser:a")
    >>> store.get_dataset(ds)
    (b'x,y\\n1,2\\n3,4\\n', 't.csv')
    >>> [u.filename for u in store.client_datasets("browser:a")], store.client_datasets("browser:b")
    (['t.csv'], [])
    >>> store.memo(("double", 21), lambda: 42)
    42
    >>> store.has_result(("double", 21)), store.has_result(("double", 22))
    (True, False)
    """

    def __init__(self, directory: str | Path, size_limit_mb: float = 2048,
                 client_quota_mb: float = 256, retention_days: float = 30) -> None:
        import diskcache  # local: the Redis deployment does not need it

        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        self.limits = Limits.of(size_limit_mb, client_quota_mb, retention_days)
        self.size_limit = self.limits.store
        # diskcache's explicit cull() drops ten entries at a time, which can take the result
        # that was just stored with them; with cull_limit=1 each write evicts at most one
        # least-recently-used entry (diskcache's own culling), and _evict_lru repeats that.
        opts = {"size_limit": self.size_limit, "eviction_policy": "least-recently-used",
                "cull_limit": 1}
        self.directory = root
        # Datasets: no eviction policy at all (diskcache then never culls); they leave by
        # expiry (retention) or by their owners' deletion only.
        self._datasets = diskcache.Cache(str(root / "datasets"), eviction_policy="none",
                                         cull_limit=0, size_limit=2**62)
        self._results = diskcache.Cache(str(root / "results"), **opts)

    # -------------------------------------------------------------- datasets
    def put_dataset(self, data: bytes, filename: str, client: str | None = None) -> str:
        dataset_id = dataset_id_for(data)
        size = len(data)
        cache, limits = self._datasets, self.limits
        with cache.transact():
            cache.expire()  # past their retention: gone now, so their room counts as free
            index = self._index(client) if client else {}
            if dataset_id in cache:
                # The same bytes are one dataset: this client now keeps it alive too.
                cache.touch(dataset_id, expire=limits.retention)
            else:
                used = sum(size for size, _ in index.values())
                if client and used + size > limits.quota:
                    raise QuotaError(over_quota_message(used, size, limits))
                total = self._volume()
                if total + size > limits.store:
                    raise QuotaError(store_full_message(total, size, limits))
                cache.set(dataset_id, (bytes(data), str(filename)), expire=limits.retention)
                log.info("stored dataset %s (%d bytes)", dataset_id[:12], size)
            if client and dataset_id not in index:
                index[dataset_id] = (size, str(filename))
                cache.set(("client", client), index)
                owners = cache.get(("owners", dataset_id), set())
                cache.set(("owners", dataset_id), owners | {client})
        return dataset_id

    def _volume(self) -> int:
        # volume() counts the database pages too: a floor of a few kB when empty.
        return int(self._datasets.volume())

    def _index(self, client: str) -> dict[str, tuple[int, str]]:
        """The client's uploads still stored, {id: (size, file name)}; expired ones dropped."""
        index = self._datasets.get(("client", client), {})
        kept = {ds: v for ds, v in index.items() if ds in self._datasets}
        if len(kept) != len(index):
            self._datasets.set(("client", client), kept)
        return kept

    def get_dataset(self, dataset_id: str) -> tuple[bytes, str] | None:
        if not is_upload_id(dataset_id) or not self.touch_dataset(dataset_id):
            return None
        return self._datasets.get(dataset_id)

    def has_dataset(self, dataset_id: str) -> bool:
        return is_upload_id(dataset_id) and dataset_id in self._datasets

    def touch_dataset(self, dataset_id: str) -> bool:
        """The dataset was opened: keep it another retention period. False when it is gone."""
        return is_upload_id(dataset_id) and bool(
            self._datasets.touch(dataset_id, expire=self.limits.retention))

    def client_datasets(self, client: str) -> list[StoredUpload]:
        """The uploads ``client`` made that are still stored."""
        with self._datasets.transact():
            index = self._index(client)
        return [StoredUpload(ds, name, size) for ds, (size, name) in index.items()]

    def delete_dataset(self, dataset_id: str, client: str) -> bool:
        """Drop ``client``'s hold on an upload; the bytes go when nobody else uploaded them.
        False when ``client`` never uploaded it (one client cannot delete another's)."""
        cache = self._datasets
        with cache.transact():
            index = cache.get(("client", client), {})
            if dataset_id not in index:
                return False
            del index[dataset_id]
            cache.set(("client", client), index)
            owners = cache.get(("owners", dataset_id), set()) - {client}
            if owners:
                cache.set(("owners", dataset_id), owners)
            else:
                cache.delete(("owners", dataset_id))
                cache.delete(dataset_id)
                log.info("deleted dataset %s at its owner's request", dataset_id[:12])
        return True

    def put_view(self, view_id: str, query: str) -> None:
        """Keep a long link's query (components.state.views), as long as a dataset."""
        self._datasets.set(("view", view_id), str(query), expire=self.limits.retention)

    def get_view(self, view_id: str) -> str | None:
        if not self._datasets.touch(("view", view_id), expire=self.limits.retention):
            return None
        return self._datasets.get(("view", view_id))

    # -------------------------------------------------------------- results (a cache)
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
        from components.state.redis_store import RedisStore

        return RedisStore(settings.redis_url, cache_url=settings.redis_cache_url,
                          limits=Limits.of(settings.store_size_mb, settings.client_quota_mb,
                                           settings.retention_days))
    return DiskStore(Path(settings.data_dir) / "store", settings.store_size_mb,
                     settings.client_quota_mb, settings.retention_days)


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
