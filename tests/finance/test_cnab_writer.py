"""The CNAB 240 return writer round-trips through the parser; big files stream; keys are stable."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.cnab import (
    OccurrenceCategory,
    ReturnFileRejected,
    iter_return_records,
    parse_return_file,
    validate_return_file,
)
from apps.finance.services.cnab.occurrences import FEBRABAN_240
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return

BANKS = ["001", "033", "085", "104", "748", "756", "341"]  # 341: FEBRABAN positions
amounts = st.integers(min_value=0, max_value=10**12).map(lambda cents: Decimal(cents).scaleb(-2))
dates = st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
codes = st.sampled_from([*sorted(FEBRABAN_240), "76", "93"])

entries = st.builds(
    ReturnEntry,
    nosso_numero=st.from_regex(r"[0-9]{1,10}", fullmatch=True),
    title_value=amounts,
    occurrence_code=codes,
    due_date=dates,
    occurrence_date=dates,
    credit_date=dates,
    amount_paid=amounts,
    late_charges_paid=amounts,
    discount=amounts,
    abatement=amounts,
    iof=amounts,
    bank_fee=amounts,
    other_expenses=amounts,
    other_credits=amounts,
    net_credited=amounts,
    wallet=st.sampled_from("1234567"),
    document_number=st.from_regex(r"[A-Z0-9]{0,11}", fullmatch=True),
    company_reference=st.from_regex(r"[A-Z0-9]{0,25}", fullmatch=True),
    collecting_bank=st.from_regex(r"[0-9]{3}", fullmatch=True),
    collecting_agency=st.from_regex(r"[0-9]{5}", fullmatch=True),
    reasons=st.lists(st.sampled_from(["03", "A4", "17", "B2"]), max_size=5).map(tuple),
)


@given(
    bank=st.sampled_from(BANKS),
    rows=st.lists(entries, min_size=1, max_size=8),
    sequence=st.integers(min_value=1, max_value=999_999),
    generated_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    crlf=st.booleans(),
)
def test_written_return_file_parses_back_to_the_same_values(
    bank, rows, sequence, generated_on, crlf
):
    data = write_cnab240_return(
        bank_code=bank,
        entries=rows,
        agreement="123456",
        agency="1234",
        account="56789",
        file_sequence=sequence,
        generated_on=generated_on,
        line_ending="\r\n" if crlf else "\n",
    )
    parsed = parse_return_file(data)
    assert parsed.header.bank_code == bank
    assert parsed.header.file_sequence == sequence
    assert parsed.header.generated_on == generated_on
    assert parsed.line_count == 2 * len(rows) + 4
    assert len(parsed.records) == len(rows)
    for record, entry in zip(parsed.records, rows, strict=True):
        assert record.nosso_numero == entry.nosso_numero
        assert record.occurrence_code == entry.occurrence_code
        assert (record.due_date, record.occurrence_date, record.credit_date) == (
            entry.due_date,
            entry.occurrence_date,
            entry.credit_date,
        )
        assert record.title_value == entry.title_value
        assert record.amount_paid == entry.amount_paid
        assert record.late_charges_paid == entry.late_charges_paid
        assert (record.discount, record.abatement, record.iof) == (
            entry.discount,
            entry.abatement,
            entry.iof,
        )
        assert record.bank_fee == entry.bank_fee
        assert (record.other_expenses, record.other_credits) == (
            entry.other_expenses,
            entry.other_credits,
        )
        assert record.net_credited == entry.net_credited
        assert record.wallet == entry.wallet
        assert record.document_number == entry.document_number
        assert record.company_reference == entry.company_reference
        assert int(record.collecting_bank) == int(entry.collecting_bank)
        assert int(record.collecting_agency) == int(entry.collecting_agency)
        assert record.reasons == entry.reasons
        is_settlement = record.category is OccurrenceCategory.SETTLEMENT
        assert record.payment_date == (entry.occurrence_date if is_settlement else None)
    assert len({record.settlement_key for record in parsed.records}) == len(rows)


def test_net_credited_defaults_to_paid_minus_fee():
    data = write_cnab240_return(
        bank_code="001",
        generated_on=date(2026, 3, 25),
        entries=[
            ReturnEntry(
                nosso_numero="123",
                title_value=Decimal("1170.00"),
                amount_paid=Decimal("1199.25"),
                late_charges_paid=Decimal("29.25"),
                bank_fee=Decimal("1.50"),
                occurrence_date=date(2026, 3, 25),
                credit_date=date(2026, 3, 26),
            )
        ],
    )
    (record,) = parse_return_file(data).records
    assert record.net_credited == Decimal("1197.75")
    assert record.payment_date == date(2026, 3, 25)  # DOMAIN.md A4: payment, not credit date


def test_writer_refuses_values_that_do_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        write_cnab240_return(
            bank_code="756",
            generated_on=date(2026, 1, 1),
            entries=[ReturnEntry(nosso_numero="12345678901", title_value=Decimal("1.00"))],
        )
    with pytest.raises(ValueError, match="whole number of cents"):
        write_cnab240_return(
            bank_code="001",
            generated_on=date(2026, 1, 1),
            entries=[ReturnEntry(nosso_numero="1", title_value=Decimal("1.001"))],
        )


def _big_file(count: int, *, sequence: int = 1) -> bytes:
    rows = (
        ReturnEntry(
            nosso_numero=f"{index:010d}",
            title_value=Decimal("925.00"),
            amount_paid=Decimal("925.00"),
            bank_fee=Decimal("1.50"),
            occurrence_date=date(2026, 3, 10),
            credit_date=date(2026, 3, 11),
        )
        for index in range(count)
    )
    return write_cnab240_return(
        bank_code="104", entries=rows, generated_on=date(2026, 3, 11), file_sequence=sequence
    )


def test_large_file_streams_record_by_record_after_one_validating_pass():
    data = _big_file(2_000)
    assert validate_return_file(data).line_count == 4_004
    header, records = iter_return_records(data)
    assert isinstance(records, types.GeneratorType)  # parsed lazily, line by line
    assert header.bank_code == "104"
    first = next(records)
    assert first.nosso_numero == "0000000000"
    assert sum(1 for _record in records) == 1_999


def test_streaming_refuses_a_broken_file_before_yielding_anything():
    data = bytearray(_big_file(50))
    data[-600] = ord("X")  # inside the last pairs
    with pytest.raises(ReturnFileRejected) as refused:
        iter_return_records(bytes(data))
    assert refused.value.errors


def test_settlement_keys_repeat_on_reimport_and_differ_in_another_file():
    once = parse_return_file(_big_file(3))
    again = parse_return_file(_big_file(3))
    other_file = parse_return_file(_big_file(3, sequence=2))
    keys = [record.settlement_key for record in once.records]
    assert keys == [record.settlement_key for record in again.records]
    assert not set(keys) & {record.settlement_key for record in other_file.records}
