"""Helpers of the bid, award and assembly-funds tests (issue 12): pay a quota's first
installments, pay a bid charge, read a schedule's fractions per component."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.finance.models import Charge, InstallmentSchedule, PaymentSource
from apps.finance.services import payments
from apps.finance.services.schedules import bill_reais
from apps.groups.services.fractions import COMPONENTS, PlanTerms

D = Decimal


def plan_of(schedule: InstallmentSchedule) -> PlanTerms:
    return PlanTerms(
        schedule.term_months,
        schedule.admin_fee_total,
        schedule.upfront_fee,
        schedule.reserve_fund,
        schedule.insurance,
    )


def pay_first_installments(version, through: int, on: dt.date) -> Charge:
    """Bill installments 1..``through`` of the version's schedule in one charge due ``on`` and
    pay it in full that day (the row a billing run writes; the payment through the service)."""
    schedule = InstallmentSchedule.objects.get(quota_version=version)
    rows = schedule.installments.filter(number__lte=through)
    fractions = {name: sum((getattr(row, name) for row in rows), D(0)) for name in COMPONENTS}
    reais = bill_reais(plan_of(schedule), fractions, schedule.group.reference_credit_value)
    charge = Charge.objects.create(
        kind="installment",
        group_id=schedule.group_id,
        quota_id=schedule.quota_id,
        quota_version_id=version.pk,
        schedule=schedule,
        period=on.replace(day=1),
        first_installment=1,
        last_installment=through,
        due_date=on,
        credit_value=schedule.group.reference_credit_value,
        **{f"fraction_{name}": fractions[name] for name in COMPONENTS},
        **{f"amount_{name}": getattr(reais, name) for name in COMPONENTS},
        amount=reais.total,
    )
    pay_charge(charge, on)
    return charge


def pay_charge(charge: Charge, paid_on: dt.date, *, settlement: str | None = None):
    """The bank reports ``charge`` paid in full on ``paid_on`` (credited that day)."""
    return payments.apply_payment(
        charge=charge,
        settlement_id=settlement or f"S{charge.pk}",
        amount=charge.amount,
        paid_on=paid_on,
        credited_on=paid_on,
        source=PaymentSource.BANK_FILE,
    )


def component_totals(schedule: InstallmentSchedule) -> dict[str, Decimal]:
    """The schedule's installments summed per component (paid, open and paid off alike)."""
    rows = list(schedule.installments.all())
    return {name: sum((getattr(row, name) for row in rows), D(0)) for name in COMPONENTS}
