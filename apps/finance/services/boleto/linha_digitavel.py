"""The 47-digit linha digitável: built from a barcode, formatted, and parsed back from typing.

Fields (FEBRABAN): 1 = bank + currency + campo livre 1-5 + mod-10 digit; 2 = campo livre 6-15
+ mod-10 digit; 3 = campo livre 16-25 + mod-10 digit; 4 = the barcode's general check digit;
5 = factor + amount. Printed as ``AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE``.

Parsing accepts what people type or paste (spaces, dots, hyphens, a formatted line) and names
the field whose check digit fails, so a staff page can point at it.
"""

from __future__ import annotations

import re

from apps.finance.services.boleto.barcode import (
    general_check_digit,
    is_digits,
    mod10,
    parse_barcode,
)
from apps.finance.services.boleto.errors import BarcodeInvalid, DigitableLineInvalid

__all__ = [
    "barcode_from_linha_digitavel",
    "format_linha_digitavel",
    "is_valid_linha_digitavel",
    "linha_digitavel_from_barcode",
]

_SEPARATORS = re.compile(r"[\s.\-]")


def linha_digitavel_from_barcode(barcode: str) -> str:
    """The 47 digits of the linha digitável of a valid 44-digit barcode (unformatted)."""
    parsed = parse_barcode(barcode)
    head = parsed.bank_code + parsed.currency
    free = parsed.free_field
    field1 = head + free[0:5]
    field2 = free[5:15]
    field3 = free[15:25]
    return (
        f"{field1}{mod10(field1)}"
        f"{field2}{mod10(field2)}"
        f"{field3}{mod10(field3)}"
        f"{parsed.check_digit}"
        f"{barcode[5:19]}"
    )


def format_linha_digitavel(digits: str) -> str:
    """``AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE`` for 47 digits."""
    digits = _normalise(digits)
    return (
        f"{digits[0:5]}.{digits[5:10]} {digits[10:15]}.{digits[15:21]} "
        f"{digits[21:26]}.{digits[26:32]} {digits[32]} {digits[33:47]}"
    )


def barcode_from_linha_digitavel(text: str) -> str:
    """The 44-digit barcode of a typed linha digitável, after checking every check digit.

    Raises ``DigitableLineInvalid`` naming the field (1, 2, 3 or the general digit) that fails.
    """
    digits = _normalise(text)
    for number, (start, end) in enumerate(((0, 9), (10, 20), (21, 31)), start=1):
        if mod10(digits[start:end]) != int(digits[end]):
            raise DigitableLineInvalid(
                f"O dígito verificador do campo {number} da linha digitável não confere.",
                extra={"field": number},
            )
    barcode = digits[0:4] + digits[32] + digits[33:47] + digits[4:9] + digits[10:20]
    barcode += digits[21:31]
    if general_check_digit(barcode[:4] + barcode[5:]) != int(digits[32]):
        raise DigitableLineInvalid(
            "O dígito verificador geral (campo 4) da linha digitável não confere.",
            extra={"field": 4},
        )
    try:
        parse_barcode(barcode)
    except BarcodeInvalid as exc:
        raise DigitableLineInvalid(exc.detail, extra={"field": 1}) from exc
    return barcode


def is_valid_linha_digitavel(text: str) -> bool:
    """Whether ``text`` is a linha digitável whose check digits all match."""
    try:
        barcode_from_linha_digitavel(text)
    except DigitableLineInvalid:
        return False
    return True


def _normalise(text: str) -> str:
    digits = _SEPARATORS.sub("", text)
    if not is_digits(digits):
        raise DigitableLineInvalid("A linha digitável deve conter apenas números.")
    if len(digits) == 48 and digits.startswith("8"):
        raise DigitableLineInvalid(
            "Linha de arrecadação (concessionárias e tributos, 48 dígitos) "
            "não é um boleto bancário."
        )
    if len(digits) != 47:
        raise DigitableLineInvalid(
            f"A linha digitável deve ter 47 dígitos; foram informados {len(digits)}.",
            extra={"length": len(digits)},
        )
    return digits
