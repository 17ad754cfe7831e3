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
  the quota can make (Magalu clause 22: at most all installments still to come);
  ``remaining_balances`` gives the same for many versions in one query.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.db.models import F, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

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
    "remaining_balances",
    "split_bid_fraction",
    "split_bid_fractions",
    "unbilled_by_component",
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


def split_bid_fractions(
    terms: PlanTerms, fractions: Iterable[Decimal], credit_value: Decimal | None = None
) -> dict[Decimal, BidSplit]:
    """``split_bid_fraction`` of each of many fractions of one plan (the same splits, keyed by
    fraction): the plan's weights brought to whole numbers once, each largest-remainder split
    then in integers (an assembly's thousands of bids)."""
    weights = exact_monthly_terms(terms)
    ordered = [Fraction(weights[name]) for name in COMPONENTS]
    splits: dict[Decimal, BidSplit] = {}
    if any(weight < 0 for weight in ordered) or sum(ordered) == 0:
        for fraction in fractions:
            if fraction not in splits:
                splits[fraction] = split_bid_fraction(terms, fraction, credit_value)
        return splits
    common = math.lcm(*(weight.denominator for weight in ordered))
    integral = [weight.numerator * (common // weight.denominator) for weight in ordered]
    credit_cents = None if credit_value is None else _units(credit_value, 2)
    for fraction in fractions:
        if fraction in splits:
            continue
        units = _units(fraction, FRACTION_PLACES)
        if units is None or (credit_value is not None and credit_cents is None):
            # More places than stored: the exact path (which refuses such a fraction).
            splits[fraction] = split_bid_fraction(terms, fraction, credit_value)
            continue
        reais: dict[str, Decimal] = {}
        if credit_cents is not None:
            # round2(fraction x C), half-up, in units of 10^-12 (``money.fraction_to_reais``).
            cents, rest = divmod(abs(units * credit_cents), 10**FRACTION_PLACES)
            cents += 2 * rest >= 10**FRACTION_PLACES
            negative = (units < 0) != (credit_cents < 0)
            cents = -cents if negative else cents
            reais = dict(zip(COMPONENTS, _split_units(cents, integral, 2), strict=True))
        splits[fraction] = BidSplit(
            fraction=fraction,
            fractions=dict(
                zip(COMPONENTS, _split_units(units, integral, FRACTION_PLACES), strict=True)
            ),
            reais=reais,
        )
    return splits


def _units(value: Decimal, places: int) -> int | None:
    """``value`` in whole units of 10^-places (None when it has more places or is not finite)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return None
    number = int("".join(map(str, digits)) or "0")
    shift = exponent + places
    scale = int(10 ** abs(shift))
    if shift >= 0:
        number *= scale
    else:
        number, rest = divmod(number, scale)
        if rest:
            return None
    return -number if sign else number


def _split_units(total: int, weights: list[int], places: int) -> list[Decimal]:
    """``money.split_exact`` of ``total`` units of 10^-places over whole, non-negative weights
    that do not all vanish (largest remainder, ties to the earlier weight)."""
    units = abs(total)
    weight_sum = sum(weights)
    parts, remainders = [], []
    for weight in weights:
        part, remainder = divmod(units * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    leftover = units - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        parts[index] += 1
    sign = -1 if total < 0 else 1
    return [Decimal(f"{sign * part}E-{places}") for part in parts]


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


def remaining_balances(quota_version_ids: Iterable[int]) -> dict[int, Decimal]:
    """``remaining_balance`` of each version, in one query (each id answered; 0 without an
    active schedule)."""
    ids = sorted(set(quota_version_ids))
    billed_through = (
        Charge.objects.filter(schedule_id=OuterRef("schedule_id"), kind=ChargeKind.INSTALLMENT)
        .exclude(status=ChargeStatus.CANCELLED)
        .values("schedule_id")
        .annotate(last=Max("last_installment"))
        .values("last")
    )
    rows = (
        Installment.objects.filter(
            schedule__quota_version_id__in=ids,
            schedule__status=ScheduleStatus.ACTIVE,
            status=InstallmentStatus.OPEN,
            number__gt=Coalesce(Subquery(billed_through), Value(0)),
        )
        .order_by()
        .values("schedule__quota_version_id")
        .annotate(
            balance=Sum(F("common_fund") + F("reserve_fund") + F("admin_fee") + F("insurance"))
        )
        .values_list("schedule__quota_version_id", "balance")
    )
    balances = dict.fromkeys(ids, Decimal(0))
    balances.update(dict(rows))
    return balances


def unbilled_by_component(schedule_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """What each schedule's ``unbilled_installments`` carry in all, per component (in
    ``COMPONENTS`` order), for many schedules in one query (schedules without any: zeros)."""
    ids = sorted(set(schedule_ids))
    billed_through = (
        Charge.objects.filter(schedule_id=OuterRef("schedule_id"), kind=ChargeKind.INSTALLMENT)
        .exclude(status=ChargeStatus.CANCELLED)
        .values("schedule_id")
        .annotate(last=Max("last_installment"))
        .values("last")
    )
    rows = (
        Installment.objects.filter(
            schedule_id__in=ids,
            status=InstallmentStatus.OPEN,
            number__gt=Coalesce(Subquery(billed_through), Value(0)),
        )
        .order_by()
        .values("schedule_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in COMPONENTS})
    )
    zero = Decimal("0E-10")
    found = {row["schedule_id"]: {name: row[f"sum_{name}"] for name in COMPONENTS} for row in rows}
    return {pk: found.get(pk, dict.fromkeys(COMPONENTS, zero)) for pk in ids}
