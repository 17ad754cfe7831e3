"""Domain events and the transactional outbox (ARCHITECTURE.md §4 "Domain events and outbox").

A service that changes state publishes what it did, in its own transaction::

    from consorcio.outbox import publish

    with transaction.atomic():
        quota = _persist_sale(...)
        publish(QuotaSold(quota_id=quota.pk, group_id=quota.group_id, price=quota.price))

``publish`` writes an ``OutboxEvent`` and one ``OutboxDelivery`` per subscriber registered for
the event's type (``subscribe`` in each app's ``handlers.py``, imported at start-up by the
kernel). After commit each delivery is enqueued to Celery (``consorcio.tasks``); the beat
sweeper enqueues whatever is still pending once its ``next_attempt_at`` passes, so a lost
message or a broker outage only delays delivery. Deliveries are idempotent by event id and
subscriber (the delivery row), retried with exponential backoff and dead-lettered after
``OUTBOX_MAX_ATTEMPTS``; operators see them with ``manage.py outbox`` and in the admin.

Modules: ``events`` (DomainEvent, StoredEvent, JSON rules), ``registry`` (subscribers),
``publishing`` (publish, enqueue), ``delivery`` (deliver, backoff, sweeper's pick),
``operations`` (status, dead letters, retry), ``metrics``.
"""

from consorcio.outbox.delivery import (
    DeliveryOutcome,
    claim_due_deliveries,
    deliver,
    max_attempts,
    retry_delay,
)
from consorcio.outbox.events import DomainEvent, JSONValue, StoredEvent, to_json_value
from consorcio.outbox.operations import (
    OutboxStatus,
    RetryResult,
    dead_deliveries,
    outbox_status,
    retry_dead_deliveries,
)
from consorcio.outbox.publishing import OutboxError, enqueue_deliveries, publish
from consorcio.outbox.registry import (
    Handler,
    Subscriber,
    autodiscover_handlers,
    find_subscriber,
    register_subscriber,
    subscribe,
    subscribers_for,
)

__all__ = [
    "DeliveryOutcome",
    "DomainEvent",
    "Handler",
    "JSONValue",
    "OutboxError",
    "OutboxStatus",
    "RetryResult",
    "StoredEvent",
    "Subscriber",
    "autodiscover_handlers",
    "claim_due_deliveries",
    "dead_deliveries",
    "deliver",
    "enqueue_deliveries",
    "find_subscriber",
    "max_attempts",
    "outbox_status",
    "publish",
    "register_subscriber",
    "retry_dead_deliveries",
    "retry_delay",
    "subscribe",
    "subscribers_for",
    "to_json_value",
]
