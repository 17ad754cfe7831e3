"""A held lock: its fencing token, its validity, its renewal thread and its release.

Validity is tracked locally and conservatively: a lease is valid until ``sent + ttl - drift``
of its last confirmation, where ``sent`` is when the confirming command left this process
(Redis starts the TTL later, so Redis's expiry is never earlier than ours). A confirmation is
a token-checked PEXPIRE (renewal) or PTTL: finding the key gone or someone else's marks the
lease lost; a Redis error marks it lost only once the local deadline has passed, because
until then nobody else can have taken the lock. Renewal runs in the process's renewal thread
(``renewal.scheduler``).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import structlog
from redis.exceptions import RedisError

from consorcio.locks.errors import LockLost
from consorcio.locks.fencing import check_fencing_token
from consorcio.locks.metrics import (
    ACQUISITIONS,
    HOLD_SECONDS,
    LEASES_HELD,
    LEASES_LOST,
    metric_name,
)
from consorcio.locks.renewal import scheduler

if TYPE_CHECKING:
    from consorcio.locks.backend import Backend

logger = structlog.get_logger(__name__)


def clock_drift(ttl: float) -> float:
    """Safety margin between our clock and Redis's expiry (as Redlock: 1% of ttl + 2 ms)."""
    return ttl * 0.01 + 0.002


class Lease:
    """A lock held by this process; ``fencing_token`` grows with every new acquisition of a key.

    Use ``check()`` just before committing the section's transaction (it raises ``LockLost``
    if the lease is gone) and ``fence()`` to make the database refuse the write if a newer
    holder already wrote.
    """

    def __init__(
        self,
        *,
        key: str,
        token: str,
        fencing_token: int,
        ttl: float,
        waited: float,
        sent_at: float,
        renew: bool,
        backend: Backend,
    ) -> None:
        self.key = key
        self.fencing_token = fencing_token
        self.ttl = ttl
        self.waited = waited
        self.renews = renew
        self._token = token
        self._backend = backend
        self._acquired_at = time.monotonic()
        self._valid_until = sent_at + ttl - clock_drift(ttl)
        self._lost_reason: str | None = None
        self._guard = threading.Lock()
        self._ended = False
        LEASES_HELD.labels(metric_name(key)).inc()
        if renew:
            scheduler.add(self)

    def __repr__(self) -> str:
        state = "lost" if self.is_lost else "held"
        return f"<Lease {self.key} fence={self.fencing_token} {state}>"

    @property
    def is_lost(self) -> bool:
        """Whether the lease is known to be lost (expired, taken over or unprovable)."""
        return self._lost_reason is not None

    @property
    def is_active(self) -> bool:
        """Still held by its section and not known lost (the renewal thread asks)."""
        return not self._ended and self._lost_reason is None

    @property
    def remaining(self) -> float:
        """Seconds the lease is certainly still ours, by the last confirmation."""
        return max(0.0, self._valid_until - time.monotonic())

    def check(self) -> None:
        """Raise ``LockLost`` unless Redis confirms the lock is still ours (one round trip).

        Call it as the last statement inside the section's ``transaction.atomic()`` block,
        so that a lost lease rolls the transaction back instead of committing it.
        """
        if self._lost_reason is None:
            self._confirm()
        if self._lost_reason is not None:
            raise LockLost(self.key, self.fencing_token, self._lost_reason)

    def fence(self, *, using: str | None = None) -> None:
        """``check()``, then record our fencing token in the caller's transaction.

        Raises ``StaleFencingToken`` if a newer holder of the same key already wrote.
        """
        self.check()
        check_fencing_token(self.key, self.fencing_token, using=using)

    def renew(self) -> bool:
        """Extend the TTL once (called by the renewal thread); False if not confirmed."""
        return self._confirm(by_renewal=True)

    def abandon(self, reason: str) -> None:
        """Mark the lease lost because its renewal broke (called by the renewal thread)."""
        self._mark_lost(reason, by_renewal=True)

    def _confirm(self, *, by_renewal: bool = False) -> bool:
        """Extend (renewing lease) or read (fixed lease) our TTL; False if not confirmed."""
        ttl_ms = int(self.ttl * 1000) if self.renews else 0
        sent = time.monotonic()
        try:
            remaining_ms = self._backend.touch(self.key, self._token, ttl_ms)
        except RedisError as exc:
            if time.monotonic() >= self._valid_until:
                reason = f"Redis unreachable past the lease deadline: {exc}"
                self._mark_lost(reason, by_renewal=by_renewal)
            return False
        if remaining_ms == -2:
            reason = "the lock expired or was taken over by another holder"
            self._mark_lost(reason, by_renewal=by_renewal)
            return False
        if remaining_ms >= 0:
            deadline = sent + remaining_ms / 1000 - clock_drift(self.ttl)
            with self._guard:
                self._valid_until = max(self._valid_until, deadline)
        return True

    def _mark_lost(self, reason: str, *, by_renewal: bool = False) -> None:
        with self._guard:
            # A renewal racing the release finds the key gone: that is not a loss.
            if self._lost_reason is not None or (by_renewal and self._ended):
                return
            self._lost_reason = reason
        logger.error(
            "lock.lease_lost", key=self.key, fencing_token=self.fencing_token, reason=reason
        )

    def end(self) -> bool:
        """Stop renewing and release the lock (token-checked); True if the lease was lost.

        A release that finds the key still ours proves we held it without a break. A Redis
        error on release leaves the key to expire; it counts as lost only past the deadline.
        """
        with self._guard:
            if self._ended:
                return self.is_lost
            self._ended = True
        try:
            if not self._backend.release(self.key, self._token):
                self._mark_lost("the lock expired or was taken over by another holder")
        except RedisError as exc:
            if time.monotonic() >= self._valid_until:
                self._mark_lost(f"Redis unreachable past the lease deadline: {exc}")
            else:
                logger.warning("lock.release_failed", key=self.key, error=str(exc))
        name = metric_name(self.key)
        HOLD_SECONDS.labels(name).observe(time.monotonic() - self._acquired_at)
        LEASES_HELD.labels(name).dec()
        if self.is_lost:
            ACQUISITIONS.labels(name, "lost").inc()
            LEASES_LOST.labels(name).inc()
        return self.is_lost

    def raise_if_lost(self) -> None:
        """Raise ``LockLost`` if the lease is known to be lost (no Redis round trip)."""
        if self._lost_reason is not None:
            raise LockLost(self.key, self.fencing_token, self._lost_reason)
