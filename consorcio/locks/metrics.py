"""Prometheus metrics of the critical sections (default registry, exported at /metrics).

The ``name`` label is the key's prefix before the first ``:`` (``payment`` for
``payment:42``), so its cardinality stays bounded by the kinds of sections, never the ids.
Alert on ``increase(consorcio_lock_leases_lost_total[5m]) > 0``: a lost lease is an alarm.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import Counter, Gauge, Histogram

Outcome = Literal["acquired", "contended", "unavailable", "lost"]

ACQUISITIONS = Counter(
    "consorcio_lock_acquisitions_total",
    "Lock attempts by outcome: acquired, contended (held elsewhere past the wait), "
    "unavailable (Redis unreachable), lost (lease lost before the section ended).",
    ["name", "outcome"],
)
WAIT_SECONDS = Histogram(
    "consorcio_lock_wait_seconds",
    "Time spent acquiring a lock, whatever the outcome.",
    ["name"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
HOLD_SECONDS = Histogram(
    "consorcio_lock_hold_seconds",
    "Time a lock was held, from acquisition to release.",
    ["name"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
LEASES_LOST = Counter(
    "consorcio_lock_leases_lost_total",
    "Leases lost (expired or taken over) before their section ended.",
    ["name"],
)
LEASES_HELD = Gauge(
    "consorcio_lock_leases_held",
    "Leases currently held by this process.",
    ["name"],
)


def metric_name(key: str) -> str:
    """The bounded ``name`` label of a lock key: its prefix before the first ``:``."""
    return key.split(":", 1)[0]
