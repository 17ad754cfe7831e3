"""Reads of the group ledger: balances, statements, and each quota's paid fractions (A1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from apps.finance.models import (
    AccountBalance,
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    QuotaLedgerBalance,
)

__all__ = [
    "COMPONENT_KINDS",
    "PaidComponent",
    "account_balance",
    "account_balances",
    "account_entries",
    "group_transactions",
    "quota_paid_components",
    "quota_paid_fraction",
    "quota_versions_paid_components",
    "transaction_account_total",
    "transaction_by_reference",
    "transaction_entries",
]

# The installment components a quota pays into (DOMAIN.md §2.1, A1), in A1's tie order.
COMPONENT_KINDS: tuple[str, ...] = (
    AccountKind.COMMON_FUND,
    AccountKind.RESERVE_FUND,
    AccountKind.ADMINISTRATION_FEE,
    AccountKind.UP_FRONT_FEE,
    AccountKind.INSURANCE_PAYABLE,
)

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PaidComponent:
    """What a quota has paid into one component: Reais and fraction of the credit."""

    amount: Decimal
    fraction: Decimal


def account_balances(*, group_id: int) -> dict[str, Decimal]:
    """Every account kind of the group with its balance (normal side; 0.00 if never used)."""
    balances = dict.fromkeys(AccountKind.values, _ZERO)
    rows = AccountBalance.objects.filter(account__group_id=group_id).values_list("kind", "balance")
    balances.update(dict(rows))
    return balances


def account_balance(*, group_id: int, kind: str) -> Decimal:
    """One account's balance (normal side); 0.00 when the account was never used."""
    row = (
        AccountBalance.objects.filter(account__group_id=group_id, kind=kind)
        .values_list("balance", flat=True)
        .first()
    )
    return row if row is not None else _ZERO


def quota_versions_paid_components(
    *, quota_version_ids: Iterable[int]
) -> dict[int, dict[str, PaidComponent]]:
    """Per quota version, what it has paid into each component (A1), from the summary rows.

    Components never paid into are present with zero amount and fraction.
    """
    ids = list(quota_version_ids)
    result: dict[int, dict[str, PaidComponent]] = defaultdict(dict)
    for version_id in ids:
        result[version_id] = {kind: PaidComponent(_ZERO, Decimal(0)) for kind in COMPONENT_KINDS}
    rows = QuotaLedgerBalance.objects.filter(
        quota_version_id__in=ids, account__kind__in=COMPONENT_KINDS
    ).values_list("quota_version_id", "account__kind", "amount", "fraction")
    for version_id, kind, amount, fraction in rows:
        result[version_id][kind] = PaidComponent(amount, fraction)
    return dict(result)


def quota_paid_components(*, quota_version_id: int) -> dict[str, PaidComponent]:
    """What one quota version has paid into each component (Reais and fraction, A1)."""
    return quota_versions_paid_components(quota_version_ids=[quota_version_id])[quota_version_id]


def quota_paid_fraction(*, quota_version_id: int) -> Decimal:
    """The total fraction of the credit the quota version has paid, all components."""
    total = QuotaLedgerBalance.objects.filter(
        quota_version_id=quota_version_id, account__kind__in=COMPONENT_KINDS
    ).aggregate(total=Sum("fraction"))["total"]
    return total if total is not None else Decimal(0)


def group_transactions(*, group_id: int) -> QuerySet[LedgerTransaction]:
    """The group's transactions, newest first, with their actor."""
    return LedgerTransaction.objects.filter(group_id=group_id).select_related("actor")


def transaction_entries(*, transaction_id: int) -> QuerySet[LedgerEntry]:
    """The entries of one transaction, in posting order, with their accounts."""
    return LedgerEntry.objects.filter(transaction_id=transaction_id).select_related("account")


def account_entries(*, group_id: int, kind: str) -> QuerySet[LedgerEntry]:
    """The entries of one account of the group (a statement), oldest first."""
    return LedgerEntry.objects.filter(
        account__group_id=group_id, account__kind=kind
    ).select_related("transaction")


def transaction_by_reference(*, group_id: int, key: str) -> int | None:
    """The id of the group's transaction posted with source reference ``key``, if any."""
    return (
        LedgerTransaction.objects.filter(group_id=group_id, idempotency_key=key)
        .values_list("pk", flat=True)
        .first()
    )


def transaction_account_total(*, transaction_id: int, kind: str) -> Decimal:
    """The signed sum (debit +) of one transaction's entries on accounts of ``kind``."""
    total = LedgerEntry.objects.filter(transaction_id=transaction_id, account__kind=kind).aggregate(
        total=Sum("amount")
    )["total"]
    return total if total is not None else _ZERO
