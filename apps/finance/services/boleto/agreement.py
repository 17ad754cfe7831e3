"""What a bank layout needs from a collection agreement, and what it answers.

``CollectionAgreement`` is a plain value (the finance models' bank agreement maps onto it), so
the layouts stay pure functions of their inputs. ``BankLayout`` is the interface each bank's
module implements: the nosso número (with its check digit) for a sequence number taken from
the agreement's range, and the 25-digit campo livre.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from apps.finance.services.boleto.barcode import is_digits
from apps.finance.services.boleto.errors import BankDataInvalid

__all__ = ["BankLayout", "CollectionAgreement", "NossoNumero", "check_sequence", "digits_field"]


@dataclass(frozen=True)
class CollectionAgreement:
    """A collection agreement (convênio de cobrança) as the bank layouts read it.

    ``agreement_code`` is what each bank calls the beneficiary's code: BB's convênio (4, 6 or 7
    digits), Itaú's código do cliente (5, special wallets only), Caixa's código do beneficiário
    (6), Santander's código do beneficiário (7), Sicoob's código do cliente (up to 7); Bradesco
    does not use it. ``variant`` selects a bank's alternative layout: BB ``"nn17"`` (6-digit
    convênio with a free 17-digit nosso número, service code 21), Sicoob the modality (default
    ``"01"``).
    """

    bank_code: str
    agency: str
    account: str
    wallet: str
    agreement_code: str = ""
    variant: str = ""


@dataclass(frozen=True)
class NossoNumero:
    """The bank's number of one boleto.

    ``number``: the digits the bank registers and reports back in return files (without the
    check digit); ``check_digit``: the bank's check digit, ``None`` where the bank's layout has
    none (BB's 17-digit numbers); ``printed``: as the boleto shows it ("175/12345678-4").
    """

    number: str
    check_digit: str | None
    printed: str

    @property
    def with_check_digit(self) -> str:
        """``number`` followed by its check digit (when the bank defines one)."""
        return self.number + (self.check_digit or "")


class BankLayout(Protocol):
    """One bank's nosso número and campo livre rules."""

    bank_code: str
    bank_name: str

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        """The largest sequence number the agreement's nosso número can carry."""
        ...

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        """The nosso número (with its check digit) of sequence number ``sequence``."""
        ...

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        """The 25-digit campo livre of the boleto with sequence number ``sequence``."""
        ...


def digits_field(value: str, width: int, label: str) -> str:
    """``value`` (digits) left-padded with zeros to ``width``; refused when longer or not digits."""
    value = value.strip()
    if not is_digits(value) or len(value) > width:
        raise BankDataInvalid(
            f"{label} deve ter até {width} dígitos numéricos (recebido: «{value}»).",
            extra={"field": label, "max_digits": width},
        )
    return value.zfill(width)


def check_sequence(sequence: int, maximum: int) -> int:
    """``sequence`` when it is between 1 and ``maximum``; refused otherwise."""
    if not 1 <= sequence <= maximum:
        raise BankDataInvalid(
            f"O número sequencial {sequence} está fora do intervalo do convênio (1 a {maximum}).",
            extra={"field": "sequence", "max_sequence": maximum},
        )
    return sequence
