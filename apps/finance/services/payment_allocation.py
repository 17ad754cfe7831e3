"""What a payment owes and how it is posted: the allocation to the charge's components, A4's
late charges for the payment date, and the lines of the ledger transaction (used by
``services.payments``).

What the charge bills is credited in full to its components, each with the quota version and
the fraction of the credit it pays (A1); carried adjustment differences (A3) are spread over
the components by their fractions; other carried differences clear the installment-differences
account; late charges (carried and A4's new ones) are split between the group and the
administradora. The bank is debited with what was received less the bank's fee, and the
difference between owed and received goes to the installment-differences account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from apps.finance.models import (
    AccountKind,
    Charge,
    ChargeKind,
    ChargeStatus,
    DifferenceReason,
    PriceDifference,
)
from apps.finance.services import ledger
from apps.finance.services.late_charges import (
    DEFAULT_RULES,
    LateChargeRules,
    LateCharges,
    compute_late_charges,
)
from apps.groups import selectors as group_selectors
from consorcio.money import ZERO, split_exact, split_late_charges

if TYPE_CHECKING:
    from apps.groups.models import GroupRules

__all__ = [
    "Allocation",
    "allocate",
    "allocation_of",
    "late_charge_rules",
    "late_charges_for",
    "ledger_lines",
]

K = AccountKind
# Installment components: (charge Reais column, charge fraction column, payment column, account)
_COMPONENTS: tuple[tuple[str, str, str, str], ...] = (
    ("amount_common_fund", "fraction_common_fund", "common_fund", K.COMMON_FUND),
    ("amount_reserve_fund", "fraction_reserve_fund", "reserve_fund", K.RESERVE_FUND),
    ("amount_admin_fee", "fraction_admin_fee", "admin_fee", K.ADMINISTRATION_FEE),
    ("amount_insurance", "fraction_insurance", "insurance", K.INSURANCE_PAYABLE),
)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Everything a charge owes on a payment date, per component (Reais; fractions for A1)."""

    components: dict[str, tuple[Decimal, Decimal]]  # name -> (Reais, fraction)
    fees: Decimal
    differences_adjustment: Decimal
    differences_other: Decimal
    late: LateCharges
    late_group: Decimal
    late_admin: Decimal

    @property
    def total(self) -> Decimal:
        """What is owed in all: the payment's expected amount."""
        return (
            sum((reais for reais, _ in self.components.values()), ZERO)
            + self.fees
            + self.differences_adjustment
            + self.differences_other
            + self.late_group
            + self.late_admin
        )


def _rules_for(charge: Charge, paid_on: dt.date) -> LateChargeRules:
    """The late-charge terms of the group's rules in force on the payment date."""
    group = charge.group
    rules = (
        group_selectors.rules_history(group)
        .filter(effective_from__lte=paid_on)
        .order_by("-version")
        .first()
    ) or group.current_rules
    return late_charge_rules(rules)


def late_charge_rules(rules: GroupRules | None) -> LateChargeRules:
    """A4's terms of a group rules version (the defaults when the group has none)."""
    return LateChargeRules.from_group_rules(rules) if rules is not None else DEFAULT_RULES


def _adjustment_differences(charge: Charge, on: dt.date | None = None) -> Decimal:
    """Adjustment differences (A3) the charge carries, or (``on``) that re-price it by then."""
    if on is None:
        rows = PriceDifference.objects.filter(charge=charge)
    else:
        rows = PriceDifference.objects.filter(
            source_charge=charge, credit_value__effective_from__lte=on
        )
    total = rows.filter(reason=DifferenceReason.ADJUSTMENT).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


def late_charges_for(
    charge: Charge, paid_on: dt.date, rules: LateChargeRules | None = None
) -> LateCharges:
    """A4 late charges of paying ``charge`` on ``paid_on`` (second copy, payments).

    Base: the billed amount without late charges, updated by any adjustment in force by the
    payment date (DOMAIN.md §6: 1,228.50 instead of 1,170.00 after a 5% adjustment). Rules:
    the group's in force on the payment date unless given.
    """
    return _late_charges(
        charge,
        paid_on,
        rules if rules is not None else _rules_for(charge, paid_on),
        _adjustment_differences(charge, paid_on),
    )


def _late_charges(
    charge: Charge, paid_on: dt.date, rules: LateChargeRules, adjustment_in_force: Decimal
) -> LateCharges:
    base = charge.amount - charge.amount_late_charges + adjustment_in_force
    return compute_late_charges(
        base=max(base, ZERO), due_date=charge.due_date, paid_on=paid_on, rules=rules
    )


def allocate(charge: Charge, paid_on: dt.date) -> Allocation:
    """Everything the charge owes on ``paid_on``, per component (nothing if already paid)."""
    if charge.status == ChargeStatus.PAID:
        return allocation_of(charge, paid_on, rules=DEFAULT_RULES, adjustments=(ZERO, ZERO))
    adjustment = _adjustment_differences(charge)
    rules = _rules_for(charge, paid_on)
    in_force = ZERO if charge.kind == ChargeKind.BID else _adjustment_differences(charge, paid_on)
    return allocation_of(charge, paid_on, rules=rules, adjustments=(adjustment, in_force))


def allocation_of(
    charge: Charge,
    paid_on: dt.date,
    *,
    rules: LateChargeRules,
    adjustments: tuple[Decimal, Decimal],
) -> Allocation:
    """``allocate`` from what it reads (no query): the rules in force on ``paid_on`` and the
    adjustment differences (A3) the charge carries and those re-pricing it by ``paid_on``
    (``services.payment_batch`` reads them for a whole chunk at once)."""
    if charge.status == ChargeStatus.PAID:
        zero = {name: (ZERO, Decimal(0)) for _, _, name, _ in _COMPONENTS}
        nothing = compute_late_charges(base=ZERO, due_date=charge.due_date, paid_on=paid_on)
        return Allocation(zero, ZERO, ZERO, ZERO, nothing, ZERO, ZERO)
    components = {
        name: (getattr(charge, reais), getattr(charge, fraction))
        for reais, fraction, name, _ in _COMPONENTS
    }
    adjustment, in_force = adjustments
    if charge.kind == ChargeKind.BID:
        # A bid is an offer, not a debt: no A4 late charges (an unpaid one lapses, A8).
        late = compute_late_charges(base=ZERO, due_date=charge.due_date, paid_on=paid_on)
    else:
        late = _late_charges(charge, paid_on, rules, in_force)
    # A4: the split applies to the sum (carried and new late charges), odd cent to the group.
    late_group, late_admin = split_late_charges(
        charge.amount_late_charges + late.total, rules.group_share
    )
    return Allocation(
        components=components,
        fees=charge.amount_fees,
        differences_adjustment=adjustment,
        differences_other=charge.amount_differences - adjustment,
        late=late,
        late_group=late_group,
        late_admin=late_admin,
    )


def _fee_account(charge: Charge) -> str:
    return K.UP_FRONT_FEE if charge.kind == ChargeKind.UPFRONT_FEE else K.ADMINISTRATION_FEE


def _adjustment_lines(charge: Charge, amount: Decimal, version: int) -> Iterator[ledger.Line]:
    """An adjustment difference (A3) paid: Reais of the components, by their fractions."""
    weights = [getattr(charge, fraction) for _, fraction, _, _ in _COMPONENTS]
    if not amount or not any(weights):
        if amount:
            yield ledger.credit(K.COMMON_FUND, amount, quota_version_id=version)
        return
    for part, (_, _, _, account) in zip(split_exact(amount, weights), _COMPONENTS, strict=True):
        if part:
            yield ledger.credit(account, part, quota_version_id=version)


def ledger_lines(
    charge: Charge, alloc: Allocation, received: Decimal, bank_fee: Decimal, difference: Decimal
) -> list[ledger.Line]:
    version = charge.quota_version_id
    lines: list[ledger.Line] = []
    if received - bank_fee:
        lines.append(ledger.debit(K.BANK, received - bank_fee))
    if bank_fee:
        lines.append(ledger.debit(K.BANK_FEES, bank_fee))
    if difference > 0:
        lines.append(ledger.debit(K.INSTALLMENT_DIFFERENCES, difference, quota_version_id=version))
    elif difference < 0:
        lines.append(
            ledger.credit(K.INSTALLMENT_DIFFERENCES, -difference, quota_version_id=version)
        )
    if charge.kind == ChargeKind.BID:
        # A bid's money waits in bids received until services.bid_application applies it.
        bid = sum((reais for reais, _ in alloc.components.values()), ZERO)
        if bid:
            lines.append(ledger.credit(K.BIDS_RECEIVED, bid, quota_version_id=version))
    else:
        for _, _, name, account in _COMPONENTS:
            reais, fraction = alloc.components[name]
            if reais:
                lines.append(
                    ledger.credit(account, reais, quota_version_id=version, fraction=fraction)
                )
    if alloc.fees:
        lines.append(ledger.credit(_fee_account(charge), alloc.fees, quota_version_id=version))
    lines.extend(_adjustment_lines(charge, alloc.differences_adjustment, version))
    if alloc.differences_other:
        lines.append(
            ledger.credit(
                K.INSTALLMENT_DIFFERENCES, alloc.differences_other, quota_version_id=version
            )
        )
    if alloc.late_group:
        lines.append(ledger.credit(K.LATE_CHARGES_GROUP, alloc.late_group))
    if alloc.late_admin:
        lines.append(ledger.credit(K.LATE_CHARGES_ADMINISTRADORA, alloc.late_admin))
    return lines
