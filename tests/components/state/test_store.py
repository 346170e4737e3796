"""The content-addressed store: same contract on disk and on a real Redis."""

from __future__ import annotations

import numpy as np
import pytest

from components.state.redis_store import RedisStore
from components.state.store import DiskStore, dataset_id_for, key_hash
from components.view import is_upload_id


@pytest.fixture(params=["disk", "redis"])
def store(request, tmp_path):
    if request.param == "disk":
        return DiskStore(tmp_path / "store", size_limit_mb=16)
    url = request.getfixturevalue("redis_url")
    s = RedisStore(url, prefix=f"t{tmp_path.name}")
    return s


def test_put_is_content_addressed(store):
    a = store.put_dataset(b"x,y\n1,2\n", "a.csv")
    b = store.put_dataset(b"x,y\n1,2\n", "renamed.csv")
    assert a == b == dataset_id_for(b"x,y\n1,2\n")
    assert is_upload_id(a)
    # The first name stays: the same bytes are one dataset.
    assert store.get_dataset(a) == (b"x,y\n1,2\n", "a.csv")
    assert store.has_dataset(a)


def test_unknown_and_malformed_ids_are_none(store):
    assert store.get_dataset("0" * 64) is None
    assert store.get_dataset("../../etc/passwd") is None
    assert store.get_dataset("tutorial-blobs") is None
    assert not store.has_dataset("0" * 64)


def test_memo_computes_once_and_returns_equal_arrays(store):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(12.0).reshape(3, 4)

    key = ("linkage", "abc", {"method": "ward", "metric": "euclidean"})
    assert not store.has_result(key)
    first = store.memo(key, compute)
    assert store.has_result(("linkage", "abc", {"metric": "euclidean", "method": "ward"}))
    again = store.memo(("linkage", "abc", {"metric": "euclidean", "method": "ward"}), compute)
    np.testing.assert_array_equal(first, again)
    assert len(calls) == 1
    store.memo(("linkage", "abc", {"method": "single", "metric": "euclidean"}), compute)
    assert len(calls) == 2


def test_disk_store_survives_reopen(tmp_path):
    s1 = DiskStore(tmp_path / "s")
    ds = s1.put_dataset(b"a,b\n1,2\n", "t.csv")
    s1.memo(("k",), lambda: "value")
    s2 = DiskStore(tmp_path / "s")
    assert s2.get_dataset(ds) == (b"a,b\n1,2\n", "t.csv")
    assert s2.memo(("k",), lambda: "recomputed") == "value"


def test_disk_store_refuses_past_cap_and_evicts_no_dataset(tmp_path):
    """Regression (issue 13): past the cap, uploads evicted the least recently used datasets;
    now the upload that does not fit is refused and every stored dataset stays."""
    from components.state.quota import QuotaError

    s = DiskStore(tmp_path / "s", size_limit_mb=1)
    rng = np.random.default_rng(0)
    stored, refused = [], 0
    for i in range(6):
        try:
            stored.append(s.put_dataset(rng.bytes(300_000), f"{i}.bin"))
        except QuotaError as err:
            assert "storage for uploads is full" in str(err)
            refused += 1
    assert stored and refused, (len(stored), refused)
    assert all(s.has_dataset(ds) for ds in stored)


def test_disk_results_are_a_cache_evicted_least_recently_used(tmp_path):
    s = DiskStore(tmp_path / "s", size_limit_mb=1)
    rng = np.random.default_rng(0)
    for i in range(6):
        s.memo(("blob", i), lambda: rng.bytes(300_000))
        assert s.has_result(("blob", 0)) or i > 0
        s.memo(("blob", 0), lambda: b"recomputed")  # keep the first one recently used
    kept = [s.has_result(("blob", i)) for i in range(6)]
    assert kept[0] and kept[-1] and not all(kept), kept


def test_eviction_uses_only_diskcache_public_api():
    """Regression: eviction read diskcache's private ``_sql``; now culls through ``set``."""
    import inspect

    from components.state import store as store_module

    assert "._sql" not in inspect.getsource(store_module)


def test_key_hash_is_order_free_for_dicts_and_distinguishes_values():
    assert key_hash({"a": 1, "b": 2}) == key_hash({"b": 2, "a": 1})
    assert key_hash(("cut", 1.0)) != key_hash(("cut", 1.5))
