"""Processes applying one settlement to one charge, for the payment race tests.

``apply_in_process`` is the body of a forked worker (the parent's Django is already set up,
so twenty workers start in milliseconds instead of seconds each): it opens its own database
and Redis connections, waits for the start signal, applies the settlement through the real
service and reports ``applied`` (``created``, payment id) or ``refused`` (error code).

``python -m tests.finance.payment_worker <charge_pk> <settlement_id> <go_file>`` (with
``PAYMENT_TEST_DB_NAME`` set to the test database) does the same from a fresh interpreter.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

AMOUNT = Decimal("1199.25")
PAID_ON = dt.date(2026, 3, 25)


def _apply(charge_pk: int, settlement_id: str) -> dict[str, Any]:
    from apps.finance.models import Charge, PaymentSource
    from apps.finance.services import payments
    from consorcio.errors import DomainError
    from consorcio.locks import LockError

    charge = Charge.objects.get(pk=charge_pk)
    try:
        result = payments.apply_payment(
            charge=charge,
            settlement_id=settlement_id,
            amount=AMOUNT,
            paid_on=PAID_ON,
            credited_on=PAID_ON + dt.timedelta(days=1),
            fine_interest=Decimal("29.25"),
            source=PaymentSource.BANK_FILE,
        )
        return {"event": "applied", "created": result.created, "payment": result.payment.pk}
    except (DomainError, LockError) as refusal:
        return {"event": "refused", "code": getattr(refusal, "code", type(refusal).__name__)}


def apply_in_process(charge_pk: int, settlement_id: str, go: Any, results: Any) -> None:
    """Forked worker: wait for ``go`` (an Event), apply, report.

    The parent closes its database connections before forking, so each worker opens its own
    (redis-py's pool notices the new pid and does the same).
    """
    from django.db import connections

    go.wait(timeout=60)
    try:
        results.put(_apply(charge_pk, settlement_id))
    finally:
        connections.close_all()


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["PAYMENT_TEST_DB_NAME"]
    django.setup()
    charge_pk, settlement_id, go_file = sys.argv[1:]
    print(json.dumps({"event": "ready"}), flush=True)
    deadline = time.monotonic() + 60
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    print(json.dumps(_apply(int(charge_pk), settlement_id)), flush=True)


if __name__ == "__main__":
    main()
