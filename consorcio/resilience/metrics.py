"""Prometheus metrics of calls to external services (prefix ``consorcio_external_``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BREAKER_STATE_VALUES",
    "EXTERNAL_BREAKER_STATE",
    "EXTERNAL_CALLS",
    "EXTERNAL_CALL_SECONDS",
    "EXTERNAL_FALLBACKS",
    "EXTERNAL_RETRIES",
]

# outcome: success | rejected (a non-retryable answer, e.g. 4xx) | failed (retries exhausted
# or deadline reached) | short_circuited (breaker open, not attempted).
EXTERNAL_CALLS = Counter(
    "consorcio_external_calls_total",
    "Calls to external services through a resilience policy, by outcome.",
    ["service", "outcome"],
)
EXTERNAL_RETRIES = Counter(
    "consorcio_external_retries_total",
    "Attempts repeated after a transient failure.",
    ["service"],
)
EXTERNAL_FALLBACKS = Counter(
    "consorcio_external_fallbacks_total",
    "Calls answered by the policy's fallback (retries exhausted or breaker open).",
    ["service"],
)
EXTERNAL_CALL_SECONDS = Histogram(
    "consorcio_external_attempt_duration_seconds",
    "Duration of each attempt of an external call.",
    ["service"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
EXTERNAL_BREAKER_STATE = Gauge(
    "consorcio_external_circuit_state",
    "Circuit breaker state last seen by this process: 0 closed, 1 half-open, 2 open.",
    ["service"],
)
BREAKER_STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}
