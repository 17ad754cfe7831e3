"""Checks shared by the bid and award services (``services.bid_charges``, ``services.awards``):
the figures draws passes in, the quota's schedule, and the bid's split (DOMAIN.md A1, A8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.finance.models import InstallmentSchedule
from apps.finance.selectors.bids import BidSplit, bid_split, unbilled_installments
from apps.finance.services.award_errors import BidExceedsBalance, BidInvalid, BidNotApplicable
from apps.finance.services.bid_amortization import InstallmentShare, remaining_by_component
from consorcio.money import round_half_up

__all__ = [
    "LOCK_WAIT_SECONDS",
    "check_credit",
    "check_fits",
    "check_fraction",
    "check_ref",
    "checked_split",
    "quota_schedule",
]

LOCK_WAIT_SECONDS = 10.0
_MAX_FRACTION = Decimal(10)


def check_ref(ref: str, what: str) -> None:
    if not isinstance(ref, str) or not ref or len(ref) > 120 or ref != ref.strip():
        raise BidInvalid(f"A referência {what} é obrigatória (até 120 caracteres).")


def check_fraction(fraction: Decimal, *, allow_zero: bool = False) -> None:
    if (
        not isinstance(fraction, Decimal)
        or not fraction.is_finite()
        or fraction < 0
        or (fraction == 0 and not allow_zero)
        or fraction >= _MAX_FRACTION
        or round_half_up(fraction, 10) != fraction
    ):
        raise BidInvalid(
            f"Fração do crédito inválida: {fraction!r} (positiva, até 10 casas decimais)."
        )


def check_credit(credit_value: Decimal) -> None:
    if (
        not isinstance(credit_value, Decimal)
        or not credit_value.is_finite()
        or credit_value <= 0
        or round_half_up(credit_value, 2) != credit_value
    ):
        raise BidInvalid(f"Valor do crédito inválido: {credit_value!r}.")


def quota_schedule(quota_version_id: int) -> InstallmentSchedule:
    schedule = (
        InstallmentSchedule.objects.select_related("group")
        .filter(quota_version_id=quota_version_id)
        .first()
    )
    if schedule is None:
        raise BidNotApplicable(f"A cota (versão {quota_version_id}) não tem plano de parcelas.")
    return schedule


def checked_split(
    schedule: InstallmentSchedule, fraction: Decimal, credit_value: Decimal, on: dt.date
) -> BidSplit:
    """The bid's split, refused when a component would post no cent (a bid too small)."""
    split = bid_split(schedule.group, fraction, on, credit_value)
    for name, part in split.fractions.items():
        if part and not split.reais[name]:
            raise BidInvalid(f"Lance pequeno demais: a parte de {name} não chega a um centavo.")
    return split


def check_fits(schedule: InstallmentSchedule, split: BidSplit) -> None:
    rows = [
        InstallmentShare(row.number, {name: getattr(row, name) for name in split.fractions})
        for row in unbilled_installments(schedule)
    ]
    remaining = remaining_by_component(rows)
    if any(part > remaining[name] for name, part in split.fractions.items()):
        raise BidExceedsBalance(
            f"O lance ({split.fraction} do crédito) supera o saldo das parcelas a vencer "
            f"({sum(remaining.values(), Decimal(0))})."
        )
