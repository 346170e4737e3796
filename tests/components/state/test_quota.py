"""Shared data is never lost (issue 13, point 6): quotas per client, retention, no eviction.

Service level, on disk and on a real Redis: another client filling its quota (or the whole
store) never removes a dataset someone else stored; the shared dataset opens after a restart
(a new process on the same data directory). Over HTTP: tests/components/state/test_quota_http.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from components.state.quota import MB, Limits, QuotaError
from components.state.redis_store import RedisStore
from components.state.store import DiskStore

ROOT = Path(__file__).resolve().parents[3]
A, B = "browser:" + "a" * 43, "browser:" + "b" * 43


def blob(seed: int, size: int) -> bytes:
    return np.random.default_rng(seed).bytes(size)


@pytest.fixture(params=["disk", "redis"])
def make_store(request, tmp_path):
    """A factory: ``make_store(store_mb, quota_mb, retention_days)``."""

    def make(store_mb: float = 50, quota_mb: float = 256, retention_days: float = 30):
        if request.param == "disk":
            return DiskStore(tmp_path / "store", store_mb, quota_mb, retention_days)
        url = request.getfixturevalue("redis_url")
        return RedisStore(url, prefix=f"q{tmp_path.name}",
                          limits=Limits.of(store_mb, quota_mb, retention_days))

    return make


def test_a_client_filling_its_quota_never_loses_anothers_dataset(make_store):
    store = make_store(store_mb=50, quota_mb=2)
    shared = store.put_dataset(blob(0, 500_000), "shared.csv", client=A)
    stored, refusal = [], None
    for i in range(1, 8):
        try:
            stored.append(store.put_dataset(blob(i, 600_000), f"b{i}.csv", client=B))
        except QuotaError as err:
            refusal = str(err)
            break
    assert len(stored) == 3, len(stored)  # 3 x 0.6 MB fit in 2 MB, a fourth does not
    # The message gives the numbers and what to do.
    assert "Your uploads on this server take 1.7 MB of your 2.0 MB" in refusal
    assert "this file (0.6 MB) does not fit" in refusal
    assert "Delete uploads you no longer need" in refusal
    assert store.get_dataset(shared) == (blob(0, 500_000), "shared.csv")
    assert all(store.has_dataset(ds) for ds in stored)


def test_six_uploads_into_a_small_store_evict_nothing(make_store):
    """The reproducer: DENDRO_STORE_SIZE_MB=5, six 0.9 MB uploads from B after A's."""
    store = make_store(store_mb=5)
    shared = store.put_dataset(blob(0, 900_000), "a.csv", client=A)
    results = []
    for i in range(1, 7):
        try:
            results.append(store.put_dataset(blob(i, 900_000), f"b{i}.csv", client=B))
        except QuotaError as err:
            results.append(err)
    refused = [r for r in results if isinstance(r, QuotaError)]
    assert refused, "six 0.9 MB uploads cannot all fit in 5 MB with A's"
    assert "storage for uploads is full" in str(refused[0])
    assert "DENDRO_STORE_SIZE_MB" in str(refused[0])
    assert store.get_dataset(shared) is not None
    assert all(store.has_dataset(r) for r in results if isinstance(r, str))


def test_one_upload_larger_than_the_store_evicts_nothing(make_store):
    store = make_store(store_mb=2)
    shared = store.put_dataset(blob(0, 300_000), "a.csv", client=A)
    with pytest.raises(QuotaError):
        store.put_dataset(blob(1, 3 * MB), "huge.csv", client=B)
    assert store.has_dataset(shared)


def test_the_same_bytes_are_one_dataset_kept_until_every_owner_deletes(make_store):
    store = make_store()
    data = blob(0, 1000)
    ds = store.put_dataset(data, "a.csv", client=A)
    assert store.put_dataset(data, "copy.csv", client=B) == ds
    assert not store.delete_dataset(ds, "browser:" + "c" * 43)  # not C's to delete
    assert store.delete_dataset(ds, A)
    assert store.has_dataset(ds), "B uploaded it too"
    assert [u.dataset_id for u in store.client_datasets(A)] == []
    assert [u.dataset_id for u in store.client_datasets(B)] == [ds]
    assert store.delete_dataset(ds, B)
    assert not store.has_dataset(ds) and store.get_dataset(ds) is None


def test_deleting_frees_the_quota(make_store):
    store = make_store(quota_mb=1)
    first = store.put_dataset(blob(0, 700_000), "1.csv", client=A)
    with pytest.raises(QuotaError):
        store.put_dataset(blob(1, 700_000), "2.csv", client=A)
    assert [(u.filename, u.size) for u in store.client_datasets(A)] == [("1.csv", 700_000)]
    store.delete_dataset(first, A)
    assert store.has_dataset(store.put_dataset(blob(1, 700_000), "2.csv", client=A))


def test_datasets_expire_after_the_retention_since_last_opened(make_store):
    store = make_store(retention_days=2 / 86400)  # 2 s
    opened = store.put_dataset(blob(0, 100), "opened.csv", client=A)
    left = store.put_dataset(blob(1, 100), "left.csv", client=A)
    deadline = time.monotonic() + 10
    while store.has_dataset(left) and time.monotonic() < deadline:
        assert store.touch_dataset(opened)  # opened again and again: kept
        time.sleep(0.2)
    assert not store.has_dataset(left), "not opened for 2 s: past its retention"
    assert store.has_dataset(opened)
    assert [u.dataset_id for u in store.client_datasets(A)] == [opened]


def test_the_shared_dataset_opens_after_a_restart(tmp_path):
    """A new process on the same data directory (what a restart is) opens the dataset."""
    store = DiskStore(tmp_path / "store", 5, 256, 30)
    shared = store.put_dataset(b"x,y\n1,2\n3,4\n", "shared.csv", client=A)
    for i in range(1, 7):
        try:
            store.put_dataset(blob(i, 900_000), f"b{i}.csv", client=B)
        except QuotaError:
            pass
    script = (
        "import json, sys\n"
        "from components.state.store import DiskStore\n"
        f"s = DiskStore({str(tmp_path / 'store')!r}, 5, 256, 30)\n"
        f"got = s.get_dataset({shared!r})\n"
        "print(json.dumps([got[0].decode(), got[1]] if got else None))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["x,y\n1,2\n3,4\n", "shared.csv"]


def test_redis_results_go_to_their_own_instance_and_a_full_one_is_no_error(redis_url, tmp_path):
    """Results in a second instance (REDIS_CACHE_URL); a refused write only skips the memo."""
    import redis

    cache_url = redis_url.rsplit("/", 1)[0] + "/3"
    store = RedisStore(redis_url, prefix=f"c{tmp_path.name}", cache_url=cache_url)
    store.memo(("k",), lambda: 42)
    assert store.has_result(("k",))
    r = redis.Redis.from_url(cache_url)
    assert any(k.startswith(f"c{tmp_path.name}:memo:".encode()) for k in r.keys("*"))
    assert not redis.Redis.from_url(redis_url).keys(f"c{tmp_path.name}:memo:*")

    class Full:
        def get(self, _key):
            return None

        def set(self, *_a, **_k):
            raise redis.exceptions.ResponseError("OOM command not allowed")

    store._cache = Full()
    assert store.memo(("other",), lambda: 7) == 7


def test_long_views_are_kept_like_datasets(make_store):
    store = make_store(retention_days=2 / 86400)  # 2 s
    store.put_view("f" * 32, "dataset=mpg&col=x")
    assert store.get_view("f" * 32) == "dataset=mpg&col=x"
    assert store.get_view("0" * 32) is None
    for _ in range(3):  # opened every second: kept past its 2 s retention
        time.sleep(1.0)
        assert store.get_view("f" * 32) is not None
    time.sleep(2.5)  # not opened for longer than its retention: gone
    assert store.get_view("f" * 32) is None
