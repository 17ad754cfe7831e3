"""Postings made outside any transaction: each is one statement, its own transaction.

The usual test runs inside a transaction; these commit for real (``transaction=True``), as a
worker or command posting one movement does, so the one-statement posting (lock, fund check,
header, entries, balance and quota summaries) and its way back to the general path (replays,
refusals) are what is exercised.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from apps.finance.models import AccountKind, LedgerTransaction, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import ledger
from apps.finance.services.ledger import credit, debit
from tests.finance.test_ledger import DAY, fund_common, pay_installment

pytestmark = pytest.mark.django_db(transaction=True)
K = AccountKind


def test_postings_outside_a_transaction_keep_balances_quota_fractions_and_replays(
    ledger_group, quota_version
):
    assert connection.get_autocommit()
    assert not connection.in_atomic_block

    first = pay_installment(ledger_group, quota_version, key="payment:1")  # accounts created
    second = pay_installment(ledger_group, quota_version, key="payment:2")  # one statement
    replay = pay_installment(ledger_group, quota_version, key="payment:2")

    assert first.created
    assert second.created
    assert replay == ledger.PostingResult(second.transaction_id, created=False)
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("2000.00")
    assert balances[K.CASH_IN_TRANSIT] == Decimal("2340.00")
    paid = ledger_selectors.quota_paid_components(quota_version_id=quota_version.pk)
    assert paid[K.COMMON_FUND].fraction == Decimal("0.0200000000")
    assert paid[K.RESERVE_FUND].amount == Decimal("40.00")
    entries = LedgerTransaction.objects.get(pk=second.transaction_id).entries.order_by("id")
    assert [e.account.kind for e in entries] == [
        K.CASH_IN_TRANSIT,
        K.COMMON_FUND,
        K.ADMINISTRATION_FEE,
        K.RESERVE_FUND,
    ]
    with pytest.raises(ledger.IdempotencyConflict):
        pay_installment(ledger_group, quota_version, key="payment:2", common="999.00")
    assert find_ledger_violations() == []


def test_a_withdrawal_beyond_the_fund_outside_a_transaction_is_refused_whole(ledger_group):
    fund_common(ledger_group, "500.00")
    payout = [debit(K.COMMON_FUND, Decimal("500.01")), credit(K.BANK, Decimal("500.01"))]

    with pytest.raises(ledger.InsufficientFunds):
        ledger.post_transaction(
            group_id=ledger_group.pk,
            kind=TransactionKind.CREDIT_RELEASE,
            idempotency_key="payout:1",
            effective_date=DAY,
            lines=payout,
        )
    exact = ledger.post_transaction(
        group_id=ledger_group.pk,
        kind=TransactionKind.CREDIT_RELEASE,
        idempotency_key="payout:2",
        effective_date=DAY,
        lines=[debit(K.COMMON_FUND, Decimal("500.00")), credit(K.BANK, Decimal("500.00"))],
    )

    assert exact.created
    assert not LedgerTransaction.objects.filter(idempotency_key="payout:1").exists()
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("0.00")
    assert find_ledger_violations() == []
