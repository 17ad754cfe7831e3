"""Helpers of the delinquency and eligibility tests: a running group with a 2026 calendar,
holders sold before its first assembly, monthly bills and payments through the services.

The group (worked example 1: R$100,000, 100 months, 15% fee, 2% reserve: R$1,170.00 a month)
held its first assembly on Monday 12/01/2026, so its installments fall due on the assembly
days: 12/01 (the 10th was a Saturday), Tuesday 10/02, Tuesday 10/03 (worked example 2's due
date), Friday 10/04, Monday 11/05 (the 10th was a Sunday), …
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.finance import tasks  # noqa: F401 - registers the billing run's job kind
from apps.finance.models import Charge, PaymentSource
from apps.finance.services import billing, installments, payments
from apps.groups.models import Quota, QuotaVersion
from apps.groups.services import lifecycle
from consorcio.models import JobChunk, OutboxEvent
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import billing_group
from tests.members.factories import register

FIRST_ASSEMBLY = dt.date(2026, 1, 12)
SOLD_ON = dt.date(2026, 1, 5)
DUE = {
    1: dt.date(2026, 1, 12),
    2: dt.date(2026, 2, 10),
    3: dt.date(2026, 3, 10),
    4: dt.date(2026, 4, 10),
    5: dt.date(2026, 5, 11),
}


def running_group(actor, **overrides):
    """Worked example 1's group, constituted at its first assembly on 12/01/2026."""
    group = billing_group(actor, max_quotas=overrides.pop("max_quotas", 12), **overrides)
    return lifecycle.constitute_group(group=group, on_date=FIRST_ASSEMBLY)


def holder(group, number: int, *, actor=None, sold_on: dt.date = SOLD_ON) -> QuotaVersion:
    """An active holding of quota ``number`` sold on ``sold_on``, with its schedule.

    The holding row is built directly (a real sale renders the contract PDF, seconds each) and
    the schedule comes from the service the sale's event handler calls, as billing tests do.
    """
    quota = Quota.objects.get(group=group, number=number)
    moment = timezone.make_aware(dt.datetime.combine(sold_on, dt.time(10)))
    member = register(actor=actor, name=f"Consorciado {number}") if actor is not None else None
    version = QuotaVersion.objects.create(
        quota=quota,
        version=1,
        status="active",
        member=member,
        sold_at=moment,
        contract_accepted_at=moment,
    )
    quota.current_version = version
    quota.save(update_fields=["current_version"])
    installments.create_schedule(group_id=group.pk, quota_id=quota.pk, version=1)
    return version


def bill(group, month: int, captured) -> dict[int, Charge]:
    """Run the billing of ``month``/2026 for the group (chunks run here, as a worker would);
    the month's charges by quota number. ``captured``: django_capture_on_commit_callbacks."""
    with captured(execute=False):
        run = billing.start_billing_run(period=dt.date(2026, month, 1), group=group)
    for index in JobChunk.objects.filter(job=run.job).values_list("index", flat=True):
        assert run_job_chunk(str(run.job_id), index) in ("done", "skipped")
    charges = Charge.objects.filter(group=group, period=dt.date(2026, month, 1))
    return {charge.quota.number: charge for charge in charges.select_related("quota")}


def pay(charge: Charge, paid_on: dt.date) -> payments.PaymentResult:
    """The bank reports the charge paid in full on ``paid_on`` (credited the same day)."""
    return payments.apply_payment(
        charge=charge,
        settlement_id=f"S{charge.pk}-{paid_on:%Y%m%d}",
        amount=charge.amount,
        paid_on=paid_on,
        credited_on=paid_on,
        source=PaymentSource.BANK_FILE,
    )


def events(event_type: str) -> list[dict]:
    """Payloads of the outbox events of one type, in publication order."""
    rows = OutboxEvent.objects.filter(type=event_type).order_by("occurred_at", "pk")
    return [row.payload for row in rows]
