"""``critical_section`` and ``locked_atomic``: acquire, hold and release a Redis lock."""

from __future__ import annotations

import os
import random
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

from consorcio.locks.backend import get_backend
from consorcio.locks.errors import LockNotAcquired, LockUnavailable
from consorcio.locks.lease import Lease
from consorcio.locks.metrics import ACQUISITIONS, WAIT_SECONDS, metric_name

MIN_TTL_SECONDS = 0.05
# Polling while waiting: 5 ms doubling up to 50 ms, each sleep jittered by ±50%.
_POLL_FIRST_SECONDS = 0.005
_POLL_MAX_SECONDS = 0.05


@contextmanager
def critical_section(
    key: str, ttl: float | None = None, *, wait: float | None = None, renew: bool = True
) -> Iterator[Lease]:
    """Hold the Redis lock ``lock:<key>`` for the body of the ``with`` block.

    ``wait=None`` fails fast; ``wait=seconds`` waits up to that long. Raises
    ``LockNotAcquired`` (held elsewhere) or ``LockUnavailable`` (Redis unreachable) before the
    body runs. ``ttl`` defaults to ``settings.LOCK_DEFAULT_TTL``; with ``renew`` the process's
    renewal thread extends it every ttl/3 for as long as the body runs. If the lease is lost before
    the body ends, leaving the block raises ``LockLost`` (when the body itself raised, its
    exception propagates and the loss is still logged and counted).

    The lock saves wasted work; correctness also needs a database guarantee. Put the
    transaction inside and check the lease before it commits::

        with critical_section(f"payment:{charge.pk}", wait=5.0) as lease, transaction.atomic():
            lease.fence()          # optional: refuse the write if a newer holder wrote
            ...                    # the section's writes
            lease.check()          # LockLost here rolls the transaction back

    or use ``locked_atomic``, which does exactly that.
    """
    lease = acquire(key, ttl, wait=wait, renew=renew)
    try:
        yield lease
    except BaseException:
        lease.end()
        raise
    if lease.end():
        lease.raise_if_lost()


@contextmanager
def locked_atomic(
    key: str,
    ttl: float | None = None,
    *,
    wait: float | None = None,
    renew: bool = True,
    fence: bool = False,
    using: str | None = None,
) -> Iterator[Lease]:
    """``critical_section`` around ``transaction.atomic()``, checking the lease before commit.

    With ``fence=True`` the fencing token is recorded first thing in the transaction, so a
    holder whose lease was taken over and written by a newer holder writes nothing.
    """
    with (
        critical_section(key, ttl, wait=wait, renew=renew) as lease,
        transaction.atomic(using=using),
    ):
        if fence:
            lease.fence(using=using)
        yield lease
        lease.check()


def acquire(
    key: str, ttl: float | None = None, *, wait: float | None = None, renew: bool = True
) -> Lease:
    """Take the lock or raise; the caller must ``end()`` the lease (prefer the context managers)."""
    ttl = float(settings.LOCK_DEFAULT_TTL if ttl is None else ttl)
    _validate(key, ttl, wait)
    backend = get_backend()
    name = metric_name(key)
    token = secrets.token_hex(16)
    holder = f"{socket.gethostname()}|{os.getpid()}"
    ttl_ms = max(1, round(ttl * 1000))
    started = time.monotonic()
    deadline = started + (wait or 0.0)
    attempt = 0
    while True:
        sent = time.monotonic()
        try:
            fencing_token = backend.acquire(key, token, ttl_ms, holder)
        except RedisError as exc:
            _count(name, "unavailable", started)
            raise LockUnavailable(key, waited=time.monotonic() - started) from exc
        if fencing_token:
            break
        now = time.monotonic()
        if wait is None or now >= deadline:
            _count(name, "contended", started)
            raise LockNotAcquired(key, waited=now - started)
        time.sleep(min(deadline - now, _poll_delay(attempt)))
        attempt += 1
    waited = _count(name, "acquired", started)
    return Lease(
        key=key,
        token=token,
        fencing_token=fencing_token,
        ttl=ttl,
        waited=waited,
        sent_at=sent,
        renew=renew,
        backend=backend,
    )


def _validate(key: str, ttl: float, wait: float | None) -> None:
    if not key or key.startswith("fence:"):
        raise ValueError(f"Invalid lock key {key!r}: empty, or clashing with fencing counters.")
    if ttl < MIN_TTL_SECONDS:
        raise ValueError(f"Lock ttl must be at least {MIN_TTL_SECONDS}s, got {ttl}.")
    if wait is not None and wait < 0:
        raise ValueError(f"Lock wait must be >= 0 or None, got {wait}.")


def _count(name: str, outcome: str, started: float) -> float:
    waited = time.monotonic() - started
    ACQUISITIONS.labels(name, outcome).inc()
    WAIT_SECONDS.labels(name).observe(waited)
    return waited


def _poll_delay(attempt: int) -> float:
    base = min(_POLL_MAX_SECONDS, _POLL_FIRST_SECONDS * 2.0 ** min(attempt, 10))
    return base * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not cryptography
