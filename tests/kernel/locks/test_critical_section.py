"""Acquiring, waiting for, renewing and releasing critical sections over the real Redis."""

from __future__ import annotations

import threading
import time

import pytest
from prometheus_client import REGISTRY

from consorcio.locks import Lease, LockLost, LockNotAcquired, critical_section, held_locks


def _held(key: str) -> bool:
    return any(lock.key == key for lock in held_locks(prefix=key))


def _try_section(key: str, wait: float | None = None) -> None:
    """Enter and leave a section on ``key``; the body records nothing, it only must not run."""
    with critical_section(key, ttl=5.0, wait=wait):
        pytest.fail("the body of a refused section must not run")


def _stall(key: str, ttl: float, seconds: float) -> Lease:
    """A section with a fixed (non-renewed) ttl whose body takes ``seconds``."""
    with critical_section(key, ttl=ttl, renew=False) as lease:
        time.sleep(seconds)
    return lease


@pytest.mark.embedded
def test_a_second_caller_is_refused_at_once_while_the_key_is_held(lock_key):
    with critical_section(lock_key, ttl=5.0) as lease:
        started = time.monotonic()
        with pytest.raises(LockNotAcquired) as refused:
            _try_section(lock_key)
        assert time.monotonic() - started < 0.5
        assert refused.value.code == "lock_not_acquired"
        assert refused.value.detail == "Operação em andamento por outro processo; tente novamente."
        # The refusal changed nothing: the first holder still holds and still owns its lease.
        assert _held(lock_key)
        lease.check()
    assert not _held(lock_key)


def test_a_waiter_gives_up_after_its_timeout_when_the_holder_keeps_the_lock(lock_key):
    with critical_section(lock_key, ttl=5.0) as lease:
        started = time.monotonic()
        with pytest.raises(LockNotAcquired) as refused:
            _try_section(lock_key, wait=0.3)
        elapsed = time.monotonic() - started
        assert 0.3 <= refused.value.waited <= elapsed < 1.5
        lease.check()


def test_a_waiter_gets_the_lock_as_soon_as_the_holder_releases_it(lock_key):
    holding = threading.Event()
    first_tokens: list[int] = []

    def hold_briefly() -> None:
        with critical_section(lock_key, ttl=5.0) as lease:
            first_tokens.append(lease.fencing_token)
            holding.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    assert holding.wait(5)
    with critical_section(lock_key, wait=5.0) as lease:
        assert 0.1 <= lease.waited < 2.0
        assert lease.fencing_token > first_tokens[0]
    holder.join()


def test_every_new_acquisition_of_a_key_carries_a_higher_fencing_token(lock_key):
    tokens = []
    for _ in range(3):
        with critical_section(lock_key, ttl=5.0) as lease:
            tokens.append(lease.fencing_token)
    assert tokens == sorted(tokens)
    assert len(set(tokens)) == 3


def test_an_expired_holder_leaving_does_not_release_the_lock_its_successor_holds(lock_key):
    expired = critical_section(lock_key, ttl=0.2, renew=False)
    first = expired.__enter__()
    time.sleep(0.35)
    with critical_section(lock_key, ttl=5.0) as second:
        with pytest.raises(LockLost) as lost:
            expired.__exit__(None, None, None)
        assert lost.value.code == "lock_lost"
        assert lost.value.fencing_token == first.fencing_token
        # The successor's lock survived the first holder's release.
        assert _held(lock_key)
        with pytest.raises(LockNotAcquired):
            _try_section(lock_key)
        second.check()
    assert not _held(lock_key)


def test_renewal_keeps_a_long_section_locked_past_its_initial_ttl(lock_key):
    with critical_section(lock_key, ttl=0.5) as lease:
        time.sleep(1.2)
        with pytest.raises(LockNotAcquired):
            _try_section(lock_key)
        lease.check()
        assert not lease.is_lost
    assert not _held(lock_key)


def test_a_section_outliving_its_fixed_ttl_ends_with_lock_lost(lock_key):
    with pytest.raises(LockLost) as lost:
        _stall(lock_key, ttl=0.2, seconds=0.35)
    assert "expirou" in lost.value.detail
    assert not _held(lock_key)


def test_metrics_count_contention_waits_and_holds(lock_key):
    def sample(metric: str, **extra: str) -> float:
        return REGISTRY.get_sample_value(metric, {"name": "locktest", **extra}) or 0.0

    before = {
        "acquired": sample("consorcio_lock_acquisitions_total", outcome="acquired"),
        "contended": sample("consorcio_lock_acquisitions_total", outcome="contended"),
        "waits": sample("consorcio_lock_wait_seconds_count"),
        "holds": sample("consorcio_lock_hold_seconds_count"),
        "hold_time": sample("consorcio_lock_hold_seconds_sum"),
    }
    with critical_section(lock_key, ttl=5.0):
        time.sleep(0.1)
        with pytest.raises(LockNotAcquired):
            _try_section(lock_key)

    acquired = sample("consorcio_lock_acquisitions_total", outcome="acquired")
    contended = sample("consorcio_lock_acquisitions_total", outcome="contended")
    assert acquired == before["acquired"] + 1
    assert contended == before["contended"] + 1
    assert sample("consorcio_lock_wait_seconds_count") == before["waits"] + 2
    assert sample("consorcio_lock_hold_seconds_count") == before["holds"] + 1
    assert sample("consorcio_lock_hold_seconds_sum") - before["hold_time"] >= 0.1


def test_a_lost_lease_is_counted_as_an_alarm(lock_key):
    def lost_count() -> float:
        labels = {"name": "locktest"}
        return REGISTRY.get_sample_value("consorcio_lock_leases_lost_total", labels) or 0.0

    before = lost_count()
    with pytest.raises(LockLost):
        _stall(lock_key, ttl=0.1, seconds=0.2)
    assert lost_count() == before + 1
