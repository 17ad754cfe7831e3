"""Celery tasks of the finance context: thin wrappers around services.

Importing this module registers the billing run's job kind, so every worker (which imports the
tasks modules at start-up) can run its chunks.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.finance.services import bank_files, billing, delinquency
from consorcio.jobs import register_job_kind
from consorcio.models import JobChunk


def bill_chunk(chunk: JobChunk) -> int:
    """Job chunk handler of a billing run: bill its range of schedules; counts its quotas."""
    billing.bill_schedule_range(
        run_id=int(chunk.payload["run"]),
        first_schedule_id=int(chunk.payload["first"]),
        last_schedule_id=int(chunk.payload["last"]),
    )
    return chunk.size


register_job_kind(billing.BILLING_JOB_KIND, bill_chunk)


@shared_task(name="apps.finance.tasks.start_monthly_billing")
def start_monthly_billing() -> dict[str, int]:
    """Beat, day 1 of each month: plan the billing run of the current month, all groups."""
    run = billing.start_billing_run(period=timezone.localdate().replace(day=1))
    return {"billing_run": run.pk, "quotas": run.quotas_planned}


@shared_task(name="apps.finance.tasks.mark_daily_delinquency")
def mark_daily_delinquency() -> dict[str, int | str]:
    """Beat, daily in the evening: overdue charges, delinquency and exclusion proposals."""
    return delinquency.mark_delinquency(as_of=timezone.localdate()).as_dict()


def apply_bank_file_chunk(chunk: JobChunk) -> int:
    """Job chunk handler of a bank return-file import: apply its range of records."""
    # start/end/line (where the records are in the file) are absent from older plans.
    located = {
        key: int(chunk.payload[key]) for key in ("start", "end", "line") if key in chunk.payload
    }
    return bank_files.apply_chunk(
        bank_file_id=int(chunk.payload["bank_file"]),
        first=int(chunk.payload["first"]),
        last=int(chunk.payload["last"]),
        **located,
    )


# Not atomic: the chunk holds the file's lock around its own transaction (committed before the
# lock is released); a chunk run again skips the records it already recorded.
register_job_kind(bank_files.BANK_FILE_JOB_KIND, apply_bank_file_chunk, atomic=False)
