"""The refusals of the payments service (stable codes for the API, Portuguese for staff)."""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError

__all__ = [
    "ChargeCancelled",
    "ManualPaymentJustificationRequired",
    "PaymentAmountInvalid",
    "PaymentDateInvalid",
    "PaymentDifferenceUnrecordable",
    "PaymentError",
    "PaymentNotReversible",
    "SettlementIdConflict",
]


class PaymentError(DomainError):
    code: ClassVar[str] = "payment_error"
    title: ClassVar[str] = "Pagamento recusado"


class ChargeCancelled(PaymentError):
    code: ClassVar[str] = "charge_cancelled"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Cobrança cancelada"
    default_detail: ClassVar[str] = "A cobrança foi cancelada e não pode receber pagamentos."


class PaymentAmountInvalid(PaymentError):
    code: ClassVar[str] = "payment_amount_invalid"
    title: ClassVar[str] = "Valor inválido"
    default_detail: ClassVar[str] = "O valor pago deve ser positivo, em reais e centavos."


class PaymentDateInvalid(PaymentError):
    code: ClassVar[str] = "payment_date_invalid"
    title: ClassVar[str] = "Data inválida"
    default_detail: ClassVar[str] = "A data do pagamento ou do crédito é inválida."


class SettlementIdConflict(PaymentError):
    code: ClassVar[str] = "settlement_id_conflict"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Liquidação já aplicada com outros dados"
    default_detail: ClassVar[str] = (
        "Este identificador de liquidação já foi aplicado a outro pagamento."
    )


class ManualPaymentJustificationRequired(PaymentError):
    code: ClassVar[str] = "payment_justification_required"
    title: ClassVar[str] = "Justificativa obrigatória"
    default_detail: ClassVar[str] = "Informe a justificativa do lançamento manual do pagamento."


class PaymentDifferenceUnrecordable(PaymentError):
    code: ClassVar[str] = "payment_difference_unrecordable"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Diferença sem plano de parcelas"
    default_detail: ClassVar[str] = (
        "A cota não tem plano de parcelas ativo para levar a diferença à próxima cobrança."
    )


class PaymentNotReversible(PaymentError):
    code: ClassVar[str] = "payment_not_reversible"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Pagamento não pode ser estornado"
    default_detail: ClassVar[str] = "Este pagamento não pode ser estornado."
