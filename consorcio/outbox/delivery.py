"""Delivering one outbox event to one subscriber, retrying with backoff, and the sweeper's pick.

``deliver`` is what the Celery task runs. The delivery row is locked (``SKIP LOCKED``: a
concurrent attempt on the same row simply steps aside), the handler runs inside the same
transaction under a savepoint, and the row is marked delivered in that transaction: the
handler's writes and the "delivered" mark commit together, so delivering twice runs the
handler once. A handler that raises has its work rolled back to the savepoint; the attempt is
counted, the error kept, and the next attempt scheduled with exponential backoff and jitter;
after ``OUTBOX_MAX_ATTEMPTS`` the delivery is dead (a dead letter for operators).

Retries are driven by the beat sweeper (``claim_due_deliveries`` every minute), not by broker
ETAs: the database, not the broker, is the record of what is left to deliver.
"""

from __future__ import annotations

import enum
import random
import traceback
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consorcio.models import OutboxDelivery
from consorcio.outbox import metrics
from consorcio.outbox.events import StoredEvent
from consorcio.outbox.publishing import redelivery_after
from consorcio.outbox.registry import find_subscriber

logger = structlog.get_logger(__name__)

_jitter = random.SystemRandom()
_ERROR_LIMIT = 4000


class DeliveryOutcome(enum.StrEnum):
    """What one call of ``deliver`` did."""

    DELIVERED = "delivered"
    FAILED = "failed"  # the handler raised; another attempt is scheduled
    DEAD = "dead"  # the handler raised on the last allowed attempt
    SKIPPED = "skipped"  # already delivered or dead, missing, or locked by another attempt


def max_attempts() -> int:
    """How many failed attempts turn a delivery into a dead letter (``OUTBOX_MAX_ATTEMPTS``)."""
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8))


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failures.

    Exponential: ``OUTBOX_RETRY_BASE_SECONDS * 2**(attempts-1)``, capped at
    ``OUTBOX_RETRY_MAX_SECONDS``, with "equal jitter" (a random point in the upper half of
    that window) so many deliveries failing together do not retry together.
    """
    base = float(getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 30))
    cap = float(getattr(settings, "OUTBOX_RETRY_MAX_SECONDS", 3600))
    window = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=window / 2 + _jitter.uniform(0, window / 2))


def deliver(delivery_id: int) -> DeliveryOutcome:
    """Run the subscriber of one delivery, at most once to success (see the module docstring)."""
    with transaction.atomic():
        delivery = (
            OutboxDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(pk=delivery_id, status=OutboxDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            metrics.DELIVERIES.labels(outcome=DeliveryOutcome.SKIPPED).inc()
            return DeliveryOutcome.SKIPPED
        event = StoredEvent.from_row(delivery.event)
        log_context = {"outbox_event_id": str(event.id), "subscriber": delivery.subscriber}
        if event.request_id:
            # The cause of the work is the request that published the event, even when the
            # sweeper (with no request of its own) is what enqueued this delivery.
            log_context["request_id"] = event.request_id
        with structlog.contextvars.bound_contextvars(**log_context):
            try:
                with transaction.atomic():
                    _run_handler(event, delivery.subscriber)
            except Exception as exc:
                outcome = _record_failure(delivery, event, exc)
            else:
                delivery.status = OutboxDelivery.Status.DELIVERED
                delivery.delivered_at = timezone.now()
                delivery.attempts += 1
                delivery.save(update_fields=["status", "delivered_at", "attempts"])
                outcome = DeliveryOutcome.DELIVERED
    metrics.DELIVERIES.labels(outcome=outcome).inc()
    if outcome is DeliveryOutcome.DEAD:
        metrics.DEAD_LETTERS.labels(type=event.type, subscriber=delivery.subscriber).inc()
    return outcome


def _run_handler(event: StoredEvent, subscriber_name: str) -> None:
    subscriber = find_subscriber(event.type, subscriber_name)
    if subscriber is None:
        raise LookupError(f"subscriber {subscriber_name!r} of {event.type!r} is not registered")
    subscriber.handler(event)


def _record_failure(
    delivery: OutboxDelivery, event: StoredEvent, exc: Exception
) -> DeliveryOutcome:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_error = _describe(exc)
    if delivery.attempts >= max_attempts():
        delivery.status = OutboxDelivery.Status.DEAD
        outcome = DeliveryOutcome.DEAD
        logger.error("outbox_delivery_dead", event_type=event.type, attempts=delivery.attempts)
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        outcome = DeliveryOutcome.FAILED
        logger.warning(
            "outbox_delivery_failed",
            event_type=event.type,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at.isoformat(),
            exc_info=exc,
        )
    delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    return outcome


def _describe(exc: Exception) -> str:
    text = "".join(traceback.format_exception(exc))
    summary = f"{type(exc).__name__}: {exc}"
    if len(text) <= _ERROR_LIMIT:
        return text
    return f"{summary}\n…\n{text[-(_ERROR_LIMIT - len(summary) - 3) :]}"


def claim_due_deliveries(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pick pending deliveries whose ``next_attempt_at`` has passed, for the sweeper to enqueue.

    Rows being delivered right now are skipped (``SKIP LOCKED``). Each picked row gets
    ``next_attempt_at`` pushed ``OUTBOX_REDELIVERY_AFTER_SECONDS`` ahead, so a delivery waiting
    in the broker is not enqueued again every minute, yet one whose message was lost comes
    back. Oldest first, at most ``limit`` per call.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxDelivery.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        OutboxDelivery.objects.filter(id__in=ids).update(next_attempt_at=now + redelivery_after())
    return ids
