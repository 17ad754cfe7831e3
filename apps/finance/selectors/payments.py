"""Reads of applied payments: lists for pages and the API, per-quota allocations for checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from apps.finance.models import AccountKind, Charge, Payment

__all__ = [
    "PAYMENT_ROW_FIELDS",
    "PaymentFilters",
    "applied_fractions",
    "charge_for_payment",
    "charge_payments",
    "payment_by_settlement",
    "payment_rows",
    "payments",
]

# The columns a payment list row carries (the API builds its JSON from these).
PAYMENT_ROW_FIELDS: tuple[str, ...] = (
    "id",
    "charge_id",
    "group_id",
    "quota_version_id",
    "source",
    "settlement_id",
    "amount",
    "fine_interest_paid",
    "discount",
    "bank_fee",
    "paid_on",
    "credited_on",
    "late_days",
    "late_fine",
    "late_interest",
    "alloc_common_fund",
    "alloc_reserve_fund",
    "alloc_admin_fee",
    "alloc_insurance",
    "alloc_fees",
    "alloc_differences",
    "alloc_late_group",
    "alloc_late_admin",
    "difference",
    "reversal_of_id",
    "created_at",
)

# Payment fraction column -> the ledger account it was credited to (A1 components).
_FRACTION_ACCOUNTS: dict[str, str] = {
    "fraction_common_fund": AccountKind.COMMON_FUND,
    "fraction_reserve_fund": AccountKind.RESERVE_FUND,
    "fraction_admin_fee": AccountKind.ADMINISTRATION_FEE,
    "fraction_insurance": AccountKind.INSURANCE_PAYABLE,
}


def payments() -> QuerySet[Payment]:
    """Every payment (reversals included) with its charge, newest first."""
    return Payment.objects.select_related("charge", "group").order_by("-id")


def charge_payments(charge_id: int) -> QuerySet[Payment]:
    """The payments (and reversals) of one charge, oldest first."""
    return Payment.objects.filter(charge_id=charge_id).order_by("id")


def charge_for_payment(charge_id: int) -> Charge | None:
    """The charge a payment names (with its group), or None when there is no such charge."""
    return Charge.objects.select_related("group").filter(pk=charge_id).first()


def payment_by_settlement(settlement_id: str) -> Payment | None:
    """The payment a settlement id produced, if it was applied."""
    return Payment.objects.filter(settlement_id=settlement_id).first()


@dataclass(frozen=True, slots=True)
class PaymentFilters:
    """What a payments list may be narrowed by (every field optional)."""

    group_id: int | None = None
    charge_id: int | None = None
    quota_version_id: int | None = None
    source: str | None = None
    settlement_id: str | None = None
    paid_from: dt.date | None = None
    paid_to: dt.date | None = None


def payment_rows(filters: PaymentFilters | None = None) -> QuerySet[Payment, dict[str, Any]]:
    """Payment rows as dicts of ``PAYMENT_ROW_FIELDS``, filtered (the API's list)."""
    qs = Payment.objects.all()
    f = filters or PaymentFilters()
    if f.group_id is not None:
        qs = qs.filter(group_id=f.group_id)
    if f.charge_id is not None:
        qs = qs.filter(charge_id=f.charge_id)
    if f.quota_version_id is not None:
        qs = qs.filter(quota_version_id=f.quota_version_id)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.settlement_id:
        qs = qs.filter(settlement_id=f.settlement_id)
    if f.paid_from is not None:
        qs = qs.filter(paid_on__gte=f.paid_from)
    if f.paid_to is not None:
        qs = qs.filter(paid_on__lte=f.paid_to)
    rows: QuerySet[Payment, dict[str, Any]] = qs.values(*PAYMENT_ROW_FIELDS)
    return rows


def applied_fractions(*, group_id: int | None = None) -> dict[tuple[int, str], Decimal]:
    """Per (quota version, component account): the fraction of the credit applied payments
    paid in, net of reversals (what ``check_ledger`` compares with the ledger's summaries)."""
    qs = Payment.objects.all()
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    rows = qs.values("quota_version_id").annotate(
        **{column: Sum(column) for column in _FRACTION_ACCOUNTS}
    )
    result: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        for column, account in _FRACTION_ACCOUNTS.items():
            if row[column]:
                result[(row["quota_version_id"], account)] += row[column]
    return dict(result)
