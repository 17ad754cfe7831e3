"""A return file cut into chunks reads back exactly as the whole file (the import's chunks).

``scan_chunks`` validates once and locates each chunk's records by byte range;
``iter_chunk_records`` parses one range alone. For every real return file and chunk size, the
chunks together give the whole parse's records (values, line numbers, settlement keys).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from apps.finance.services.cnab import parse_return_file
from apps.finance.services.cnab import writer as cnab_writer
from apps.finance.services.cnab.return_file import iter_chunk_records, scan_chunks
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return
from tests.finance.payment_code_fixtures import fixture_path, require_fixtures

RETORNO = fixture_path("cnab", "retorno")


def _return_files() -> list[Path]:
    require_fixtures("cnab", "retorno")
    return sorted(p for p in RETORNO.rglob("*") if p.is_file() and p.suffix.lower() != ".md")


def _chunked(data: bytes, chunk_size: int) -> list:
    plan = scan_chunks(data, chunk_size=chunk_size)
    assert plan.report.errors == []
    records = []
    for span in plan.chunks:
        part = list(
            iter_chunk_records(plan.header_line, data[span.start : span.end], line=span.line)
        )
        assert len(part) == span.last - span.first
        records.extend(part)
    assert plan.records == len(records)
    return records


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 1000])
def test_every_real_return_file_reads_the_same_in_chunks_as_whole(chunk_size):
    files = _return_files()
    assert len(files) >= 15
    for path in files:
        data = path.read_bytes()
        assert tuple(_chunked(data, chunk_size)) == parse_return_file(data).records, path.name


def test_chunks_across_lots_and_line_endings_read_the_same_as_whole(monkeypatch):
    monkeypatch.setattr(cnab_writer, "PAIRS_PER_LOT", 3)  # several lots in a small file
    entries = [
        ReturnEntry(
            nosso_numero=str(100 + n),
            title_value=Decimal("50.00"),
            occurrence_code="06" if n % 3 else "28",
            occurrence_date=dt.date(2026, 3, 10),
            amount_paid=Decimal("50.00") if n % 3 else Decimal("0.00"),
            bank_fee=Decimal("1.25"),
            net_credited=Decimal("0.00") if n % 3 == 0 else None,
        )
        for n in range(10)
    ]
    for ending in ("\r\n", "\n"):
        data = write_cnab240_return(
            bank_code="341", entries=entries, generated_on=dt.date(2026, 3, 12), line_ending=ending
        )
        whole = parse_return_file(data).records
        assert len(whole) == 10
        for chunk_size in (1, 3, 4, 7):
            assert tuple(_chunked(data, chunk_size)) == whole


def test_a_broken_file_has_its_errors_and_no_chunks():
    data = write_cnab240_return(
        bank_code="341",
        entries=[ReturnEntry(nosso_numero="1", title_value=Decimal("1.00"))],
        generated_on=dt.date(2026, 3, 12),
    )
    broken = data.replace(b"\r\n", b"\r\n\r\n", 1)  # a blank line inside the file

    plan = scan_chunks(broken, chunk_size=10)

    assert plan.chunks == ()
    assert [error.line_number for error in plan.report.errors] == [2]
