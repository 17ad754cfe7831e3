"""Installment schedules of quotas and the annual adjustment of the credit (DOMAIN.md A1-A3).

- ``create_schedule``: when a sale is confirmed, the quota's installments ``k+1..N`` with their
  fractions (``schedules.quota_schedule``: late joiners catch up the ``k`` installments whose
  due dates had passed) and due dates from the group's calendar: installment ``i`` falls on the
  group's assembly day of the ``i``-th month from the first assembly, moved to the next
  business day (``apps.groups.services.calendar``); DOMAIN.md worked example 2's due date,
  Tuesday 10/03/2026, is such a day. A group with no first assembly yet dates its schedules
  from the first assembly day on or after its first sale, so all its quotas share one calendar.
- ``cancel_schedule``: a sale cancelled within the cooling-off period owes nothing more.
- ``record_credit_adjustment``: the index variation at the anniversary assembly (A3). Unbilled
  installments are fractions and simply bill at the new value; every installment charge already
  issued at another value and due on or after the adjustment gets a *diferença de prestação*
  for its next bill (A1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.finance.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    CreditValue,
    DifferenceReason,
    Installment,
    InstallmentSchedule,
    InstallmentStatus,
    PriceDifference,
    ScheduleStatus,
)
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services.schedules import (
    adjusted_credit_value,
    missed_installments,
    price_difference,
    quota_schedule,
)
from apps.groups import selectors as group_selectors
from apps.groups.services import calendar, plans
from consorcio.audit import record_batch_audit
from consorcio.errors import DomainError

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "CreditAdjustmentInvalid",
    "ScheduleTermEnded",
    "cancel_schedule",
    "create_schedule",
    "group_due_dates",
    "record_credit_adjustment",
]


class ScheduleTermEnded(DomainError):
    """Every due date of the group's term has passed: a sale now would owe nothing monthly."""

    code: ClassVar[str] = "schedule_term_ended"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Prazo do grupo encerrado"
    default_detail: ClassVar[str] = "Todas as parcelas do grupo já venceram."


class CreditAdjustmentInvalid(DomainError):
    """The adjustment cannot be recorded (date already adjusted, or a variation of -100%)."""

    code: ClassVar[str] = "credit_adjustment_invalid"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Reajuste inválido"
    default_detail: ClassVar[str] = "O reajuste informado não pode ser registrado."


def _first_due_month(group: ConsortiumGroup, sold_on: dt.date) -> tuple[int, int]:
    if group.first_assembly_date is not None:
        start = group.first_assembly_date
    else:
        # A group in formation: the calendar its first schedule started, else the next
        # assembly day from the sale.
        earliest = (
            Installment.objects.filter(schedule__group_id=group.pk, number=1)
            .order_by("due_date")
            .values_list("due_date", flat=True)
            .first()
        )
        start = earliest or calendar.assembly_dates(group, sold_on, 1)[0]
    return start.year, start.month


def group_due_dates(group: ConsortiumGroup, sold_on: dt.date) -> list[dt.date]:
    """Due dates of the group's installments 1..N (assembly day, next business day)."""
    rules = group.current_rules
    if rules is None:
        raise ValueError(f"group {group.code} has no rules")
    year, month = _first_due_month(group, sold_on)
    dates = []
    for offset in range(group.term_months):
        y, m = divmod(month - 1 + offset, 12)
        dates.append(calendar.assembly_date_in_month(rules, year + y, m + 1))
    return dates


@transaction.atomic
def create_schedule(
    *,
    group_id: int,
    quota_id: int,
    version: int,
    catch_up_installments: int | None = None,
    actor: AbstractBaseUser | None = None,
) -> InstallmentSchedule:
    """Create the installments of the sale of ``quota_id``'s ``version`` (idempotent).

    Fractions from the group's rules in force at the sale; a late joiner's missed
    installments are spread over the first ``catch_up_installments`` remaining ones (default:
    all of them). Refused with ``schedule_term_ended`` when every due date has passed.
    """
    existing = InstallmentSchedule.objects.filter(
        quota_id=quota_id, quota_version__version=version
    ).first()
    if existing is not None:
        return existing
    group = group_selectors.groups().get(pk=group_id)
    quota = group_selectors.group_quotas(group).get(pk=quota_id)
    sale = group_selectors.quota_versions(quota).get(version=version)
    sold_on = timezone.localdate(sale.sold_at) if sale.sold_at else timezone.localdate()
    terms = plans.plan_terms(group)
    due_dates = group_due_dates(group, sold_on)
    missed = missed_installments(due_dates, sold_on)
    if missed >= group.term_months:
        raise ScheduleTermEnded()
    rows = quota_schedule(
        terms, due_dates, missed=missed, catch_up_installments=catch_up_installments
    )
    schedule = InstallmentSchedule.objects.create(
        quota_id=quota.pk,
        quota_version_id=sale.pk,
        group_id=group.pk,
        term_months=terms.term_months,
        admin_fee_total=terms.admin_fee_total,
        upfront_fee=terms.upfront_fee,
        reserve_fund=terms.reserve_fund,
        insurance=terms.insurance,
        missed_installments=missed,
        catch_up_installments=catch_up_installments or (terms.term_months - missed),
        sold_on=sold_on,
    )
    Installment.objects.bulk_create(
        Installment(
            schedule=schedule,
            number=row.number,
            due_date=row.due_date,
            common_fund=row.common_fund,
            reserve_fund=row.reserve_fund,
            admin_fee=row.admin_fee,
            insurance=row.insurance,
            catch_up=row.catch_up,
        )
        for row in rows
    )
    record_batch_audit(
        actor=actor,
        action="finance.installments.scheduled",
        model=Installment,
        count=len(rows),
        details={"schedule": schedule.pk, "quota": quota.pk, "version": version},
        operation="create",
    )
    return schedule


@transaction.atomic
def cancel_schedule(
    *, quota_id: int, version: int, actor: AbstractBaseUser | None = None
) -> InstallmentSchedule | None:
    """Cancel the schedule of a cancelled sale: its open installments and open charges end.

    Paid ones stay as they are (the refund of a cancelled sale is the payments' business).
    Cancelling twice changes nothing; a sale without a schedule returns None.
    """
    schedule = (
        InstallmentSchedule.objects.select_for_update()
        .filter(quota_id=quota_id, quota_version__version=version)
        .first()
    )
    if schedule is None or schedule.status == ScheduleStatus.CANCELLED:
        return schedule
    schedule.status = ScheduleStatus.CANCELLED
    schedule.save(update_fields=["status"])
    installments = Installment.objects.filter(
        schedule=schedule, status=InstallmentStatus.OPEN
    ).update(status=InstallmentStatus.CANCELLED)
    charges = (
        Charge.objects.filter(Q(schedule=schedule) | Q(quota_version_id=schedule.quota_version_id))
        .filter(status__in=[ChargeStatus.OPEN, ChargeStatus.OVERDUE])
        .update(status=ChargeStatus.CANCELLED)
    )
    record_batch_audit(
        actor=actor,
        action="finance.schedule.cancelled",
        model=Charge,
        count=charges,
        details={"schedule": schedule.pk, "installments": installments},
    )
    return schedule


def _installment_reais(charge: Charge) -> Decimal:
    return (
        charge.amount_common_fund
        + charge.amount_reserve_fund
        + charge.amount_admin_fee
        + charge.amount_insurance
    )


def _charge_fraction(charge: Charge) -> Decimal:
    return (
        charge.fraction_common_fund
        + charge.fraction_reserve_fund
        + charge.fraction_admin_fee
        + charge.fraction_insurance
    )


@transaction.atomic
def record_credit_adjustment(
    *,
    group: ConsortiumGroup,
    variation: Decimal,
    effective_from: dt.date,
    actor: AbstractBaseUser | None = None,
) -> CreditValue:
    """Adjust the group's credit value by the index ``variation`` from ``effective_from`` (A3).

    The new value is the one in force the day before times ``1 + variation`` (a negative
    variation reduces it only when the group's rules say so). Installment charges issued at
    another value and due on or after ``effective_from`` get the difference to the new value
    as a *diferença de prestação* on the quota's next bill (A1), once per charge and
    adjustment. Refused with ``credit_adjustment_invalid`` when the date was already adjusted.
    """
    rules = group.current_rules
    if rules is None:
        raise ValueError(f"group {group.code} has no rules")
    if CreditValue.objects.filter(group_id=group.pk, effective_from=effective_from).exists():
        raise CreditAdjustmentInvalid("O crédito do grupo já foi reajustado nesta data.")
    if variation <= -1:
        raise CreditAdjustmentInvalid("A variação do índice deve ser maior que -100%.")
    previous = billing_selectors.credit_value_in_force(group, effective_from - dt.timedelta(days=1))
    value = adjusted_credit_value(
        previous, variation, negative_reduces_credit=rules.negative_adjustment_reduces_credit
    )
    adjustment = CreditValue.objects.create(
        group_id=group.pk,
        effective_from=effective_from,
        value=value,
        previous_value=previous,
        index=rules.adjustment_index,
        variation=variation,
        created_by_id=actor.pk if actor is not None else None,
    )
    affected = (
        Charge.objects.filter(
            group_id=group.pk, kind=ChargeKind.INSTALLMENT, due_date__gte=effective_from
        )
        .exclude(status=ChargeStatus.CANCELLED)
        .exclude(credit_value=value)
        .order_by("pk")
    )
    differences = []
    for charge in affected.iterator(chunk_size=2000):
        amount = price_difference(_charge_fraction(charge), _installment_reais(charge), value)
        if amount:
            assert charge.schedule_id is not None
            differences.append(
                PriceDifference(
                    quota_id=charge.quota_id,
                    schedule_id=charge.schedule_id,
                    source_charge=charge,
                    credit_value=adjustment,
                    reason=DifferenceReason.ADJUSTMENT,
                    amount=amount,
                )
            )
    PriceDifference.objects.bulk_create(differences, batch_size=2000)
    record_batch_audit(
        actor=actor,
        action="finance.credit.adjusted",
        model=PriceDifference,
        count=len(differences),
        details={
            "group": group.pk,
            "effective_from": effective_from.isoformat(),
            "previous_value": str(previous),
            "value": str(value),
            "variation": str(variation),
        },
        operation="create",
    )
    return adjustment
