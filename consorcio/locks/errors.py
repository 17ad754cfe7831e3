"""Errors of the critical sections: ``DomainError``s with a stable ``code`` and pt-BR text.

``LockNotAcquired`` (someone else is doing it; try again) and its subclass
``LockUnavailable`` (Redis cannot be reached) are refusals before any work started.
``LockLost`` and ``StaleFencingToken`` stop work whose lock was lost on the way; the caller's
transaction must roll back when they propagate. The API answers them as problem+json (409,
or 503 with ``Retry-After`` when Redis is down); the lock key stays out of the answer.
"""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError


class LockError(DomainError):
    """Base of the lock errors; ``key`` names the lock (for logs, never shown to clients)."""

    code: ClassVar[str] = "lock_error"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Operação concorrente"
    default_detail: ClassVar[str] = "Falha no controle de concorrência; tente novamente."

    def __init__(self, key: str, detail: str | None = None) -> None:
        self.key = key
        super().__init__(detail)

    def __str__(self) -> str:
        return f"{self.detail} [{self.code}: {self.key}]"


class LockNotAcquired(LockError):
    """Another process holds the lock and did not let go within the time we agreed to wait."""

    code: ClassVar[str] = "lock_not_acquired"
    title: ClassVar[str] = "Operação em andamento"
    default_detail: ClassVar[str] = "Operação em andamento por outro processo; tente novamente."

    def __init__(self, key: str, waited: float, detail: str | None = None) -> None:
        self.waited = waited
        super().__init__(key, detail)


class LockUnavailable(LockNotAcquired):
    """Redis, which holds the locks, could not be reached: nothing was attempted."""

    code: ClassVar[str] = "lock_backend_unavailable"
    status: ClassVar[int] = 503
    title: ClassVar[str] = "Serviço temporariamente indisponível"
    default_detail: ClassVar[str] = (
        "Serviço de bloqueio indisponível no momento; a operação não foi iniciada. "
        "Tente novamente em instantes."
    )

    def response_headers(self) -> dict[str, str]:
        """Ask clients to retry shortly (RFC 9110 ``Retry-After`` in seconds)."""
        return {"Retry-After": "5"}


class LockLost(LockError):
    """The lease expired or was taken over before the section ended: its work must not stand."""

    code: ClassVar[str] = "lock_lost"
    title: ClassVar[str] = "Operação interrompida"
    default_detail: ClassVar[str] = (
        "A operação foi interrompida porque o bloqueio expirou antes do fim; tente novamente."
    )

    def __init__(self, key: str, fencing_token: int, reason: str) -> None:
        self.fencing_token = fencing_token
        self.reason = reason
        super().__init__(key)


class StaleFencingToken(LockError):
    """A newer holder of the same lock already wrote: this older holder's write is refused."""

    code: ClassVar[str] = "stale_fencing_token"
    title: ClassVar[str] = "Operação substituída"
    default_detail: ClassVar[str] = (
        "Outro processo já assumiu esta operação; esta tentativa foi descartada."
    )

    def __init__(self, key: str, fencing_token: int) -> None:
        self.fencing_token = fencing_token
        super().__init__(key)
