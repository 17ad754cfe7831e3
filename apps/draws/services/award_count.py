"""How many awards an assembly can make from its money (DOMAIN.md A7, Part B §3.2). Pure.

Three stages, in order, each award checked against the money as it stands:

1. planned draws of active quotas: each uses the credit value C;
2. excluded-quota refunds: each uses its refund amount (A10);
3. bids in ranking order: each uses C - the common-fund part of the bid (A8), allowed only
   while ``money + fcpart ≥ C``.

A stage whose next award does not fit is skipped and the next stage is tried (so bids may
still win when the draw had no money, §3.1); within a stage we stop at its first award that
does not fit (with one credit value a lower-ranked bid needs more money, §3.2). What is left
carries over. The caller passes only draws that found a winner and refunds of excluded
quotas actually drawn; refs are opaque strings that come back in the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = ["AwardCount", "CountedAward", "SkippedAward", "Stage", "count_awards"]


class Stage(StrEnum):
    DRAW = "draw"
    EXCLUDED_REFUND = "excluded_refund"
    BID = "bid"


@dataclass(frozen=True)
class CountedAward:
    """An award that fits: what it uses and the money before and after it."""

    stage: Stage
    ref: str
    uses: Decimal
    money_before: Decimal
    money_after: Decimal


@dataclass(frozen=True)
class SkippedAward:
    """The award that did not fit and ended its stage (later ones were not tried)."""

    stage: Stage
    ref: str
    uses: Decimal
    money: Decimal


@dataclass(frozen=True)
class AwardCount:
    """The count's answer: awards in order, the award that stopped each stage, carry-over."""

    available: Decimal
    credit_value: Decimal
    awards: tuple[CountedAward, ...]
    skipped: tuple[SkippedAward, ...]
    carry_over: Decimal

    @property
    def used(self) -> Decimal:
        return self.available - self.carry_over

    def refs(self, stage: Stage) -> list[str]:
        """The refs awarded in one stage, in order."""
        return [award.ref for award in self.awards if award.stage is stage]

    def as_dict(self) -> dict[str, Any]:
        """JSON form (Decimals as strings) for the stored result and the minutes."""
        return {
            "available": str(self.available),
            "credit_value": str(self.credit_value),
            "awards": [
                {
                    "stage": a.stage.value,
                    "ref": a.ref,
                    "uses": str(a.uses),
                    "money_before": str(a.money_before),
                    "money_after": str(a.money_after),
                }
                for a in self.awards
            ],
            "skipped": [
                {"stage": s.stage.value, "ref": s.ref, "uses": str(s.uses), "money": str(s.money)}
                for s in self.skipped
            ],
            "carry_over": str(self.carry_over),
        }


def count_awards(
    *,
    available: Decimal,
    credit_value: Decimal,
    draw_winners: Sequence[str],
    refunds: Sequence[tuple[str, Decimal]],
    bids: Sequence[tuple[str, Decimal]],
    reserve_for_draws: Decimal = Decimal("0.00"),
) -> AwardCount:
    """The awards that fit, stage by stage (see the module docstring).

    ``draw_winners``: refs of the planned draws that found a winner, in order; ``refunds``:
    (ref, refund amount in R$) of drawn excluded quotas; ``bids``: (ref, common-fund part of
    the bid in R$) in ranking order. ``reserve_for_draws``: the part of ``available`` that is
    reserve-fund money usable only by the planned draws (Part B §2.1); the draws spend it
    last, and what they leave of it is held back from refunds and bids (it carries over).
    """
    if available < 0 or credit_value <= 0:
        raise ValueError("available money is not negative and the credit is positive")
    if not 0 <= reserve_for_draws <= available:
        raise ValueError("the reserve for draws is part of the available money")
    money = available
    awards: list[CountedAward] = []
    skipped: list[SkippedAward] = []

    def run(stage: Stage, items: Sequence[tuple[str, Decimal]]) -> None:
        nonlocal money
        for ref, uses in items:
            if uses < 0:
                raise ValueError(f"{ref}: an award never adds money")
            if uses > money:
                skipped.append(SkippedAward(stage, ref, uses, money))
                return
            awards.append(CountedAward(stage, ref, uses, money, money - uses))
            money -= uses

    run(Stage.DRAW, [(ref, credit_value) for ref in draw_winners])
    # The draws take the fund's own money first and the reserve last (finance post_award).
    reserve_left = min(reserve_for_draws, money)
    money -= reserve_left
    run(Stage.EXCLUDED_REFUND, list(refunds))
    # A8: a bid uses C - fcpart; fits while money + fcpart ≥ C (the same inequality).
    run(Stage.BID, [(ref, max(credit_value - part, Decimal("0.00"))) for ref, part in bids])
    money += reserve_left
    return AwardCount(
        available=available,
        credit_value=credit_value,
        awards=tuple(awards),
        skipped=tuple(skipped),
        carry_over=money,
    )
