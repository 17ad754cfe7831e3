"""The linha digitável: real pairs both ways, typed input, and single-digit typing errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.boleto import (
    DigitableLineInvalid,
    barcode_from_linha_digitavel,
    build_barcode,
    format_linha_digitavel,
    is_valid_linha_digitavel,
    linha_digitavel_from_barcode,
    parse_barcode,
)
from tests.finance.payment_code_fixtures import csv_rows

PAIRS = csv_rows("boleto", "boleto_pairs.csv")


@pytest.mark.parametrize(
    "row", PAIRS, ids=lambda row: f"{row['source_file'].rsplit('/', 1)[-1]}:{row['source_line']}"
)
def test_every_real_pair_converts_both_ways(row: dict[str, str]) -> None:
    digits = linha_digitavel_from_barcode(row["codigo_barras"])

    assert format_linha_digitavel(digits) == row["linha_digitavel"]
    assert barcode_from_linha_digitavel(row["linha_digitavel"]) == row["codigo_barras"]


@pytest.mark.parametrize(
    ("linha", "amount"),
    [
        # Published outside brcobranca (fixtures/boleto/README.md): BB, R$ 1,00 and R$ 1.026,56.
        ("00190500954014481606906809350314337370000000100", Decimal("1.00")),
        ("00190000090114971860168524522114675860000102656", Decimal("1026.56")),
    ],
)
def test_independently_published_linhas_check_out(linha: str, amount: Decimal) -> None:
    assert parse_barcode(barcode_from_linha_digitavel(linha)).amount == amount


def test_a_typed_line_with_spaces_dots_and_hyphens_is_read() -> None:
    typed = " 00190.00009 01238-798977 77700.168188  3 37690000013500\n"

    assert barcode_from_linha_digitavel(typed) == "00193376900000135000000001238798977770016818"


@pytest.mark.parametrize(
    ("linha", "field"),
    [
        ("00190.00008 01238.798977 77700.168188 3 37690000013500", 1),
        ("00190.00009 01238.798978 77700.168188 3 37690000013500", 2),
        ("00190.00009 01238.798977 77700.168187 3 37690000013500", 3),
        ("00190.00009 01238.798977 77700.168188 4 37690000013500", 4),
        ("00190.00009 01238.798977 77700.168188 3 37690000013501", 4),
    ],
)
def test_a_wrong_check_digit_names_the_field(linha: str, field: int) -> None:
    with pytest.raises(DigitableLineInvalid) as refusal:
        barcode_from_linha_digitavel(linha)

    assert refusal.value.code == "boleto_linha_digitavel_invalid"
    assert refusal.value.extra["field"] == field
    assert f"campo {field}" in refusal.value.detail


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0019000009012387989777770016818837690000013500", "47 dígitos"),
        ("00190.00009 01238.79897A 77700.168188 3 37690000013500", "apenas números"),
        ("836200000005667800481000180975657313001589636081", "arrecadação"),
    ],
)
def test_a_line_of_the_wrong_kind_is_refused_in_portuguese(text: str, message: str) -> None:
    with pytest.raises(DigitableLineInvalid) as refusal:
        barcode_from_linha_digitavel(text)
    assert message in refusal.value.detail
    assert not is_valid_linha_digitavel(text)


def test_the_mod11_collapse_lets_some_field5_typos_through() -> None:
    # FEBRABAN maps remainders 0, 1 and 10 to the same general digit 1, so field 5 (factor and
    # amount) cannot reveal a typo that moves the remainder among them. Real Itaú "sem valor"
    # boleto (itau_spec.rb:75), amount mistyped as R$ 0,04: every check digit still matches.
    mistyped = "34191.75124 34567.840813 05367.890000 1 43290000000004"

    assert is_valid_linha_digitavel(mistyped)
    assert parse_barcode(barcode_from_linha_digitavel(mistyped)).amount == Decimal("0.04")


barcodes = st.builds(
    lambda bank, due, cents, free: build_barcode(
        bank_code=bank,
        due_date=due,
        amount=Decimal(cents).scaleb(-2) if cents else None,
        free_field=free,
    ),
    st.from_regex(r"[0-7][0-9]{2}", fullmatch=True),
    st.dates(min_value=date(2000, 7, 3), max_value=date(2049, 10, 13)),
    st.integers(min_value=0, max_value=9_999_999_999),
    st.from_regex(r"[0-9]{25}", fullmatch=True),
)


@given(barcode=barcodes)
def test_barcode_to_line_and_back_is_the_identity(barcode: str) -> None:
    linha = linha_digitavel_from_barcode(barcode)

    assert len(linha) == 47
    assert barcode_from_linha_digitavel(linha) == barcode
    assert barcode_from_linha_digitavel(format_linha_digitavel(linha)) == barcode


@given(barcode=barcodes, position=st.integers(0, 46), shift=st.integers(1, 9))
def test_any_single_digit_change_is_detected_except_the_mod11_collapse(
    barcode: str, position: int, shift: int
) -> None:
    linha = linha_digitavel_from_barcode(barcode)
    mistyped = linha[:position] + str((int(linha[position]) + shift) % 10) + linha[position + 1 :]

    if is_valid_linha_digitavel(mistyped):
        # Fields 1-4 are always protected (mod 10 catches every single substitution, the
        # general digit is compared as typed); in field 5 only when the general digit is 1.
        assert position >= 33
        assert parse_barcode(barcode).check_digit == 1
    else:
        with pytest.raises(DigitableLineInvalid):
            barcode_from_linha_digitavel(mistyped)
