"""The Redis side of the locks: one lazily built client per process and the Lua scripts.

A lock lives at ``lock:<key>`` whose value is ``<token>|<fence>|<acquired_ms>|<host>|<pid>``
(the holder's random token first, so release and renewal compare a prefix). Its fencing
counter lives at ``lock:fence:<key>``; both are written by one script, so a fencing token is
issued exactly when a lock is granted.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, cast

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

LOCK_PREFIX = "lock:"
FENCE_PREFIX = "lock:fence:"
# A fencing counter outlives its lock by this long; see _ACQUIRE for why expiring it is safe.
FENCE_COUNTER_TTL_MS = 7 * 24 * 3600 * 1000

# Grants the lock if free. The fencing counter is seeded from Redis's clock in microseconds
# when absent (first use, expired after a week idle, or a Redis restart without persistence),
# so a token issued after a reset is still higher than every token issued before it: tokens
# on one key never come faster than one per microsecond. string.format('%d') avoids Lua 5.1
# printing numbers above 1e14 in exponent notation. Returns the fencing token, or 0 if held.
_ACQUIRE = """
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local now = redis.call('time')
if redis.call('exists', KEYS[2]) == 0 then
  redis.call('set', KEYS[2], now[1] .. string.format('%06d', tonumber(now[2])))
end
local fence = redis.call('incr', KEYS[2])
redis.call('pexpire', KEYS[2], ARGV[4])
local acquired_ms = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local value = ARGV[1] .. string.format('%d', fence) .. '|' .. acquired_ms .. '|' .. ARGV[3]
redis.call('set', KEYS[1], value, 'PX', ARGV[2])
return fence
"""

# If the lock is still ours (value starts with our "token|"), optionally extends it to
# ARGV[2] ms and returns the remaining ms; returns -2 when it is gone or someone else's.
_TOUCH = """
local value = redis.call('get', KEYS[1])
if (not value) or string.sub(value, 1, string.len(ARGV[1])) ~= ARGV[1] then return -2 end
if tonumber(ARGV[2]) > 0 then redis.call('pexpire', KEYS[1], ARGV[2]) end
return redis.call('pttl', KEYS[1])
"""

# Deletes the lock only if it is still ours; returns 1 if deleted, 0 otherwise.
_RELEASE = """
local value = redis.call('get', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class Backend:
    """A Redis client of this process and the lock scripts registered on it."""

    client: redis.Redis
    acquire_script: Script
    touch_script: Script
    release_script: Script

    def acquire(self, key: str, token: str, ttl_ms: int, holder: str) -> int:
        """Try once to take ``key``; the fencing token, or 0 if someone holds it."""
        keys = [LOCK_PREFIX + key, FENCE_PREFIX + key]
        args: list[str | int] = [token + "|", ttl_ms, holder, FENCE_COUNTER_TTL_MS]
        return int(cast(Any, self.acquire_script(keys=keys, args=args)))

    def touch(self, key: str, token: str, ttl_ms: int) -> int:
        """Remaining ms of our lock (extended to ``ttl_ms`` first if > 0); -2 if not ours."""
        result = self.touch_script(keys=[LOCK_PREFIX + key], args=[token + "|", ttl_ms])
        return int(cast(Any, result))

    def release(self, key: str, token: str) -> bool:
        """Delete our lock; False if it was no longer ours (expired or taken over)."""
        return bool(cast(Any, self.release_script(keys=[LOCK_PREFIX + key], args=[token + "|"])))


_state_lock = threading.Lock()
_backend: Backend | None = None
_backend_identity: tuple[int, str, float] | None = None


def get_backend() -> Backend:
    """The lock backend of this process, rebuilt after a fork or a change of REDIS_URL.

    Socket timeouts are short (``REDIS_SOCKET_TIMEOUT``) and a failed command is retried once
    without backoff, so a dead Redis turns into an error in about a second, never a hang.
    """
    global _backend, _backend_identity
    identity = (os.getpid(), str(settings.REDIS_URL), float(settings.REDIS_SOCKET_TIMEOUT))
    backend = _backend
    if backend is not None and _backend_identity == identity:
        return backend
    with _state_lock:
        if _backend is None or _backend_identity != identity:
            _backend = _build_backend(url=identity[1], timeout=identity[2])
            _backend_identity = identity
        return _backend


def _forget_after_fork() -> None:
    # The child must not share the parent's sockets, nor a lock a parent thread held.
    global _state_lock, _backend, _backend_identity
    _state_lock = threading.Lock()
    _backend = None
    _backend_identity = None


os.register_at_fork(after_in_child=_forget_after_fork)


def get_redis() -> redis.Redis:
    """The Redis client the locks use (operator commands read held locks through it)."""
    return get_backend().client


def _build_backend(*, url: str, timeout: float) -> Backend:
    client = redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        decode_responses=True,
    )
    return Backend(
        client=client,
        acquire_script=client.register_script(_ACQUIRE),
        touch_script=client.register_script(_TOUCH),
        release_script=client.register_script(_RELEASE),
    )
