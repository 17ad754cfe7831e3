"""Properties of the kernel money helpers that must hold for every input (Hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from consorcio.money import (
    bill_components,
    format_brl,
    fraction_to_reais,
    from_cents,
    parse_brl,
    round_half_up,
    split_exact,
    split_late_charges,
    to_cents,
)

CENTS = st.integers(min_value=-(10**12), max_value=10**12)
AMOUNTS = CENTS.map(lambda cents: Decimal(cents).scaleb(-2))
WEIGHT = st.one_of(
    st.integers(min_value=0, max_value=10_000),
    st.fractions(min_value=0, max_value=100, max_denominator=10_000),
    st.decimals(min_value=0, max_value=1000, places=10, allow_nan=False, allow_infinity=False),
)
PLACES = st.integers(min_value=0, max_value=10)


def total_weight(weights: list[Decimal | Fraction | int]) -> Fraction:
    return sum((Fraction(weight) for weight in weights), Fraction(0))


def exact_shares(total: Decimal, weights: list[Decimal | Fraction | int]) -> list[Fraction]:
    weight_sum = total_weight(weights)
    return [Fraction(total) * Fraction(w) / weight_sum for w in weights]


WEIGHTS: st.SearchStrategy[list[Decimal | Fraction | int]] = st.lists(
    WEIGHT, min_size=1, max_size=12
).filter(lambda weights: total_weight(weights) > 0)


@given(AMOUNTS, WEIGHTS)
def test_parts_always_sum_to_the_total(total, weights):
    assert sum(split_exact(total, weights)) == total


@given(AMOUNTS, WEIGHTS)
def test_no_part_is_a_cent_or_more_away_from_its_exact_share(total, weights):
    parts = split_exact(total, weights)

    for part, share in zip(parts, exact_shares(total, weights), strict=True):
        assert abs(Fraction(part) - share) < Fraction(1, 100)


@given(CENTS, WEIGHTS, PLACES)
def test_parts_carry_exactly_the_requested_places_and_sum_at_any_precision(units, weights, places):
    total = Decimal(units).scaleb(-places)

    parts = split_exact(total, weights, places=places)

    assert sum(parts) == total
    assert all(part.as_tuple().exponent == -places for part in parts)


@given(AMOUNTS, WEIGHTS)
def test_splitting_is_deterministic_and_ignores_how_weights_are_scaled(total, weights):
    first = split_exact(total, weights)

    assert split_exact(total, list(weights)) == first
    assert split_exact(total, [Fraction(w) * 7 for w in weights]) == first


@given(AMOUNTS, WEIGHTS)
def test_a_negative_total_splits_as_the_mirror_of_the_positive_one(total, weights):
    assert split_exact(-total, weights) == [-part for part in split_exact(total, weights)]


@given(AMOUNTS, WEIGHTS)
def test_zero_weights_always_get_zero(total, weights):
    parts = split_exact(total, [*weights, 0])

    assert parts[-1] == 0
    assert parts[:-1] == split_exact(total, weights)


@given(AMOUNTS, st.integers(min_value=1, max_value=12))
def test_equal_weights_differ_by_at_most_a_cent_with_earlier_parts_larger(total, count):
    parts = [abs(part) for part in split_exact(total, [1] * count)]

    assert parts == sorted(parts, reverse=True)
    assert parts[0] - parts[-1] <= Decimal("0.01")


@given(
    st.lists(
        st.fractions(min_value=0, max_value=Fraction(1, 10), max_denominator=100_000),
        min_size=1,
        max_size=5,
    ),
    AMOUNTS.filter(lambda amount: amount > 0),
)
def test_bill_components_sum_to_the_rounded_total_of_their_fractions(fractions, credit_value):
    named = [(f"component_{i}", fraction) for i, fraction in enumerate(fractions)]
    total = fraction_to_reais(sum(fractions, Fraction(0)), credit_value)

    bill = bill_components(named, credit_value)

    assert list(bill) == [name for name, _ in named]
    assert sum(bill.values()) == total
    if sum(fractions) > 0:
        for part, share in zip(bill.values(), exact_shares(total, fractions), strict=True):
            assert abs(Fraction(part) - share) < Fraction(1, 100)


@given(AMOUNTS)
def test_formatted_amounts_read_back_unchanged(amount):
    assert parse_brl(format_brl(amount)) == amount


@given(AMOUNTS)
def test_bank_cents_round_trip(amount):
    assert from_cents(to_cents(amount)) == amount


@given(
    st.decimals(min_value=-(10**15), max_value=10**15, places=6, allow_nan=False),
    st.integers(min_value=0, max_value=4),
)
def test_round_half_up_agrees_for_decimals_and_their_exact_fractions(value, places):
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    assert round_half_up(value, places) == expected
    assert round_half_up(Fraction(value), places) == expected


@given(
    CENTS.map(lambda cents: Decimal(cents).scaleb(-2)),
    st.fractions(min_value=Fraction(1, 2), max_value=1, max_denominator=1000),
)
def test_late_charges_split_keeps_the_total_and_never_shorts_the_group(total, share):
    group, administradora = split_late_charges(total, share)

    assert group + administradora == total
    exact_group = abs(Fraction(total)) * share
    assert exact_group <= abs(Fraction(group)) < exact_group + Fraction(1, 100)
