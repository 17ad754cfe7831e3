"""Refusals of the boleto functions: stable codes for the API, Portuguese text for staff."""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError


class BoletoError(DomainError):
    """Base of every boleto refusal (a caller may catch this one)."""

    code: ClassVar[str] = "boleto_invalid"
    title: ClassVar[str] = "Boleto inválido"


class BarcodeInvalid(BoletoError):
    """A 44-digit barcode is malformed or its general check digit does not match."""

    code: ClassVar[str] = "boleto_barcode_invalid"
    title: ClassVar[str] = "Código de barras inválido"
    default_detail: ClassVar[str] = "O código de barras informado é inválido."


class DigitableLineInvalid(BoletoError):
    """A typed linha digitável is malformed or one of its check digits does not match."""

    code: ClassVar[str] = "boleto_linha_digitavel_invalid"
    title: ClassVar[str] = "Linha digitável inválida"
    default_detail: ClassVar[str] = "A linha digitável informada é inválida."


class DueDateOutOfRange(BoletoError):
    """The due date has no due-date factor (before 03/07/2000 or after the second cycle)."""

    code: ClassVar[str] = "boleto_due_date_out_of_range"
    title: ClassVar[str] = "Vencimento fora do intervalo"


class AmountInvalid(BoletoError):
    """The amount is negative, has fractions of a cent or does not fit in ten digits."""

    code: ClassVar[str] = "boleto_amount_invalid"
    title: ClassVar[str] = "Valor inválido"


class BankDataInvalid(BoletoError):
    """The bank agreement's data (agency, account, wallet, agreement code, sequence) does
    not fit the bank's layout."""

    code: ClassVar[str] = "boleto_bank_data_invalid"
    title: ClassVar[str] = "Dados do convênio inválidos"


class BankNotSupported(BoletoError):
    """No layout of campo livre / nosso número is implemented for the bank."""

    code: ClassVar[str] = "boleto_bank_not_supported"
    title: ClassVar[str] = "Banco não suportado"
