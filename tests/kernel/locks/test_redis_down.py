"""With Redis down or frozen, sections fail fast with a clear error; nothing hangs.

Each test starts a private redis-server and stops that one, never the machine's shared Redis.
"""

from __future__ import annotations

import json
import time

import pytest

from consorcio.errors import problem_exception_handler
from consorcio.locks import LockLost, LockNotAcquired, LockUnavailable, critical_section


def _try_section(key: str) -> None:
    with critical_section(key, ttl=5.0, wait=10.0):
        pytest.fail("the body must not run without the lock")


@pytest.fixture
def locks_on_private_redis(settings, private_redis):
    """Point the locks at the private Redis (the lock client follows settings.REDIS_URL)."""
    settings.REDIS_URL = private_redis.url
    return private_redis


def test_with_redis_killed_a_section_fails_fast_with_lock_unavailable(
    locks_on_private_redis, lock_key
):
    with critical_section(lock_key, ttl=5.0) as lease:  # works while Redis is up
        assert lease.fencing_token > 0
    locks_on_private_redis.kill()

    started = time.monotonic()
    with pytest.raises(LockUnavailable) as refused:
        _try_section(lock_key)
    assert time.monotonic() - started < 1.0
    assert isinstance(refused.value, LockNotAcquired)
    assert refused.value.code == "lock_backend_unavailable"
    assert "indisponível" in refused.value.detail


def test_with_redis_frozen_a_section_gives_up_within_about_a_second(
    locks_on_private_redis, lock_key
):
    with critical_section(lock_key, ttl=5.0):
        pass
    locks_on_private_redis.freeze()

    started = time.monotonic()
    with pytest.raises(LockUnavailable):
        _try_section(lock_key)
    # Two attempts bounded by REDIS_SOCKET_TIMEOUT (0.5 s) each.
    assert time.monotonic() - started < 1.5


def test_a_section_whose_redis_dies_midway_ends_with_lock_lost(locks_on_private_redis, lock_key):
    section = critical_section(lock_key, ttl=0.3)
    lease = section.__enter__()
    locks_on_private_redis.kill()
    time.sleep(0.6)  # past the last TTL Redis confirmed: ownership can no longer be proven
    assert lease.is_lost  # the renewal thread noticed, without waiting for the section to end
    with pytest.raises(LockLost) as lost:
        section.__exit__(None, None, None)
    assert "Redis" in lost.value.reason


def test_an_api_caller_sees_a_503_problem_asking_to_retry_without_the_lock_key(
    locks_on_private_redis, lock_key
):
    locks_on_private_redis.kill()
    with pytest.raises(LockUnavailable) as refused:
        _try_section(lock_key)

    response = problem_exception_handler(refused.value, {})

    body = json.loads(response.content)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert body["code"] == "lock_backend_unavailable"
    assert body["detail"].startswith("Serviço de bloqueio indisponível")
    assert lock_key not in response.content.decode()
