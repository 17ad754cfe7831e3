"""Fencing tokens and rollback: the database guarantee behind every critical section."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from consorcio.locks import (
    LockLost,
    StaleFencingToken,
    check_fencing_token,
    critical_section,
    locked_atomic,
)
from consorcio.models import LockFence

pytestmark = pytest.mark.django_db


def _fenced_write(effects, key: str, token: int, writer: str) -> None:
    """The protected write: fencing check and row in one transaction."""
    with transaction.atomic():
        check_fencing_token(key, token)
        effects.write(key, writer)


@pytest.mark.embedded
def test_a_write_with_an_older_fencing_token_is_refused_and_writes_nothing(lock_key, effects):
    _fenced_write(effects, lock_key, 10, "holder 10")
    _fenced_write(effects, lock_key, 12, "holder 12")

    with pytest.raises(StaleFencingToken) as refused:
        _fenced_write(effects, lock_key, 11, "holder 11")

    assert refused.value.code == "stale_fencing_token"
    assert effects.writers(lock_key) == ["holder 10", "holder 12"]
    assert LockFence.objects.get(key=lock_key).last_token == 12


def test_the_same_holder_may_check_its_token_again_within_its_section(lock_key, effects):
    with transaction.atomic():
        check_fencing_token(lock_key, 7)
        effects.write(lock_key, "first write")
        check_fencing_token(lock_key, 7)
        effects.write(lock_key, "second write")
    assert effects.writers(lock_key) == ["first write", "second write"]


@pytest.mark.django_db(transaction=True)
def test_checking_a_fencing_token_outside_a_transaction_is_refused(lock_key):
    with pytest.raises(TransactionManagementError):
        check_fencing_token(lock_key, 1)
    assert not LockFence.objects.filter(key=lock_key).exists()


def test_a_lease_lost_inside_locked_atomic_rolls_the_section_back(lock_key, effects):
    def late_section() -> None:
        with locked_atomic(lock_key, ttl=0.2, renew=False):
            effects.write(lock_key, "late holder")
            time.sleep(0.35)

    with pytest.raises(LockLost):
        late_section()
    assert effects.writers(lock_key) == []


def test_the_documented_pattern_rolls_back_when_the_lease_is_lost_before_commit(lock_key, effects):
    def late_section() -> None:
        with critical_section(lock_key, ttl=0.2, renew=False) as lease, transaction.atomic():
            effects.write(lock_key, "late holder")
            time.sleep(0.35)
            lease.check()

    with pytest.raises(LockLost):
        late_section()
    assert effects.writers(lock_key) == []


def test_a_holder_overtaken_by_a_newer_one_writes_nothing(lock_key, effects):
    stalled = critical_section(lock_key, ttl=0.2, renew=False)
    old = stalled.__enter__()
    time.sleep(0.35)  # the old holder stalls past its TTL; a newer one takes over and writes
    with locked_atomic(lock_key, ttl=5.0, fence=True) as new:
        effects.write(lock_key, "new holder")

    with pytest.raises(StaleFencingToken):
        _fenced_write(effects, lock_key, old.fencing_token, "old holder")
    with pytest.raises(LockLost):
        stalled.__exit__(None, None, None)

    assert new.fencing_token > old.fencing_token
    assert effects.writers(lock_key) == ["new holder"]
    assert LockFence.objects.get(key=lock_key).last_token == new.fencing_token


def test_a_section_that_keeps_its_lease_commits_and_records_its_token(lock_key, effects):
    with locked_atomic(lock_key, ttl=5.0, fence=True) as lease:
        effects.write(lock_key, "holder")
    assert effects.writers(lock_key) == ["holder"]
    assert LockFence.objects.get(key=lock_key).last_token == lease.fencing_token
