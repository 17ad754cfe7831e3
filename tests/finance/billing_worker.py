"""A worker process that dies in the middle of a billing chunk, for the SIGKILL test.

Run as ``python -m tests.finance.billing_worker <job_id> <index>`` with
``BILLING_TEST_DB_NAME`` set to the test database. It runs the chunk through the Celery task's
body (``consorcio.tasks.run_job_chunk``); once the chunk's charges are written (COPY done, not
committed) it prints ``copied`` and waits to be killed.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["BILLING_TEST_DB_NAME"]
    django.setup()
    from apps.finance import tasks  # noqa: F401 - registers the billing job kind
    from apps.finance.services import billing
    from consorcio.tasks import run_job_chunk

    copy_charges = billing._copy_charges

    def copy_then_hang(rows):
        copy_charges(rows)
        print("copied", flush=True)
        time.sleep(60)

    billing._copy_charges = copy_then_hang
    job_id, index = sys.argv[1:]
    run_job_chunk(job_id, int(index))


if __name__ == "__main__":
    main()
