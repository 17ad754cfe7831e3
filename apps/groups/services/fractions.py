"""A plan's installment fractions (DOMAIN.md A1, A2, A3): pure functions, no database.

Every obligation of a quota is a fraction of the group's reference credit value. With a flat
spread (A2) each of the ``N`` monthly installments carries, per component:

- common fund ``fc = 1/N``;
- administration fee ``ta = (TA - ANT)/N`` (``ANT``, the up-front fee, is charged at joining);
- reserve fund ``fr = FR/N``;
- insurance ``ins = INS/N`` when the plan has it (``INS`` is the insurance total over the term).

Installments 1..N-1 store each component rounded half-up to 10 places; **the last installment
takes whatever residual fraction remains**, so each component sums exactly to its total over
the term. Reais are derived with the kernel (``consorcio.money``): a bill's total is
``round2(p x C)`` and its components split by largest remainder over the plan's **exact**
rational terms, ties to the common fund, then the reserve fund, then the fee, then insurance.

These live in ``services`` (the context's public face) so finance can build on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from consorcio.money import bill_components, fraction_to_reais, round_fraction

__all__ = [
    "COMPONENTS",
    "InstallmentFractions",
    "PlanTerms",
    "exact_monthly_terms",
    "installment_fractions",
    "installment_reais",
    "paid_fraction",
    "plan_total_fraction",
    "remaining_fraction",
    "schedule",
    "upfront_fee_fraction",
    "upfront_fee_reais",
]

# Component names in tie-break priority order (DOMAIN.md A1).
COMPONENTS: tuple[str, ...] = ("common_fund", "reserve_fund", "admin_fee", "insurance")


@dataclass(frozen=True)
class PlanTerms:
    """What the fractions depend on: term and totals as fractions of the credit (0.15 = 15%).

    ``admin_fee_total`` includes the up-front part; ``upfront_fee`` must not exceed it
    (Law art. 27 §3: the up-front fee is deducted from the total fee).
    """

    term_months: int
    admin_fee_total: Decimal
    upfront_fee: Decimal = Decimal(0)
    reserve_fund: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if isinstance(self.term_months, bool) or self.term_months < 1:
            raise ValueError(f"term_months must be a positive int, got {self.term_months!r}")
        for name in ("admin_fee_total", "upfront_fee", "reserve_fund", "insurance"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or value < 0:
                raise ValueError(f"{name} must be a non-negative Decimal, got {value!r}")
        if self.upfront_fee > self.admin_fee_total:
            raise ValueError("upfront_fee cannot exceed admin_fee_total")


@dataclass(frozen=True)
class InstallmentFractions:
    """One installment's fractions of the credit, each with 10 decimal places."""

    number: int
    common_fund: Decimal
    reserve_fund: Decimal
    admin_fee: Decimal
    insurance: Decimal

    @property
    def total(self) -> Decimal:
        """The installment's total fraction ``p`` (sum of its components)."""
        return self.common_fund + self.reserve_fund + self.admin_fee + self.insurance

    def as_dict(self) -> dict[str, Decimal]:
        """Components by name, in tie-break priority order."""
        return {name: getattr(self, name) for name in COMPONENTS}


def _component_totals(plan: PlanTerms) -> dict[str, Fraction]:
    return {
        "common_fund": Fraction(1),
        "reserve_fund": Fraction(plan.reserve_fund),
        "admin_fee": Fraction(plan.admin_fee_total) - Fraction(plan.upfront_fee),
        "insurance": Fraction(plan.insurance),
    }


def exact_monthly_terms(plan: PlanTerms) -> dict[str, Fraction]:
    """The exact rational share of each component per month (total / N), in priority order."""
    return {name: total / plan.term_months for name, total in _component_totals(plan).items()}


def _check_number(plan: PlanTerms, number: int) -> None:
    if isinstance(number, bool) or not 1 <= number <= plan.term_months:
        raise ValueError(f"installment number must be in 1..{plan.term_months}, got {number!r}")


def installment_fractions(plan: PlanTerms, number: int) -> InstallmentFractions:
    """Fractions of installment ``number`` (1-based); the last one absorbs the residual."""
    _check_number(plan, number)
    parts: dict[str, Decimal] = {}
    totals = _component_totals(plan)
    for name, exact in exact_monthly_terms(plan).items():
        regular = round_fraction(exact)
        if number < plan.term_months:
            parts[name] = regular
        else:
            # Totals of a plan are 10-place Decimals, so the residual is exact at 10 places.
            parts[name] = round_fraction(totals[name] - (plan.term_months - 1) * Fraction(regular))
    return InstallmentFractions(number=number, **parts)


def schedule(plan: PlanTerms) -> list[InstallmentFractions]:
    """Every installment's fractions, 1..N."""
    return [installment_fractions(plan, k) for k in range(1, plan.term_months + 1)]


def installment_reais(plan: PlanTerms, number: int, credit_value: Decimal) -> dict[str, Decimal]:
    """Reais of each component of installment ``number`` at ``credit_value`` (A1 rounding).

    The total is ``round2(p x C)`` with ``p`` the installment's stored fractions; components
    are that total split over the plan's exact terms (common fund, reserve, fee, insurance).
    The result maps component names to Reais plus ``"total"``.
    """
    fractions = installment_fractions(plan, number)
    total = fraction_to_reais(fractions.total, credit_value)
    weights = exact_monthly_terms(plan)
    # bill_components recomputes the total from the weights; for the regular installments
    # that equals round2(p x C); scale the weights so the last installment's total is p x C.
    scale = Fraction(fractions.total) / sum(weights.values(), Fraction(0))
    parts = bill_components([(name, w * scale) for name, w in weights.items()], credit_value)
    parts["total"] = total
    return parts


def upfront_fee_fraction(plan: PlanTerms) -> Decimal:
    """The up-front administration fee charged at joining, as a fraction (0 when none)."""
    return round_fraction(plan.upfront_fee)


def upfront_fee_reais(plan: PlanTerms, credit_value: Decimal) -> Decimal:
    """Reais of the up-front fee at ``credit_value``, rounded half-up to the cent."""
    return fraction_to_reais(plan.upfront_fee, credit_value)


def plan_total_fraction(plan: PlanTerms) -> Decimal:
    """Everything the installments charge over the term (117% for worked example 1)."""
    return round_fraction(sum(_component_totals(plan).values(), Fraction(0)))


def paid_fraction(plan: PlanTerms, installments_paid: int, component: str | None = None) -> Decimal:
    """Sum of the first ``installments_paid`` installments' fractions (one component or all)."""
    if isinstance(installments_paid, bool) or not 0 <= installments_paid <= plan.term_months:
        raise ValueError(f"installments_paid must be in 0..{plan.term_months}")
    if component is not None and component not in COMPONENTS:
        raise ValueError(f"unknown component {component!r}")
    total = Fraction(0)
    for k in range(1, installments_paid + 1):
        fractions = installment_fractions(plan, k)
        part: Decimal = fractions.total if component is None else getattr(fractions, component)
        total += Fraction(part)
    return round_fraction(total)


def remaining_fraction(plan: PlanTerms, installments_paid: int) -> Decimal:
    """What the remaining installments still charge (the balance owed, as a fraction)."""
    return plan_total_fraction(plan) - paid_fraction(plan, installments_paid)
