"""A quota version's financial statement (extrato): installments, charges, payments and what
it has paid and still owes per component (A1), for the staff page and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from apps.finance.models import (
    AccountBalance,
    AccountKind,
    Charge,
    ChargeStatus,
    Installment,
    InstallmentSchedule,
    Payment,
)
from apps.finance.selectors.billing import credit_value_in_force
from apps.finance.selectors.ledger import quota_paid_components
from consorcio.money import ZERO, fraction_to_reais

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "ComponentPosition",
    "QuotaStatement",
    "fund_balances",
    "quota_statement",
    "version_charges",
    "version_installments",
    "version_payments",
]

_NO_FRACTION = Decimal(0)

# (ledger account, installment column, label) of each component a quota pays into (A1).
_COMPONENTS: tuple[tuple[str, str | None, str], ...] = (
    (AccountKind.COMMON_FUND, "common_fund", "Fundo comum"),
    (AccountKind.RESERVE_FUND, "reserve_fund", "Fundo de reserva"),
    (AccountKind.ADMINISTRATION_FEE, "admin_fee", "Taxa de administração"),
    (AccountKind.UP_FRONT_FEE, None, "Antecipação da taxa"),
    (AccountKind.INSURANCE_PAYABLE, "insurance", "Seguro"),
)


@dataclass(frozen=True, slots=True)
class ComponentPosition:
    """One component: the plan's fraction of the credit, what was paid, what is still owed."""

    kind: str
    label: str
    total_fraction: Decimal
    paid_fraction: Decimal
    paid_amount: Decimal
    owed_fraction: Decimal
    owed_amount: Decimal


@dataclass(frozen=True)
class QuotaStatement:
    """Everything the extrato shows for one quota version."""

    quota_version_id: int
    schedule: InstallmentSchedule | None
    installments: list[Installment]
    charges: list[Charge]
    payments: list[Payment]
    components: list[ComponentPosition]
    credit_value: Decimal
    as_of: dt.date
    total_fraction: Decimal
    paid_fraction: Decimal
    owed_fraction: Decimal
    paid_amount: Decimal
    owed_amount: Decimal
    charged_amount: Decimal
    open_amount: Decimal
    payments_amount: Decimal


def version_installments(quota_version_id: int) -> list[Installment]:
    """The installments of the quota version's schedule (any status), by number."""
    return list(
        Installment.objects.filter(schedule__quota_version_id=quota_version_id).order_by("number")
    )


def version_charges(quota_version_id: int) -> list[Charge]:
    """The charges billed to the quota version, oldest due date first."""
    return list(Charge.objects.filter(quota_version_id=quota_version_id).order_by("due_date", "pk"))


def version_payments(quota_version_id: int) -> list[Payment]:
    """The payments (and reversals) credited to the quota version, oldest first."""
    return list(Payment.objects.filter(quota_version_id=quota_version_id).order_by("paid_on", "pk"))


def _plan_fractions(
    schedule: InstallmentSchedule | None, installments: list[Installment]
) -> dict[str, Decimal]:
    """Per component account, the fraction of the credit the whole plan asks for."""
    totals = dict.fromkeys((kind for kind, _, _ in _COMPONENTS), _NO_FRACTION)
    for kind, column, _ in _COMPONENTS:
        if column is not None:
            totals[kind] = sum((getattr(row, column) for row in installments), _NO_FRACTION)
    if schedule is not None:
        totals[AccountKind.UP_FRONT_FEE] = schedule.upfront_fee
    return totals


def quota_statement(
    *, quota_version_id: int, group: ConsortiumGroup, on: dt.date
) -> QuotaStatement:
    """The quota version's statement on ``on``: owed Reais at the group's credit value then
    in force. A component's owed fraction never goes below zero (an overpayment is a credit
    on the next bill, not a debt).
    """
    schedule = InstallmentSchedule.objects.filter(quota_version_id=quota_version_id).first()
    installments = version_installments(quota_version_id)
    charges = version_charges(quota_version_id)
    payments = version_payments(quota_version_id)
    credit = credit_value_in_force(group, on)
    plan = _plan_fractions(schedule, installments)
    paid = quota_paid_components(quota_version_id=quota_version_id)
    components = []
    for kind, _, label in _COMPONENTS:
        owed = max(plan[kind] - paid[kind].fraction, _NO_FRACTION)
        components.append(
            ComponentPosition(
                kind=kind,
                label=label,
                total_fraction=plan[kind],
                paid_fraction=paid[kind].fraction,
                paid_amount=paid[kind].amount,
                owed_fraction=owed,
                owed_amount=fraction_to_reais(owed, credit),
            )
        )
    open_statuses = (ChargeStatus.OPEN, ChargeStatus.OVERDUE)
    payments_total = Payment.objects.filter(quota_version_id=quota_version_id).aggregate(
        total=Sum("amount")
    )["total"]
    return QuotaStatement(
        quota_version_id=quota_version_id,
        schedule=schedule,
        installments=installments,
        charges=charges,
        payments=payments,
        components=components,
        credit_value=credit,
        as_of=on,
        total_fraction=sum((c.total_fraction for c in components), _NO_FRACTION),
        paid_fraction=sum((c.paid_fraction for c in components), _NO_FRACTION),
        owed_fraction=sum((c.owed_fraction for c in components), _NO_FRACTION),
        paid_amount=sum((c.paid_amount for c in components), ZERO),
        owed_amount=sum((c.owed_amount for c in components), ZERO),
        charged_amount=sum((c.amount for c in charges if c.status != ChargeStatus.CANCELLED), ZERO),
        open_amount=sum((c.amount for c in charges if c.status in open_statuses), ZERO),
        payments_amount=payments_total if payments_total is not None else ZERO,
    )


def fund_balances(group_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Per group, every account kind's balance (normal side; 0.00 if never used), one query."""
    result = {group_id: dict.fromkeys(AccountKind.values, ZERO) for group_id in group_ids}
    rows = AccountBalance.objects.filter(account__group_id__in=group_ids).values_list(
        "account__group_id", "kind", "balance"
    )
    for group_id, kind, balance in rows:
        result[group_id][kind] = balance
    return result
