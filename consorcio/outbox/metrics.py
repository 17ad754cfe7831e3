"""Prometheus counters of the outbox (``consorcio_outbox_*``), served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS_PUBLISHED = Counter(
    "consorcio_outbox_events_published",
    "Domain events committed to the outbox, by event type.",
    ["type"],
)
DELIVERIES = Counter(
    "consorcio_outbox_deliveries",
    "Delivery attempts by outcome (delivered, failed, dead, skipped).",
    ["outcome"],
)
DEAD_LETTERS = Counter(
    "consorcio_outbox_dead_letters",
    "Deliveries that exhausted their attempts, by event type and subscriber.",
    ["type", "subscriber"],
)
ENQUEUE_FAILURES = Counter(
    "consorcio_outbox_enqueue_failures",
    "Deliveries whose after-commit enqueue failed (the sweeper delivers them later).",
)
