"""Line-by-line validation of CNAB files: field readers that record Portuguese errors.

Every field read goes through ``FieldReader``: a numeric field that holds anything but ASCII
digits, or a date that is not a calendar date, adds a ``LineError`` for that physical line
instead of raising, so one pass reports *every* broken line. A file with any error is refused
as a whole (``ReturnFileRejected``); nothing of it is returned, so nothing is half-applied.

Blank numeric fields read as zero and blank (or all-zero) dates as None: banks leave unused
fields blank, and several banks right-trim their CNAB 240 lines (fixtures README), which the
readers pad back to full width.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, MutableSequence, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from consorcio.errors import DomainError

from .records import LineError

__all__ = [
    "EOF_MARKER",
    "FieldReader",
    "ReturnFileRejected",
    "UnsupportedReturnFile",
    "ValidationReport",
    "iter_physical_lines",
    "lenient_date",
    "settlement_key",
    "split_reasons",
]

# DOS end-of-file byte some bank systems still append after the last line.
EOF_MARKER = "\x1a"
ZERO = Decimal("0.00")
Span = tuple[int, int]
# Decimals are immutable, so parsed amounts can be shared between records.
_AMOUNTS: dict[str, Decimal] = {}
_DATES: dict[str, date] = {}
_AMOUNT_CACHE_SIZE = 4096


class ReturnFileRejected(DomainError):
    """The return file has broken lines: it is refused whole, with the list of every error."""

    code: ClassVar[str] = "cnab_file_rejected"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Arquivo de retorno rejeitado"

    def __init__(self, errors: Sequence[LineError], *, filename: str | None = None) -> None:
        self.errors: tuple[LineError, ...] = tuple(errors)
        name = f"O arquivo {filename}" if filename else "O arquivo"
        count = len(self.errors)
        noun = "linha com erro" if count == 1 else "erros"
        super().__init__(
            f"{name} tem {count} {noun} e foi rejeitado por inteiro; nada foi aplicado.",
            extra={
                "errors": [
                    {"line": error.line_number, "message": error.message} for error in self.errors
                ]
            },
        )


class UnsupportedReturnFile(ReturnFileRejected):
    """The file is not a CNAB 240/400 return file of a bank we read."""

    code: ClassVar[str] = "cnab_file_unsupported"
    title: ClassVar[str] = "Arquivo de retorno não reconhecido"


@dataclass(slots=True)
class ValidationReport:
    """Every error found in one pass over a file, in line order."""

    errors: list[LineError] = field(default_factory=list)
    line_count: int = 0

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add(self, line_number: int, message: str) -> None:
        self.errors.append(LineError(line_number, message))


def iter_physical_lines(
    data: bytes, report: ValidationReport, starts: MutableSequence[int] | None = None
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line, streaming, without line terminators.

    CRLF and LF are both accepted (never mixed within a real file, but harmless); latin-1
    decoding never fails. Trailing blank lines and a final EOF byte are dropped; a blank line
    inside the file is an error. ``starts``, when given, receives the byte offset of every
    physical line (index ``line_number - 1``) as it is read.
    """
    pending_blank: list[int] = []
    number = 0
    start = 0
    size = len(data)
    while start < size:
        if starts is not None:
            starts.append(start)
        end = data.find(b"\n", start)
        if end == -1:
            end = size
        chunk = data[start:end]
        start = end + 1
        number += 1
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
        text = chunk.decode("latin-1")
        if start >= size and text.endswith(EOF_MARKER):
            text = text[:-1]
        if not text.strip():
            pending_blank.append(number)
            continue
        for blank in pending_blank:
            report.add(blank, "linha em branco no meio do arquivo.")
        pending_blank.clear()
        yield number, text
    report.line_count = number - len(pending_blank)


class FieldReader:
    """Reads fixed-width fields (1-based, inclusive positions) of one line, recording errors."""

    __slots__ = ("line", "line_number", "report")

    def __init__(self, line: str, line_number: int, report: ValidationReport, width: int):
        self.line = line.ljust(width) if len(line) < width else line
        self.line_number = line_number
        self.report = report

    def error(self, message: str) -> None:
        self.report.add(self.line_number, message)

    def raw(self, span: Span | None) -> str:
        if span is None:
            return ""
        return self.line[span[0] - 1 : span[1]]

    def text(self, span: Span | None) -> str:
        """An alphanumeric field, trimmed."""
        return self.raw(span).strip()

    def digits(self, span: Span | None, label: str) -> str:
        """A numeric field kept as text (leading zeros matter): blank gives ""."""
        value = self.raw(span).strip()
        if value and not (value.isascii() and value.isdigit()):
            self._not_numeric(span, label)
            return ""
        return value

    def integer(self, span: Span | None, label: str) -> int | None:
        value = self.digits(span, label)
        return int(value) if value else None

    def amount(self, span: Span | None, label: str) -> Decimal:
        """A 2-decimal amount with an implied comma (``000000000034400`` is 344,00)."""
        if span is None:
            return ZERO
        value = self.line[span[0] - 1 : span[1]]
        cached = _AMOUNTS.get(value)
        if cached is not None:
            return cached
        if value.isascii() and value.isdigit():
            amount = Decimal(f"{value[:-2]}.{value[-2:]}")
            if len(_AMOUNTS) < _AMOUNT_CACHE_SIZE:
                _AMOUNTS[value] = amount  # zeros and common fees repeat on every line
            return amount
        if not value.strip():
            return ZERO
        self._not_numeric(span, label)
        return ZERO

    def date(self, span: Span | None, label: str) -> date | None:
        """DDMMAAAA (8 positions) or DDMMAA (6, years 2000-2099); blank or zeros give None."""
        if span is None:
            return None
        value = self.line[span[0] - 1 : span[1]]
        if value in _DATES:
            return _DATES[value]
        if not value.strip() or value.strip("0") == "":
            return None
        if not (value.isascii() and value.isdigit()):
            self._bad_date(span, label, value)
            return None
        day, month = int(value[0:2]), int(value[2:4])
        year = int(value[4:]) if len(value) == 8 else 2000 + int(value[4:])
        try:
            parsed = date(year, month, day)
        except ValueError:
            self._bad_date(span, label, value)
            return None
        if len(_DATES) < _AMOUNT_CACHE_SIZE:
            _DATES[value] = parsed  # a file has few distinct dates
        return parsed

    def expect(self, span: Span, allowed: str | tuple[str, ...], label: str) -> bool:
        """A fixed value (record type, segment…); records an error when it differs."""
        value = self.raw(span)
        options = (allowed,) if isinstance(allowed, str) else allowed
        if value in options:
            return True
        shown = " ou ".join(f"'{option}'" for option in options)
        self.error(f"{label} {_positions(span)} deveria ser {shown}, mas é '{value.strip()}'.")
        return False

    def _not_numeric(self, span: Span | None, label: str) -> None:
        assert span is not None
        self.error(f"{label} {_positions(span)} não é numérico: '{self.raw(span).strip()}'.")

    def _bad_date(self, span: Span, label: str, value: str) -> None:
        self.error(f"{label} {_positions(span)} não é uma data válida: '{value.strip()}'.")


def _positions(span: Span) -> str:
    if span[0] == span[1]:
        return f"(posição {span[0]})"
    return f"(posições {span[0]}-{span[1]})"


def lenient_date(value: str) -> date | None:
    """A header date (DDMMAA or DDMMAAAA) read for display only: None when malformed.

    Header dates identify the file but settle nothing, and two real files (the Ailos and
    Sicoob CNAB 240 fixtures) omit the header's bank name, shifting them; refusing such a
    file for its display date would refuse good settlements.
    """
    value = value.strip()
    if len(value) not in (6, 8) or not (value.isascii() and value.isdigit()):
        return None
    year = int(value[4:]) if len(value) == 8 else 2000 + int(value[4:])
    if not 1990 <= year <= 2099:
        return None
    try:
        return date(year, int(value[2:4]), int(value[0:2]))
    except ValueError:
        return None


def split_reasons(value: str) -> tuple[str, ...]:
    """Two-character reason codes (motivos), blanks and "00" dropped."""
    if not value.strip(" 0"):
        return ()
    codes = (value[index : index + 2].strip() for index in range(0, len(value), 2))
    return tuple(code for code in codes if code and code.strip("0"))


def settlement_key(header_line: str, line_number: int, content: str) -> str:
    """The unique, deterministic id of one record: sha256 of file identity and the line.

    The file's identity is its header line (bank, payee, generation date and time, file
    number), so importing the same file again yields the same keys and applies nothing twice,
    while the same bytes in a different file (another header) are a different record.
    """
    digest = hashlib.sha256()
    digest.update(header_line.rstrip().encode("latin-1"))
    digest.update(f"\n{line_number}\n".encode())
    digest.update(content.rstrip().encode("latin-1"))
    return digest.hexdigest()
