"""CNAB 240 / CNAB 400 bank return files (retorno): detection, validation and parsing.

Pure functions over bytes, no database: ``parse_return_file`` gives a ``ReturnFile`` whose
``records`` the payments service applies by ``category`` and ``settlement_key``. Banks and
layouts: see ``layouts``; occurrence codes: see ``occurrences``; the writer in ``writer``
builds CNAB 240 return files for tests and benchmarks.
"""

from __future__ import annotations

from .records import (
    CnabFormat,
    FileHeader,
    LineError,
    OccurrenceCategory,
    PixData,
    ReturnFile,
    ReturnRecord,
)
from .return_file import iter_return_records, parse_return_file, validate_return_file
from .validate import ReturnFileRejected, UnsupportedReturnFile, ValidationReport

__all__ = [
    "CnabFormat",
    "FileHeader",
    "LineError",
    "OccurrenceCategory",
    "PixData",
    "ReturnFile",
    "ReturnFileRejected",
    "ReturnRecord",
    "UnsupportedReturnFile",
    "ValidationReport",
    "iter_return_records",
    "parse_return_file",
    "validate_return_file",
]
