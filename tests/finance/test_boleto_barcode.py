"""The 44-digit barcode: real pairs, due-date factors (2025 reset), check digits, amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.boleto import (
    AmountInvalid,
    BarcodeInvalid,
    DueDateOutOfRange,
    amount_field,
    build_barcode,
    due_date_factor,
    due_date_from_factor,
    general_check_digit,
    mod10,
    parse_barcode,
)
from apps.finance.services.boleto.barcode import FACTOR_RESET_DATE, weighted_sum
from tests.finance.payment_code_fixtures import csv_rows, require_fixtures

PAIRS = csv_rows("boleto", "boleto_pairs.csv")
FACTORS = csv_rows("boleto", "fator_vencimento.csv")
VECTORS = csv_rows("boleto", "check_digit_vectors.csv")


def pair_id(row: dict[str, str]) -> str:
    return f"{row['source_file'].rsplit('/', 1)[-1]}:{row['source_line']}"


def test_the_shared_boleto_fixtures_are_present() -> None:
    for name in ("boleto_pairs.csv", "fator_vencimento.csv", "check_digit_vectors.csv"):
        require_fixtures("boleto", name)
    assert len(PAIRS) == 44
    assert len(FACTORS) == 11


@pytest.mark.parametrize("row", PAIRS, ids=pair_id)
def test_every_real_barcode_parses_to_the_amount_and_due_date_its_spec_states(
    row: dict[str, str],
) -> None:
    stated_date = date.fromisoformat(row["stated_data_vencimento"])

    barcode = parse_barcode(row["codigo_barras"])

    assert barcode.bank_code == row["bank_code"]
    assert barcode.factor == int(row["fator_vencimento"])
    # "sem valor" (itau_spec.rb:75) is all zeros: no amount.
    expected_amount = Decimal(row["valor_from_barcode"])
    assert barcode.amount == (expected_amount if expected_amount else None)
    # The stated date is the reference: it picks the factor's cycle (README: "nearest to today"
    # would misread most of these rows).
    assert barcode.due_date(reference=stated_date) == stated_date
    second_cycle = row["factor_cycle_of_stated_date"].startswith("2")
    assert second_cycle == (stated_date >= FACTOR_RESET_DATE)


@pytest.mark.parametrize("row", PAIRS, ids=pair_id)
def test_every_real_barcode_is_rebuilt_from_its_fields(row: dict[str, str]) -> None:
    parsed = parse_barcode(row["codigo_barras"])
    stated_date = date.fromisoformat(row["stated_data_vencimento"])

    rebuilt = build_barcode(
        bank_code=parsed.bank_code,
        due_date=stated_date,
        amount=parsed.amount,
        free_field=parsed.free_field,
    )

    assert rebuilt == row["codigo_barras"]


def test_the_same_factor_names_dates_25_years_apart_and_the_reference_picks_one() -> None:
    # itau_spec.rb:145 (2548 = 2029-05-20) vs the first cycle's 2004-09-28; safra (1001 =
    # 2025-02-23) vs banrisul (1001 = 2000-07-04).
    assert due_date_from_factor(2548, reference=date(2029, 5, 1)) == date(2029, 5, 20)
    assert due_date_from_factor(2548, reference=date(2004, 9, 1)) == date(2004, 9, 28)
    assert due_date_from_factor(1001, reference=date(2025, 2, 1)) == date(2025, 2, 23)
    assert due_date_from_factor(1001, reference=date(2000, 7, 1)) == date(2000, 7, 4)
    assert due_date_from_factor(0, reference=date(2026, 1, 1)) is None


@pytest.mark.parametrize("row", FACTORS, ids=lambda row: row["data_vencimento"])
def test_due_date_factor_matches_the_published_table(row: dict[str, str]) -> None:
    due = date.fromisoformat(row["data_vencimento"])
    factor = int(row["fator_vencimento"])

    assert due_date_factor(due) == factor
    assert due_date_from_factor(factor, reference=due) == due


def test_the_factor_wraps_to_1000_on_2025_02_22() -> None:
    assert due_date_factor(date(2025, 2, 21)) == 9999
    assert due_date_factor(date(2025, 2, 22)) == 1000
    assert (
        due_date_factor(date(2026, 12, 10)) == 1000 + (date(2026, 12, 10) - date(2025, 2, 22)).days
    )


@pytest.mark.parametrize("due", [date(2000, 7, 2), date(2049, 10, 14)])
def test_a_due_date_without_factor_is_refused(due: date) -> None:
    with pytest.raises(DueDateOutOfRange) as refusal:
        due_date_factor(due)
    assert refusal.value.code == "boleto_due_date_out_of_range"
    assert "fator de vencimento" in refusal.value.detail


@pytest.mark.parametrize("row", VECTORS, ids=lambda row: f"{row['algorithm']}:{row['input']}")
def test_check_digit_vectors(row: dict[str, str]) -> None:
    digits, expected = row["input"], int(row["expected"])
    if row["algorithm"] == "mod10_febraban":
        assert mod10(digits) == expected
    elif row["algorithm"] == "mod11_barcode_general_dv":
        assert general_check_digit(digits) == expected
    else:
        # brcobranca's default modulo11 (weights 9..2 from the right, the remainder itself): the
        # base of BB's nosso número check digit, not the barcode's.
        assert row["algorithm"] == "mod11_weights_9_to_2_remainder"
        assert weighted_sum(digits, (9, 8, 7, 6, 5, 4, 3, 2)) % 11 == expected


def test_two_independently_published_bb_barcodes_check_out() -> None:
    assert parse_barcode("00193373700000001000500940144816060680935031").amount == Decimal("1.00")


def test_a_barcode_with_a_wrong_general_digit_is_refused() -> None:
    with pytest.raises(BarcodeInvalid) as refusal:
        parse_barcode("00194373700000001000500940144816060680935031")
    assert refusal.value.code == "boleto_barcode_invalid"
    assert "dígito verificador geral" in refusal.value.detail


@pytest.mark.parametrize(
    "text",
    ["0019337370000000100050094014481606068093503", "0019337370000000100050094014481606068093503X"],
)
def test_a_barcode_of_wrong_length_or_with_letters_is_refused(text: str) -> None:
    with pytest.raises(BarcodeInvalid):
        parse_barcode(text)


def test_amounts_are_cents_of_a_decimal() -> None:
    assert amount_field(Decimal("1234.56")) == "0000123456"
    assert amount_field(Decimal("99999999.99")) == "9999999999"
    assert amount_field(None) == "0000000000"


@pytest.mark.parametrize(
    "amount", [Decimal("-0.01"), Decimal("100000000.00"), Decimal("10.005"), Decimal("NaN")]
)
def test_an_amount_the_field_cannot_carry_is_refused_not_rounded(amount: Decimal) -> None:
    with pytest.raises(AmountInvalid) as refusal:
        amount_field(amount)
    assert refusal.value.code == "boleto_amount_invalid"


bank_codes = st.from_regex(r"[0-7][0-9]{2}", fullmatch=True)
free_fields = st.from_regex(r"[0-9]{25}", fullmatch=True)
due_dates = st.dates(min_value=date(2000, 7, 3), max_value=date(2049, 10, 13))
amounts = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
)


@given(bank=bank_codes, due=due_dates, amount=amounts, free=free_fields)
def test_build_then_parse_gives_back_every_field(
    bank: str, due: date, amount: Decimal | None, free: str
) -> None:
    barcode = parse_barcode(
        build_barcode(bank_code=bank, due_date=due, amount=amount, free_field=free)
    )

    assert (barcode.bank_code, barcode.amount, barcode.free_field) == (bank, amount, free)
    assert barcode.due_date(reference=due) == due
    assert barcode.check_digit != 0
