"""Timeout, bounded retries with backoff and jitter, circuit breaker and fallback.

An adapter wraps each call to an external service in a ``ResiliencePolicy``::

    BUREAU = ResiliencePolicy(
        "score-bureau", timeout=2.0, max_attempts=3,
        breaker=CircuitBreaker("score-bureau", failure_threshold=5, recovery_timeout=30),
    )

    def fetch_score(cpf: str, *, timeout: float) -> int:
        return session.get(URL, params={"cpf": cpf}, timeout=timeout).json()["score"]

    score = BUREAU.call(fetch_score, cpf)          # or decorate fetch_score with @resilient

The policy supplies the timeout: it calls ``fn(*args, timeout=<seconds>, **kwargs)`` and the
adapter must pass that value to its client library (``requests``' ``timeout=``). Each attempt
gets ``min(timeout, time left before the deadline)``, so the overall ``deadline`` bounds the
whole call, retries and backoff included (default: all timeouts plus the largest backoffs).

Rules:
- only exceptions in ``retry_on`` (default: ``TransientExternalError`` — 5xx, 429, timeouts,
  dropped connections) are retried, and they count as breaker failures; any other exception
  (a 4xx ``ExternalRequestRejected``, a bug) propagates at once and counts as a breaker
  success, because the service did answer;
- backoff before retry *n* (1-based) is ``random() * min(backoff_max, backoff_base * 2**(n-1))``
  ("full jitter"); without ``jitter`` the cap itself. No retry is started whose backoff would
  end past the deadline;
- an open breaker refuses the call without attempting it (``CircuitOpen``, 503);
- ``fallback(exc)`` answers when retries are exhausted or the breaker is open, with the last
  exception (or ``CircuitOpen``); without a fallback that exception is raised. It must return
  what ``fn`` returns (a cached value, a default, a "pending" marker).

``sleep``, ``random`` and ``clock`` are injectable so tests never really wait.
"""

from __future__ import annotations

import functools
import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

import structlog

from consorcio.resilience.breaker import CircuitBreaker
from consorcio.resilience.errors import CircuitOpen, TransientExternalError
from consorcio.resilience.metrics import (
    EXTERNAL_CALL_SECONDS,
    EXTERNAL_CALLS,
    EXTERNAL_FALLBACKS,
    EXTERNAL_RETRIES,
)

__all__ = ["ResiliencePolicy", "resilient"]

logger = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ResiliencePolicy:
    """How calls to one external service are protected (see the module docstring)."""

    name: str
    timeout: float = 5.0
    max_attempts: int = 3
    backoff_base: float = 0.2
    backoff_max: float = 5.0
    jitter: bool = True
    retry_on: tuple[type[Exception], ...] = (TransientExternalError,)
    breaker: CircuitBreaker | None = None
    fallback: Callable[[Exception], Any] | None = None
    deadline: float | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    random: Callable[[], float] = field(default=_random.random, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.max_attempts < 1:
            raise ValueError("timeout must be positive and max_attempts at least 1")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff must not be negative")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("deadline must be positive")

    @property
    def total_deadline(self) -> float:
        """Seconds the whole call may take, retries and backoff included.

        Without an explicit ``deadline``: every attempt's full timeout plus the largest
        backoff before each retry, so by default the deadline never cuts an attempt short.
        """
        if self.deadline is not None:
            return self.deadline
        caps = (self.backoff_cap(retry) for retry in range(1, self.max_attempts))
        return self.timeout * self.max_attempts + sum(caps)

    def backoff_cap(self, retry: int) -> float:
        """The largest backoff before retry number ``retry``: exponential, capped."""
        return min(self.backoff_max, self.backoff_base * 2.0 ** (retry - 1))

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 = the first retry)."""
        cap = self.backoff_cap(retry)
        return cap * self.random() if self.jitter else cap

    def with_changes(self, **changes: Any) -> ResiliencePolicy:
        """A copy with some fields changed (same breaker: it is shared by name anyway)."""
        return replace(self, **changes)

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, timeout=<seconds>, **kwargs)`` under this policy."""
        deadline_at = self.clock() + self.total_deadline
        last_error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            if self.breaker is not None and not self.breaker.allow():
                refusal = CircuitOpen(self.name, retry_after=self.breaker.retry_after())
                return cast(T, self._give_up(refusal, "short_circuited", cause=last_error))
            attempt_timeout = min(self.timeout, deadline_at - self.clock())
            started = time.perf_counter()
            try:
                result = fn(*args, timeout=attempt_timeout, **kwargs)
            except self.retry_on as error:
                EXTERNAL_CALL_SECONDS.labels(service=self.name).observe(
                    time.perf_counter() - started
                )
                last_error = error
                if self.breaker is not None:
                    self.breaker.record_failure()
                if not self._should_retry(attempt, deadline_at, error):
                    break
                continue
            except Exception:
                if self.breaker is not None:
                    self.breaker.record_success()
                EXTERNAL_CALLS.labels(service=self.name, outcome="rejected").inc()
                raise
            EXTERNAL_CALL_SECONDS.labels(service=self.name).observe(time.perf_counter() - started)
            if self.breaker is not None:
                self.breaker.record_success()
            EXTERNAL_CALLS.labels(service=self.name, outcome="success").inc()
            return result
        assert last_error is not None  # the loop ran at least once and only breaks on errors
        return cast(T, self._give_up(last_error, "failed", cause=None))

    def _should_retry(self, attempt: int, deadline_at: float, error: Exception) -> bool:
        """Sleep the backoff and say yes, or say no (attempts or deadline exhausted)."""
        if attempt >= self.max_attempts:
            return False
        delay = self.backoff(attempt)
        if self.clock() + delay >= deadline_at:
            return False
        logger.info(
            "external_call_retry",
            service=self.name,
            attempt=attempt,
            error=type(error).__name__,
            backoff_seconds=round(delay, 3),
        )
        EXTERNAL_RETRIES.labels(service=self.name).inc()
        self.sleep(delay)
        return True

    def _give_up(self, error: Exception, outcome: str, *, cause: Exception | None) -> Any:
        EXTERNAL_CALLS.labels(service=self.name, outcome=outcome).inc()
        logger.warning(
            "external_call_failed",
            service=self.name,
            outcome=outcome,
            error=type(error).__name__,
            fallback=self.fallback is not None,
        )
        if self.fallback is not None:
            EXTERNAL_FALLBACKS.labels(service=self.name).inc()
            return self.fallback(error)
        if cause is not None:
            raise error from cause
        raise error


def resilient(policy: ResiliencePolicy) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate an adapter function so every call goes through ``policy``.

    The function must accept a ``timeout`` keyword; its callers do not pass it.
    """

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            return policy.call(fn, *args, **kwargs)

        return wrapper

    return decorate
