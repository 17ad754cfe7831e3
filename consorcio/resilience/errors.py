"""Errors raised by adapters to external services and by the resilience policy.

All are ``DomainError``s, so an API view that lets one escape answers a problem+json with a
stable code. Which ones a policy retries is its ``retry_on``; by default the transient ones.
"""

from __future__ import annotations

import math
from typing import Any

from consorcio.errors import DomainError

__all__ = [
    "CircuitOpen",
    "ExternalRequestRejected",
    "ExternalServiceError",
    "ExternalServiceUnavailable",
    "ExternalTimeout",
    "TransientExternalError",
]


class ExternalServiceError(DomainError):
    """An external service failed or answered something we cannot use."""

    code = "external_service_error"
    status = 502
    title = "Falha em serviço externo"
    default_detail = "Um serviço externo respondeu de forma inesperada. Tente novamente."

    def __init__(
        self,
        service: str,
        detail: str | None = None,
        *,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, extra={"service": service, **(extra or {})})
        self.service = service
        # The external service's HTTP status, when there was one (not ours).
        self.status_code = status_code


class TransientExternalError(ExternalServiceError):
    """A failure worth retrying: 5xx, 429, a dropped connection."""

    code = "external_service_error"


class ExternalServiceUnavailable(TransientExternalError):
    """The service could not be reached (connection refused or reset)."""

    code = "external_service_unreachable"
    status = 503
    title = "Serviço externo inacessível"
    default_detail = "Não foi possível conectar ao serviço externo. Tente novamente em instantes."


class ExternalTimeout(TransientExternalError):
    """The service did not answer within the attempt's timeout."""

    code = "external_service_timeout"
    status = 504
    title = "Serviço externo não respondeu"
    default_detail = "O serviço externo não respondeu a tempo. Tente novamente em instantes."


class ExternalRequestRejected(ExternalServiceError):
    """The service refused the request (4xx): retrying the same request would not help."""

    code = "external_service_rejected"
    title = "Requisição recusada por serviço externo"
    default_detail = "O serviço externo recusou a requisição."

    def __init__(self, service: str, status_code: int, body: Any = None) -> None:
        super().__init__(service, status_code=status_code, extra={"external_status": status_code})
        # The parsed answer, for the adapter to map to a domain error (never sent to clients).
        self.body = body


class CircuitOpen(ExternalServiceError):
    """The circuit breaker of a service is open: the call was not attempted."""

    code = "external_service_unavailable"
    status = 503
    title = "Serviço externo indisponível"

    def __init__(self, service: str, retry_after: float | None = None) -> None:
        super().__init__(
            service,
            f"O serviço externo «{service}» está temporariamente indisponível. "
            "Tente novamente em alguns minutos.",
        )
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str]:
        """``Retry-After`` (seconds until the breaker lets a trial call through), when known."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(max(1, math.ceil(self.retry_after)))}
