"""A worker SIGKILLed in the middle of a billing chunk: the sweeper's re-run bills it once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the billing job kind
from apps.finance.models import Charge, Installment
from apps.finance.services import billing
from consorcio.jobs import sweep_stalled_chunks
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.accounts.factories import UserFactory
from tests.finance.billing_support import active_quota, billing_group

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_chunk_leaves_nothing_and_the_rerun_bills_every_quota_once(
    django_capture_on_commit_callbacks,
):
    group = billing_group(UserFactory())
    for number in range(1, 5):
        active_quota(group, number)
    first_due = Installment.objects.filter(schedule__group=group).order_by("due_date")[0]
    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(
            period=first_due.due_date.replace(day=1), group=group, chunk_size=2
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "BILLING_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "REDIS_URL": str(settings.REDIS_URL),
        "PYTHONPATH": str(BASE_DIR),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.finance.billing_worker", str(run.job_id), "0"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "copied"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()

    # The dead worker's charges died with its transaction; its claim stays until swept.
    assert not Charge.objects.filter(billing_run=run).exists()
    assert JobChunk.objects.get(job=run.job, index=0).state == "running"
    assert run_job_chunk(str(run.job_id), 1) == "done"
    with django_capture_on_commit_callbacks(execute=False):
        swept = sweep_stalled_chunks(now=timezone.now() + dt.timedelta(hours=1))
    assert swept.requeued == [(run.job_id, 0)]
    assert run_job_chunk(str(run.job_id), 0) == "done"

    billed = Charge.objects.filter(billing_run=run).order_by("quota__number")
    assert list(billed.values_list("quota__number", flat=True)) == [1, 2, 3, 4]
    run.job.refresh_from_db()
    assert (run.job.state, run.job.done, run.job.total) == ("succeeded", 4, 4)
