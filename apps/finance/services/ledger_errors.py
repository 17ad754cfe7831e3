"""The ledger's refusals (stable codes for the API, Portuguese text for staff)."""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError


class LedgerError(DomainError):
    """Base of every ledger refusal."""

    code: ClassVar[str] = "ledger_error"
    title: ClassVar[str] = "Lançamento contábil recusado"


class UnbalancedTransaction(LedgerError):
    """The lines of a posting do not form a balanced double-entry transaction."""

    code: ClassVar[str] = "ledger_unbalanced"
    title: ClassVar[str] = "Lançamento desbalanceado"


class InvalidLedgerLine(LedgerError):
    """A line names an unknown account, has no amount, or more than two decimal places."""

    code: ClassVar[str] = "ledger_invalid_line"
    title: ClassVar[str] = "Partida inválida"


class InsufficientFunds(LedgerError):
    """The posting would take a group fund (common or reserve) below zero."""

    code: ClassVar[str] = "ledger_insufficient_funds"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Saldo insuficiente no fundo"


class IdempotencyConflict(LedgerError):
    """The source reference was already posted with different lines."""

    code: ClassVar[str] = "ledger_idempotency_conflict"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Referência já lançada com outros valores"


class TransactionNotReversible(LedgerError):
    """The transaction was already reversed, or is itself a reversal."""

    code: ClassVar[str] = "ledger_not_reversible"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lançamento não pode ser estornado"


class YieldNotPostable(LedgerError):
    """The yield amount is invalid or the group's funds have no balance to share it by."""

    code: ClassVar[str] = "ledger_yield_refused"
    title: ClassVar[str] = "Rendimento não pode ser lançado"
