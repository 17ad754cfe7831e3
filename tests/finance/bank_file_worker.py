"""A worker process that dies in the middle of a bank return-file import, for the SIGKILL test.

Run as ``python -m tests.finance.bank_file_worker <job_id> <hang_at>`` with
``BANK_FILE_TEST_DB_NAME`` set to the test database. It runs the import's chunks in order
through the Celery task's body (``consorcio.tasks.run_job_chunk``), as a worker would; when
the ``hang_at``-th settlement has been applied (``payments.apply_payment`` returned, or the
batch of ``services.payment_batch`` holding it was written; its chunk's transaction still
open) it prints ``applied`` and waits to be killed.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["BANK_FILE_TEST_DB_NAME"]
    django.setup()
    from apps.finance import tasks  # noqa: F401 - registers the bank-file job kind
    from apps.finance.models import Payment
    from apps.finance.services import payment_batch, payments
    from consorcio.models import JobChunk
    from consorcio.tasks import run_job_chunk

    job_id, hang_at = sys.argv[1], int(sys.argv[2])
    apply_payment = payments.apply_payment
    applied = 0

    def apply_then_hang(**kwargs):
        nonlocal applied
        result = apply_payment(**kwargs)
        applied += 1
        if applied == hang_at:
            print("applied", flush=True)
            time.sleep(120)
        return result

    payments.apply_payment = apply_then_hang

    # The batched path (services.payment_batch) writes a chunk's settlements in one flush: hang
    # once the payments written (this chunk's still uncommitted) reach ``hang_at``.
    flush = payment_batch.SettlementBatch.flush

    def flush_then_hang(batch: payment_batch.SettlementBatch) -> None:
        flush(batch)
        if Payment.objects.count() >= hang_at:
            print("applied", flush=True)
            time.sleep(120)

    payment_batch.SettlementBatch.flush = flush_then_hang  # type: ignore[method-assign]
    for index in (
        JobChunk.objects.filter(job_id=job_id).order_by("index").values_list("index", flat=True)
    ):
        run_job_chunk(job_id, index)
    print("finished", flush=True)  # the hang was never reached: the test fails on this


if __name__ == "__main__":
    main()
