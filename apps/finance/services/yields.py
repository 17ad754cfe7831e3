"""The group's investment yield, shared between the common and reserve funds (Law art. 24 §1).

Finance staff enter the net yield from the bank statement (or import it); it is posted as one
ledger transaction: the bank account is debited with the yield and the common and reserve funds
are credited in proportion to their balances at that moment, to the exact cent (largest
remainder, a tie going to the common fund, DOMAIN.md A1's order). The statement's reference
makes it idempotent: the same reference posts once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from apps.finance.models import AccountKind, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.services import ledger
from apps.finance.services.ledger_errors import IdempotencyConflict, YieldNotPostable
from consorcio.locks import critical_section
from consorcio.money import format_brl, round_half_up, split_exact

__all__ = ["YieldNotPostable", "post_yield", "yield_reference"]

_FUNDS = (AccountKind.COMMON_FUND, AccountKind.RESERVE_FUND)


def yield_reference(reference: str) -> str:
    """The ledger source reference of a yield (unique per group)."""
    return f"yield:{reference}"


def post_yield(
    *,
    group_id: int,
    amount: Decimal,
    effective_date: date,
    reference: str,
    actor_id: int | None = None,
    memo: str = "",
) -> ledger.PostingResult:
    """Post the group's yield to the common and reserve funds in proportion to their balances.

    ``amount`` is the net yield in Reais (whole cents; a negative yield is split the same way
    and refused if a fund would go negative). Idempotent per ``reference``: posting the same
    reference and amount again returns the first transaction; another amount is refused with
    ``IdempotencyConflict``. Refused with ``YieldNotPostable`` when both funds are empty.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount == 0:
        raise YieldNotPostable("Informe o rendimento em reais, diferente de zero.")
    if round_half_up(amount, 2) != amount:
        raise YieldNotPostable(f"O rendimento {amount} tem mais de duas casas decimais.")
    reference = reference.strip()
    if not reference:
        raise YieldNotPostable("Informe a referência do extrato (ex.: o mês e o banco).")
    key = yield_reference(reference)
    # The lock saves a second operator's wasted work; the balance row locks and the unique
    # reference are what make the split and the single posting correct.
    with critical_section(f"yield:{group_id}", wait=10.0), transaction.atomic():
        locked = ledger.lock_balances((group_id, kind) for kind in _FUNDS)
        previous = ledger_selectors.transaction_by_reference(group_id=group_id, key=key)
        if previous is not None:
            bank = ledger_selectors.transaction_account_total(
                transaction_id=previous, kind=AccountKind.BANK
            )
            if bank != amount:
                raise IdempotencyConflict(
                    f"O rendimento {reference!r} já foi lançado com {format_brl(bank)}.",
                    extra={"transaction_id": previous},
                )
            return ledger.PostingResult(previous, created=False)
        weights = [locked[(group_id, kind)][1] for kind in _FUNDS]
        if sum(weights) <= 0:
            raise YieldNotPostable(
                "Os fundos comum e de reserva estão zerados: não há como ratear o rendimento."
            )
        shares = split_exact(amount, weights)
        lines = [ledger.debit(AccountKind.BANK, amount)] + [
            ledger.credit(kind, share) for kind, share in zip(_FUNDS, shares, strict=True) if share
        ]
        return ledger.post_transaction(
            group_id=group_id,
            kind=TransactionKind.YIELD,
            lines=lines,
            idempotency_key=key,
            effective_date=effective_date,
            memo=memo or f"Rendimento {reference}",
            actor_id=actor_id,
        )
