"""Campo livre and nosso número of BB, Itaú, Bradesco, Caixa, Santander and Sicoob.

Real pairs come from ``../shared/fixtures/boleto/boleto_pairs.csv``; each row of a supported
bank is reproduced from the agreement data of the spec that produced it. Caixa and Sicoob have
no real pair there: their tests use the examples of the banks' layouts (SIGCB's campo livre,
Sicoob's 3197 check digit) as published with brcobranca's specs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.boleto import (
    BankDataInvalid,
    BankNotSupported,
    CollectionAgreement,
    barcode_from_linha_digitavel,
    issue_boleto,
    layout_for,
    nosso_numero_for,
    parse_barcode,
    supported_banks,
)
from apps.finance.services.boleto.barcode import mod10
from tests.finance.payment_code_fixtures import csv_rows

A = CollectionAgreement
BB_7 = A("001", "4042", "61900", "18", "1238798")
ITAU = A("341", "0810", "53678", "175", "12387")

# (spec file, line) -> (agreement, sequence, seu número) that produced the real pair.
REAL_PAIRS: dict[tuple[str, str], tuple[CollectionAgreement, int, str]] = {
    # brcobranca's "8-digit convênio" 12387989 + 9-digit number is, digit for digit, BB's
    # 7-digit layout (000000 + 17-digit nosso número + carteira): convênio 1238798 + sequence.
    ("banco_brasil_spec.rb", "70"): (BB_7, 9777700168, ""),
    ("banco_brasil_spec.rb", "80"): (BB_7, 9007700168, ""),
    ("banco_brasil_spec.rb", "95"): (BB_7, 7777700168, ""),
    ("banco_brasil_spec.rb", "107"): (BB_7, 7777700168, ""),
    ("banco_brasil_spec.rb", "119"): (BB_7, 7777700168, ""),
    ("banco_brasil_spec.rb", "134"): (A("001", "4042", "61900", "18", "123879"), 1234, ""),
    ("banco_brasil_spec.rb", "150"): (
        A("001", "4042", "61900", "16", "123879", "nn17"),
        1234567899,
        "",
    ),
    ("banco_brasil_spec.rb", "166"): (
        A("001", "4042", "61900", "18", "123879", "nn17"),
        1234567899,
        "",
    ),
    ("banco_brasil_spec.rb", "198"): (A("001", "4042", "61900", "18", "1238"), 123456, ""),
    ("banco_brasil_spec.rb", "222"): (A("001", "3174", "00011672", "17", "1474166"), 328, ""),
    ("itau_spec.rb", "75"): (ITAU, 12345678, ""),
    ("itau_spec.rb", "84"): (ITAU, 258281, ""),
    ("itau_spec.rb", "106"): (A("341", "0810", "53678", "196", "12345"), 258281, "1234567"),
    ("itau_spec.rb", "118"): (A("341", "0810", "53678", "196", "12345"), 258281, "123456"),
    ("itau_spec.rb", "131"): (A("341", "0810", "53678", "196", "1234"), 258281, "123456"),
    ("itau_spec.rb", "145"): (A("341", "1248", "02124", "109", "12387"), 10152, ""),
    ("bradesco_spec.rb", "71"): (A("237", "1172", "0403005", "06"), 75896452, ""),
    ("bradesco_spec.rb", "86"): (A("237", "4042", "61900", "03"), 777700168, ""),
    ("santander_spec.rb", "64"): (A("033", "0059", "013000123", "102", "1899775"), 9000026, ""),
    ("santander_spec.rb", "73"): (A("033", "0059", "013000123", "102", "1899775"), 9000272, ""),
}
# itau_spec.rb:94 (carteira 168) is checked on its own below: the spec's DAC is brcobranca's bug.
SPECIAL_ROWS = {("itau_spec.rb", "94")}


def row_key(row: dict[str, str]) -> tuple[str, str]:
    return row["source_file"].rsplit("/", 1)[-1], row["source_line"]


SUPPORTED_ROWS = [
    row
    for row in csv_rows("boleto", "boleto_pairs.csv")
    if row["bank_code"] in supported_banks() and row_key(row) not in SPECIAL_ROWS
]


def test_the_six_banks_are_supported() -> None:
    assert set(supported_banks()) == {"001", "033", "104", "237", "341", "756"}


@pytest.mark.parametrize("row", SUPPORTED_ROWS, ids=lambda row: ":".join(row_key(row)))
def test_every_real_pair_of_a_supported_bank_is_issued_from_its_agreement(
    row: dict[str, str],
) -> None:
    agreement, sequence, document_number = REAL_PAIRS[row_key(row)]  # a new row needs one

    boleto = issue_boleto(
        agreement=agreement,
        sequence=sequence,
        due_date=date.fromisoformat(row["stated_data_vencimento"]),
        amount=Decimal(row["valor_from_barcode"]),
        document_number=document_number,
    )

    assert boleto.barcode == row["codigo_barras"]
    assert boleto.linha_digitavel_formatted == row["linha_digitavel"]


def test_itau_wallet_168_dac_follows_the_manual_not_the_spec() -> None:
    # itau_spec.rb:94 set the wallet as the integer 168, so brcobranca's `%w(...).include?`
    # missed and the DAC was computed over agência + conta + carteira + nosso número (2). Itaú's
    # manual computes the DAC of wallets 126, 131, 146, 150 and 168 over carteira + nosso número
    # only (0). The spec's barcode is still a valid barcode; ours differs in that DAC only.
    spec_barcode = "34194252500000135001680025828120810536789000"
    agreement = A("341", "0810", "53678", "168")

    boleto = issue_boleto(
        agreement=agreement, sequence=258281, due_date=date(2004, 9, 5), amount=Decimal("135.00")
    )

    assert parse_barcode(spec_barcode).free_field[11] == str(mod10("08105367816800258281"))
    assert boleto.nosso_numero.printed == "168/00258281-0"
    assert boleto.free_field == "1680025828100810536789000"
    assert (
        boleto.free_field[:11] + boleto.free_field[12:] == spec_barcode[19:30] + spec_barcode[31:]
    )


@pytest.mark.parametrize(
    ("agreement", "sequence", "printed"),
    [
        (A("001", "4042", "61900", "18", "1238"), 4042, "12380004042-8"),
        (A("001", "4042", "61900", "18", "123879"), 1234, "12387901234-5"),
        (BB_7, 7777700168, "12387987777700168"),  # 17 digits: BB prints no check digit
        (A("341", "0607", "15255", "175"), 12345678, "175/12345678-4"),
        (A("341", "0607", "15255", "143"), 12345678, "143/12345678-2"),
        (A("237", "1", "1", "06"), 525, "06/00000000525-P"),
        (A("237", "1", "1", "09"), 1, "09/00000000001-1"),
        (A("237", "1", "1", "19"), 2, "19/00000000002-8"),
        (A("237", "1", "1", "19"), 6, "19/00000000006-0"),
        (A("237", "1", "1", "19"), 1, "19/00000000001-P"),
        (A("104", "1825", "528", "1", "245274"), 1, "14000000000000001-4"),
        (A("033", "59", "1", "102", "1899775"), 566612457800, "566612457800-2"),
        (A("033", "59", "1", "102", "1899775"), 90002720, "000090002720-7"),
        (A("033", "59", "1", "102", "1899775"), 1961005, "000001961005-0"),
    ],
)
def test_nosso_numero_check_digits_of_each_bank(
    agreement: CollectionAgreement, sequence: int, printed: str
) -> None:
    assert nosso_numero_for(agreement, sequence).printed == printed


def test_sicoob_check_digit_uses_the_3197_constant() -> None:
    # Sicoob's published example: cooperativa 4327, cliente 229385, nosso número 1..13.
    agreement = A("756", "4327", "417270", "1", "229385")

    digits = "".join(str(nosso_numero_for(agreement, n).check_digit) for n in range(1, 14))

    assert digits == "7419630853085"


@pytest.mark.parametrize(
    ("agreement", "sequence", "due", "amount", "linha"),
    [
        (
            A("756", "4327", "417270", "1", "229385"),
            2,
            date(2016, 2, 18),
            Decimal("50.00"),
            "75691.43279 01022.938508 00000.240010 2 67080000005000",
        ),
        (
            A("756", "4134", "10333", "1", "148180", "05"),
            110,
            date(2017, 4, 15),
            Decimal("235.00"),
            "75691.41349 05014.818008 00011.040011 4 71300000023500",
        ),
    ],
)
def test_sicoob_boletos_follow_the_published_layout(
    agreement: CollectionAgreement, sequence: int, due: date, amount: Decimal, linha: str
) -> None:
    boleto = issue_boleto(agreement=agreement, sequence=sequence, due_date=due, amount=amount)

    assert boleto.linha_digitavel_formatted == linha
    assert boleto.free_field[14:22] == boleto.nosso_numero.with_check_digit
    assert boleto.free_field.endswith("001")  # installment 1


def test_caixa_sigcb_campo_livre_interleaves_the_nosso_numero_and_ends_with_its_dv() -> None:
    agreement = A("104", "1825", "0000528", "1", "245274")

    boleto = issue_boleto(
        agreement=agreement, sequence=1, due_date=date(2026, 12, 10), amount=Decimal("10.00")
    )

    # beneficiário 245274, its DV 0, nosso número 3-5, modalidade 1, 6-8, emissão 4, 9-17, DV 7
    assert boleto.free_field == "2452740000100040000000017"
    assert barcode_from_linha_digitavel(boleto.linha_digitavel) == boleto.barcode


@pytest.mark.parametrize(
    ("agreement", "sequence", "kwargs", "field"),
    [
        (BB_7, 10**10, {}, "sequence"),
        (A("001", "4042", "61900", "17", "123879", "nn17"), 1, {}, "wallet"),
        (A("001", "4042", "61900", "18", "12345"), 1, {}, "agreement_code"),
        (A("341", "0810", "53678", "196", "12345"), 1, {}, "document_number"),
        (A("104", "1825", "528", "3", "245274"), 1, {}, "wallet"),
        (
            A("756", "4327", "417270", "1", "229385"),
            1,
            {"installment_number": 1000},
            "installment_number",
        ),
        (A("237", "04042", "61900", "06"), 1, {}, "A agência"),
    ],
)
def test_agreement_data_that_does_not_fit_the_layout_is_refused(
    agreement: CollectionAgreement, sequence: int, kwargs: dict[str, int], field: str
) -> None:
    with pytest.raises(BankDataInvalid) as refusal:
        issue_boleto(
            agreement=agreement,
            sequence=sequence,
            due_date=date(2026, 12, 10),
            amount=Decimal("100.00"),
            **kwargs,
        )
    assert refusal.value.code == "boleto_bank_data_invalid"
    assert refusal.value.extra["field"] == field


def test_a_bank_without_layout_is_refused() -> None:
    with pytest.raises(BankNotSupported) as refusal:
        layout_for("748")
    assert refusal.value.code == "boleto_bank_not_supported"
    assert "748" in refusal.value.detail


AGREEMENTS = [
    A("001", "4042", "61900", "18", "1238"),
    A("001", "4042", "61900", "18", "123879"),
    A("001", "4042", "61900", "18", "123879", "nn17"),
    BB_7,
    ITAU,
    A("341", "0810", "53678", "196", "12345"),
    A("237", "1172", "0403005", "09"),
    A("104", "1825", "528", "1", "245274"),
    A("033", "0059", "13000123", "101", "1899775"),
    A("756", "4327", "417270", "1", "229385"),
]


@given(
    agreement=st.sampled_from(AGREEMENTS),
    fraction=st.floats(min_value=0, max_value=1),
    due=st.dates(min_value=date(2025, 2, 22), max_value=date(2049, 10, 13)),
    cents=st.integers(min_value=1, max_value=9_999_999_999),
)
def test_every_issued_boleto_is_valid_and_carries_its_nosso_numero(
    agreement: CollectionAgreement, fraction: float, due: date, cents: int
) -> None:
    layout = layout_for(agreement.bank_code)
    largest = layout.max_sequence(agreement)
    # (a float times a 17-digit maximum may round past it: the range's last number then)
    sequence = min(largest, max(1, round(fraction * largest)))
    amount = Decimal(cents).scaleb(-2)

    boleto = issue_boleto(
        agreement=agreement, sequence=sequence, due_date=due, amount=amount, document_number="42"
    )
    parsed = parse_barcode(barcode_from_linha_digitavel(boleto.linha_digitavel))

    assert parsed.digits == boleto.barcode
    assert parsed.amount == amount
    assert parsed.due_date(reference=due) == due
    assert parsed.bank_code == agreement.bank_code
    digits = boleto.nosso_numero.number
    # The nosso número (or, for Caixa, its digits interleaved) is inside the campo livre.
    if agreement.bank_code == "104":
        assert digits[2:5] + digits[0] + digits[5:8] + digits[1] + digits[8:] in boleto.free_field
    else:
        assert digits in boleto.free_field
