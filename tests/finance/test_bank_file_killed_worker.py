"""A worker SIGKILLed in the middle of a bank return-file import (ISSUE 11 §8 faults).

A generated CNAB 240 return file (2,020 lines: settlements of 48 charges among 960 registrations
of titles we never issued) is imported through the real path: ``receive_bank_file`` plans the
job, a separate worker process runs its chunks through the Celery task's body and is killed
(SIGKILL) while a chunk's settlements are applied but not committed. The dead worker's chunk
stays claimed until the sweeper re-enqueues it; the other chunks run meanwhile (waiting out the
dead worker's file lock, which expires). Resumed, every settlement is applied exactly once, none
is missing, every line is reported once, and ``check_ledger`` is clean.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the import job kind
from apps.finance.models import BankFile, BankFileLine, Charge, Payment
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import bank_files
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return
from consorcio.jobs import sweep_stalled_chunks
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.accounts.factories import UserFactory
from tests.finance.billing_support import billing_group
from tests.finance.test_bank_files import boleto
from tests.finance.test_payments import DUE, make_charge

BASE_DIR = Path(__file__).resolve().parents[2]
CHARGES = 48
STRANGERS_PER_CHARGE = 20  # registrations of titles that are not ours: unmatched lines
CHUNK_SIZE = 126  # records per chunk (1,008 in all): 6 settlements each, 8 chunks
HANG_AT = 9  # the 3rd settlement of the second chunk (the first is committed by then)
# The dead worker's lock on the file expires after this many seconds (the default is 30).
WORKER_LOCK_TTL = "2"


def _return_file(charges: list[Charge]) -> bytes:
    entries = []
    for index, charge in enumerate(charges):
        entries.append(
            ReturnEntry(
                nosso_numero=charge.nosso_numero,
                title_value=charge.amount,
                occurrence_code="06",
                due_date=charge.due_date,
                occurrence_date=DUE,
                credit_date=DUE + dt.timedelta(days=1),
                amount_paid=charge.amount,
                bank_fee=Decimal("1.50"),
            )
        )
        entries.extend(
            ReturnEntry(
                nosso_numero=str(900_000 + index * STRANGERS_PER_CHARGE + offset),
                title_value=Decimal("100.00"),
                occurrence_code="02",
                occurrence_date=DUE,
            )
            for offset in range(STRANGERS_PER_CHARGE)
        )
    return write_cnab240_return(
        bank_code="341", entries=entries, file_sequence=7, generated_on=DUE + dt.timedelta(days=1)
    )


def _worker(job_id, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.finance.bank_file_worker", str(job_id), str(HANG_AT)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_resumes_with_every_settlement_applied_exactly_once(
    django_capture_on_commit_callbacks,
):
    group = billing_group(UserFactory(), max_quotas=CHARGES)
    charges = [
        boleto(make_charge(group, number), "341", str(5000 + number))
        for number in range(1, CHARGES + 1)
    ]
    with django_capture_on_commit_callbacks(execute=False):
        received = bank_files.receive_bank_file(
            data=_return_file(charges), filename="RETORNO_GRANDE.RET", chunk_size=CHUNK_SIZE
        )
    bank_file = received.bank_file
    records = CHARGES * (1 + STRANGERS_PER_CHARGE)
    assert (bank_file.status, bank_file.records_total) == ("applying", records)
    chunks = JobChunk.objects.filter(job=bank_file.job).count()
    assert chunks == records // CHUNK_SIZE

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "BANK_FILE_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "REDIS_URL": str(settings.REDIS_URL),
        "LOCK_DEFAULT_TTL": WORKER_LOCK_TTL,
        "PYTHONPATH": str(BASE_DIR),
    }
    worker = _worker(bank_file.job_id, env)
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "applied"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL

    # The first chunk was committed; the dead worker's settlements of the second died with
    # its transaction, and its claim on the chunk stays until the sweeper sees it stalled.
    settled_per_chunk = CHUNK_SIZE // (1 + STRANGERS_PER_CHARGE)
    assert Payment.objects.count() == settled_per_chunk
    assert BankFileLine.objects.filter(bank_file=bank_file).count() == CHUNK_SIZE
    states = dict(JobChunk.objects.filter(job=bank_file.job).values_list("index", "state"))
    assert (states[0], states[1]) == ("done", "running")

    # Resumed: the other chunks run now, the dead worker's chunk is skipped (still claimed)...
    for index in range(2, chunks):
        assert run_job_chunk(str(bank_file.job_id), index) == "done"
    assert run_job_chunk(str(bank_file.job_id), 1) == "skipped"
    # ...until the sweeper re-enqueues it and it runs again from its first record.
    with django_capture_on_commit_callbacks(execute=False):
        swept = sweep_stalled_chunks(now=timezone.now() + dt.timedelta(hours=1))
    assert swept.requeued == [(bank_file.job_id, 1)]
    assert run_job_chunk(str(bank_file.job_id), 1) == "done"

    bank_file = BankFile.objects.get(pk=bank_file.pk)
    assert bank_file.status == "applied"
    lines = BankFileLine.objects.filter(bank_file=bank_file)
    assert lines.count() == records
    assert lines.values("line_number").distinct().count() == records
    outcomes = dict(lines.values_list("outcome").annotate(n=Count("id")))
    assert outcomes == {"applied": CHARGES, "unmatched": CHARGES * STRANGERS_PER_CHARGE}
    # Exactly once: one payment per charge, each from its own line of this file.
    paid = Payment.objects.values("charge_id").annotate(n=Count("id"))
    assert {row["charge_id"]: row["n"] for row in paid} == {c.pk: 1 for c in charges}
    assert set(lines.filter(outcome="applied").values_list("payment_id", flat=True)) == set(
        Payment.objects.values_list("pk", flat=True)
    )
    assert set(Charge.objects.filter(group=group).values_list("status", flat=True)) == {"paid"}
    assert (bank_file.applied_count, bank_file.unmatched_count) == (
        CHARGES,
        CHARGES * STRANGERS_PER_CHARGE,
    )
    bank_file.job.refresh_from_db()
    assert (bank_file.job.state, bank_file.job.done, bank_file.job.total) == (
        "succeeded",
        records,
        records,
    )
    assert find_ledger_violations() == []
    call_command("check_ledger", verbosity=0)  # raises CommandError on any violation
