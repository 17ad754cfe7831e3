"""A circuit breaker whose state every process shares through Redis.

States: ``closed`` (calls pass; consecutive failures are counted), ``open`` (calls fail at
once for ``recovery_timeout`` seconds), ``half_open`` (up to ``half_open_max_calls`` trial
calls pass; a success closes the breaker, a failure opens it again). A trial whose caller
never reports (its process died) frees its slot after another ``recovery_timeout``.

The state lives in one Redis hash, ``cb:<name>:state`` (fields ``state``, ``failures``,
``opened_at``, ``trials``, ``trial_started_at``), changed only by Lua scripts, so every web
and worker process sees the same breaker and transitions are atomic. Timestamps are wall-clock
seconds (``time.time``) of the calling process: the processes of one installation share NTP.
The hash expires after a period without writes (``10 * recovery_timeout``, at least 5 min),
so failures long forgotten do not accumulate.

If Redis is unreachable (short socket timeouts, ``settings.REDIS_SOCKET_TIMEOUT``), the
breaker never blocks the call: it falls back to a per-process in-memory state with the same
rules, logs a warning once, and tries Redis again after ``REDIS_RETRY_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import redis
import structlog
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from consorcio.resilience.metrics import BREAKER_STATE_VALUES, EXTERNAL_BREAKER_STATE

__all__ = ["BreakerSnapshot", "BreakerState", "CircuitBreaker", "default_redis_client"]

logger = structlog.get_logger(__name__)

# After a Redis failure, how long this process keeps to its in-memory state before retrying.
REDIS_RETRY_SECONDS = 5.0


class BreakerState(StrEnum):
    """Where a circuit breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSnapshot:
    """The breaker's state as the store holds it now (for operators and tests)."""

    state: BreakerState
    failures: int
    opened_at: float | None
    shared: bool  # False while Redis is unreachable and the state is this process's own


_ALLOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local recovery = tonumber(ARGV[2])
local max_trials = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local state = redis.call('HGET', key, 'state')
if (not state) or state == 'closed' then return {1, 'closed'} end
if state == 'open' then
  local opened = tonumber(redis.call('HGET', key, 'opened_at') or '0')
  if now - opened < recovery then return {0, 'open'} end
  redis.call('HSET', key, 'state', 'half_open', 'trials', 1, 'trial_started_at', ARGV[1])
  redis.call('EXPIRE', key, ttl)
  return {1, 'half_open'}
end
local trials = tonumber(redis.call('HGET', key, 'trials') or '0')
local started = tonumber(redis.call('HGET', key, 'trial_started_at') or '0')
if now - started >= recovery then
  trials = 0
  redis.call('HSET', key, 'trial_started_at', ARGV[1])
end
if trials < max_trials then
  redis.call('HSET', key, 'trials', trials + 1)
  redis.call('EXPIRE', key, ttl)
  return {1, 'half_open'}
end
return {0, 'half_open'}
"""

_FAILURE = """
local key = KEYS[1]
local threshold = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local state = redis.call('HGET', key, 'state')
if state == 'open' then return 'open' end
local failures = redis.call('HINCRBY', key, 'failures', 1)
if state == 'half_open' or failures >= threshold then
  redis.call('HSET', key, 'state', 'open', 'opened_at', ARGV[1], 'trials', 0)
  redis.call('EXPIRE', key, ttl)
  return 'opened'
end
redis.call('HSET', key, 'state', 'closed')
redis.call('EXPIRE', key, ttl)
return 'closed'
"""

_SUCCESS = """
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state == 'open' then return 'open' end
if state then redis.call('DEL', key) end
return 'closed'
"""


@dataclass
class _MemoryState:
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: float | None = None
    trials: int = 0
    trial_started_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


# Per-process fallback states, by breaker name (shared by instances with the same name).
_MEMORY: dict[str, _MemoryState] = {}
_MEMORY_GUARD = threading.Lock()
_CLIENTS: dict[str, redis.Redis] = {}


def default_redis_client() -> redis.Redis:
    """A client for ``settings.REDIS_URL`` with the project's short socket timeouts."""
    url = str(settings.REDIS_URL)
    with _MEMORY_GUARD:
        client = _CLIENTS.get(url)
        if client is None:
            timeout = float(getattr(settings, "REDIS_SOCKET_TIMEOUT", 0.5))
            # redis-py retries a failed command 3 times with seconds of backoff by default;
            # a breaker must never make a call wait on a dead Redis, so no retries here.
            client = redis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
            )
            _CLIENTS[url] = client
        return client


class CircuitBreaker:
    """A named breaker shared by every process through Redis (see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        redis_client: redis.Redis | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or recovery_timeout <= 0:
            raise ValueError("thresholds must be positive")
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.half_open_max_calls = half_open_max_calls
        self.key = f"cb:{name}:state"
        self._client = redis_client
        self._clock = clock
        self._scripts: dict[str, Any] = {}
        self._redis_down_until = 0.0

    # -- the three operations a policy uses ---------------------------------------------

    def allow(self) -> bool:
        """Whether a call may go out now; in ``half_open`` this takes a trial slot."""
        now = self._clock()
        args = [repr(now), repr(self.recovery_timeout), self.half_open_max_calls, self._ttl()]
        result = self._redis("allow", args)
        if result is None:
            allowed, state = self._memory_allow(now)
        else:
            allowed, state = bool(int(result[0])), BreakerState(_text(result[1]))
        self._observe(state)
        return allowed

    def record_success(self) -> None:
        """A call succeeded: reset the failure count; a successful trial closes the breaker."""
        result = self._redis("success", [])
        state = self._memory_success() if result is None else BreakerState(_text(result))
        self._observe(state)

    def record_failure(self) -> None:
        """A call failed: count it; at the threshold (or in a trial) the breaker opens."""
        now = self._clock()
        result = self._redis("failure", [repr(now), self.failure_threshold, self._ttl()])
        outcome = self._memory_failure(now) if result is None else _text(result)
        if outcome == "opened":
            logger.warning("circuit_opened", service=self.name, seconds=self.recovery_timeout)
        self._observe(BreakerState.OPEN if outcome == "opened" else BreakerState(outcome))

    # -- for operators, tests and error messages ----------------------------------------

    def snapshot(self) -> BreakerSnapshot:
        """The stored state (Redis, or this process's memory while Redis is unreachable)."""
        raw = self._redis("snapshot", [])
        if raw is None:
            memory = self._memory()
            with memory.lock:
                return BreakerSnapshot(memory.state, memory.failures, memory.opened_at, False)
        fields = {_text(k): _text(v) for k, v in raw.items()}
        opened_at = fields.get("opened_at")
        return BreakerSnapshot(
            state=BreakerState(fields.get("state", "closed")),
            failures=int(fields.get("failures", "0")),
            opened_at=float(opened_at) if opened_at else None,
            shared=True,
        )

    def retry_after(self) -> float | None:
        """Seconds until an open breaker admits a trial call; None when not open."""
        snapshot = self.snapshot()
        if snapshot.state is not BreakerState.OPEN or snapshot.opened_at is None:
            return None
        return max(0.0, snapshot.opened_at + self.recovery_timeout - self._clock())

    def reset(self) -> None:
        """Close the breaker and forget its failures (an operator's manual override)."""
        self._redis("reset", [])
        with _MEMORY_GUARD:
            _MEMORY.pop(self.name, None)
        self._observe(BreakerState.CLOSED)

    # -- Redis, with the in-memory fallback ---------------------------------------------

    def _redis(self, operation: str, args: list[Any]) -> Any:
        """Run one operation on Redis; None when Redis is unreachable (use memory)."""
        if time.monotonic() < self._redis_down_until:
            return None
        try:
            client = self._client or default_redis_client()
            if operation == "snapshot":
                return client.hgetall(self.key)
            if operation == "reset":
                return client.delete(self.key)
            script = self._scripts.get(operation)
            if script is None:
                source = {"allow": _ALLOW, "success": _SUCCESS, "failure": _FAILURE}[operation]
                script = self._scripts[operation] = client.register_script(source)
            return script(keys=[self.key], args=args)
        except redis.RedisError as exc:
            self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning(
                "circuit_breaker_redis_unavailable",
                service=self.name,
                error=type(exc).__name__,
                fallback="per-process state",
            )
            return None

    def _ttl(self) -> int:
        return max(300, int(self.recovery_timeout * 10))

    def _memory(self) -> _MemoryState:
        with _MEMORY_GUARD:
            return _MEMORY.setdefault(self.name, _MemoryState())

    def _memory_allow(self, now: float) -> tuple[bool, BreakerState]:
        memory = self._memory()
        with memory.lock:
            if memory.state is BreakerState.CLOSED:
                return True, memory.state
            if memory.state is BreakerState.OPEN:
                if now - (memory.opened_at or 0.0) < self.recovery_timeout:
                    return False, memory.state
                memory.state, memory.trials, memory.trial_started_at = (
                    BreakerState.HALF_OPEN,
                    1,
                    now,
                )
                return True, memory.state
            if now - memory.trial_started_at >= self.recovery_timeout:
                memory.trials, memory.trial_started_at = 0, now
            if memory.trials < self.half_open_max_calls:
                memory.trials += 1
                return True, memory.state
            return False, memory.state

    def _memory_success(self) -> BreakerState:
        memory = self._memory()
        with memory.lock:
            if memory.state is not BreakerState.OPEN:
                memory.state, memory.failures, memory.trials = BreakerState.CLOSED, 0, 0
            return memory.state

    def _memory_failure(self, now: float) -> str:
        """Same rules as the ``_FAILURE`` script; ``"opened"`` marks the transition."""
        memory = self._memory()
        with memory.lock:
            if memory.state is BreakerState.OPEN:
                return memory.state.value
            memory.failures += 1
            if memory.state is BreakerState.HALF_OPEN or memory.failures >= self.failure_threshold:
                memory.state, memory.opened_at, memory.trials = BreakerState.OPEN, now, 0
                return "opened"
            return memory.state.value

    def _observe(self, state: BreakerState) -> None:
        EXTERNAL_BREAKER_STATE.labels(service=self.name).set(BREAKER_STATE_VALUES[state.value])


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
