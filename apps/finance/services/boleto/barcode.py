"""The 44-digit boleto barcode (FEBRABAN), its check digits, due-date factor and amount field.

Positions (1-based): 1-3 bank (COMPE), 4 currency (``9`` = real), 5 general check digit,
6-9 due-date factor, 10-19 amount in cents, 20-44 the bank's 25-digit campo livre
(``../shared/fixtures/boleto/README.md`` has the rules in full).

- **Modulo 10** (field check digits of the linha digitável): weights 2, 1, 2, 1… from the right,
  two-digit products add their digits, digit = (10 - sum mod 10) mod 10.
- **Modulo 11** (general check digit, position 5): weights 2…9 cycling from the right,
  digit = 11 - (sum mod 11); 0, 10 and 11 become 1 (the digit is never 0). Because 0, 10 and 11
  all become 1, a change that moves the remainder among 0, 1 and 10 keeps the digit: the only
  single-digit errors the barcode cannot see.
- **Due-date factor**: days since 1997-10-07 (1000 = 2000-07-03); the four digits wrapped on
  2025-02-22, which is 1000 again (2025-02-21 was 9999). The same factor therefore names two
  dates 9000 days apart, and decoding needs a reference date (the issue date, or "today").
  Factor ``0000`` means "no due date".
- **Amount**: ten digits of cents; all zeros means a boleto without amount ("sem valor").

Integer cents exist only here and in the bank-file adapters (ARCHITECTURE.md §4 Money); callers
pass and receive ``Decimal`` Reais.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from apps.finance.services.boleto.errors import AmountInvalid, BarcodeInvalid, DueDateOutOfRange

__all__ = [
    "CURRENCY_REAL",
    "FACTOR_BASE_DATE",
    "FACTOR_RESET_DATE",
    "MAX_AMOUNT",
    "Barcode",
    "amount_field",
    "amount_from_field",
    "build_barcode",
    "due_date_factor",
    "due_date_from_factor",
    "general_check_digit",
    "is_digits",
    "mod10",
    "parse_barcode",
    "weighted_sum",
]

CURRENCY_REAL = "9"
FACTOR_BASE_DATE = date(1997, 10, 7)
FACTOR_RESET_DATE = date(2025, 2, 22)  # factor 1000 of the second cycle
_FIRST_FACTOR_DATE = date(2000, 7, 3)  # factor 1000 of the first cycle
_CYCLE_DAYS = 9000  # factors 1000..9999
MAX_AMOUNT = Decimal("99999999.99")
_CENT = Decimal("0.01")


def is_digits(text: str, length: int | None = None) -> bool:
    """Whether ``text`` is ASCII digits only (``str.isdigit`` also accepts "²" and "٣"),
    of exactly ``length`` characters when given."""
    return bool(re.fullmatch(r"[0-9]+", text)) and (length is None or len(text) == length)


def weighted_sum(digits: str, weights: Sequence[int], *, from_right: bool = True) -> int:
    """Sum of each digit times its weight, the weights cycling (from the right by default).

    The common core of every bank's modulo-11 variant; ``from_right=False`` aligns the weights
    with the first digit instead (Sicoob's 3197 constant).
    """
    sequence = reversed(digits) if from_right else iter(digits)
    return sum(int(digit) * weights[index % len(weights)] for index, digit in enumerate(sequence))


def mod10(digits: str) -> int:
    """FEBRABAN modulo 10: weights 2,1,2,1… from the right, products' digits summed."""
    total = 0
    for index, digit in enumerate(reversed(digits)):
        product = int(digit) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def general_check_digit(digits43: str) -> int:
    """The barcode's general check digit (position 5) over the other 43 digits."""
    if not is_digits(digits43, 43):
        raise BarcodeInvalid("O cálculo do dígito geral exige 43 dígitos.")
    result = 11 - weighted_sum(digits43, range(2, 10)) % 11
    return 1 if result in (0, 10, 11) else result


def due_date_factor(due_date: date | None) -> int:
    """The four-digit due-date factor of ``due_date`` (0 when the boleto has no due date).

    Dates from 2025-02-22 on are in the second cycle (1000 = 2025-02-22).
    """
    if due_date is None:
        return 0
    if due_date >= FACTOR_RESET_DATE:
        factor = 1000 + (due_date - FACTOR_RESET_DATE).days
    elif due_date >= _FIRST_FACTOR_DATE:
        factor = (due_date - FACTOR_BASE_DATE).days
    else:
        factor = 0
    if not 1000 <= factor <= 9999:
        raise DueDateOutOfRange(
            f"O vencimento {due_date:%d/%m/%Y} não tem fator de vencimento: "
            "use uma data entre 03/07/2000 e "
            f"{FACTOR_RESET_DATE + timedelta(days=_CYCLE_DAYS - 1):%d/%m/%Y}."
        )
    return factor


def due_date_from_factor(factor: int, *, reference: date) -> date | None:
    """The due date a factor names: of its two candidate dates, the one nearest ``reference``.

    ``reference`` is the document's issue date (or another date known to be close to the due
    date); "the date nearest today" misreads old boletos, so there is no default. Factor 0 is
    "no due date" (None). Factors below 1000 exist only in the first cycle (before 2000-07-03).
    """
    if factor == 0:
        return None
    if not 0 < factor <= 9999:
        raise BarcodeInvalid(f"Fator de vencimento {factor} inválido.")
    first = FACTOR_BASE_DATE + timedelta(days=factor)
    if factor < 1000:
        return first
    second = FACTOR_RESET_DATE + timedelta(days=factor - 1000)
    return first if abs((first - reference).days) <= abs((second - reference).days) else second


def amount_field(amount: Decimal | None) -> str:
    """The ten-digit amount field (cents, zero-padded); ``None`` or zero: "sem valor"."""
    if amount is None:
        return "0" * 10
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise AmountInvalid(
            "O valor do boleto deve estar entre R$ 0,00 e R$ 99.999.999,99.",
            extra={"amount": str(amount)},
        )
    if amount != amount.quantize(_CENT):
        raise AmountInvalid(
            "O valor do boleto não pode ter frações de centavo.", extra={"amount": str(amount)}
        )
    return f"{int(amount * 100):010d}"


def amount_from_field(field: str) -> Decimal | None:
    """The amount in Reais of a ten-digit amount field; ``None`` for a boleto without amount."""
    if not is_digits(field, 10):
        raise BarcodeInvalid("O campo de valor deve ter 10 dígitos.")
    cents = int(field)
    if cents == 0:
        return None
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class Barcode:
    """A validated 44-digit barcode, split into its fields."""

    digits: str
    bank_code: str
    currency: str
    check_digit: int
    factor: int
    amount: Decimal | None
    free_field: str

    def due_date(self, *, reference: date) -> date | None:
        """The due date; ``reference`` picks the factor's cycle (see ``due_date_from_factor``)."""
        return due_date_from_factor(self.factor, reference=reference)


def build_barcode(
    *,
    bank_code: str,
    due_date: date | None,
    amount: Decimal | None,
    free_field: str,
    currency: str = CURRENCY_REAL,
) -> str:
    """The 44-digit barcode: bank, currency, check digit, factor, amount and campo livre."""
    if not is_digits(bank_code, 3):
        raise BarcodeInvalid("O código do banco deve ter 3 dígitos.")
    if not is_digits(free_field, 25):
        raise BarcodeInvalid("O campo livre deve ter 25 dígitos.")
    if not is_digits(currency, 1):
        raise BarcodeInvalid("O código da moeda deve ter 1 dígito.")
    tail = f"{due_date_factor(due_date):04d}{amount_field(amount)}{free_field}"
    check = general_check_digit(f"{bank_code}{currency}{tail}")
    return f"{bank_code}{currency}{check}{tail}"


def parse_barcode(digits: str) -> Barcode:
    """Split and validate a 44-digit barcode (length, digits only, general check digit)."""
    digits = digits.strip()
    if not is_digits(digits, 44):
        raise BarcodeInvalid("O código de barras deve ter exatamente 44 dígitos.")
    if digits[0] == "8":
        raise BarcodeInvalid(
            "Código de arrecadação (concessionárias e tributos) não é um boleto bancário."
        )
    expected = general_check_digit(digits[:4] + digits[5:])
    if int(digits[4]) != expected:
        raise BarcodeInvalid(
            "O dígito verificador geral do código de barras não confere.",
            extra={"position": 5},
        )
    return Barcode(
        digits=digits,
        bank_code=digits[0:3],
        currency=digits[3],
        check_digit=expected,
        factor=int(digits[5:9]),
        amount=amount_from_field(digits[9:19]),
        free_field=digits[19:44],
    )
