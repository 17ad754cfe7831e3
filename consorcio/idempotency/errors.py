"""The refusals of the ``Idempotency-Key`` mechanism, as problem+json codes."""

from __future__ import annotations

from consorcio.errors import DomainError

__all__ = [
    "IdempotencyKeyInvalid",
    "IdempotencyKeyMismatch",
    "IdempotencyKeyRequired",
    "IdempotencyRequestInProgress",
]


class IdempotencyKeyRequired(DomainError):
    """The endpoint requires an ``Idempotency-Key`` header and the request had none."""

    code = "idempotency_key_required"
    status = 400
    title = "Chave de idempotência obrigatória"
    default_detail = "Esta operação exige o cabeçalho Idempotency-Key."


class IdempotencyKeyInvalid(DomainError):
    """The ``Idempotency-Key`` header is empty, too long or not printable ASCII."""

    code = "idempotency_key_invalid"
    status = 400
    title = "Chave de idempotência inválida"
    default_detail = "O cabeçalho Idempotency-Key deve ter de 1 a 255 caracteres ASCII imprimíveis."


class IdempotencyKeyMismatch(DomainError):
    """The key was already used for a different request (method, path or body)."""

    code = "idempotency_key_mismatch"
    status = 422
    title = "Chave de idempotência reutilizada"
    default_detail = (
        "Esta chave de idempotência já foi usada em uma requisição diferente. "
        "Use uma nova chave para uma nova operação."
    )


class IdempotencyRequestInProgress(DomainError):
    """A request with the same key is still running."""

    code = "idempotency_request_in_progress"
    status = 409
    title = "Requisição em andamento"
    default_detail = (
        "Uma requisição com esta chave de idempotência ainda está em andamento. "
        "Aguarde e tente novamente."
    )

    def response_headers(self) -> dict[str, str]:
        """Tell the client when to retry."""
        return {"Retry-After": "1"}
