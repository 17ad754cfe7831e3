"""One renewal thread per process extends every renewing lease every ttl/3.

A thread per lease would cost a thread start per section (~0.25 ms, as much as the Redis
round trips themselves); one scheduler thread keeps sections cheap. Renewals are single
sub-millisecond Lua calls to the same Redis, so serving them from one thread delays nobody
unless Redis itself stalls, and then every lease is in the same trouble. After a fork the
child starts with an empty schedule and its own thread.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from typing import Protocol

import structlog

logger = structlog.get_logger(__name__)

# After a failed renewal, retry this soon (bounded by the renewal interval).
RETRY_SECONDS = 0.1


class Renewable(Protocol):
    """What the scheduler needs of a lease."""

    key: str
    ttl: float

    @property
    def is_active(self) -> bool:
        """Still held and not known lost: worth renewing."""
        ...

    def renew(self) -> bool:
        """Extend the lease once; False if that attempt could not confirm it."""
        ...

    def abandon(self, reason: str) -> None:
        """Mark the lease lost because renewal itself broke."""
        ...


class RenewalScheduler:
    """A heap of (due time, lease) served by one daemon thread, started on first use."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Renewable]] = []
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, lease: Renewable) -> None:
        """Renew ``lease`` every ttl/3 until it is no longer active."""
        self._schedule(lease, lease.ttl / 3)

    def _schedule(self, lease: Renewable, delay: float) -> None:
        with self._condition:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lock-renewal", daemon=True)
                self._thread.start()
            entry = (time.monotonic() + delay, next(self._sequence), lease)
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:  # due before anything else: wake the thread
                self._condition.notify()

    def _next_due(self) -> Renewable:
        with self._condition:
            while True:
                if not self._heap:
                    self._condition.wait()
                    continue
                due, _, lease = self._heap[0]
                if not lease.is_active:
                    heapq.heappop(self._heap)
                    continue
                delay = due - time.monotonic()
                if delay <= 0:
                    heapq.heappop(self._heap)
                    return lease
                self._condition.wait(delay)

    def _run(self) -> None:
        while True:
            lease = self._next_due()
            try:
                confirmed = lease.renew()
            except Exception as exc:  # a bug here must cost one lease, not every lease
                logger.exception("lock.renewal_failed", key=lease.key)
                lease.abandon(f"renewal failed: {exc!r}")
                continue
            if lease.is_active:
                interval = lease.ttl / 3
                self._schedule(lease, interval if confirmed else min(interval, RETRY_SECONDS))


scheduler = RenewalScheduler()
