"""Every real return file of ``../shared/fixtures/cnab/retorno`` parses to its documented values.

Sources of truth: the fixtures README (per-file table, bank-specific positions and quirks),
``expected_brcobranca.json`` (raw fixed-width strings brcobranca's specs assert) and
``expected_cnabphp.json`` (CnabPHP's typed assertions). Where the README says a value in those
files is the other parser's reading rather than the field's meaning, the test says so and
asserts the field's meaning.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.finance.services.cnab import (
    CnabFormat,
    OccurrenceCategory,
    ReturnFile,
    parse_return_file,
)
from tests.finance.payment_code_fixtures import fixture_path, json_document, require_fixtures

RETORNO = ("cnab", "retorno")

# README tables: file -> (format, layout, bank code, lines, records, occurrence codes).
FILES = {
    "brcobranca/CBR64310.RET": ("cnab400", "bb_cbr643", "001", 28, 26, {"06": 26}),
    "brcobranca/CNAB240.RET": ("cnab240", "bb240", "001", 74, 35, {"17": 35}),
    "brcobranca/CNAB240AILOS.RET": ("cnab240", "ailos240", "085", 10, 3, {"06": 3}),
    "brcobranca/CNAB240SANTANDER.RET": ("cnab240", "santander240", "033", 8, 2, {"02": 1, "06": 1}),
    "brcobranca/CNAB240SICOOB.RET": ("cnab240", "sicoob240", "756", 10, 3, {"06": 3}),
    "brcobranca/CNAB240SICREDI.CRT": ("cnab240", "sicredi240", "748", 8, 2, {"02": 1, "28": 1}),
    "brcobranca/CNAB400BANCOBRASILIA.RET": ("cnab400", "brb400", "070", 3, 1, {"05": 1}),
    "brcobranca/CNAB400BANCONORDESTE.RET": ("cnab400", "nordeste400", "004", 3, 1, {"06": 1}),
    "brcobranca/CNAB400BANRISUL.RET": ("cnab400", "banrisul400", "041", 3, 1, {"06": 1}),
    "brcobranca/CNAB400BRADESCO.RET": ("cnab400", "bradesco400", "237", 8, 6, {"02": 5, "10": 1}),
    "brcobranca/CNAB400CREDISIS.RET": ("cnab400", "credisis400", "097", 3, 1, {"": 1}),
    "brcobranca/CNAB400ITAU.RET": ("cnab400", "itau400", "341", 54, 52, {"06": 51, "09": 1}),
    "brcobranca/CNAB400SANTANDER.RET": (
        "cnab400",
        "santander400",
        "033",
        55,
        52,
        {"06": 51, "09": 1},
    ),
    # README: Unicred's file, but its header says 001 BANCO DO BRASIL and its detail is BB's
    # CBR641 (type 1, convênio of 6 digits): it is read as what it declares.
    "brcobranca/CNAB400UNICRED.RET": ("cnab400", "bb_cbr641", "001", 3, 1, {"06": 1}),
    "cnabphp/retorno_cnab240_caixa.ret": ("cnab240", "caixa240", "104", 22, 9, {"06": 9}),
    "cnabphp/retorno_bb.ret": ("cnab240", "bb240", "001", 14, 5, {"06": 5}),
    "cnabphp/retorno_santander.ret": ("cnab240", "santander240", "033", 6, 1, {"17": 1}),
    "cnabphp/retorno-cb030400-bradesco.ret": (
        "cnab400",
        "bradesco400",
        "237",
        9,
        7,
        {"02": 1, "06": 1, "17": 5},
    ),
    "cnabphp/retorno-cnab400-bb.ret": ("cnab400", "bb_cbr643", "001", 3, 1, {"06": 1}),
    "cnabphp/retorno-cnab400-itau.ret": ("cnab400", "itau400", "341", 6, 4, {"06": 3, "25": 1}),
}


def _parse(name: str) -> ReturnFile:
    path = require_fixtures(*RETORNO, *name.split("/"))
    return parse_return_file(path.read_bytes(), filename=Path(name).name)


def test_every_return_file_of_the_fixtures_is_listed_here():
    folder = fixture_path(*RETORNO)
    if not folder.exists():
        require_fixtures(*RETORNO)
    on_disk = {f"{path.parent.name}/{path.name}" for path in folder.glob("*/*")}
    assert on_disk == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_real_return_file_parses_with_its_documented_shape(name):
    cnab_format, layout, bank, lines, count, codes = FILES[name]
    parsed = _parse(name)
    assert parsed.header.format == CnabFormat(cnab_format)
    assert parsed.header.layout == layout
    assert parsed.header.bank_code == bank
    assert parsed.line_count == lines
    assert len(parsed.records) == count
    assert Counter(record.occurrence_code for record in parsed.records) == codes
    assert len({record.settlement_key for record in parsed.records}) == count


@pytest.mark.parametrize("name", sorted(FILES))
def test_settlement_follows_the_occurrence_code_in_every_real_file(name):
    for record in _parse(name).records:
        assert record.is_settlement == (record.category is OccurrenceCategory.SETTLEMENT)
        assert (record.payment_date is not None) == (
            record.is_settlement and record.occurrence_date is not None
        )


# --- brcobranca's expectations (raw strings) ----------------------------------------------

BRCOBRANCA = json_document("cnab", "expected_brcobranca.json")
_AMOUNTS = {
    "valor_titulo": "title_value",
    "valor_recebido": "amount_paid",
    "valor_tarifa": "bank_fee",
    "juros_mora": "late_charges_paid",
    "valor_abatimento": "abatement",
    "desconto": "discount",
    "desconto_concedito": "discount",
    "iof": "iof",
    "iof_desconto": "iof",
    "outras_despesas": "other_expenses",
    "outros_recebimento": "other_credits",
}
_DATES = {
    "data_vencimento": "due_date",
    "data_credito": "credit_date",
    "data_ocorrencia": "occurrence_date",
    "data_liquidacao": "occurrence_date",
}
_TEXTS = {
    "nosso_numero": "nosso_numero",
    "carteira": "wallet",
    "banco_recebedor": "collecting_bank",
    "agencia_recebedora_com_dv": "collecting_agency",
    "codigo_ocorrencia": "occurrence_code",
}
# Where brcobranca's value is its own reading, not the field (README "Bank-specific layouts
# and parser quirks"): the field's meaning is asserted in the dedicated tests below.
_BRCOBRANCA_READINGS = {
    # brcobranca trims BB's nosso número to cols 47-57; the full one is 14499570000020673.
    ("CNAB240.RET", "nosso_numero"),
    # brcobranca reads BNB's credit date from cols 147-152, the due date field.
    ("CNAB400BANCONORDESTE.RET", "data_credito"),
    # BNB's "motivo" in brcobranca is the whole block 280-394, not reason codes.
    ("CNAB400BANCONORDESTE.RET", "motivo_ocorrencia"),
    # Itaú's "valor principal" is net of the fee (README: 37,90 = 40,00 - 2,10): it is our
    # net_credited; what the payer paid is 40,00.
    ("CNAB400ITAU.RET", "valor_recebido"),
    ("CNAB400.RET", "valor_recebido"),
    # Itaú's carteira letter (col 108, "I"); our wallet is the numeric carteira (83-85, 109),
    # which brcobranca calls carteira_variacao.
    ("CNAB400ITAU.RET", "carteira"),
    ("CNAB400.RET", "carteira"),
}
# CNAB400.RET is byte-identical to CNAB400ITAU.RET (README), so it is not copied.
_BRCOBRANCA_FILES = {
    name: ("brcobranca/CNAB400ITAU.RET" if name == "CNAB400.RET" else f"brcobranca/{name}")
    for name in BRCOBRANCA
    if not name.startswith("_") and name != "CNAB400UNICRED.RET"
}


def _raw_amount(value: str) -> Decimal:
    return Decimal(int(value)) / 100 if value.strip() else Decimal("0.00")


def _raw_date(value: str) -> date | None:
    if not value.strip("0 "):
        return None
    year = int(value[4:]) if len(value) == 8 else 2000 + int(value[4:])
    return date(year, int(value[2:4]), int(value[:2]))


def _brcobranca_record(spec: str):
    expected = BRCOBRANCA[spec]
    return expected.get("first_record") or expected["load_lines_except_first_line"]


@pytest.mark.parametrize("spec", sorted(_BRCOBRANCA_FILES))
def test_first_record_matches_brcobranca_spec(spec):
    record = _parse(_BRCOBRANCA_FILES[spec]).records[0]
    checked = 0
    for key, raw in _brcobranca_record(spec).items():
        if (spec, key) in _BRCOBRANCA_READINGS:
            continue
        if key in _AMOUNTS:
            assert getattr(record, _AMOUNTS[key]) == _raw_amount(raw), key
        elif key in _DATES:
            assert getattr(record, _DATES[key]) == _raw_date(raw), key
        elif key in _TEXTS:
            assert getattr(record, _TEXTS[key]) == raw.strip(), key
        elif key == "carteira_variacao":
            assert record.wallet == raw
        elif key == "motivo_ocorrencia":
            assert record.reasons == tuple(raw), key
        else:
            continue  # payee identification (agência/cedente), sequence, espécie: not modelled
        checked += 1
    assert checked >= 4


def test_load_lines_counts_of_brcobranca_match_records_plus_trailer_and_pairs():
    """README: for CNAB 400 the count includes the trailer (and type-2 lines); 240 counts pairs."""
    for spec, name in _BRCOBRANCA_FILES.items():
        expected = BRCOBRANCA[spec].get("load_lines_count")
        if expected is None:
            continue
        parsed = _parse(name)
        if parsed.header.format is CnabFormat.CNAB240:
            assert len(parsed.records) == expected, spec
        else:
            pix_lines = sum(1 for record in parsed.records if record.pix is not None)
            assert len(parsed.records) + pix_lines + 1 == expected, spec


def test_bb_cbr643_record_and_convenio_as_brcobranca_states_them():
    parsed = _parse("brcobranca/CBR64310.RET")
    expected = BRCOBRANCA["CBR64310.RET"]["load_lines_except_first_line"]
    record = parsed.records[0]
    assert parsed.header.agreement == expected["convenio"] == "1622420"
    assert record.nosso_numero == "16224200000000003"
    assert record.payment_date == date(2009, 1, 20)
    assert record.credit_date == date(2009, 1, 22)
    assert record.amount_paid == Decimal("90.64")


def test_bb_cnab240_full_nosso_numero_ends_with_brcobrancas_trimmed_one():
    record = _parse("brcobranca/CNAB240.RET").records[0]
    assert record.nosso_numero == "14499570000020673"
    assert record.nosso_numero.endswith(BRCOBRANCA["CNAB240.RET"]["first_record"]["nosso_numero"])
    assert record.net_credited == Decimal("342.97")  # 344,00 paid - 1,03 fee, as the bank states
    assert record.collecting_agency == "020850"
    assert record.reasons == ("03",)


def test_itau_principal_is_net_of_fee_so_the_payer_paid_the_title_value():
    record = _parse("brcobranca/CNAB400ITAU.RET").records[0]
    assert record.title_value == Decimal("40.00")
    assert record.bank_fee == Decimal("2.10")
    assert record.net_credited == Decimal("37.90")  # brcobranca's valor_recebido
    assert record.amount_paid == Decimal("40.00")
    assert record.payment_date == date(2013, 5, 20)
    assert record.credit_date == date(2013, 5, 21)
    assert record.collecting_bank == "104"


def test_nordeste_has_no_credit_date_per_line():
    """README: brcobranca's data_credito 191114 is the due date; the header's is zeros."""
    parsed = _parse("brcobranca/CNAB400BANCONORDESTE.RET")
    record = parsed.records[0]
    assert record.credit_date is None
    assert parsed.header.credit_date is None
    assert record.due_date == date(2014, 11, 19)
    assert (record.nosso_numero, record.wallet) == ("00000116", "I")
    assert (record.amount_paid, record.bank_fee) == (Decimal("175.00"), Decimal("2.60"))


def test_brb_uses_its_own_positions_and_eight_digit_dates():
    record = _parse("brcobranca/CNAB400BANCOBRASILIA.RET").records[0]
    assert record.nosso_numero == "107851907015"
    assert record.occurrence_code == "05"
    assert record.category is OccurrenceCategory.SETTLEMENT  # BRB 05: liquidado sem registro
    assert record.payment_date == date(2012, 7, 26)
    assert record.title_value == record.amount_paid == Decimal("264.92")


def test_credisis_blank_occurrence_is_never_a_settlement_even_with_an_amount():
    """README: CrediSIS leaves cols 109-110 blank; the real amount is the 444,00 received.

    The fixture's cols 153-165 hold "00" + the nosso número (README), so its title value
    reads as R$ 50.050,01: that is the file's defect, kept as read.
    """
    record = _parse("brcobranca/CNAB400CREDISIS.RET").records[0]
    assert record.nosso_numero == "00005005001"
    assert record.amount_paid == Decimal("444.00")
    assert record.credit_date == date(2015, 5, 15)
    assert record.occurrence_code == ""
    assert record.category is OccurrenceCategory.OTHER
    assert record.payment_date is None
    assert record.title_value == Decimal("50050.01")


def test_santander_first_240_record_is_an_entry_confirmation_despite_amount_and_credit_date():
    """README trap: occurrence 02 carries an amount paid and a credit date; it is not paid."""
    first, second = _parse("brcobranca/CNAB240SANTANDER.RET").records
    assert first.occurrence_code == "02"
    assert first.amount_paid == Decimal("10.00")
    assert first.credit_date == date(2016, 4, 1)
    assert first.category is OccurrenceCategory.REGISTRATION
    assert not first.is_settlement
    assert first.payment_date is None
    assert (first.nosso_numero, first.wallet, first.bank_fee) == (
        "0000000001406",
        "2",
        Decimal("3.92"),
    )
    assert second.occurrence_code == "06"
    assert second.is_settlement


def test_santander_400_pix_line_belongs_to_the_detail_before_it():
    parsed = _parse("brcobranca/CNAB400SANTANDER.RET")
    expected = BRCOBRANCA["CNAB400SANTANDER.RET"]["record_index_52"]
    with_pix = [record for record in parsed.records if record.pix is not None]
    assert len(with_pix) == 1
    (record,) = with_pix
    assert record is parsed.records[-1]
    assert record.line_numbers == (53, 54)
    pix = record.pix
    assert pix is not None
    assert (pix.key_type, pix.key, pix.txid) == (
        expected["tipo_chave_dict"],
        expected["codigo_chave_dict"],
        expected["txid"],
    )
    # The line before it is a write-off (09) that carries an amount: still not a payment.
    assert record.occurrence_code == "09"
    assert record.amount_paid > 0
    assert record.category is OccurrenceCategory.WRITE_OFF


def test_sicredi_entry_confirmation_has_no_credit_date_and_a_reason():
    first, second = _parse("brcobranca/CNAB240SICREDI.CRT").records
    assert first.credit_date is None
    assert first.reasons == ("A4",)
    assert first.occurrence_date == date(2017, 4, 6)
    assert second.occurrence_code == "28"
    assert second.category is OccurrenceCategory.FEE


def test_unicred_file_is_read_as_the_bb_cbr641_layout_its_header_declares():
    parsed = _parse("brcobranca/CNAB400UNICRED.RET")
    (record,) = parsed.records
    assert parsed.header.bank_name == "BANCO DO BRASIL"
    assert record.is_settlement
    assert record.amount_paid == Decimal("444.00")
    assert record.bank_fee == Decimal("1.60")
    assert record.credit_date == date(2015, 5, 18)
    # The file leaves the nosso número blank: only the payee's own number identifies it.
    assert record.nosso_numero == ""
    assert record.company_reference.endswith("116")


# --- CnabPHP's expectations ------------------------------------------------------------------

CNABPHP = json_document("cnab", "expected_cnabphp.json")


def _php_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def test_cnabphp_caixa_sigcb():
    parsed = _parse("cnabphp/retorno_cnab240_caixa.ret")
    expected = CNABPHP["retorno_cnab240_caixa.ret"]["detalhe[0]"]
    record = parsed.records[0]
    assert parsed.header.generated_on == _php_date("2014-01-06")
    assert int(record.occurrence_code) == expected["codigo"]
    assert record.amount_paid == record.title_value == Decimal("80.00")
    assert record.bank_fee == Decimal("1.25")
    assert record.iof == record.discount == record.abatement == record.other_credits == 0
    assert record.late_charges_paid == 0
    assert record.due_date == _php_date(expected["data_vencimento"])
    assert record.credit_date == _php_date(expected["data_credito"])
    assert record.occurrence_date == _php_date(expected["data_ocorrencia"])
    assert record.collecting_agency == "010860"  # agência cobradora 1086, DV 0
    # Caixa's nosso número is modality "24" + 15 digits; CnabPHP reports the 15 as a number.
    assert record.nosso_numero == "24000000011136997"
    assert int(record.nosso_numero[2:]) == expected["nosso_numero"]
    assert record.is_settlement  # CnabPHP: is_baixa (a settled title is closed)


def test_cnabphp_bb_240():
    parsed = _parse("cnabphp/retorno_bb.ret")
    expected = CNABPHP["retorno_bb.ret"]
    assert parsed.header.agreement == str(expected["file"]["codigo_convenio"])
    assert int(parsed.header.account) == expected["file"]["conta"]
    assert parsed.header.generated_on == _php_date(expected["file"]["data_geracao"])
    record = parsed.records[0]
    assert record.title_value == Decimal("40.00")
    # README: CnabPHP's 196 is the tail of BB's full nosso número.
    assert record.nosso_numero == "32948600000000196"
    assert int(record.nosso_numero[-10:]) == expected["detalhe[0]"]["nosso_numero"]


def test_cnabphp_santander_240():
    parsed = _parse("cnabphp/retorno_santander.ret")
    assert int(parsed.header.account) == CNABPHP["retorno_santander.ret"]["file"]["conta"]
    (record,) = parsed.records
    assert int(record.nosso_numero) == 1040
    assert record.title_value == Decimal("10.00")
    assert record.category is OccurrenceCategory.SETTLEMENT  # 17: paid after write-off


def test_cnabphp_bradesco_400():
    parsed = _parse("cnabphp/retorno-cb030400-bradesco.ret")
    expected = CNABPHP["retorno-cb030400-bradesco.ret"]
    assert parsed.header.agreement == str(expected["file"]["codigo_cedente"])
    record = parsed.records[1]
    assert int(record.nosso_numero) == expected["detalhe[1]"]["nosso_numero"]
    assert int(record.document_number) == expected["detalhe[1]"]["numero_documento"]
    assert record.due_date == _php_date(expected["detalhe[1]"]["data_vencimento"])
    assert record.occurrence_date == _php_date(expected["detalhe[1]"]["data_ocorrencia"])
    assert record.amount_paid == Decimal("5.00")
    assert record.is_settlement


def test_cnabphp_bb_cbr643_400():
    parsed = _parse("cnabphp/retorno-cnab400-bb.ret")
    expected = CNABPHP["retorno-cnab400-bb.ret"]
    assert parsed.header.company_code == expected["file"]["codigo_cedente"]
    (record,) = parsed.records
    assert record.nosso_numero == expected["detalhe[0]"]["nosso_numero"]
    assert record.amount_paid == Decimal("25.00")
    assert record.credit_date == _php_date(expected["detalhe[0]"]["data_credito"])
    assert record.payment_date == _php_date(expected["detalhe[0]"]["data_ocorrencia"])


def test_cnabphp_itau_400():
    parsed = _parse("cnabphp/retorno-cnab400-itau.ret")
    expected = CNABPHP["retorno-cnab400-itau.ret"]
    header = parsed.header
    assert header.account == "123450"  # conta 12345, DAC 0
    assert header.generated_on == _php_date(expected["file"]["data_geracao"])
    assert header.credit_date == _php_date(expected["file"]["data_credito"])
    first, second, third, _fourth = parsed.records
    detail = expected["detalhe[0]"]
    assert int(first.nosso_numero) == detail["nosso_numero"]
    assert first.wallet == str(detail["carteira"])
    assert first.document_number == detail["numero_documento"]
    assert first.title_value == Decimal("389.75")
    assert first.bank_fee == Decimal("3.33")
    assert first.iof == Decimal("0.10")
    assert first.discount == Decimal("176.45")
    assert first.abatement == Decimal("0.19")
    assert first.other_credits == Decimal("0.18")
    assert first.late_charges_paid == Decimal("123123.12")
    assert first.due_date is None
    assert first.credit_date == _php_date(detail["data_credito"])
    assert first.payment_date == _php_date(detail["data_ocorrencia"])
    assert first.collecting_agency == "30272"
    assert first.liquidation_code == detail["codigo_liquidacao"]
    # Itaú: "valor principal" (CnabPHP's valor_recebido 209,97) is net of the fee, mora on top.
    assert first.net_credited == Decimal("209.97") + Decimal("123123.12")
    assert first.amount_paid == first.net_credited + Decimal("3.33")
    assert first.occurrence_description == "Liquidação normal"
    assert second.occurrence_code == "25"  # alegação do pagador (DDA)
    assert second.category is OccurrenceCategory.OTHER
    assert third.liquidation_code == "BL"
