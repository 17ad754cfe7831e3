"""A CNAB 240 cobrança return-file writer, for tests, fixtures and benchmarks.

Banks write return files, we don't: this exists so tests can round-trip the parser and the
benchmark can build the format's largest file (999,999 lines). It writes one lot at the
positions of the bank's layout (``layouts.LAYOUTS_240``; FEBRABAN's for other banks), so a
written file parses back to the same values. ``iter_cnab240_return_lines`` streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from consorcio.money import to_cents

from . import cnab240
from .layouts import FEBRABAN_240, LAYOUTS_240, Layout240, Span

__all__ = [
    "MAX_LINES",
    "PAIRS_PER_LOT",
    "ReturnEntry",
    "iter_cnab240_return_lines",
    "write_cnab240_return",
]

# The record counters of the file trailer have 6 digits; a lot numbers its details with 5.
MAX_LINES = 999_999
PAIRS_PER_LOT = 49_999
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ReturnEntry:
    """One title movement to write as a T+U pair."""

    nosso_numero: str
    title_value: Decimal
    occurrence_code: str = "06"
    due_date: date | None = None
    occurrence_date: date | None = None
    credit_date: date | None = None
    amount_paid: Decimal = ZERO
    late_charges_paid: Decimal = ZERO
    discount: Decimal = ZERO
    abatement: Decimal = ZERO
    iof: Decimal = ZERO
    bank_fee: Decimal = ZERO
    other_expenses: Decimal = ZERO
    other_credits: Decimal = ZERO
    net_credited: Decimal | None = None  # None: amount_paid - bank_fee
    wallet: str = "1"
    document_number: str = ""
    company_reference: str = ""
    collecting_bank: str = ""
    collecting_agency: str = ""
    reasons: tuple[str, ...] = ()


def write_cnab240_return(
    *,
    bank_code: str,
    entries: Iterable[ReturnEntry],
    company_name: str = "ADMINISTRADORA DE CONSORCIO",
    company_document: str = "",
    agreement: str = "",
    agency: str = "",
    account: str = "",
    file_sequence: int = 1,
    generated_on: date,
    line_ending: str = "\r\n",
) -> bytes:
    """The whole file as latin-1 bytes (every line 240 positions, ``line_ending`` after each)."""
    lines = iter_cnab240_return_lines(
        bank_code=bank_code,
        entries=entries,
        company_name=company_name,
        company_document=company_document,
        agreement=agreement,
        agency=agency,
        account=account,
        file_sequence=file_sequence,
        generated_on=generated_on,
    )
    return "".join(line + line_ending for line in lines).encode("latin-1")


def iter_cnab240_return_lines(
    *,
    bank_code: str,
    entries: Iterable[ReturnEntry],
    company_name: str = "ADMINISTRADORA DE CONSORCIO",
    company_document: str = "",
    agreement: str = "",
    agency: str = "",
    account: str = "",
    file_sequence: int = 1,
    generated_on: date,
) -> Iterator[str]:
    """Yield the file's lines (without line endings): header, lot, T/U pairs, trailers."""
    layout = LAYOUTS_240.get(bank_code, FEBRABAN_240)
    header = _Line()
    header.num((1, 3), bank_code)
    header.put((4, 8), "00000")
    header.put((18, 18), "2")
    header.num((19, 32), company_document or "0")
    if layout.header_agreement is not None:
        header.num(layout.header_agreement, agreement or "0")
    header.num(layout.header_agency, agency or "0")
    header.num(layout.header_account, account or "0")
    header.put((73, 102), company_name)
    header.put((143, 143), "2")
    header.date((144, 151), generated_on)
    header.num((158, 163), str(file_sequence))
    yield header.text()

    lots = 0
    records = 1  # the file header
    batch: list[ReturnEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == PAIRS_PER_LOT:
            lots += 1
            records += len(batch) * 2 + 2
            yield from _lot(layout, bank_code, lots, batch)
            batch = []
        if records + len(batch) * 2 + 3 > MAX_LINES:
            raise ValueError(f"a CNAB 240 file holds at most {MAX_LINES} lines")
    if batch or not lots:
        lots += 1
        records += len(batch) * 2 + 2
        yield from _lot(layout, bank_code, lots, batch)

    trailer = _Line()
    trailer.num((1, 3), bank_code)
    trailer.put((4, 8), "99999")
    trailer.num((18, 23), str(lots))
    trailer.num((24, 29), str(records + 1))
    yield trailer.text()


def _lot(layout: Layout240, bank_code: str, number: int, batch: list[ReturnEntry]) -> Iterator[str]:
    lot = f"{number:04d}"
    header = _Line()
    header.num((1, 3), bank_code)
    header.put((4, 17), f"{lot}1T01  040 ")
    yield header.text()
    for index, entry in enumerate(batch):
        yield _segment_t(layout, bank_code, lot, 2 * index + 1, entry)
        yield _segment_u(bank_code, lot, 2 * index + 2, entry)
    trailer = _Line()
    trailer.num((1, 3), bank_code)
    trailer.put((4, 8), f"{lot}5")
    details = 2 * len(batch)
    counted = details + 2 if layout.lot_count_includes_header_and_trailer else details
    trailer.num((18, 23), str(counted))
    yield trailer.text()


def _segment_t(
    layout: Layout240, bank_code: str, lot: str, sequence: int, entry: ReturnEntry
) -> str:
    line = _detail_start(bank_code, lot, sequence, "T", entry.occurrence_code)
    line.put(layout.nosso_numero, entry.nosso_numero)
    line.put(layout.wallet, entry.wallet)
    line.put(layout.document_number, entry.document_number)
    line.date(layout.due_date, entry.due_date)
    line.amount(layout.title_value, entry.title_value)
    line.num(layout.collecting_bank, entry.collecting_bank or "0")
    line.num(layout.collecting_agency, entry.collecting_agency or "0")
    line.put(layout.company_reference, entry.company_reference)
    line.amount(layout.bank_fee, entry.bank_fee)
    line.put(layout.reasons, "".join(entry.reasons))
    return line.text()


def _segment_u(bank_code: str, lot: str, sequence: int, entry: ReturnEntry) -> str:
    # Segment U has the same positions at every bank (cnab240.U_*): one format string.
    if len(entry.occurrence_code) != 2:
        raise ValueError(f"{entry.occurrence_code!r} is not a 2-position occurrence code")
    net = entry.amount_paid - entry.bank_fee if entry.net_credited is None else entry.net_credited
    amounts = (
        entry.late_charges_paid,
        entry.discount,
        entry.abatement,
        entry.iof,
        entry.amount_paid,
        net,
        entry.other_expenses,
        entry.other_credits,
    )
    text = (
        f"{bank_code}{lot}3{sequence:05d}U {entry.occurrence_code}"
        + "".join(f"{_cents(amount):015d}" for amount in amounts)
        + _date8(entry.occurrence_date)
        + _date8(entry.credit_date)
    )
    if len(text) != cnab240.U_CREDIT_DATE[1]:
        raise ValueError(f"an amount of {entry!r} does not fit 15 positions")
    return text.ljust(cnab240.WIDTH)


def _cents(value: Decimal) -> int:
    if value.as_tuple().exponent not in _WHOLE_CENTS:
        to_cents(value)  # raises the kernel's "not a whole number of cents" error
    cents = int(value * 100)
    if cents < 0:
        raise ValueError(f"negative amount {value} cannot be written")
    return cents


def _date8(value: date | None) -> str:
    return "00000000" if value is None else f"{value.day:02d}{value.month:02d}{value.year:04d}"


def _detail_start(bank_code: str, lot: str, sequence: int, segment: str, code: str) -> _Line:
    line = _Line()
    line.num((1, 3), bank_code)
    line.put((4, 8), f"{lot}3")
    line.num((9, 13), str(sequence))
    line.put((14, 14), segment)
    line.put((16, 17), code)
    return line


class _Line:
    """A 240-position line being filled; every field must fit its span exactly."""

    __slots__ = ("buffer",)

    def __init__(self) -> None:
        self.buffer = bytearray(_BLANK_LINE)

    def put(self, span: Span, value: str) -> None:
        width = span[1] - span[0] + 1
        if len(value) > width:
            raise ValueError(f"{value!r} does not fit positions {span[0]}-{span[1]}")
        self.buffer[span[0] - 1 : span[1]] = value.ljust(width).encode("latin-1")

    def num(self, span: Span, digits: str) -> None:
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError(f"{digits!r} is not a number")
        self.put(span, digits.zfill(span[1] - span[0] + 1))

    def amount(self, span: Span, value: Decimal) -> None:
        self.num(span, str(_cents(value)))

    def date(self, span: Span, value: date | None) -> None:
        self.num(span, _date8(value))

    def text(self) -> str:
        return self.buffer.decode("latin-1")


_BLANK_LINE = b" " * cnab240.WIDTH
# Exponents of a Decimal that is a whole number of cents (-2 and -1: "1.23", "1.2"; 0: "1").
_WHOLE_CENTS = frozenset({-2, -1, 0})
