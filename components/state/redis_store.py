"""The store in Redis (``REDIS_URL``): datasets kept, results a cache, shared by every machine.

Redis evicts by a server-wide policy, so datasets live where nothing is evicted: the instance
of ``REDIS_URL`` runs with ``maxmemory-policy noeviction`` and ``appendonly yes`` on a volume
(``docker-compose.yml``). Each dataset expires ``retention`` seconds after it was last opened;
quotas per client as on disk (``components.state.quota``). Results go to ``REDIS_CACHE_URL``
(a second instance with ``allkeys-lru``), else to the same instance with a time to live; a
result that cannot be written (the instance is full) is simply not memoised.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from components.state.quota import (
    Limits,
    QuotaError,
    StoredUpload,
    over_quota_message,
    store_full_message,
)
from components.state.store import dataset_id_for, key_hash
from components.view import is_upload_id

T = TypeVar("T")

log = logging.getLogger(__name__)


class RedisStore:
    """Datasets (``url``) and results (``cache_url``, default ``url``) in Redis."""

    def __init__(self, url: str, result_ttl: int = 7 * 24 * 3600, prefix: str = "dendro",
                 cache_url: str | None = None, limits: Limits | None = None) -> None:
        import redis  # local: only the Redis deployment needs it

        self._redis = redis
        self._r = redis.Redis.from_url(url)
        self._cache = redis.Redis.from_url(cache_url) if cache_url else self._r
        self._ttl = int(result_ttl)
        self._prefix = prefix
        self.limits = limits or Limits.of(2048, 256, 30)

    def _ds_key(self, dataset_id: str) -> str:
        return f"{self._prefix}:ds:{dataset_id}"

    def _client_key(self, client: str) -> str:
        return f"{self._prefix}:client:{client}"

    # -------------------------------------------------------------- datasets
    def put_dataset(self, data: bytes, filename: str, client: str | None = None) -> str:
        dataset_id = dataset_id_for(data)
        key, size, limits = self._ds_key(dataset_id), len(data), self.limits
        # One upload at a time decides on room, on every machine.
        with self._r.lock(f"{self._prefix}:lock:put", timeout=120, blocking_timeout=60):
            index = self._index(client) if client else {}
            # The same bytes already stored are one dataset: this client keeps it alive too.
            if not self._r.expire(key, max(1, int(limits.retention))):
                used = sum(index.values())
                if client and used + size > limits.quota:
                    raise QuotaError(over_quota_message(used, size, limits))
                total = self._total()
                if total + size > limits.store:
                    raise QuotaError(store_full_message(total, size, limits))
                try:
                    pipe = self._r.pipeline()
                    pipe.hset(key, mapping={"data": bytes(data), "filename": str(filename)})
                    pipe.expire(key, max(1, int(limits.retention)))
                    pipe.hset(f"{self._prefix}:sizes", dataset_id, size)
                    pipe.execute()
                except self._redis.exceptions.ResponseError as err:
                    # noeviction: Redis itself is out of memory; refuse, evict nothing.
                    log.warning("redis refused a dataset of %d bytes: %s", size, err)
                    raise QuotaError(store_full_message(total, size, limits)) from err
                log.info("stored dataset %s (%d bytes) in redis", dataset_id[:12], size)
            if client and dataset_id not in index:
                self._r.hset(self._client_key(client), dataset_id, size)
                self._r.sadd(f"{self._prefix}:owners:{dataset_id}", client)
        return dataset_id

    def _alive(self, ids: list[str]) -> list[bool]:
        pipe = self._r.pipeline()
        for ds in ids:
            pipe.exists(self._ds_key(ds))
        return [bool(x) for x in pipe.execute()]

    def _index(self, client: str) -> dict[str, int]:
        """The client's uploads still stored, {id: size}; expired ones dropped."""
        raw = self._r.hgetall(self._client_key(client))
        index = {k.decode(): int(v) for k, v in raw.items()}
        ids = list(index)
        gone = [ds for ds, alive in zip(ids, self._alive(ids), strict=True) if not alive]
        if gone:
            self._r.hdel(self._client_key(client), *gone)
        return {ds: v for ds, v in index.items() if ds not in gone}

    def _total(self) -> int:
        sizes_key = f"{self._prefix}:sizes"
        sizes = {k.decode(): int(v) for k, v in self._r.hgetall(sizes_key).items()}
        ids = list(sizes)
        gone = [ds for ds, alive in zip(ids, self._alive(ids), strict=True) if not alive]
        if gone:
            self._r.hdel(sizes_key, *gone)
        return sum(v for ds, v in sizes.items() if ds not in gone)

    def get_dataset(self, dataset_id: str) -> tuple[bytes, str] | None:
        if not is_upload_id(dataset_id):
            return None
        got = self._r.hmget(self._ds_key(dataset_id), ["data", "filename"])
        if got[0] is None:
            return None
        self.touch_dataset(dataset_id)
        return got[0], got[1].decode("utf-8", "replace")

    def has_dataset(self, dataset_id: str) -> bool:
        return is_upload_id(dataset_id) and bool(self._r.exists(self._ds_key(dataset_id)))

    def touch_dataset(self, dataset_id: str) -> bool:
        """The dataset was opened: keep it another retention period. False when it is gone."""
        return is_upload_id(dataset_id) and bool(
            self._r.expire(self._ds_key(dataset_id), max(1, int(self.limits.retention))))

    def client_datasets(self, client: str) -> list[StoredUpload]:
        index = self._index(client)
        names = [self._r.hget(self._ds_key(ds), "filename") for ds in index]
        return [StoredUpload(ds, (n or b"").decode("utf-8", "replace"), size)
                for (ds, size), n in zip(index.items(), names, strict=True)]

    def delete_dataset(self, dataset_id: str, client: str) -> bool:
        """Drop ``client``'s hold on an upload; the bytes go when nobody else uploaded them."""
        if not self._r.hdel(self._client_key(client), dataset_id):
            return False
        owners_key = f"{self._prefix}:owners:{dataset_id}"
        self._r.srem(owners_key, client)
        if not self._r.scard(owners_key):
            self._r.delete(owners_key, self._ds_key(dataset_id))
            self._r.hdel(f"{self._prefix}:sizes", dataset_id)
        return True

    def put_view(self, view_id: str, query: str) -> None:
        """Keep a long link's query (components.state.views), as long as a dataset."""
        self._r.set(f"{self._prefix}:view:{view_id}", str(query), ex=max(1, int(self.limits.retention)))

    def get_view(self, view_id: str) -> str | None:
        key = f"{self._prefix}:view:{view_id}"
        got = self._r.getex(key, ex=max(1, int(self.limits.retention)))
        return None if got is None else got.decode("utf-8", "replace")

    # -------------------------------------------------------------- results (a cache)
    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        rkey = f"{self._prefix}:memo:{key_hash(key)}"
        raw = self._cache.get(rkey)
        if raw is not None:
            # Only this app writes under the prefix, so unpickling reads our own values.
            return pickle.loads(raw)
        value = compute()
        try:
            self._cache.set(rkey, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                            ex=self._ttl)
        except self._redis.exceptions.ResponseError as err:
            # A full noeviction instance refuses writes: a result is a cache, go without.
            log.warning("result not memoised: %s", err)
        return value

    def has_result(self, key: Any) -> bool:
        """Whether :meth:`memo` holds ``key``, without fetching the value."""
        return bool(self._cache.exists(f"{self._prefix}:memo:{key_hash(key)}"))
