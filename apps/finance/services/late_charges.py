"""Late charges of a payment after its due date (DOMAIN.md A4, §6): pure functions.

- **Days late** = payment date - due date in calendar days, the due date first moved to the
  next business day when it falls on a weekend or a national holiday (``holidays``, Brazil);
  paying on or before that day costs nothing, one day late already costs the whole fine.
  The payment date is the day the payer paid (a bank file's payment date, not its credit date).
- **Fine** = ``round2(base * fine rate)``; **interest** = ``round2(base * monthly rate *
  days / 30)`` (simple, pro rata per calendar day); each rounded half-up to the cent. ``base``
  is the updated installment: the billed amount without late charges (plus any adjustment
  difference of the charge in force on the payment date).
- **Split** of their sum between the group and the administradora by the group's share
  (at least 50%, Law art. 28), the odd cent to the group (``consorcio.money.split_late_charges``).

Rates and the share come from the group's ``GroupRules`` in force (``late_fine``,
``late_interest_monthly``, ``late_group_share``); ``LateChargeRules.from_group_rules`` reads
them. Worked example 2: R$1.170,00 due Tuesday 10/03/2026, paid 25/03/2026: 15 days,
fine R$23,40, interest R$5,85, total R$1.199,25; group R$14,63, administradora R$14,62.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from apps.groups.services.calendar import next_business_day
from consorcio.money import ZERO, round_half_up, split_late_charges

if TYPE_CHECKING:
    from apps.groups.models import GroupRules

__all__ = [
    "DEFAULT_RULES",
    "LateChargeRules",
    "LateCharges",
    "compute_late_charges",
    "days_late",
    "effective_due_date",
]

_MIN_GROUP_SHARE = Fraction(1, 2)  # Law art. 28
_MAX_FINE = Decimal("0.02")  # CDC art. 52 §1


@dataclass(frozen=True, slots=True)
class LateChargeRules:
    """A group's late-charge terms: fine rate, monthly interest rate, the group's share."""

    fine: Decimal = Decimal("0.02")
    monthly_interest: Decimal = Decimal("0.01")
    group_share: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.fine <= _MAX_FINE:
            raise ValueError(f"fine must be between 0 and 2%, got {self.fine}")
        if self.monthly_interest < 0:
            raise ValueError(f"monthly interest must not be negative, got {self.monthly_interest}")
        if not _MIN_GROUP_SHARE <= Fraction(self.group_share) <= 1:
            raise ValueError(
                f"the group's share of late charges must be 50%..100%, got {self.group_share}"
            )

    @classmethod
    def from_group_rules(cls, rules: GroupRules) -> LateChargeRules:
        """The terms a group's rules version sets (A4 defaults: 2%, 1% a month, 50/50)."""
        return cls(
            fine=rules.late_fine,
            monthly_interest=rules.late_interest_monthly,
            group_share=rules.late_group_share,
        )


DEFAULT_RULES = LateChargeRules()


@dataclass(frozen=True, slots=True)
class LateCharges:
    """What a payment owes for paying late; ``total = fine + interest = group + administradora``."""

    days: int
    fine: Decimal
    interest: Decimal
    group: Decimal
    administradora: Decimal

    @property
    def total(self) -> Decimal:
        return self.fine + self.interest


NO_LATE_CHARGES = LateCharges(days=0, fine=ZERO, interest=ZERO, group=ZERO, administradora=ZERO)


def effective_due_date(due_date: dt.date) -> dt.date:
    """The due date, moved to the next business day when it is a weekend or a holiday."""
    return next_business_day(due_date)


def days_late(due_date: dt.date, paid_on: dt.date) -> int:
    """Calendar days from the (moved) due date to the payment date; 0 when on time."""
    return max(0, (paid_on - effective_due_date(due_date)).days)


def compute_late_charges(
    *,
    base: Decimal,
    due_date: dt.date,
    paid_on: dt.date,
    rules: LateChargeRules = DEFAULT_RULES,
) -> LateCharges:
    """Fine and pro-rata interest on ``base`` (Reais, whole cents) paid on ``paid_on`` (A4)."""
    if base < 0 or round_half_up(base, 2) != base:
        raise ValueError(f"base must be a non-negative amount in whole cents, got {base}")
    days = days_late(due_date, paid_on)
    if days == 0 or base == 0:
        return LateCharges(days=days, fine=ZERO, interest=ZERO, group=ZERO, administradora=ZERO)
    exact_base = Fraction(base)
    fine = round_half_up(exact_base * Fraction(rules.fine), 2)
    interest = round_half_up(exact_base * Fraction(rules.monthly_interest) * days / 30, 2)
    group, administradora = split_late_charges(fine + interest, rules.group_share)
    return LateCharges(
        days=days, fine=fine, interest=interest, group=group, administradora=administradora
    )
