"""Recording a domain event in the caller's transaction, and handing it to Celery after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consorcio.models import OutboxDelivery, OutboxEvent
from consorcio.observability import current_request_id
from consorcio.outbox import metrics
from consorcio.outbox.events import EVENT_TYPE_PATTERN, DomainEvent
from consorcio.outbox.registry import subscribers_for

logger = structlog.get_logger(__name__)

# The after-commit enqueue must not hold a web request hostage when the broker is down: one
# quick retry, then the sweeper's turn.
_ENQUEUE_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


class OutboxError(RuntimeError):
    """A programming error in the use of the outbox (not a business refusal)."""


def redelivery_after() -> timedelta:
    """How long a pending delivery waits for its fast path before the sweeper takes it over."""
    return timedelta(seconds=float(getattr(settings, "OUTBOX_REDELIVERY_AFTER_SECONDS", 60)))


def publish(event: DomainEvent) -> OutboxEvent:
    """Record ``event`` in the outbox as part of the caller's transaction.

    Must run inside ``transaction.atomic()``: the event and one delivery row per subscriber
    registered for its type commit or roll back with the caller's own writes, so a
    rolled-back action publishes nothing. After commit each delivery is enqueued to Celery
    (the fast path); the beat sweeper delivers whatever that enqueue lost. The current
    request id is stored with the event and bound again when it is delivered.
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError("publish() must be called inside transaction.atomic()")
    event_type = getattr(event, "type", "")
    if not EVENT_TYPE_PATTERN.fullmatch(event_type) or not getattr(event, "aggregate_type", ""):
        raise OutboxError(f"{type(event).__qualname__} must declare type and aggregate_type")
    now = timezone.now()
    row = OutboxEvent.objects.create(
        type=event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        payload=event.payload(),
        occurred_at=now,
        request_id=(current_request_id() or "")[:64],
    )
    deliveries = OutboxDelivery.objects.bulk_create(
        OutboxDelivery(
            event=row,
            subscriber=subscriber.name,
            next_attempt_at=now + redelivery_after(),
            created_at=now,
        )
        for subscriber in subscribers_for(event_type)
    )
    delivery_ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(partial(_after_commit, event_type, delivery_ids), robust=True)
    return row


def _after_commit(event_type: str, delivery_ids: list[int]) -> None:
    metrics.EVENTS_PUBLISHED.labels(type=event_type).inc()
    enqueue_deliveries(delivery_ids)


def enqueue_deliveries(delivery_ids: Sequence[int]) -> int:
    """Send one delivery task per id to the broker; returns how many were sent.

    Never raises: when the broker refuses, the remaining deliveries stay pending and the
    sweeper delivers them once their ``next_attempt_at`` passes.
    """
    from consorcio.tasks import deliver_outbox_delivery

    sent = 0
    for delivery_id in delivery_ids:
        try:
            deliver_outbox_delivery.apply_async(
                args=(delivery_id,), retry=True, retry_policy=_ENQUEUE_RETRY_POLICY
            )
        except Exception:
            metrics.ENQUEUE_FAILURES.inc(len(delivery_ids) - sent)
            logger.warning(
                "outbox_enqueue_failed",
                delivery_id=delivery_id,
                left=len(delivery_ids) - sent,
                exc_info=True,
            )
            break
        sent += 1
    return sent
