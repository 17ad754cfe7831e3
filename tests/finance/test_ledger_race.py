"""Real processes racing postings against one group's common fund (row locks, not luck)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from apps.finance.models import AccountKind, LedgerTransaction, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import ledger
from tests.groups.conftest import make_group

BASE_DIR = Path(__file__).resolve().parents[2]
MODES = ["single", "single", "batch", "batch"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_processes_racing_withdrawals_never_overdraw_the_common_fund(tmp_path):
    group = make_group()
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        lines=[
            ledger.debit(AccountKind.BANK, Decimal("999.00")),
            ledger.credit(AccountKind.COMMON_FUND, Decimal("999.00")),
        ],
        idempotency_key="seed",
        effective_date=dt.date(2026, 3, 1),
    )
    go_file = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "LEDGER_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "PYTHONPATH": str(BASE_DIR),
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.finance.ledger_worker",
                str(group.pk),
                str(n),
                mode,
                str(go_file),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, mode in enumerate(MODES)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert json.loads(process.stdout.readline())["event"] == "ready"
        go_file.touch()
        results = []
        for process in processes:
            assert process.stdout is not None
            results.append(json.loads(process.stdout.readline()))
            assert process.wait(timeout=60) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()

    # Demand (4 x 10 x R$30.00 = R$1,200.00) exceeds the fund (R$1,000.00): some are refused.
    applied = sum(r["applied"] for r in results)
    assert sum(r["refused"] for r in results) == 40 - applied > 0
    assert [r["shared_created"] for r in results].count(True) == 1
    balance = ledger_selectors.account_balance(group_id=group.pk, kind=AccountKind.COMMON_FUND)
    assert balance == Decimal("1000.00") - applied * Decimal("30.00") >= 0
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CREDIT_AWARD).count() == applied
    assert find_ledger_violations(group_id=group.pk) == []
