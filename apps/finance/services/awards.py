"""Bids, awards and refunds in the group ledger: what the draws context asks of finance
(issue 12; DOMAIN.md A7, A8, A10, Part B §3.2, §4.2, §7; contract in INTERFACE12).

- ``issue_bid_charge`` (``issue_bid_charges``: many at once), ``cancel_bid_charge``,
  ``apply_embedded_bid`` (``services.bid_charges``, re-exported here): the charge of a winning
  bid's cash part, paid through ``services.payments`` like any charge (which applies the bid
  and publishes ``BidPaid``), its cancellation on lapse, and the embedded part financed from
  the credit.
- ``post_award``: ``CREDIT_AWARD``: the fund -> *créditos a pagar* for the credit the member
  receives, ``C - round2(E x C)`` with ``E`` the embedded fraction (Part B §4.2: an embedded 30%
  bid releases R$ 70.000,00). With ``apply_embedded_bid`` the fund spends ``C - fcpart(E)``
  in all, A7's figure, in either order. The money comes from the common fund, then the
  group's late charges (§2.1: the fund's own money), then, only for a planned draw
  (``allow_reserve=True``), the reserve fund (§2.1 use 1). Refused with
  ``assembly_funds_insufficient`` (nothing posted) when they do not cover it.
- ``post_refund``: ``REFUND`` of an excluded quota (``selectors.refunds.refund_quote``): the
  fund -> *restituições a pagar* for ``amount`` (the quota's common-fund fraction leaves with
  it), and the up-front fee excess from the fee account.
- ``reverse_award``: a cancelled award's posting is reversed (the embedded application, if
  any, stays: undoing an amortization is not supported).

Every service is idempotent on its reference: calling it again returns the first result and
posts nothing. Postings are dated the assembly day (after its cut-off), so
``selectors.assembly_funds`` of that assembly never counts them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.finance.models import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.bids import bid_split
from apps.finance.selectors.refunds import refund_quote
from apps.finance.services import ledger
from apps.finance.services.award_checks import (
    LOCK_WAIT_SECONDS,
    check_credit,
    check_fraction,
    check_ref,
    quota_schedule,
)
from apps.finance.services.award_errors import (
    AssemblyFundsInsufficient,
    AwardAlreadyPosted,
    AwardError,
    BidChargeConflict,
    BidChargePaid,
    BidExceedsBalance,
    BidInvalid,
    BidNotApplicable,
    RefundNotApplicable,
)
from apps.finance.services.bid_charges import (
    BidChargeItem,
    apply_embedded_bid,
    cancel_bid_charge,
    issue_bid_charge,
    issue_bid_charges,
)
from consorcio.locks import critical_section
from consorcio.money import ZERO, format_brl

__all__ = [
    "AssemblyFundsInsufficient",
    "AwardAlreadyPosted",
    "AwardError",
    "BidChargeConflict",
    "BidChargeItem",
    "BidChargePaid",
    "BidExceedsBalance",
    "BidInvalid",
    "BidNotApplicable",
    "RefundNotApplicable",
    "apply_embedded_bid",
    "award_reference",
    "cancel_bid_charge",
    "issue_bid_charge",
    "issue_bid_charges",
    "post_award",
    "post_refund",
    "refund_reference",
    "reverse_award",
]

K = AccountKind


def award_reference(award_ref: str) -> str:
    """The ledger reference of an award's posting."""
    return f"credit_award:{award_ref}"


def refund_reference(refund_ref: str) -> str:
    """The ledger reference of an excluded quota's refund posting."""
    return f"refund:{refund_ref}"


# --------------------------------------------------------------------------------------------
# Awards and refunds


def _draw_money(
    group_id: int, amount: Decimal, *, allow_reserve: bool, also: tuple[str, ...]
) -> list[tuple[str, Decimal]]:
    """Where ``amount`` comes from: the common fund, the group's late charges, the reserve
    (planned draws only); refused with ``assembly_funds_insufficient``.

    Locks the balances of the sources and of ``also`` (every other account the posting will
    touch) in one statement, in primary-key order, so the posting adds no lock of its own.
    """
    sources = [K.COMMON_FUND, K.LATE_CHARGES_GROUP] + ([K.RESERVE_FUND] if allow_reserve else [])
    locked = ledger.lock_balances((group_id, kind) for kind in (*sources, *also))
    taken: list[tuple[str, Decimal]] = []
    left = amount
    for kind in sources:
        part = min(left, max(locked[(group_id, kind)][1], ZERO))
        if part:
            taken.append((kind, part))
            left -= part
    if left:
        held = sum((max(locked[(group_id, kind)][1], ZERO) for kind in sources), ZERO)
        raise AssemblyFundsInsufficient(
            f"O grupo tem {format_brl(held)} para esta contemplação, que precisa de "
            f"{format_brl(amount)}.",
            extra={"group_id": group_id, "needed": amount, "held": held},
        )
    return taken


def _live_award(quota_version_id: int) -> int | None:
    """The version's posted award that was not reversed, if any."""
    return (
        LedgerEntry.objects.filter(
            quota_version_id=quota_version_id,
            account__kind=K.CREDIT_PAYABLE,
            transaction__kind=TransactionKind.CREDIT_AWARD,
            transaction__reversed_by__isnull=True,
        )
        .values_list("transaction_id", flat=True)
        .first()
    )


def post_award(
    *,
    award_ref: str,
    quota_version_id: int,
    credit_value: Decimal,
    embedded_fraction: Decimal,
    assembly_date: dt.date,
    allow_reserve: bool = False,
) -> int:
    """Post the award of ``credit_value`` to the quota (see the module doc); the transaction id.

    Idempotent on ``award_ref``. Refused with ``assembly_funds_insufficient`` and
    ``award_already_posted`` (the version holds another award), nothing posted.
    """
    check_ref(award_ref, "da contemplação")
    check_credit(credit_value)
    check_fraction(embedded_fraction, allow_zero=True)
    schedule = quota_schedule(quota_version_id)
    group_id = schedule.group_id
    key = award_reference(award_ref)
    embedded = (
        bid_split(schedule.group, embedded_fraction, assembly_date, credit_value).amount
        if embedded_fraction
        else ZERO
    )
    if embedded >= credit_value:
        raise BidInvalid("O lance embutido não pode consumir todo o crédito.")
    with (
        critical_section(f"award:{group_id}", wait=LOCK_WAIT_SECONDS) as lease,
        transaction.atomic(),
    ):
        existing = ledger_selectors.transaction_by_reference(group_id=group_id, key=key)
        if existing is not None:
            return existing
        other = _live_award(quota_version_id)
        if other is not None:
            raise AwardAlreadyPosted(extra={"transaction_id": other})
        released = credit_value - embedded
        lines = [
            ledger.debit(kind, part)
            for kind, part in _draw_money(
                group_id, released, allow_reserve=allow_reserve, also=(K.CREDIT_PAYABLE,)
            )
        ]
        lines.append(ledger.credit(K.CREDIT_PAYABLE, released, quota_version_id=quota_version_id))
        try:
            posting = ledger.post_transaction(
                group_id=group_id,
                kind=TransactionKind.CREDIT_AWARD,
                lines=lines,
                idempotency_key=key,
                effective_date=assembly_date,
                memo=f"Contemplação {award_ref}: crédito {format_brl(credit_value)}"
                + (f", lance embutido {format_brl(embedded)}" if embedded else ""),
            )
        except ledger.InsufficientFunds as error:
            raise AssemblyFundsInsufficient(error.detail) from error
        except ledger.IdempotencyConflict:
            # Posted meanwhile by a holder of a lost lease (other sources, same award).
            return _posted(group_id, key)
        lease.check()
    return posting.transaction_id


def _posted(group_id: int, key: str) -> int:
    existing = ledger_selectors.transaction_by_reference(group_id=group_id, key=key)
    if existing is None:  # pragma: no cover - a conflict implies the reference exists
        raise AwardError("Referência em conflito; tente novamente.")
    return existing


def post_refund(*, refund_ref: str, quota_version_id: int, assembly_date: dt.date) -> int:
    """Post the refund of an excluded quota drawn at ``assembly_date`` (A10); the transaction id.

    Idempotent on ``refund_ref``. Refused with ``refund_not_applicable`` (not excluded, or
    nothing to refund) and ``assembly_funds_insufficient``, nothing posted.
    """
    check_ref(refund_ref, "da restituição")
    schedule = quota_schedule(quota_version_id)
    group_id = schedule.group_id
    key = refund_reference(refund_ref)
    with (
        critical_section(f"award:{group_id}", wait=LOCK_WAIT_SECONDS) as lease,
        transaction.atomic(),
    ):
        existing = ledger_selectors.transaction_by_reference(group_id=group_id, key=key)
        if existing is not None:
            return existing
        status = schedule.quota_version.status
        if status != "excluded":
            raise RefundNotApplicable(f"A cota não está excluída (situação: {status}).")
        quote = refund_quote(quota_version_id, assembly_date)
        if not quote.total_payable:
            raise RefundNotApplicable()
        lines: list[ledger.Line] = []
        also = (K.REFUNDS_PAYABLE, K.UP_FRONT_FEE) if quote.fee_excess else (K.REFUNDS_PAYABLE,)
        for kind, part in _draw_money(group_id, quote.amount, allow_reserve=False, also=also):
            if kind == K.COMMON_FUND:
                # The quota's common-fund fraction leaves the fund with its refund.
                lines.append(
                    ledger.debit(
                        kind,
                        part,
                        quota_version_id=quota_version_id,
                        fraction=quote.common_fund_fraction,
                    )
                )
            else:
                lines.append(ledger.debit(kind, part))
        if quote.fee_excess:
            lines.append(
                ledger.debit(K.UP_FRONT_FEE, quote.fee_excess, quota_version_id=quota_version_id)
            )
        lines.append(
            ledger.credit(K.REFUNDS_PAYABLE, quote.total_payable, quota_version_id=quota_version_id)
        )
        try:
            posting = ledger.post_transaction(
                group_id=group_id,
                kind=TransactionKind.REFUND,
                lines=lines,
                idempotency_key=key,
                effective_date=assembly_date,
                memo=f"Restituição {refund_ref}: {format_brl(quote.total_payable)}",
            )
        except ledger.InsufficientFunds as error:
            raise AssemblyFundsInsufficient(error.detail) from error
        except ledger.IdempotencyConflict:
            return _posted(group_id, key)
        lease.check()
    return posting.transaction_id


def reverse_award(*, award_ref: str, reason: str) -> int | None:
    """Reverse a cancelled award's posting; the reversal's id (None when none was posted).

    Idempotent: reversing again returns the first reversal.
    """
    check_ref(award_ref, "da contemplação")
    transaction_id = (
        LedgerTransaction.objects.filter(
            idempotency_key=award_reference(award_ref), kind=TransactionKind.CREDIT_AWARD
        )
        .values_list("pk", flat=True)
        .first()
    )
    if transaction_id is None:
        return None
    posting = ledger.reverse_transaction(
        transaction_id=transaction_id,
        memo=f"Cancelamento da contemplação {award_ref}: {reason}"[:300],
        effective_date=timezone.localdate(),
    )
    return posting.transaction_id
