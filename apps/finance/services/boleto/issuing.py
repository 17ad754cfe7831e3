"""Issue a boleto's codes: nosso número, barcode and linha digitável for one charge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.finance.services.boleto.agreement import BankLayout, CollectionAgreement, NossoNumero
from apps.finance.services.boleto.banks import (
    BancoDoBrasil,
    Bradesco,
    Caixa,
    Itau,
    Santander,
    Sicoob,
)
from apps.finance.services.boleto.barcode import build_barcode
from apps.finance.services.boleto.errors import BankNotSupported
from apps.finance.services.boleto.linha_digitavel import (
    format_linha_digitavel,
    linha_digitavel_from_barcode,
)

__all__ = ["Boleto", "issue_boleto", "layout_for", "nosso_numero_for", "supported_banks"]

_LAYOUTS: dict[str, BankLayout] = {
    layout.bank_code: layout
    for layout in (BancoDoBrasil(), Itau(), Bradesco(), Caixa(), Santander(), Sicoob())
}


@dataclass(frozen=True)
class Boleto:
    """The payment codes of one boleto (what a charge stores and the PDF prints)."""

    bank_code: str
    nosso_numero: NossoNumero
    due_date: date
    amount: Decimal
    free_field: str
    barcode: str  # 44 digits
    linha_digitavel: str  # 47 digits, unformatted

    @property
    def linha_digitavel_formatted(self) -> str:
        """``AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE``."""
        return format_linha_digitavel(self.linha_digitavel)


def supported_banks() -> dict[str, str]:
    """COMPE code → bank name of every bank whose layout is implemented."""
    return {code: layout.bank_name for code, layout in sorted(_LAYOUTS.items())}


def layout_for(bank_code: str) -> BankLayout:
    """The layout of bank ``bank_code`` (``"001"``, ``"341"``…); refused when not implemented."""
    layout = _LAYOUTS.get(bank_code.strip().zfill(3))
    if layout is None:
        raise BankNotSupported(
            f"O banco {bank_code} não tem leiaute de boleto implementado "
            f"(suportados: {', '.join(sorted(_LAYOUTS))}).",
            extra={"bank_code": bank_code},
        )
    return layout


def nosso_numero_for(agreement: CollectionAgreement, sequence: int) -> NossoNumero:
    """The nosso número (with its check digit) of ``sequence`` in ``agreement``'s range."""
    return layout_for(agreement.bank_code).nosso_numero(agreement, sequence)


def issue_boleto(
    *,
    agreement: CollectionAgreement,
    sequence: int,
    due_date: date,
    amount: Decimal,
    document_number: str = "",
    installment_number: int = 1,
) -> Boleto:
    """The nosso número, barcode and linha digitável of a boleto of ``amount`` due ``due_date``.

    ``sequence`` is the charge's number in the agreement's nosso número range (the caller
    allocates it); ``document_number`` is the seu número (Itaú's special wallets print it in the
    campo livre); ``installment_number`` goes into Sicoob's campo livre. Pure: nothing is stored.
    """
    layout = layout_for(agreement.bank_code)
    free_field = layout.free_field(
        agreement,
        sequence,
        document_number=document_number,
        installment_number=installment_number,
    )
    barcode = build_barcode(
        bank_code=layout.bank_code, due_date=due_date, amount=amount, free_field=free_field
    )
    return Boleto(
        bank_code=layout.bank_code,
        nosso_numero=layout.nosso_numero(agreement, sequence),
        due_date=due_date,
        amount=amount,
        free_field=free_field,
        barcode=barcode,
        linha_digitavel=linha_digitavel_from_barcode(barcode),
    )
