"""A quota's installment schedule and its Reais: pure functions, no database (DOMAIN.md A1-A3).

Built on the plan fractions of the groups context (``apps.groups.services.fractions``): the
group's installment ``i`` (1..N) carries ``fc = 1/N``, ``ta = (TA - ANT)/N``, ``fr = FR/N`` and
the insurance share, each with 10 places, the last one absorbing the residual.

**Late joiners** (DOMAIN.md §1.3, Magalu clause 7 §7: "pay everything due within the months
left"): a quota sold after ``k`` of the group's due dates passed has no installments 1..k; what
they carried, per component, is spread over the first ``m`` of its remaining installments
(default ``m = N - k``, all of them; ``m = 1`` charges the back amount at once with the first
one). Each catch-up share is rounded to 10 places and the last catch-up installment takes the
residual, so every component of the quota's schedule still sums exactly to its plan total.

**Reais** (A1): a bill's total is ``round2(p x C)``, ``p`` the sum of its fractions, split by
largest remainder over the plan's exact rational terms (common fund, reserve fund, fee,
insurance; ties in that order). **Adjustment** (A3): the credit value follows the index;
a negative variation leaves it unchanged unless the group's rules say otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from apps.groups.services.fractions import (
    COMPONENTS,
    PlanTerms,
    exact_monthly_terms,
    installment_fractions,
    upfront_fee_fraction,
)
from consorcio.money import fraction_to_reais, round_fraction, round_half_up, split_exact

__all__ = [
    "COMPONENTS",
    "BillReais",
    "ScheduledInstallment",
    "adjusted_credit_value",
    "bill_reais",
    "missed_installments",
    "price_difference",
    "quota_schedule",
    "schedule_totals",
    "sum_fractions",
]

ZERO_FRACTION = Decimal("0E-10")


@dataclass(frozen=True)
class ScheduledInstallment:
    """One installment of a quota: its number in the group, due date and fractions (10 places).

    ``catch_up`` is the part of ``total`` that pays back installments the quota missed.
    """

    number: int
    due_date: dt.date
    common_fund: Decimal
    reserve_fund: Decimal
    admin_fee: Decimal
    insurance: Decimal
    catch_up: Decimal = ZERO_FRACTION

    @property
    def total(self) -> Decimal:
        """The installment's total fraction ``p``."""
        return self.common_fund + self.reserve_fund + self.admin_fee + self.insurance

    def as_dict(self) -> dict[str, Decimal]:
        """Components by name, in tie-break priority order."""
        return {name: getattr(self, name) for name in COMPONENTS}


@dataclass(frozen=True)
class BillReais:
    """A bill's Reais: the total and its components, which sum exactly to it."""

    total: Decimal
    common_fund: Decimal
    reserve_fund: Decimal
    admin_fee: Decimal
    insurance: Decimal


def missed_installments(due_dates: Sequence[dt.date], sold_on: dt.date) -> int:
    """How many of the group's due dates passed before ``sold_on`` (the late joiner's ``k``)."""
    return sum(1 for due in due_dates if due < sold_on)


def _catch_up_shares(total: Decimal, count: int) -> list[Decimal]:
    """``total`` spread over ``count`` installments: 10-place shares, the last takes the rest."""
    regular = round_fraction(Fraction(total) / count)
    return [regular] * (count - 1) + [total - regular * (count - 1)]


def quota_schedule(
    plan: PlanTerms,
    due_dates: Sequence[dt.date],
    *,
    missed: int = 0,
    catch_up_installments: int | None = None,
) -> list[ScheduledInstallment]:
    """The installments ``missed+1..N`` a quota owes, with the missed ones' fractions caught up.

    ``due_dates`` are the group's due dates of installments 1..N (from its calendar).
    ``catch_up_installments`` (``m``) is how many of the remaining installments share the back
    amount: ``None`` spreads it over all of them, ``1`` puts it on the first.
    """
    term = plan.term_months
    if len(due_dates) != term:
        raise ValueError(f"expected {term} due dates, got {len(due_dates)}")
    if isinstance(missed, bool) or not 0 <= missed < term:
        raise ValueError(f"missed must be in 0..{term - 1}, got {missed!r}")
    remaining = term - missed
    spread = remaining if catch_up_installments is None else catch_up_installments
    if isinstance(spread, bool) or not 1 <= spread <= remaining:
        raise ValueError(f"catch_up_installments must be in 1..{remaining}, got {spread!r}")

    owed: dict[str, Decimal] = dict.fromkeys(COMPONENTS, ZERO_FRACTION)
    for number in range(1, missed + 1):
        for name, value in installment_fractions(plan, number).as_dict().items():
            owed[name] += value
    shares = {name: _catch_up_shares(owed[name], spread) for name in COMPONENTS}

    result: list[ScheduledInstallment] = []
    for position, number in enumerate(range(missed + 1, term + 1)):
        parts = installment_fractions(plan, number).as_dict()
        extra = dict.fromkeys(COMPONENTS, ZERO_FRACTION)
        if missed and position < spread:
            extra = {name: shares[name][position] for name in COMPONENTS}
        result.append(
            ScheduledInstallment(
                number=number,
                due_date=due_dates[number - 1],
                catch_up=sum(extra.values(), ZERO_FRACTION),
                **{name: parts[name] + extra[name] for name in COMPONENTS},
            )
        )
    return result


def sum_fractions(installments: Iterable[ScheduledInstallment]) -> dict[str, Decimal]:
    """Per-component sums of some installments (e.g. the ones a bill covers)."""
    totals = dict.fromkeys(COMPONENTS, ZERO_FRACTION)
    for installment in installments:
        for name, value in installment.as_dict().items():
            totals[name] += value
    return totals


def schedule_totals(plan: PlanTerms, installments: Sequence[ScheduledInstallment]) -> Decimal:
    """Everything the quota pays as fractions: its installments plus the up-front fee.

    For any schedule this equals ``100% + TA + FR + INS`` exactly (the up-front fee is part of
    ``TA``), whatever the quota missed.
    """
    return sum((i.total for i in installments), ZERO_FRACTION) + upfront_fee_fraction(plan)


def bill_reais(
    plan: PlanTerms, fractions: Mapping[str, Decimal], credit_value: Decimal
) -> BillReais:
    """Reais of a bill covering ``fractions`` (per component) at ``credit_value`` (A1).

    Total ``round2(p x C)``; components by largest remainder over the plan's exact monthly
    terms, ties to the common fund, then the reserve fund, the fee, insurance.
    """
    p = sum((fractions.get(name, ZERO_FRACTION) for name in COMPONENTS), ZERO_FRACTION)
    total = fraction_to_reais(p, credit_value)
    weights = exact_monthly_terms(plan)
    # A component the bill does not carry (e.g. no insurance) gets no weight.
    ordered = [weights[name] if fractions.get(name) else Fraction(0) for name in COMPONENTS]
    if not any(ordered):
        if total:
            raise ValueError("a bill with a total needs at least one component")
        return BillReais(total, total, total, total, total)
    return BillReais(total, *split_exact(total, ordered))


def price_difference(fraction: Decimal, billed: Decimal, credit_value: Decimal) -> Decimal:
    """The *diferença de prestação* (A1): what ``fraction`` costs at ``credit_value`` minus what
    was billed for it (positive: the member owes more; negative: a credit on the next bill)."""
    return fraction_to_reais(fraction, credit_value) - billed


def adjusted_credit_value(
    current: Decimal, variation: Decimal, *, negative_reduces_credit: bool = False
) -> Decimal:
    """The credit value after an index ``variation`` (0.05 = +5%), rounded half-up to the cent.

    A3: a negative variation does not reduce the credit unless the group's rules say so.
    """
    if variation < 0 and not negative_reduces_credit:
        return round_half_up(current, 2)
    if variation <= -1:
        raise ValueError(f"variation {variation} would make the credit value non-positive")
    return round_half_up(Fraction(current) * (1 + Fraction(variation)), 2)
