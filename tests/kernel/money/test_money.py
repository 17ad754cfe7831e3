"""Kernel money helpers: DOMAIN.md worked examples with the document's numbers, and refusals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from consorcio.money import (
    CENT,
    FRACTION_PLACES,
    ZERO,
    bill_components,
    format_brl,
    fraction_to_reais,
    from_cents,
    parse_brl,
    round_fraction,
    round_half_up,
    split_exact,
    split_late_charges,
    to_cents,
    to_decimal,
)


def flat_plan_terms(
    *, months: int, fee: Fraction, reserve: Fraction, up_front_fee: Fraction = Fraction(0)
) -> list[tuple[str, Fraction]]:
    """DOMAIN.md A2 flat spread, listed in A1's tie order: common fund, reserve fund, fee."""
    return [
        ("common_fund", Fraction(1, months)),
        ("reserve_fund", reserve / months),
        ("administration_fee", (fee - up_front_fee) / months),
    ]


# --- DOMAIN.md worked examples -------------------------------------------------------------


@pytest.mark.embedded
def test_a1_bill_of_fifty_thousand_over_sixty_months_sums_to_its_total_of_925():
    terms = flat_plan_terms(months=60, fee=Fraction(10, 100), reserve=Fraction(1, 100))

    bill = bill_components(terms, Decimal("50000.00"))

    assert bill == {
        "common_fund": Decimal("833.34"),
        "reserve_fund": Decimal("8.33"),
        "administration_fee": Decimal("83.33"),
    }
    assert sum(bill.values()) == Decimal("925.00")
    # What rounding each component on its own would have billed: one cent short.
    assert sum(fraction_to_reais(f, Decimal("50000.00")) for _, f in terms) == Decimal("924.99")


def test_a1_odd_cent_follows_the_exact_terms_not_the_rounded_ten_place_fractions():
    terms = flat_plan_terms(months=60, fee=Fraction(10, 100), reserve=Fraction(1, 100))
    rounded = [(name, round_fraction(fraction)) for name, fraction in terms]

    from_rounded = bill_components(rounded, Decimal("50000.00"))

    # Rounding noise of the 10-place fractions hands the cent to the reserve fund;
    # the exact 1 : FR : TA terms tie, and the tie goes to the common fund.
    assert from_rounded["reserve_fund"] == Decimal("8.34")
    assert bill_components(terms, Decimal("50000.00"))["common_fund"] == Decimal("833.34")


def test_a2_worked_example_one_bills_1170_of_which_1000_common_fund():
    terms = flat_plan_terms(months=100, fee=Fraction(15, 100), reserve=Fraction(2, 100))

    bill = bill_components(terms, Decimal("100000.00"))

    assert bill == {
        "common_fund": Decimal("1000.00"),
        "reserve_fund": Decimal("20.00"),
        "administration_fee": Decimal("150.00"),
    }
    assert sum(bill.values()) == Decimal("1170.00")


def test_a2_up_front_fee_of_one_percent_lowers_the_installment_to_1160():
    terms = flat_plan_terms(
        months=100, fee=Fraction(15, 100), reserve=Fraction(2, 100), up_front_fee=Fraction(1, 100)
    )

    bill = bill_components(terms, Decimal("100000.00"))

    assert bill["administration_fee"] == Decimal("140.00")
    assert sum(bill.values()) == Decimal("1160.00")
    up_front = fraction_to_reais(Fraction(1, 100), Decimal("100000.00"))
    assert up_front + sum(bill.values()) == Decimal("2160.00")


def test_adjustment_example_revalues_installment_and_balance_at_the_new_credit_value():
    monthly = round_fraction(Fraction(117, 10000))  # 1.17% a month
    balance = Fraction(117, 100) - 12 * Fraction(117, 10000)  # 102.96% still owed

    assert monthly == Decimal("0.0117000000")
    assert fraction_to_reais(monthly, Decimal("105000.00")) == Decimal("1228.50")
    assert fraction_to_reais(balance, Decimal("105000.00")) == Decimal("108108.00")


def test_a4_late_payment_of_1170_after_15_days_costs_29_25_split_14_63_to_the_group():
    billed = Decimal("1170.00")
    fine = round_half_up(Fraction(billed) * Fraction(2, 100))
    interest = round_half_up(Fraction(billed) * Fraction(1, 100) * Fraction(15, 30))

    group, administradora = split_late_charges(fine + interest, Decimal("0.50"))

    assert (fine, interest) == (Decimal("23.40"), Decimal("5.85"))
    assert billed + fine + interest == Decimal("1199.25")
    assert (group, administradora) == (Decimal("14.63"), Decimal("14.62"))


# --- split_exact ---------------------------------------------------------------------------


def test_split_gives_leftover_cents_to_the_largest_remainders():
    assert split_exact(Decimal("10.00"), [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]) == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    # 0.35 / 0.65 of 0.07 → 2.45 and 4.55 cents: the larger remainder (0.55) takes the cent.
    assert split_exact(Decimal("0.07"), [Decimal("0.35"), Decimal("0.65")]) == [
        Decimal("0.02"),
        Decimal("0.05"),
    ]


def test_split_ties_go_to_the_weight_listed_first():
    assert split_exact(Decimal("0.01"), [1, 1]) == [Decimal("0.01"), Decimal("0.00")]
    assert split_exact(Decimal("0.01"), [0, 1, 1]) == [ZERO, Decimal("0.01"), ZERO]


def test_split_of_a_negative_total_mirrors_the_positive_one():
    assert split_exact(Decimal("-10.00"), [1, 1, 1]) == [
        Decimal("-3.34"),
        Decimal("-3.33"),
        Decimal("-3.33"),
    ]


def test_split_to_ten_places_serves_fractions_of_the_credit():
    parts = split_exact(Decimal("0.0117000000"), [100, 2, 15], places=FRACTION_PLACES)

    assert parts == [Decimal("0.0100000000"), Decimal("0.0002000000"), Decimal("0.0015000000")]


def test_zero_total_over_zero_weights_gives_zeros():
    assert split_exact(ZERO, [0, 0]) == [ZERO, ZERO]


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (Decimal("1.00"), [], "at least one weight"),
        (Decimal("1.00"), [1, -1, 2], "must not be negative"),
        (Decimal("1.00"), [0, 0], "all zero"),
        (Decimal("1.005"), [1, 1], "more than 2 decimal places"),
        (Decimal("NaN"), [1], "finite"),
    ],
)
def test_split_refuses_what_has_no_exact_answer(total, weights, message):
    original = list(weights)

    with pytest.raises(ValueError, match=message):
        split_exact(total, weights)

    assert weights == original


def test_split_refuses_floats_for_total_and_weights():
    with pytest.raises(TypeError, match="float"):
        split_exact(1.0, [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        split_exact(Decimal("1.00"), [0.5, 0.5])  # type: ignore[list-item]


def test_bill_refuses_repeated_component_names():
    with pytest.raises(ValueError, match="distinct"):
        bill_components([("fee", Fraction(1, 100)), ("fee", Fraction(1, 100))], Decimal("100"))


# --- conversions, rounding and display -----------------------------------------------------


def test_to_decimal_accepts_text_int_and_decimal_and_refuses_float():
    assert to_decimal(" 1234.56 ") == Decimal("1234.56")
    assert to_decimal(7) == Decimal(7)
    assert to_decimal(Decimal("0.1")) == Decimal("0.1")
    with pytest.raises(TypeError, match="float"):
        to_decimal(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_decimal(True)
    for bad in ("1,5", "abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            to_decimal(bad)


def test_round_half_up_rounds_ties_away_from_zero_unlike_bare_quantize():
    assert Decimal("0.125").quantize(CENT) == Decimal("0.12")  # banker's rounding
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")
    assert round_half_up(Decimal("-0.125")) == Decimal("-0.13")
    assert round_half_up(Fraction(1, 200)) == Decimal("0.01")
    assert round_half_up(Decimal("2")) == Decimal("2.00")
    assert str(round_half_up(Decimal("2"))) == "2.00"
    assert round_fraction(Fraction(1, 60)) == Decimal("0.0166666667")


def test_cents_conversion_for_bank_files_is_exact_and_refuses_fractions_of_a_cent():
    assert to_cents(Decimal("1234.56")) == 123456
    assert to_cents(Decimal("-0.05")) == -5
    assert from_cents(123456) == Decimal("1234.56")
    assert str(from_cents(5)) == "0.05"
    with pytest.raises(ValueError, match="round it first"):
        to_cents(Decimal("0.005"))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.56"), "R$ 1.234,56"),
        (Decimal("-1234.56"), "-R$ 1.234,56"),
        (Decimal("0"), "R$ 0,00"),
        (Decimal("-0.004"), "R$ 0,00"),
        (Decimal("1234567.895"), "R$ 1.234.567,90"),
        (Decimal("999.999"), "R$ 1.000,00"),
        (Decimal("12"), "R$ 12,00"),
    ],
)
def test_amounts_are_shown_in_brazilian_format(amount, shown):
    assert format_brl(amount) == shown


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("R$ 1.234,56", Decimal("1234.56")),
        ("-R$ 1.234,56", Decimal("-1234.56")),
        ("R$\u00a01.234,56", Decimal("1234.56")),
        ("1234,5", Decimal("1234.50")),
        ("R$ -10", Decimal("-10.00")),
        ("0,07", Decimal("0.07")),
    ],
)
def test_amounts_typed_the_brazilian_way_are_read(text, amount):
    assert parse_brl(text) == amount


@pytest.mark.parametrize("text", ["1.234.56", "12,345", "R$", "1,234.56", "--5", "-R$ -5", ""])
def test_malformed_amounts_are_refused_with_a_message_in_portuguese(text):
    with pytest.raises(ValueError, match="Valor inválido"):
        parse_brl(text)


def test_late_charges_at_sixty_percent_never_leave_the_group_below_its_share():
    group, administradora = split_late_charges(Decimal("0.07"), Decimal("0.60"))

    # 4.2 cents belong to the group: it gets 5, the administradora 2.
    assert (group, administradora) == (Decimal("0.05"), Decimal("0.02"))


def test_late_charges_refuse_a_share_outside_zero_to_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_late_charges(Decimal("10.00"), Decimal("1.5"))
