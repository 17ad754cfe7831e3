"""Refusals of quota sales (stable codes for the API, Portuguese text for staff)."""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError


class QuotaNotAvailable(DomainError):
    """The quota is held (reserved, active or awarded) or does not exist in the group."""

    code: ClassVar[str] = "quota_not_available"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Cota indisponível"
    default_detail: ClassVar[str] = "A cota não está disponível para venda."


class QuotaReservationExpired(DomainError):
    """The reservation ran out (or was cancelled) before confirmation."""

    code: ClassVar[str] = "quota_reservation_expired"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Reserva expirada"
    default_detail: ClassVar[str] = "A reserva da cota expirou. Reserve a cota novamente."


class QuotaInvalidTransition(DomainError):
    """The quota's status does not allow the requested change."""

    code: ClassVar[str] = "quota_invalid_transition"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Mudança de situação da cota inválida"


class QuotaContractNotAccepted(DomainError):
    """A sale is confirmed only with the member's acceptance of the contract."""

    code: ClassVar[str] = "quota_contract_not_accepted"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Contrato não aceito"
    default_detail: ClassVar[str] = "A venda exige o aceite do contrato de participação."


class QuotaOutOfScope(DomainError):
    """The actor may not act on this reservation or member (another channel's)."""

    code: ClassVar[str] = "not_found"
    status: ClassVar[int] = 404
    title: ClassVar[str] = "Não encontrado"
    default_detail: ClassVar[str] = "O registro solicitado não foi encontrado."


class QuotaCoolingOffOver(DomainError):
    """The 7-day cooling-off period after the sale is over."""

    code: ClassVar[str] = "quota_cooling_off_over"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Prazo de desistência encerrado"
    default_detail: ClassVar[str] = (
        "O prazo de 7 dias para desistir da adesão terminou; a venda não pode ser cancelada."
    )
