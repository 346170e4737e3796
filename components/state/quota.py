"""Shared data is never lost: what a store keeps, for whom, and what it says when it is full.

Datasets are kept for a retention period since they were last opened (``retention_days``);
each upload is counted against the client that made it (``components.web.clients``), up to a
quota (``client_quota_mb``, never more than the whole store). An upload past either limit is
refused with :class:`QuotaError`, which says what to do; nothing another client stored is
evicted to make room. Results are a cache: evicted and recomputed at will.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustering.errors import DataError

MB = 1024 * 1024


class QuotaError(DataError):
    """An upload that does not fit the client's quota or the store; the message says why."""


@dataclass(frozen=True)
class StoredUpload:
    """One upload a client owns: its id, file name and size in bytes."""

    dataset_id: str
    filename: str
    size: int


@dataclass(frozen=True)
class Limits:
    """The store's limits, in bytes and seconds.

    >>> Limits.of(store_mb=5, quota_mb=256, retention_days=30).quota
    5242880
    """

    store: int
    quota: int
    retention: float

    @classmethod
    def of(cls, store_mb: float, quota_mb: float, retention_days: float) -> Limits:
        store = int(store_mb * MB)
        return cls(store=store, quota=min(int(quota_mb * MB), store),
                   retention=float(retention_days) * 24 * 3600)

    @property
    def retention_days(self) -> float:
        return self.retention / (24 * 3600)


_DELETE = "Delete uploads you no longer need (Data card, \"Your uploads\")"


def over_quota_message(used: int, size: int, limits: Limits) -> str:
    """What a client reads when an upload does not fit its own quota.

    >>> over_quota_message(4 * MB, 2 * MB, Limits.of(5, 5, 30))
    'Your uploads on this server take 4.0 MB of your 5.0 MB; this file (2.0 MB) does not fit. Delete uploads you no longer need (Data card, "Your uploads"), or wait: an upload is removed 30 days after it was last opened.'
    """
    return (f"Your uploads on this server take {used / MB:.1f} MB of your "
            f"{limits.quota / MB:.1f} MB; this file ({size / MB:.1f} MB) does not fit. "
            f"{_DELETE}, or wait: an upload is removed {limits.retention_days:g} days after it "
            "was last opened.")


def store_full_message(used: int, size: int, limits: Limits) -> str:
    """What a client reads when the whole store is full (its own quota is not).

    >>> store_full_message(4 * MB, 2 * MB, Limits.of(5, 5, 30))[:69]
    "This server's storage for uploads is full (4.0 of 5.0 MB); this file "
    """
    return (f"This server's storage for uploads is full ({used / MB:.1f} of "
            f"{limits.store / MB:.1f} MB); this file ({size / MB:.1f} MB) does not fit. "
            f"{_DELETE}, or ask the operator to raise DENDRO_STORE_SIZE_MB; uploads are "
            f"removed {limits.retention_days:g} days after they were last opened.")
