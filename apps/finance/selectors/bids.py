"""Bids as fractions of the credit: conversion and split over the components (DOMAIN.md A8).

- ``installment_fraction``: the plan's installment fraction ``p = fc + ta + fr (+ ins)`` of the
  rules in force on a date (worked example 1: 1.17%); a bid of ``n`` installments is
  ``n x p`` of the credit (Part B §4.1: 38 x 1.17% = 44.46%).
- ``bid_split``: a bid of ``f`` of the credit split over the components of the installments it
  pays off in proportion to the plan's **exact** monthly terms (flat plan ``fc : ta : fr``,
  plus insurance when the plan has it), each part a 10-place fraction by largest remainder
  (ties to the common fund, then the reserve fund, the fee, insurance; the parts sum exactly
  to ``f``); with a credit value, its Reais (``round2(f x C)`` split the same way, A1).
- ``bid_common_fund_share``: the common-fund part of such a bid, what A7 counts as money for
  awards (a bid uses ``C - fcpart``). The bid charge and the bid application use the same
  split, so the fund receives exactly what the award count assumed.
- ``unbilled_installments`` / ``remaining_balance``: the installments a bid may pay off (open,
  after the last one an installment charge covers) and their total fraction: the largest bid
  the quota can make (Magalu clause 22: at most all installments still to come).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.db.models import Max

from apps.finance.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    Installment,
    InstallmentSchedule,
    InstallmentStatus,
    ScheduleStatus,
)
from apps.finance.selectors.delinquency import rules_in_force
from apps.groups.services import plans
from apps.groups.services.fractions import COMPONENTS, PlanTerms, exact_monthly_terms
from consorcio.money import FRACTION_PLACES, fraction_to_reais, round_fraction, split_exact

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "BidSplit",
    "bid_common_fund_share",
    "bid_split",
    "installment_fraction",
    "plan_terms_on",
    "remaining_balance",
    "split_bid_fraction",
    "unbilled_installments",
]


@dataclass(frozen=True)
class BidSplit:
    """A bid's fraction per component (10 places) and, given a credit value, its Reais."""

    fraction: Decimal
    fractions: dict[str, Decimal]  # component name -> fraction, in COMPONENTS order
    reais: dict[str, Decimal]  # component name -> R$ (empty without a credit value)

    @property
    def amount(self) -> Decimal:
        """The bid in Reais: ``round2(fraction x C)`` (the components sum to it)."""
        return sum(self.reais.values(), Decimal("0.00"))


def plan_terms_on(group: ConsortiumGroup, on: dt.date) -> PlanTerms:
    """The plan terms of the group's rules in force on ``on`` (A12: old rules stay)."""
    return plans.plan_terms(group, rules_in_force(group, on))


def installment_fraction(group: ConsortiumGroup, on: dt.date) -> Decimal:
    """The plan's installment fraction on ``on`` (fc + ta + fr + insurance), 10 places.

    A8: a bid in installments converts with it (``n x installment_fraction``).
    """
    terms = exact_monthly_terms(plan_terms_on(group, on))
    return round_fraction(sum(terms.values(), Fraction(0)))


def split_bid_fraction(
    terms: PlanTerms, fraction: Decimal, credit_value: Decimal | None = None
) -> BidSplit:
    """``fraction`` of the credit split over the components by the plan's exact terms (A8)."""
    weights = exact_monthly_terms(terms)
    ordered = [weights[name] for name in COMPONENTS]
    parts = split_exact(fraction, ordered, places=FRACTION_PLACES)
    fractions = dict(zip(COMPONENTS, parts, strict=True))
    reais: dict[str, Decimal] = {}
    if credit_value is not None:
        amount = fraction_to_reais(fraction, credit_value)
        reais = dict(zip(COMPONENTS, split_exact(amount, ordered), strict=True))
    return BidSplit(fraction=fraction, fractions=fractions, reais=reais)


def bid_split(
    group: ConsortiumGroup,
    fraction: Decimal,
    on: dt.date,
    credit_value: Decimal | None = None,
) -> BidSplit:
    """A bid of ``fraction`` of the credit split over the components (rules in force on
    ``on``), with its Reais at ``credit_value`` when given."""
    return split_bid_fraction(plan_terms_on(group, on), fraction, credit_value)


def bid_common_fund_share(group: ConsortiumGroup, fraction: Decimal, on: dt.date) -> Decimal:
    """The common-fund part (fraction of the credit) of a bid of ``fraction`` (A7, A8).

    Its Reais at credit value ``C`` are ``bid_split(group, fraction, on, C).reais
    ["common_fund"]`` (§3.2: 45% of R$ 100.000,00 -> R$ 38.461,54).
    """
    return bid_split(group, fraction, on).fractions["common_fund"]


def unbilled_installments(schedule: InstallmentSchedule) -> list[Installment]:
    """The schedule's open installments a bid may pay off: those no charge covers yet."""
    billed_through = (
        Charge.objects.filter(schedule=schedule, kind=ChargeKind.INSTALLMENT)
        .exclude(status=ChargeStatus.CANCELLED)
        .aggregate(last=Max("last_installment"))["last"]
    )
    return list(
        Installment.objects.filter(
            schedule=schedule, status=InstallmentStatus.OPEN, number__gt=billed_through or 0
        ).order_by("number")
    )


def remaining_balance(quota_version_id: int) -> Decimal:
    """The total fraction of the credit the version's installments not yet billed carry: the
    largest bid it can make (0 without an active schedule)."""
    schedule = InstallmentSchedule.objects.filter(
        quota_version_id=quota_version_id, status=ScheduleStatus.ACTIVE
    ).first()
    if schedule is None:
        return Decimal(0)
    return sum((row.total for row in unbilled_installments(schedule)), Decimal(0))
