"""The entry points: detect a return file's format and bank, validate every line, parse.

``parse_return_file`` returns the whole file or raises ``ReturnFileRejected`` with every
broken line; nothing of a rejected file is returned. For very large files
``validate_return_file`` (one streaming pass, no records kept) followed by
``iter_return_records`` (a second streaming pass) keeps memory flat: O(n) time, O(1) records.

An import applied in chunks uses ``scan_chunks`` (one streaming pass: validation, the record
count and the byte range of every chunk of records) and ``iter_chunk_records`` (the records of
one byte range, given the file's header line), so each chunk reads and parses only its own
lines: O(n) in total, however many chunks.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from . import cnab240, cnab400
from .layouts import BANKS_400, LAYOUTS_240, LAYOUTS_400, Layout240, Layout400
from .layouts import FEBRABAN_240 as FEBRABAN_240_LAYOUT
from .records import FileHeader, LineError, ReturnFile, ReturnRecord
from .validate import (
    ReturnFileRejected,
    UnsupportedReturnFile,
    ValidationReport,
    iter_physical_lines,
)

__all__ = [
    "ChunkPlan",
    "ChunkSpan",
    "iter_chunk_records",
    "iter_return_records",
    "parse_return_file",
    "scan_chunks",
    "validate_return_file",
]


@dataclass(frozen=True, slots=True)
class _Scan:
    header: FileHeader
    records: Iterator[ReturnRecord]
    report: ValidationReport


def parse_return_file(data: bytes, *, filename: str | None = None) -> ReturnFile:
    """Parse a CNAB 240 or CNAB 400 return file (format and bank detected from its header).

    Every line is validated; on any error the whole file is refused with
    ``ReturnFileRejected`` listing each broken line in Portuguese.
    """
    scan = _scan(data, filename)
    records = tuple(scan.records)
    if scan.report.errors:
        raise ReturnFileRejected(scan.report.errors, filename=filename)
    return ReturnFile(
        header=scan.header,
        records=records,
        line_count=scan.report.line_count,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def validate_return_file(data: bytes, *, filename: str | None = None) -> ValidationReport:
    """Validate every line without keeping records (a streaming pass); never raises."""
    try:
        scan = _scan(data, filename)
    except UnsupportedReturnFile as refused:
        return ValidationReport(errors=list(refused.errors))
    for _record in scan.records:
        pass
    return scan.report


def iter_return_records(
    data: bytes, *, filename: str | None = None
) -> tuple[FileHeader, Iterator[ReturnRecord]]:
    """Header and a streaming iterator of records, for a file that is valid as a whole.

    Validates first (one pass) and raises ``ReturnFileRejected`` before yielding anything;
    the iterator then parses again, line by line.
    """
    report = validate_return_file(data, filename=filename)
    if report.errors:
        raise ReturnFileRejected(report.errors, filename=filename)
    scan = _scan(data, filename)
    return scan.header, scan.records


@dataclass(frozen=True, slots=True)
class ChunkSpan:
    """Records ``first..last-1`` (file order) of a file: bytes ``start..end-1``, whose first
    line is physical line ``line``."""

    first: int
    last: int
    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """One streaming pass over a file: its validation, header line, records and chunks."""

    report: ValidationReport
    header: FileHeader | None
    header_line: str
    records: int
    chunks: tuple[ChunkSpan, ...]


def scan_chunks(data: bytes, *, chunk_size: int, filename: str | None = None) -> ChunkPlan:
    """Validate every line and cut the records into chunks of ``chunk_size`` (one pass).

    Never raises for a broken file: the errors are in ``report`` (and ``chunks`` is empty).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    starts: array[int] = array("q")
    try:
        scan = _scan(data, filename, starts)
    except UnsupportedReturnFile as refused:
        return ChunkPlan(ValidationReport(errors=list(refused.errors)), None, "", 0, ())
    firsts: list[int] = []  # physical line of the first record of each chunk
    count = 0
    for record in scan.records:
        if count % chunk_size == 0:
            firsts.append(record.line_number)
        count += 1
    header_end = data.find(b"\n")
    header_line = data[: header_end if header_end >= 0 else len(data)].decode("latin-1")
    if scan.report.errors:
        return ChunkPlan(scan.report, scan.header, header_line.rstrip("\r"), count, ())
    chunks = []
    for index, line in enumerate(firsts):
        end = starts[firsts[index + 1] - 1] if index + 1 < len(firsts) else len(data)
        first = index * chunk_size
        chunks.append(ChunkSpan(first, min(first + chunk_size, count), starts[line - 1], end, line))
    return ChunkPlan(scan.report, scan.header, header_line.rstrip("\r"), count, tuple(chunks))


def iter_chunk_records(header_line: str, segment: bytes, *, line: int) -> Iterator[ReturnRecord]:
    """The records in ``segment``: whole lines of a file validated whole (``scan_chunks``),
    the first of them physical line ``line``, read with the file's ``header_line``.

    The same records, line numbers and settlement keys as the whole file's parse; nothing is
    validated again (structure errors of a cut-out part are expected and dropped).
    """
    report = ValidationReport()
    lines = ((number + line - 1, text) for number, text in iter_physical_lines(segment, report))
    if header_line.startswith("02RETORNO") and len(header_line.rstrip()) > 240:
        first = next(lines, None)
        if first is None:
            return iter(())
        layout400 = _layout_400(header_line, first, None)
        return cnab400.scan_details(header_line, layout400, chain([first], lines), report)
    layout240 = _layout_240(header_line)
    return cnab240.scan_details(header_line, layout240, lines, report, resume=True)


def _scan(data: bytes, filename: str | None, starts: array[int] | None = None) -> _Scan:
    report = ValidationReport()
    lines = iter_physical_lines(data, report, starts)
    first = next(lines, None)
    if first is None:
        raise UnsupportedReturnFile([_error(1, "o arquivo está vazio.")], filename=filename)
    number, header_line = first
    width = len(header_line.rstrip())
    if header_line.startswith("02RETORNO") and width > 240:
        second = next(lines, None)
        layout400 = _layout_400(header_line, second, filename)
        rest = chain([second] if second is not None else [], lines)
        header = cnab400.read_header(number, header_line, layout400, report)
        records = cnab400.scan_details(header_line, layout400, rest, report)
        return _Scan(header, records, report)
    if header_line[7:8] == "0" and header_line[3:7] == "0000" and width <= 241:
        layout240 = _layout_240(header_line)
        header = cnab240.read_header(number, header_line, layout240, report)
        records = cnab240.scan_details(header_line, layout240, lines, report)
        return _Scan(header, records, report)
    raise UnsupportedReturnFile(
        [
            _error(
                number,
                "não é um arquivo de retorno CNAB 240 nem CNAB 400 (o header não começa com "
                "'02RETORNO' e não é um header de arquivo CNAB 240).",
            )
        ],
        filename=filename,
    )


def _layout_240(header_line: str) -> Layout240:
    return LAYOUTS_240.get(header_line[0:3], FEBRABAN_240_LAYOUT)


def _layout_400(
    header_line: str, second: tuple[int, str] | None, filename: str | None
) -> Layout400:
    bank = header_line[76:79]
    if bank == "001":
        # BB: CBR643 details are type 7; a type-1 detail under BB's header is CBR641 (the
        # Unicred fixture is one).
        detail_type = second[1][:1] if second is not None else "7"
        return LAYOUTS_400["bb_cbr641" if detail_type == "1" else "bb_cbr643"]
    key = BANKS_400.get(bank)
    if key is None:
        raise UnsupportedReturnFile(
            [_error(1, f"banco {bank} (posições 77-79) não tem layout CNAB 400 de retorno aqui.")],
            filename=filename,
        )
    return LAYOUTS_400[key]


def _error(number: int, message: str) -> LineError:
    return LineError(number, message)
