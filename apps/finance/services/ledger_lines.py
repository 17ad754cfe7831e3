"""The lines of a ledger posting and the checks every posting passes before the database.

``Line`` (debit positive, credit negative), the ``debit``/``credit`` helpers, ``Posting`` (the
unit of ``post_transactions``) and ``PostingResult``; ``validate_posting`` refuses what could
never be a valid transaction; ``posting_signature`` says whether a replayed reference carries
the same lines as the first posting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from apps.finance.models import ACCOUNT_NORMAL_SIGN, TransactionKind
from apps.finance.services.ledger_errors import InvalidLedgerLine, UnbalancedTransaction
from consorcio.money import format_brl

__all__ = [
    "Line",
    "Posting",
    "PostingResult",
    "credit",
    "debit",
    "line_signature",
    "posting_signature",
    "validate_posting",
]

_MAX_AMOUNT = Decimal("1e12")  # numeric(14, 2)
_MAX_FRACTION = Decimal("1e5")  # numeric(15, 10)
_CENT = Decimal("0.01")
_FRACTION_UNIT = Decimal("1e-10")
_TRANSACTION_KINDS = frozenset(TransactionKind.values)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a posting: ``amount`` signed (debit +, credit -) on the group's account.

    ``quota_version_id`` and ``fraction`` (of the credit, 10 places, same sign as the amount)
    attribute the line to a quota, from which its paid fractions are derived (DOMAIN.md A1).
    """

    account: str
    amount: Decimal
    quota_version_id: int | None = None
    fraction: Decimal | None = None


def debit(
    account: str,
    amount: Decimal,
    *,
    quota_version_id: int | None = None,
    fraction: Decimal | None = None,
) -> Line:
    """A debit line of ``amount`` (> 0) on ``account`` (fraction given as a magnitude)."""
    return Line(account, amount, quota_version_id, fraction)


def credit(
    account: str,
    amount: Decimal,
    *,
    quota_version_id: int | None = None,
    fraction: Decimal | None = None,
) -> Line:
    """A credit line of ``amount`` (> 0) on ``account`` (fraction given as a magnitude)."""
    return Line(account, -amount, quota_version_id, None if fraction is None else -fraction)


@dataclass(frozen=True, slots=True)
class Posting:
    """Everything one ledger transaction needs; the unit ``post_transactions`` takes."""

    group_id: int
    kind: str
    lines: Sequence[Line]
    idempotency_key: str
    effective_date: date
    memo: str = ""
    actor_id: int | None = None


@dataclass(frozen=True, slots=True)
class PostingResult:
    """The transaction a posting produced, or found (``created=False``) for a replay."""

    transaction_id: int
    created: bool


# --------------------------------------------------------------------------------------------
# Validation


def _check_decimal(value: object, unit: Decimal, limit: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidLedgerLine(f"{what} deve ser um Decimal finito, recebido {value!r}.")
    if abs(value) >= limit:
        raise InvalidLedgerLine(f"{what} {value} está fora do limite.")
    if value % unit:
        raise InvalidLedgerLine(f"{what} {value} tem casas decimais demais.")
    return value


def validate_posting(posting: Posting) -> None:
    """Refuse a posting that could never be a valid transaction (before touching the DB)."""
    if posting.kind not in _TRANSACTION_KINDS:
        raise InvalidLedgerLine(f"Tipo de lançamento desconhecido: {posting.kind!r}.")
    key = posting.idempotency_key
    if not key or len(key) > 150:
        raise InvalidLedgerLine("A referência de origem é obrigatória (até 150 caracteres).")
    if len(posting.memo) > 300:
        raise InvalidLedgerLine("O histórico tem no máximo 300 caracteres.")
    if len(posting.lines) < 2:
        raise UnbalancedTransaction("Um lançamento precisa de pelo menos duas partidas.")
    total = Decimal(0)
    for line in posting.lines:
        if line.account not in ACCOUNT_NORMAL_SIGN:
            raise InvalidLedgerLine(f"Conta desconhecida: {line.account!r}.")
        amount = _check_decimal(line.amount, _CENT, _MAX_AMOUNT, "O valor")
        if amount == 0:
            raise InvalidLedgerLine("Uma partida não pode ter valor zero.")
        if line.fraction is not None:
            if line.quota_version_id is None:
                raise InvalidLedgerLine("Fração do crédito sem cota.")
            fraction = _check_decimal(line.fraction, _FRACTION_UNIT, _MAX_FRACTION, "A fração")
            if fraction != 0 and (fraction > 0) != (amount > 0):
                raise InvalidLedgerLine("A fração deve ter o mesmo sinal do valor.")
        total += amount
    if total != 0:
        raise UnbalancedTransaction(
            f"Débitos e créditos não fecham: diferença de {format_brl(total)}."
        )


def line_signature(kind: str, lines: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
    """What makes two postings of one reference the same: kind and the multiset of lines."""

    def key(line: tuple[Any, ...]) -> tuple[Any, ...]:
        account, amount, quota_version_id, fraction = line
        return (account, amount, quota_version_id or 0, fraction or 0)

    return (kind, tuple(sorted(key(line) for line in lines)))


def posting_signature(posting: Posting) -> tuple[Any, ...]:
    return line_signature(
        posting.kind,
        ((ln.account, ln.amount, ln.quota_version_id, ln.fraction) for ln in posting.lines),
    )
