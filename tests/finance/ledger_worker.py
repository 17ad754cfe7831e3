"""A separate process posting against one group's common fund, for the ledger race test.

Run as ``python -m tests.finance.ledger_worker <group_pk> <worker> <mode> <go_file>`` with
``LEDGER_TEST_DB_NAME`` set to the test database; ``mode`` is ``single`` (one posting at a
time) or ``batch`` (postings of five). Every worker first posts the same shared reference,
then withdraws R$30.00 from the common fund ten times. Prints one JSON line of counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

WITHDRAWALS = 10
AMOUNT = Decimal("30.00")


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["LEDGER_TEST_DB_NAME"]
    django.setup()
    from apps.finance.models import AccountKind, TransactionKind
    from apps.finance.services import ledger

    group_pk, worker, mode, go_file = sys.argv[1:]
    group_id = int(group_pk)
    day = dt.date(2026, 3, 10)

    def withdrawal(n: int) -> ledger.Posting:
        return ledger.Posting(
            group_id=group_id,
            kind=TransactionKind.CREDIT_AWARD,
            lines=(
                ledger.debit(AccountKind.COMMON_FUND, AMOUNT),
                ledger.credit(AccountKind.CREDIT_PAYABLE, AMOUNT),
            ),
            idempotency_key=f"w{worker}:{n}",
            effective_date=day,
        )

    print(json.dumps({"event": "ready"}), flush=True)
    deadline = time.monotonic() + 60
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    shared = ledger.post_transaction(
        group_id=group_id,
        kind=TransactionKind.YIELD,
        lines=[
            ledger.debit(AccountKind.BANK, Decimal("1.00")),
            ledger.credit(AccountKind.COMMON_FUND, Decimal("1.00")),
        ],
        idempotency_key="shared",
        effective_date=day,
    )
    applied = refused = 0
    size = 1 if mode == "single" else 5
    for start in range(0, WITHDRAWALS, size):
        postings = [withdrawal(n) for n in range(start, start + size)]
        try:
            if size == 1:
                ledger.post_transaction(
                    group_id=group_id,
                    kind=postings[0].kind,
                    lines=postings[0].lines,
                    idempotency_key=postings[0].idempotency_key,
                    effective_date=day,
                )
            else:
                ledger.post_transactions(postings)
            applied += size
        except ledger.InsufficientFunds:
            refused += size
    print(
        json.dumps(
            {
                "event": "done",
                "shared_created": shared.created,
                "applied": applied,
                "refused": refused,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
