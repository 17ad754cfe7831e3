"""How a paid bid amortizes a quota's remaining installments: pure functions (DOMAIN.md A8, §4.2).

Res. 285 art. 12: a winning bid pays off installments not yet due, as the contract says. The
bid arrives already split over the components (``selectors.bids.bid_split``: fractions of the
credit per component); each component is applied to the same component of the installments:

- ``last_installments`` (reverse order, the default, §4.2 (a)): from the last installment
  backwards, each component of an installment is paid off in full while the bid's part lasts;
  the first one it cannot pay in full keeps the rest. With the flat plan every component runs
  out on the same installment, so the term ends earlier and the new last installment is the
  leftover (§4.2: 45% over 90 installments of 1.17% pays the last 38, month 62 keeps 0.63%).
- ``spread`` (§4.2 (b)): every remaining installment keeps the term and is reduced; per
  component the new total ``remaining - bid`` is split over the installments by largest
  remainder at 10 places in proportion to what each carried (ties to the earlier one), so
  the parts sum exactly (§4.2: (105.30% - 45%) / 90 = 0.67% a month).

Either way, per component: new installments + bid = old installments, exactly, and nothing
goes negative. A bid larger than what the installments carry in some component is refused
(``bid_exceeds_balance``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from apps.groups.services.fractions import COMPONENTS
from consorcio.errors import DomainError
from consorcio.money import FRACTION_PLACES, split_exact

__all__ = [
    "LAST_INSTALLMENTS",
    "SPREAD",
    "BidExceedsBalance",
    "InstallmentShare",
    "amortize",
]

LAST_INSTALLMENTS = "last_installments"
SPREAD = "spread"
_ZERO = Decimal("0E-10")


class BidExceedsBalance(DomainError):
    """The bid is larger than what the quota's remaining installments still carry."""

    code: ClassVar[str] = "bid_exceeds_balance"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lance maior que o saldo devedor"
    default_detail: ClassVar[str] = "O lance supera o que as parcelas a vencer da cota ainda devem."


@dataclass(frozen=True)
class InstallmentShare:
    """One open installment's fractions per component (10 places)."""

    number: int
    fractions: Mapping[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum((self.fractions.get(name, _ZERO) for name in COMPONENTS), _ZERO)


def remaining_by_component(rows: Sequence[InstallmentShare]) -> dict[str, Decimal]:
    """What the installments carry in all, per component."""
    return {
        name: sum((row.fractions.get(name, _ZERO) for row in rows), _ZERO) for name in COMPONENTS
    }


def _check(rows: Sequence[InstallmentShare], bid: Mapping[str, Decimal]) -> None:
    remaining = remaining_by_component(rows)
    for name in COMPONENTS:
        part = bid.get(name, _ZERO)
        if part < 0:
            raise ValueError(f"bid component {name} is negative: {part}")
        if part > remaining[name]:
            raise BidExceedsBalance(
                f"O lance ({sum(bid.values(), _ZERO):.10f} do crédito) supera o saldo das "
                f"parcelas a vencer ({sum(remaining.values(), _ZERO):.10f}).",
                extra={"component": name},
            )


def _reverse(values: list[Decimal], part: Decimal) -> list[Decimal]:
    result = list(values)
    for index in range(len(result) - 1, -1, -1):
        if not part:
            break
        taken = min(part, result[index])
        result[index] -= taken
        part -= taken
    return result


def _spread(values: list[Decimal], part: Decimal) -> list[Decimal]:
    total = sum(values, _ZERO)
    if not part or not total:
        return list(values)
    return split_exact(total - part, values, places=FRACTION_PLACES)


def amortize(
    rows: Sequence[InstallmentShare], bid: Mapping[str, Decimal], *, method: str
) -> list[InstallmentShare]:
    """The installments after applying ``bid`` (fractions per component) by ``method``.

    ``rows`` are the open installments the bid may pay off (not yet due, not yet billed), in
    number order. Returns the same installments, in the same order, with their new fractions
    (an installment whose components all reached zero is paid off).
    """
    if method not in (LAST_INSTALLMENTS, SPREAD):
        raise ValueError(f"unknown bid application {method!r}")
    ordered = sorted(rows, key=lambda row: row.number)
    _check(ordered, bid)
    apply = _reverse if method == LAST_INSTALLMENTS else _spread
    columns = {
        name: apply([row.fractions.get(name, _ZERO) for row in ordered], bid.get(name, _ZERO))
        for name in COMPONENTS
    }
    return [
        InstallmentShare(
            number=row.number, fractions={name: columns[name][i] for name in COMPONENTS}
        )
        for i, row in enumerate(ordered)
    ]
