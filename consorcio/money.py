"""Money arithmetic shared by every context (ARCHITECTURE.md §4 "Money", DOMAIN.md A1).

Generic math only, no business rules: Decimal conversion that refuses floats, half-up
rounding that always names ``ROUND_HALF_UP``, the exact split of a total into weighted parts
(largest remainder), fraction-of-credit arithmetic with 10 decimal places, integer cents for
bank and boleto adapters, and the Brazilian display format ``R$ 1.234,56``.

Rounding is done on exact rationals (``fractions.Fraction``) wherever a product or a share is
involved, so no intermediate result is rounded by the ambient ``decimal`` context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "CENT",
    "FRACTION_PLACES",
    "ZERO",
    "Number",
    "bill_components",
    "format_brl",
    "fraction_to_reais",
    "from_cents",
    "parse_brl",
    "round_fraction",
    "round_half_up",
    "split_exact",
    "split_late_charges",
    "to_cents",
    "to_decimal",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# DOMAIN.md A1: fractions of the credit are stored with 10 decimal places.
FRACTION_PLACES = 10

# An exact quantity: what the helpers below accept where a value may be rational.
Number = Decimal | Fraction | int


def _refuse_inexact(value: object) -> None:
    """Raise TypeError for floats and booleans, which are never amounts of money."""
    if isinstance(value, float):
        raise TypeError(
            f"float {value!r} is not accepted for money: pass a str, int or Decimal "
            "(a float already carries binary rounding error)"
        )
    if isinstance(value, bool):
        raise TypeError(f"bool {value!r} is not an amount")


def _to_fraction(value: Number) -> Fraction:
    """Convert an exact value to a Fraction; refuse floats, booleans and non-finite Decimals."""
    _refuse_inexact(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite amount")
        return Fraction(value)
    if isinstance(value, Fraction | int):
        return Fraction(value)
    raise TypeError(f"{type(value).__name__} is not an exact number")


def _check_places(places: int) -> None:
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"places must be a non-negative int, got {places!r}")


def _round_rational_units(value: Fraction, places: int) -> int:
    """``value`` rounded half-up (ties away from zero) to ``places``, in units of 10^-places."""
    scaled = abs(value) * 10**places
    units = int(scaled + Fraction(1, 2))  # floor of a non-negative number
    return -units if value < 0 else units


def _from_units(units: int, places: int) -> Decimal:
    """The Decimal worth ``units`` * 10^-places, with exactly ``places`` decimal places."""
    return Decimal(units).scaleb(-places, Context(prec=max(28, len(str(abs(units))) + 2)))


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Convert input to an exact, finite Decimal; a float is refused with TypeError.

    Strings are parsed in Python's notation (``"1234.56"``); for the Brazilian notation use
    :func:`parse_brl`. Invalid text, NaN and infinities raise ValueError.
    """
    _refuse_inexact(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    else:
        raise TypeError(f"{type(value).__name__} cannot be converted to Decimal")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round to ``places`` decimal places, half away from zero (``ROUND_HALF_UP``).

    The result always carries exactly ``places`` decimal places (``Decimal("2")`` becomes
    ``2.00``). A Fraction is rounded exactly, so ``Fraction(1, 200)`` gives ``0.01``.
    """
    _check_places(places)
    _refuse_inexact(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite amount")
        precision = max(28, value.adjusted() + places + 2)
        exponent = Decimal(1).scaleb(-places)
        return value.quantize(exponent, rounding=ROUND_HALF_UP, context=Context(prec=precision))
    return _from_units(_round_rational_units(_to_fraction(value), places), places)


def to_cents(value: Decimal) -> int:
    """The amount as integer cents, for bank-file and boleto adapters only.

    The amount must already be a whole number of cents (round it first with
    :func:`round_half_up`); anything finer raises ValueError instead of rounding silently.
    """
    exact = _to_fraction(value) * 100
    if exact.denominator != 1:
        raise ValueError(f"{value} is not a whole number of cents: round it first")
    return exact.numerator


def from_cents(cents: int) -> Decimal:
    """The Decimal amount (2 places) of an integer number of cents from a bank file or boleto."""
    _refuse_inexact(cents)
    if not isinstance(cents, int):
        raise TypeError(f"cents must be an int, got {type(cents).__name__}")
    return _from_units(cents, 2)


def format_brl(value: Decimal) -> str:
    """Display an amount as ``R$ 1.234,56`` (negative: ``-R$ 1.234,56``), whatever the locale.

    An amount with more than two places is rounded half-up to the cent first; a negative
    amount that rounds to zero is shown as ``R$ 0,00``.
    """
    rounded = round_half_up(value, 2)
    # Decimal's "," grouping option is locale-independent; swap the separators afterwards.
    body = format(abs(rounded), ",.2f").translate(str.maketrans(",.", ".,"))
    return f"-R$ {body}" if rounded < 0 else f"R$ {body}"


_BRL_PATTERN = re.compile(
    r"""^\s*(?P<sign>-)?\s*(?:R\$)?\s*(?P<sign_after>-)?\s*
    (?P<integer>\d{1,3}(?:\.\d{3})+|\d+)
    (?:,(?P<cents>\d{1,2}))?\s*$""",
    re.VERBOSE,
)


def parse_brl(text: str) -> Decimal:
    """Read an amount written the Brazilian way (``R$ 1.234,56``, ``1234,5``, ``-R$ 10,00``).

    The ``R$`` prefix and the thousands dots are optional; at most two decimal places; the
    result has exactly two. Anything else raises ValueError with a message for staff.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_brl expects str, got {type(text).__name__}")
    match = _BRL_PATTERN.match(text.replace("\u00a0", " "))
    if match is None or (match["sign"] and match["sign_after"]):
        raise ValueError(f"Valor inválido: {text!r}. Use o formato R$ 1.234,56.")
    integer = match["integer"].replace(".", "")
    cents = (match["cents"] or "").ljust(2, "0")
    amount = Decimal(f"{integer}.{cents}")
    return -amount if (match["sign"] or match["sign_after"]) else amount


def split_exact(
    total: Decimal | int, weights: Sequence[Number], *, places: int = 2
) -> list[Decimal]:
    """Split ``total`` into parts proportional to ``weights`` that sum exactly to ``total``.

    Largest remainder (Hamilton): each part is its exact share truncated to ``places``; the
    units left over go one each to the parts with the largest remainders. **Ties go to the
    earlier weight in the order given**, so callers list weights by priority (DOMAIN.md A1:
    common fund, then reserve fund, then fee). Shares are computed with exact rationals, so
    weights given as Fractions (a plan's exact terms) decide ties exactly; no part is a full
    unit or more away from its exact share, and a zero weight always gets zero.

    A negative total is split as the mirror image of the positive one. The total must be a
    whole number of units of 10^-places. Refused with ValueError: no weights, a negative
    weight, or all-zero weights with a nonzero total; floats are refused with TypeError.
    """
    _check_places(places)
    exact_total = _to_fraction(total)
    total_units = exact_total * 10**places
    if total_units.denominator != 1:
        raise ValueError(f"total {total} has more than {places} decimal places: round it first")
    if len(weights) == 0:
        raise ValueError("split_exact needs at least one weight")
    exact_weights = [_to_fraction(weight) for weight in weights]
    if any(weight < 0 for weight in exact_weights):
        raise ValueError(f"weights must not be negative, got {list(weights)!r}")
    weight_sum = sum(exact_weights, Fraction(0))
    units = abs(total_units.numerator)
    if weight_sum == 0:
        if units != 0:
            raise ValueError(f"cannot split a nonzero total {total} over weights that are all zero")
        return [_from_units(0, places) for _ in exact_weights]

    shares = [units * weight / weight_sum for weight in exact_weights]
    parts = [share.numerator // share.denominator for share in shares]
    leftover = units - sum(parts)
    # Largest remainder first; among equal remainders the earlier weight (stable order).
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    sign = -1 if total_units < 0 else 1
    return [_from_units(sign * part, places) for part in parts]


def round_fraction(value: Number) -> Decimal:
    """Round a fraction of the credit half-up to 10 decimal places (DOMAIN.md A1 storage)."""
    return round_half_up(value, FRACTION_PLACES)


def fraction_to_reais(fraction: Number, credit_value: Decimal) -> Decimal:
    """Reais of a fraction of the credit: ``round2(fraction * credit_value)``, half-up.

    The product is exact (no intermediate rounding), so an exact Fraction such as 1/60 gives
    the same cents as its infinite decimal expansion would.
    """
    return round_half_up(_to_fraction(fraction) * _to_fraction(credit_value), 2)


def bill_components(
    components: Sequence[tuple[str, Number]], credit_value: Decimal
) -> dict[str, Decimal]:
    """Reais of each component of a bill, summing exactly to the bill's total (DOMAIN.md A1).

    The total is ``round2(sum(fractions) * credit_value)``; the components are that total
    split by largest remainder in proportion to their exact fractions, ties going to the
    component listed first (list them common fund, reserve fund, fee). Pass the plan's exact
    terms (Fractions) rather than the rounded 10-place fractions, whose rounding noise would
    otherwise decide ties. Names must be distinct; fractions must not be negative.
    """
    names = [name for name, _ in components]
    if len(set(names)) != len(names):
        raise ValueError(f"component names must be distinct, got {names!r}")
    fractions = [_to_fraction(fraction) for _, fraction in components]
    total = fraction_to_reais(sum(fractions, Fraction(0)), credit_value)
    return dict(zip(names, split_exact(total, fractions), strict=True))


def split_late_charges(total: Decimal, group_share: Number) -> tuple[Decimal, Decimal]:
    """Split late charges into (group, administradora); any fraction of a cent goes to the group.

    The group's part is ``total * group_share`` rounded to the cent away from zero, the
    administradora gets the rest, so rounding never takes the group below its share
    (DOMAIN.md A4, Law art. 28: 1,170.00's fine 23.40 + interest 5.85 = 29.25 at 50% gives
    14.63 / 14.62). Which shares are allowed (e.g. the group's at least 50%) is the group's
    configuration, not checked here; only 0 ≤ group_share ≤ 1 is.
    """
    share = _to_fraction(group_share)
    if not 0 <= share <= 1:
        raise ValueError(f"group_share must be between 0 and 1, got {group_share}")
    total_units = _to_fraction(total) * 100
    if total_units.denominator != 1:
        raise ValueError(f"total {total} is not a whole number of cents: round it first")
    group_exact = abs(total_units) * share
    group_units = -(-group_exact.numerator // group_exact.denominator)  # ceiling
    sign = -1 if total_units < 0 else 1
    group = _from_units(sign * group_units, 2)
    return group, _from_units(total_units.numerator, 2) - group
