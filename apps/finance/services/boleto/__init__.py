"""Boleto payment codes: barcode, linha digitável, nosso número, campo livre, ITF image.

Pure functions of their inputs (nothing here reads or writes the database). The billing
services call ``issue_boleto`` with a ``CollectionAgreement`` built from the bank agreement and
a sequence number from its range; payment entry calls ``barcode_from_linha_digitavel`` to read
what a person typed. Every refusal is a ``BoletoError`` with a stable ``code``.
"""

from apps.finance.services.boleto.agreement import CollectionAgreement, NossoNumero
from apps.finance.services.boleto.barcode import (
    Barcode,
    amount_field,
    amount_from_field,
    build_barcode,
    due_date_factor,
    due_date_from_factor,
    general_check_digit,
    mod10,
    parse_barcode,
)
from apps.finance.services.boleto.errors import (
    AmountInvalid,
    BankDataInvalid,
    BankNotSupported,
    BarcodeInvalid,
    BoletoError,
    DigitableLineInvalid,
    DueDateOutOfRange,
)
from apps.finance.services.boleto.issuing import (
    Boleto,
    issue_boleto,
    layout_for,
    nosso_numero_for,
    supported_banks,
)
from apps.finance.services.boleto.itf import itf_png, itf_svg, itf_widths
from apps.finance.services.boleto.linha_digitavel import (
    barcode_from_linha_digitavel,
    format_linha_digitavel,
    is_valid_linha_digitavel,
    linha_digitavel_from_barcode,
)

__all__ = [
    "AmountInvalid",
    "BankDataInvalid",
    "BankNotSupported",
    "Barcode",
    "BarcodeInvalid",
    "Boleto",
    "BoletoError",
    "CollectionAgreement",
    "DigitableLineInvalid",
    "DueDateOutOfRange",
    "NossoNumero",
    "amount_field",
    "amount_from_field",
    "barcode_from_linha_digitavel",
    "build_barcode",
    "due_date_factor",
    "due_date_from_factor",
    "format_linha_digitavel",
    "general_check_digit",
    "is_valid_linha_digitavel",
    "issue_boleto",
    "itf_png",
    "itf_svg",
    "itf_widths",
    "layout_for",
    "linha_digitavel_from_barcode",
    "mod10",
    "nosso_numero_for",
    "parse_barcode",
    "supported_banks",
]
