"""Refusals of the bid, award and refund services (``services.awards``), with stable codes."""

from __future__ import annotations

from typing import ClassVar

from apps.finance.services.bid_amortization import BidExceedsBalance
from consorcio.errors import DomainError

__all__ = [
    "AssemblyFundsInsufficient",
    "AwardAlreadyPosted",
    "AwardError",
    "BidChargeConflict",
    "BidChargePaid",
    "BidExceedsBalance",
    "BidInvalid",
    "BidNotApplicable",
    "RefundNotApplicable",
]


class AwardError(DomainError):
    """Base of the refusals of bids, awards and refunds."""

    code: ClassVar[str] = "award_error"
    title: ClassVar[str] = "Contemplação recusada"


class AssemblyFundsInsufficient(AwardError):
    """The group's money (common fund, group's late charges, reserve where allowed) does not
    cover the award or refund: nothing was posted."""

    code: ClassVar[str] = "assembly_funds_insufficient"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Recursos insuficientes no fundo comum"
    default_detail: ClassVar[str] = "O fundo comum do grupo não cobre esta contemplação."


class AwardAlreadyPosted(AwardError):
    """The quota version already holds a posted award that was not reversed."""

    code: ClassVar[str] = "award_already_posted"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Cota já contemplada"
    default_detail: ClassVar[str] = "Esta cota já tem uma contemplação lançada."


class BidInvalid(AwardError):
    """A bid's figures are not valid (fraction, credit value, dates, reference)."""

    code: ClassVar[str] = "bid_invalid"
    title: ClassVar[str] = "Lance inválido"
    default_detail: ClassVar[str] = "Os dados do lance são inválidos."


class BidNotApplicable(AwardError):
    """The quota version has no active installment schedule a bid could amortize."""

    code: ClassVar[str] = "bid_not_applicable"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lance não se aplica à cota"
    default_detail: ClassVar[str] = "A cota não tem parcelas a vencer para o lance amortizar."


class BidChargeConflict(AwardError):
    """The bid reference was already charged with other figures."""

    code: ClassVar[str] = "bid_charge_conflict"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lance já cobrado com outros valores"
    default_detail: ClassVar[str] = "Este lance já tem uma cobrança com outros valores."


class BidChargePaid(AwardError):
    """The bid charge to cancel was paid meanwhile (the bid stands)."""

    code: ClassVar[str] = "bid_charge_paid"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lance já pago"
    default_detail: ClassVar[str] = "A cobrança do lance já foi paga e não pode ser cancelada."


class RefundNotApplicable(AwardError):
    """The quota version is not excluded, or has nothing left to refund."""

    code: ClassVar[str] = "refund_not_applicable"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Restituição não cabe"
    default_detail: ClassVar[str] = "Esta cota não tem restituição a receber."
