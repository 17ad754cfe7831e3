"""Helpers of the installment and billing tests: sell quotas and deliver finance's events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.finance.services import installments
from apps.groups.models import Quota, QuotaVersion
from apps.groups.services import lifecycle, quotas, sales
from consorcio.models.outbox import OutboxDelivery
from consorcio.outbox import DeliveryOutcome, deliver
from tests.groups.conftest import make_group
from tests.members.factories import register

D = Decimal


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day-of-month ``months`` earlier (capped at 28, enough for these tests)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def deliver_finance_events() -> int:
    """Deliver every pending outbox delivery of a finance subscriber; fail on a handler error."""
    delivered = 0
    for delivery in OutboxDelivery.objects.filter(
        subscriber__startswith="finance.", status=OutboxDelivery.Status.PENDING
    ).order_by("pk"):
        outcome = deliver(delivery.pk)
        delivery.refresh_from_db()
        assert outcome is DeliveryOutcome.DELIVERED, delivery.last_error
        delivered += 1
    return delivered


def billing_group(actor, *, constituted_months_ago: int | None = None, **overrides):
    """Worked example 1's group (R$100,000, 100 months, 15%, 2%) with its quota numbers.

    ``constituted_months_ago`` makes it a running group whose first assembly was that many
    months ago (so a sale today is a late joiner).
    """
    group = make_group(actor=actor, max_quotas=overrides.pop("max_quotas", 20), **overrides)
    quotas.ensure_quotas(group)
    if constituted_months_ago is not None:
        on = months_before(timezone.localdate(), constituted_months_ago)
        group = lifecycle.constitute_group(group=group, on_date=on)
    return group


def sell(group, actor, number: int, *, name: str | None = None):
    """Sell quota ``number`` of ``group`` to a new member and deliver finance's events."""
    member = register(actor=actor, name=name or f"Consorciado {number}")
    reservation = sales.reserve_quota(actor=actor, group=group, member=member, number=number)
    version = sales.confirm_sale(actor=actor, reservation=reservation, contract_accepted=True)
    deliver_finance_events()
    return version


def active_quota(group, number: int):
    """An active holding of quota ``number`` with its schedule, without the sale's paperwork.

    A real sale renders the contract PDF (seconds each); billing tests that need several
    active quotas build the holding row directly and create the schedule through the same
    service the sale's event handler calls.
    """
    quota = Quota.objects.get(group=group, number=number)
    now = timezone.now()
    version = QuotaVersion.objects.create(
        quota=quota, version=1, status="active", sold_at=now, contract_accepted_at=now
    )
    quota.current_version = version
    quota.save(update_fields=["current_version"])
    installments.create_schedule(group_id=group.pk, quota_id=quota.pk, version=1)
    return version
