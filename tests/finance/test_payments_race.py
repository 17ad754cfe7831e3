"""20 real processes applying the same settlement: exactly one payment, one ledger posting."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest
from django.db import connections

from apps.finance.models import AccountKind, Charge, LedgerTransaction, Payment
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from tests.accounts.factories import UserFactory
from tests.finance.billing_support import billing_group
from tests.finance.payment_worker import apply_in_process
from tests.finance.test_payments import make_charge

PROCESSES = 20


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_processes_applying_one_settlement_apply_it_exactly_once():
    group = billing_group(UserFactory())
    charge = make_charge(group)
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    connections.close_all()  # each worker opens its own connection
    workers = [
        context.Process(target=apply_in_process, args=(charge.pk, "E2E-1", go, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    go.set()
    try:
        outcomes = [results.get(timeout=120) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES

    applied = [o for o in outcomes if o["event"] == "applied"]
    assert [o["created"] for o in applied].count(True) == 1
    # The others found it applied (or, at worst, gave up waiting for the lock): none applied.
    assert all(o["code"] == "lock_not_acquired" for o in outcomes if o["event"] == "refused")
    assert len({o["payment"] for o in applied}) == 1
    assert Payment.objects.count() == 1
    assert LedgerTransaction.objects.filter(group=group).count() == 1
    assert Charge.objects.get(pk=charge.pk).status == "paid"
    bank = ledger_selectors.account_balance(group_id=group.pk, kind=AccountKind.BANK)
    assert bank == Decimal("1199.25")
    assert find_ledger_violations(group_id=group.pk) == []
