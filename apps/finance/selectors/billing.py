"""Reads of installments, charges and billing runs (what pages, the API and other code ask)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum

from apps.finance.models import (
    BankAgreement,
    BillingRun,
    Charge,
    ChargeKind,
    ChargeStatus,
    CreditValue,
    Installment,
    InstallmentSchedule,
    PriceDifference,
    ScheduleStatus,
)

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "BillingRunSummary",
    "active_agreement",
    "billing_run",
    "billing_run_summary",
    "billing_runs",
    "credit_value_in_force",
    "credit_values_in_force",
    "current_schedule",
    "installment_charges",
    "pending_differences",
    "pending_late_charges",
    "quota_charges",
    "quota_installments",
]


def credit_value_in_force(group: ConsortiumGroup, on: dt.date) -> Decimal:
    """The group's credit value on ``on``: the latest adjustment in force, else its reference."""
    latest = (
        CreditValue.objects.filter(group_id=group.pk, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("value", flat=True)
        .first()
    )
    return latest if latest is not None else group.reference_credit_value


def credit_values_in_force(
    keys: Iterable[tuple[int, dt.date]], reference: dict[int, Decimal]
) -> dict[tuple[int, dt.date], Decimal]:
    """Credit values for many ``(group_id, date)`` pairs in one query (billing chunks).

    ``reference`` maps each group id to its reference credit value (used before any
    adjustment).
    """
    wanted = set(keys)
    history: dict[int, list[tuple[dt.date, Decimal]]] = {}
    rows = CreditValue.objects.filter(group_id__in={g for g, _ in wanted}).order_by(
        "effective_from"
    )
    for group_id, effective_from, value in rows.values_list("group_id", "effective_from", "value"):
        history.setdefault(group_id, []).append((effective_from, value))
    result: dict[tuple[int, dt.date], Decimal] = {}
    for group_id, day in wanted:
        value = reference[group_id]
        for effective_from, adjusted in history.get(group_id, []):
            if effective_from <= day:
                value = adjusted
        result[(group_id, day)] = value
    return result


def current_schedule(quota_id: int) -> InstallmentSchedule | None:
    """The quota's active installment schedule (of its latest sale), if any."""
    return (
        InstallmentSchedule.objects.filter(quota_id=quota_id, status=ScheduleStatus.ACTIVE)
        .order_by("-pk")
        .first()
    )


def quota_installments(quota_id: int) -> QuerySet[Installment]:
    """The installments of the quota's active schedule, by number."""
    return Installment.objects.filter(
        schedule__quota_id=quota_id, schedule__status=ScheduleStatus.ACTIVE
    ).order_by("number")


def quota_charges(quota_id: int) -> QuerySet[Charge]:
    """Every charge of the quota (all holders), oldest due date first."""
    return Charge.objects.filter(quota_id=quota_id).order_by("due_date", "pk")


def installment_charges(schedule: InstallmentSchedule) -> QuerySet[Charge]:
    """The installment charges of a schedule that still stand (not cancelled), in order."""
    return Charge.objects.filter(schedule=schedule, kind=ChargeKind.INSTALLMENT).exclude(
        status=ChargeStatus.CANCELLED
    )


def pending_differences(
    first_schedule_id: int, last_schedule_id: int
) -> dict[int, tuple[Decimal, list[int]]]:
    """Price differences of the schedules ``first..last`` not yet carried by a charge:
    ``schedule -> (sum, difference ids)``."""
    result: dict[int, tuple[Decimal, list[int]]] = {}
    rows = PriceDifference.objects.filter(
        schedule_id__gte=first_schedule_id,
        schedule_id__lte=last_schedule_id,
        charge__isnull=True,
    ).values_list("schedule_id", "pk", "amount")
    for schedule_id, pk, amount in rows.order_by("pk"):
        total, ids = result.get(schedule_id, (Decimal("0.00"), []))
        result[schedule_id] = (total + amount, [*ids, pk])
    return result


def pending_late_charges(first_schedule_id: int, last_schedule_id: int) -> dict[int, Decimal]:
    """Late charges (A4) owed and not yet billed, per schedule of ``first..last``: the hook the
    next bill reads.

    Zero for every quota until payments after the due date are applied (the payments work
    records what a late payment left unpaid and answers it here).
    """
    return {}


def active_agreement(group_id: int) -> BankAgreement | None:
    """The bank agreement boletos of the group are issued under: its own, else the default."""
    agreements = BankAgreement.objects.filter(
        Q(group_id=group_id) | Q(group__isnull=True), is_active=True
    )
    return agreements.order_by("group_id").first()  # the group's own sorts before NULL


def billing_runs() -> QuerySet[BillingRun]:
    """Every billing run with its job, newest first."""
    return BillingRun.objects.select_related("job", "group").order_by("-created_at")


def billing_run(pk: int) -> BillingRun:
    """One billing run with its job (``BillingRun.DoesNotExist`` when there is none)."""
    return billing_runs().get(pk=pk)


@dataclass(frozen=True)
class BillingRunSummary:
    """What a run produced so far: charges and their total, and the job's progress."""

    charges: int
    amount: Decimal
    quotas_done: int
    quotas_total: int
    state: str


def billing_run_summary(run: BillingRun) -> BillingRunSummary:
    """Charges created by ``run`` and their Reais total, with the job's done/total."""
    totals = Charge.objects.filter(billing_run=run).aggregate(n=Count("pk"), amount=Sum("amount"))
    job = run.job
    job.refresh_from_db(fields=["done", "total", "state"])
    return BillingRunSummary(
        charges=totals["n"],
        amount=totals["amount"] or Decimal("0.00"),
        quotas_done=job.done,
        quotas_total=job.total,
        state=str(job.state),
    )
