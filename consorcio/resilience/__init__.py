"""Resilience for adapters to external services (ARCHITECTURE.md §4 "External calls").

- ``ResiliencePolicy`` / ``resilient``: timeout per attempt and overall deadline, bounded
  retries with exponential backoff and full jitter, circuit breaker, fallback hook;
- ``CircuitBreaker``: state shared by every process through Redis (``cb:<name>:state``),
  per-process memory while Redis is unreachable;
- ``JsonHttpClient``: GET/POST JSON under a policy, mapping answers to typed errors;
- errors: ``TransientExternalError`` (retried), ``ExternalTimeout``,
  ``ExternalServiceUnavailable``, ``ExternalRequestRejected`` (4xx, not retried),
  ``CircuitOpen`` (503 ``external_service_unavailable``).

Metrics (``consorcio_external_*``) are in ``consorcio.resilience.metrics``.
"""

from consorcio.resilience.breaker import (
    BreakerSnapshot,
    BreakerState,
    CircuitBreaker,
    default_redis_client,
)
from consorcio.resilience.errors import (
    CircuitOpen,
    ExternalRequestRejected,
    ExternalServiceError,
    ExternalServiceUnavailable,
    ExternalTimeout,
    TransientExternalError,
)
from consorcio.resilience.http import JsonHttpClient
from consorcio.resilience.policy import ResiliencePolicy, resilient

__all__ = [
    "BreakerSnapshot",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpen",
    "ExternalRequestRejected",
    "ExternalServiceError",
    "ExternalServiceUnavailable",
    "ExternalTimeout",
    "JsonHttpClient",
    "ResiliencePolicy",
    "TransientExternalError",
    "default_redis_client",
    "resilient",
]
