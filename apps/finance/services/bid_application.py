"""Applying a bid to a quota: the ledger posting and the amortization of its installments
(DOMAIN.md A8, Part B §4.2; used by ``services.payments`` and ``services.awards``).

A bid's money, split over the components (``selectors.bids.bid_split``), is posted as one
``BID_APPLICATION`` transaction: debited from where the money waits (a cash bid: *lances
recebidos*, credited there by the charge's ``BID_PAYMENT``; an embedded bid: the common fund,
which finances it out of the awarded credit) and credited to each component account (common
fund, reserve fund, administration fee, insurance) with the quota version and the fraction of
the credit it pays (A1), so the quota's paid fractions (``QuotaLedgerBalance``) grow by the bid.

In the same database transaction the quota's open installments not yet billed (numbers after
the last one an installment charge covers) are reduced by ``services.bid_amortization``:
the last installments first or spread, as the group's rule ``bid_application`` in force that
day says; an installment reduced to zero becomes paid (the eligibility reads it as paid in
time). The schedule row is locked first, so two applications on one quota run one after the
other; the posting's reference (one per bid and kind) makes a second application a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from apps.finance.events import BidPaid
from apps.finance.models import (
    AccountKind,
    Charge,
    Installment,
    InstallmentSchedule,
    InstallmentStatus,
    Payment,
    TransactionKind,
)
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.bids import unbilled_installments
from apps.finance.selectors.delinquency import rules_in_force
from apps.finance.services import ledger
from apps.finance.services.bid_amortization import (
    LAST_INSTALLMENTS,
    InstallmentShare,
    amortize,
)
from apps.groups.services.fractions import COMPONENTS
from consorcio.audit import record_batch_audit
from consorcio.outbox import publish

__all__ = [
    "COMPONENT_ACCOUNTS",
    "apply_bid",
    "apply_paid_bid",
    "bid_application_reference",
]

K = AccountKind
COMPONENT_ACCOUNTS: dict[str, str] = {
    "common_fund": K.COMMON_FUND,
    "reserve_fund": K.RESERVE_FUND,
    "admin_fee": K.ADMINISTRATION_FEE,
    "insurance": K.INSURANCE_PAYABLE,
}
_FRACTION_COLUMNS = {name: f"fraction_{name}" for name in COMPONENTS}
_AMOUNT_COLUMNS = {name: f"amount_{name}" for name in COMPONENTS}


def bid_application_reference(bid_ref: str, *, embedded: bool = False) -> str:
    """The ledger reference of a bid's application (cash and embedded parts are distinct)."""
    return f"{'bid_embedded' if embedded else 'bid_application'}:{bid_ref}"


def _shares(rows: list[Installment]) -> list[InstallmentShare]:
    return [
        InstallmentShare(row.number, {name: getattr(row, name) for name in COMPONENTS})
        for row in rows
    ]


def _amortize_installments(
    rows: list[Installment], fractions: Mapping[str, Decimal], method: str
) -> list[tuple[int, Decimal]]:
    """Write the installments' new fractions; (number, fraction paid off) of each changed."""
    after = {share.number: share for share in amortize(_shares(rows), fractions, method=method)}
    changed: list[Installment] = []
    paid_off: list[tuple[int, Decimal]] = []
    for row in rows:
        new = after[row.number]
        if all(getattr(row, name) == new.fractions[name] for name in COMPONENTS):
            continue
        paid_off.append((row.number, row.total - new.total))
        for name in COMPONENTS:
            setattr(row, name, new.fractions[name])
        row.catch_up = min(row.catch_up, new.total)
        if new.total == 0:
            row.status = InstallmentStatus.PAID
        changed.append(row)
    Installment.objects.bulk_update(changed, [*COMPONENTS, "catch_up", "status"])
    return paid_off


def apply_bid(
    *,
    schedule_id: int,
    reference: str,
    fractions: Mapping[str, Decimal],
    reais: Mapping[str, Decimal],
    source_account: str,
    on: dt.date,
    memo: str,
    actor_id: int | None = None,
) -> ledger.PostingResult:
    """Post a bid's application and amortize the quota's installments (caller's transaction).

    ``fractions``/``reais`` per component (the bid's split); ``source_account`` is where the
    money waits (``bids_received`` for cash, ``common_fund`` for an embedded bid). Idempotent
    on ``reference``. Raises ``bid_exceeds_balance`` (nothing written) when the installments
    not yet billed carry less than the bid, and ``ledger_insufficient_funds`` when an
    embedded bid would take the common fund below zero.
    """
    schedule = (
        InstallmentSchedule.objects.select_for_update().select_related("group").get(pk=schedule_id)
    )
    group_id = schedule.group_id
    existing = ledger_selectors.transaction_by_reference(group_id=group_id, key=reference)
    if existing is not None:
        return ledger.PostingResult(existing, created=False)
    rules = rules_in_force(schedule.group, on)
    method = rules.bid_application if rules is not None else LAST_INSTALLMENTS
    version = schedule.quota_version_id
    paid_off = _amortize_installments(unbilled_installments(schedule), fractions, method)
    total = sum(reais.values(), Decimal("0.00"))
    # The embedded bid's debit carries no quota: the quota's own common-fund line is the credit.
    lines = [
        ledger.debit(
            source_account,
            total,
            quota_version_id=version if source_account == K.BIDS_RECEIVED else None,
        )
    ]
    lines += [
        ledger.credit(
            COMPONENT_ACCOUNTS[name],
            reais[name],
            quota_version_id=version,
            fraction=fractions[name],
        )
        for name in COMPONENTS
        if reais.get(name)
    ]
    posting = ledger.post_transaction(
        group_id=group_id,
        kind=TransactionKind.BID_APPLICATION,
        lines=lines,
        idempotency_key=reference,
        effective_date=on,
        memo=memo,
        actor_id=actor_id,
    )
    record_batch_audit(
        actor=None,
        action="finance.bid.applied",
        model=Installment,
        count=len(paid_off),
        details={
            "reference": reference,
            "schedule": schedule.pk,
            "method": method,
            "transaction": posting.transaction_id,
            "installments": {str(number): str(part) for number, part in paid_off},
        },
    )
    return posting


def charge_split(charge: Charge) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """A bid charge's fractions and Reais per component (what it was issued with)."""
    fractions = {name: getattr(charge, column) for name, column in _FRACTION_COLUMNS.items()}
    reais = {name: getattr(charge, column) for name, column in _AMOUNT_COLUMNS.items()}
    return fractions, reais


def apply_paid_bid(*, charge: Charge, payment: Payment) -> None:
    """The hook of ``services.payments``: a bid charge was just paid (its ``BID_PAYMENT``
    credited *lances recebidos*). Applies the bid and publishes ``BidPaid``, in the
    payment's transaction."""
    if charge.schedule_id is None:  # pragma: no cover - the kind's CHECK requires it
        raise ValueError(f"bid charge {charge.pk} has no schedule")
    fractions, reais = charge_split(charge)
    apply_bid(
        schedule_id=charge.schedule_id,
        reference=bid_application_reference(charge.reference),
        fractions=fractions,
        reais=reais,
        source_account=K.BIDS_RECEIVED,
        on=payment.paid_on,
        memo=f"Aplicação do lance {charge.reference} (cobrança {charge.pk})",
        actor_id=payment.actor_id,
    )
    publish(
        BidPaid(
            bid_ref=charge.reference,
            charge_id=charge.pk,
            quota_id=charge.quota_id,
            quota_version_id=charge.quota_version_id,
            group_id=charge.group_id,
            amount=payment.amount,
            paid_on=payment.paid_on,
        )
    )
