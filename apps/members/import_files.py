"""Reading an import file (CSV or XLSX) as numbered lines of text cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from consorcio.errors import DomainError

__all__ = ["ImportFileError", "read_rows"]


class ImportFileError(DomainError):
    """The file cannot be read as an import: unknown format, missing header columns."""

    code = "member_import_file"
    title = "Arquivo de importação inválido"


def read_rows(path: Path, fmt: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of every non-empty line of the file, header first.

    ``fmt`` is ``csv`` or ``xlsx`` (guessed from the extension when ``None``). CSV is read as
    UTF-8 (a BOM is accepted) with the delimiter (``;`` or ``,``) sniffed from the header.
    """
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "csv":
        yield from _csv_rows(path)
    elif fmt == "xlsx":
        yield from _xlsx_rows(path)
    else:
        raise ImportFileError(f"Formato desconhecido: {fmt or '?'} (use csv ou xlsx).")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
            delimiter = ";" if header.count(";") >= header.count(",") else ","
            reader = csv.reader(io.StringIO(header), delimiter=delimiter)
            yield 1, next(reader, [])
            for offset, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=2):
                if any(cell.strip() for cell in cells):
                    yield offset, cells
    except UnicodeDecodeError:
        raise ImportFileError("O arquivo CSV deve estar em UTF-8.") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells) or number == 1:
                yield number, cells
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
