"""What operators see and do with the outbox: status, dead letters, and sending them again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from consorcio.models import OutboxDelivery
from consorcio.outbox.publishing import enqueue_deliveries, redelivery_after


@dataclass(frozen=True)
class OutboxStatus:
    """Delivery counts by status and the age of the oldest pending delivery."""

    counts: dict[str, int]
    oldest_pending_since: datetime | None
    checked_at: datetime

    @property
    def oldest_pending_age(self) -> timedelta | None:
        """How long the oldest pending delivery has waited (None when nothing is pending)."""
        if self.oldest_pending_since is None:
            return None
        return self.checked_at - self.oldest_pending_since


def outbox_status(*, now: datetime | None = None) -> OutboxStatus:
    """Count deliveries by status (every status present, zero included)."""
    rows = OutboxDelivery.objects.values("status").annotate(n=Count("id")).order_by()
    counts = {status.value: 0 for status in OutboxDelivery.Status}
    counts.update({row["status"]: row["n"] for row in rows})
    oldest = OutboxDelivery.objects.filter(status=OutboxDelivery.Status.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    return OutboxStatus(
        counts=counts, oldest_pending_since=oldest, checked_at=now or timezone.now()
    )


def dead_deliveries() -> QuerySet[OutboxDelivery]:
    """Dead letters, oldest first, with their event (type, aggregate) joined."""
    return (
        OutboxDelivery.objects.filter(status=OutboxDelivery.Status.DEAD)
        .select_related("event")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class RetryResult:
    """Which deliveries went back to pending, and which asked-for ids were not dead letters."""

    retried: list[int]
    refused: dict[int, str]


def retry_dead_deliveries(
    delivery_ids: Iterable[int] | None = None, *, all_dead: bool = False
) -> RetryResult:
    """Send dead deliveries again: back to pending with attempts reset, enqueued after commit.

    Either name the deliveries or pass ``all_dead=True``. Only dead letters are retried; any
    other id is reported in ``refused`` with the reason (pt-BR, shown to the operator) and left
    untouched. The last error is kept until the next attempt overwrites it.
    """
    if delivery_ids is None and not all_dead:
        raise ValueError("name the deliveries to retry or pass all_dead=True")
    now = timezone.now()
    wanted = None if delivery_ids is None else sorted(set(delivery_ids))
    with transaction.atomic():
        rows = OutboxDelivery.objects.select_for_update().order_by("id")
        if wanted is not None:
            rows = rows.filter(id__in=wanted)
        else:
            rows = rows.filter(status=OutboxDelivery.Status.DEAD)
        found = {row.pk: row.status for row in rows}
        refused: dict[int, str] = {}
        for delivery_id in wanted or []:
            status = found.get(delivery_id)
            if status is None:
                refused[delivery_id] = "entrega inexistente"
            elif status != OutboxDelivery.Status.DEAD:
                label = OutboxDelivery.Status(status).label
                refused[delivery_id] = f"a entrega não falhou definitivamente (está {label})"
        retried = [pk for pk, status in found.items() if status == OutboxDelivery.Status.DEAD]
        OutboxDelivery.objects.filter(id__in=retried).update(
            status=OutboxDelivery.Status.PENDING,
            attempts=0,
            next_attempt_at=now + redelivery_after(),
        )
        if retried:
            transaction.on_commit(partial(enqueue_deliveries, retried), robust=True)
    return RetryResult(retried=retried, refused=refused)
