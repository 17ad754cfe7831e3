"""A billing run over a million quotas, beside the COPY rate of the same rows (ISSUE 11 §9).

Set-up (not timed), server-side with ``generate_series``: groups of up to 100,000 quotas
(DOMAIN.md worked example 1: R$100,000, 100 months, 15%, 2%) created through the groups
service, then per quota an active holding, an installment schedule and the installment due in
the billed month (the one row of its 100 that the run reads).

Timed: ``apps.finance.services.billing.start_billing_run`` for that month, then every chunk
through ``consorcio.jobs.run_chunk`` (the body of the Celery task ``run_job_chunk``: claim,
bill the chunk's schedules in one transaction, COPY its charges, complete) in this process,
or in ``--workers`` processes. The limit beside it: a client-side ``COPY`` of as many rows of
the charge table's shape (same columns, indexes and checks; no foreign keys) from Python,
measured in the same run. Aim: at least one third of the COPY rate.

Everything created is deleted at the end. ``python -m bench --only billing --rows N`` or
``python -m bench.bench_billing --quotas N`` for a quick check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from bench import BenchOptions, Measurement, ratio, setup_django

QUOTAS_PER_GROUP = 100_000
CREDIT = Decimal("100000.00")
AIM = 1 / 3


def _create_groups(count: int) -> list[int]:
    from apps.groups.services import plans

    ids = []
    stamp = os.getpid()
    for index in range(count):
        group = plans.create_group(
            code=f"B{stamp % 100000:05d}{index:03d}",
            name="Benchmark de faturamento",
            segment="real_estate",
            reference_credit_value=CREDIT,
            term_months=100,
            max_quotas=QUOTAS_PER_GROUP,
            rules={
                "contract_version": "bench",
                "adjustment_index": "incc",
                "admin_fee_total": Decimal("0.15"),
                "reserve_fund": Decimal("0.02"),
            },
        )
        ids.append(group.pk)
    return ids


def _populate(group_ids: list[int], quotas: int, due: dt.date) -> None:
    """Quotas, active holdings, schedules and the installment due in the billed month."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for index, group_id in enumerate(group_ids):
            count = min(QUOTAS_PER_GROUP, quotas - index * QUOTAS_PER_GROUP)
            cursor.execute(
                "INSERT INTO groups_quota (group_id, number) "
                "SELECT %s, n FROM generate_series(1, %s) AS n",
                [group_id, count],
            )
        cursor.execute(
            """INSERT INTO groups_quotaversion
                   (quota_id, version, status, sold_at, contract_accepted_at, end_reason,
                    assembly_ref, created_at)
               SELECT id, 1, 'active', now(), now(), '', '', now()
               FROM groups_quota WHERE group_id = ANY(%s)""",
            [group_ids],
        )
        cursor.execute(
            """UPDATE groups_quota AS q SET current_version_id = v.id
               FROM groups_quotaversion AS v
               WHERE v.quota_id = q.id AND q.group_id = ANY(%s)""",
            [group_ids],
        )
        cursor.execute(
            """INSERT INTO finance_installmentschedule
                   (quota_id, quota_version_id, group_id, status, term_months, admin_fee_total,
                    upfront_fee, reserve_fund, insurance, missed_installments,
                    catch_up_installments, sold_on, created_at)
               SELECT id, current_version_id, group_id, 'active', 100, 0.15, 0, 0.02, 0, 0,
                      100, %s, now()
               FROM groups_quota WHERE group_id = ANY(%s) ORDER BY id""",
            [due, group_ids],
        )
        cursor.execute(
            """INSERT INTO finance_installment
                   (schedule_id, number, due_date, common_fund, reserve_fund, admin_fee,
                    insurance, catch_up, status)
               SELECT id, 1, %s, 0.01, 0.0002, 0.0015, 0, 0, 'open'
               FROM finance_installmentschedule WHERE group_id = ANY(%s)""",
            [due, group_ids],
        )
    with connection.cursor() as cursor:
        for table in (
            "groups_quota",
            "groups_quotaversion",
            "finance_installmentschedule",
            "finance_installment",
            "finance_charge",
        ):
            cursor.execute(f"ANALYZE {table}")


def _cleanup(group_ids: list[int]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT job_id FROM finance_billingrun WHERE group_id = ANY(%s)", [group_ids]
        )
        job_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM finance_charge WHERE group_id = ANY(%s)", [group_ids])
        cursor.execute("DELETE FROM finance_billingrun WHERE group_id = ANY(%s)", [group_ids])
        for table in ("consorcio_jobchunk", "consorcio_jobmessage"):
            cursor.execute(f"DELETE FROM {table} WHERE job_id = ANY(%s)", [job_ids])
        cursor.execute("DELETE FROM consorcio_job WHERE id = ANY(%s)", [job_ids])
        cursor.execute(
            "DELETE FROM finance_installment WHERE schedule_id IN "
            "(SELECT id FROM finance_installmentschedule WHERE group_id = ANY(%s))",
            [group_ids],
        )
        cursor.execute(
            "DELETE FROM finance_installmentschedule WHERE group_id = ANY(%s)", [group_ids]
        )
        cursor.execute(
            "UPDATE groups_quota SET current_version_id = NULL WHERE group_id = ANY(%s)",
            [group_ids],
        )
        cursor.execute(
            "DELETE FROM groups_quotaversion WHERE quota_id IN "
            "(SELECT id FROM groups_quota WHERE group_id = ANY(%s))",
            [group_ids],
        )
        cursor.execute("DELETE FROM groups_quota WHERE group_id = ANY(%s)", [group_ids])
        cursor.execute(
            "UPDATE groups_consortiumgroup SET current_rules_id = NULL WHERE id = ANY(%s)",
            [group_ids],
        )
        cursor.execute("DELETE FROM groups_grouprules WHERE group_id = ANY(%s)", [group_ids])
        cursor.execute("DELETE FROM groups_consortiumgroup WHERE id = ANY(%s)", [group_ids])


def _work(job_id: str) -> None:
    """A worker: run pending chunks of the job until none is left (the task's body)."""
    setup_django()
    from apps.finance import tasks  # noqa: F401 - registers the billing job kind
    from consorcio.jobs import run_chunk
    from consorcio.models import JobChunk

    while True:
        index = (
            JobChunk.objects.filter(job_id=job_id, state=JobChunk.State.PENDING)
            .order_by("index")
            .values_list("index", flat=True)
            .first()
        )
        if index is None:
            return
        run_chunk(job_id, index)


@contextmanager
def _private_queue() -> Iterator[None]:
    """Send the run's task messages to a queue of this run (deleted afterwards): the chunks
    are run here, and a worker of another database must not take them."""
    from kombu import Exchange, Queue

    from config.celery import app

    name = f"bench-billing-{os.getpid()}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield
    finally:
        app.conf.task_default_queue = previous
        with app.connection_for_write() as conn:
            queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
            bound = queue.bind(conn.default_channel)
            bound.declare()
            bound.delete()
            bound.exchange.delete()


def _bill(group_ids: list[int], period: dt.date, workers: int) -> tuple[float, int]:
    """Seconds the billing run takes, and the charges it created."""
    with _private_queue():
        return _bill_here(group_ids, period, workers)


def _bill_here(group_ids: list[int], period: dt.date, workers: int) -> tuple[float, int]:
    from django.db import connection

    from apps.finance.models import Charge
    from apps.finance.services import billing
    from apps.groups.selectors import groups

    started = time.perf_counter()
    runs = []
    # One run per group keeps the bench's charges apart from anything else in the database.
    for group in groups().filter(pk__in=group_ids):
        runs.append(billing.start_billing_run(period=period, group=group))
    if workers <= 1:
        for run in runs:
            _work(str(run.job_id))
    else:
        connection.close()
        context = multiprocessing.get_context("fork")
        for run in runs:
            processes = [
                context.Process(target=_work, args=(str(run.job_id),)) for _ in range(workers)
            ]
            for process in processes:
                process.start()
            for process in processes:
                process.join()
    seconds = time.perf_counter() - started
    for run in runs:
        run.job.refresh_from_db()
        if run.job.state != "succeeded":
            raise RuntimeError(f"billing run {run.pk} ended {run.job.state}: {run.job.error}")
    return seconds, Charge.objects.filter(billing_run__in=runs).count()


def _charge_rows(count: int, period: dt.date, due: dt.date) -> Iterator[tuple[Any, ...]]:
    """Rows of the charge table's columns, as the billing run writes them."""
    from django.utils import timezone

    now = timezone.now()
    amounts = (Decimal("1000.00"), Decimal("20.00"), Decimal("150.00"), Decimal("0.00"))
    fractions = (Decimal("0.01"), Decimal("0.0002"), Decimal("0.0015"), Decimal("0"))
    zero = Decimal("0.00")
    for n in range(count):
        yield (
            n + 1, "installment", 1, n + 1, n + 1, n + 1, 1, period, 1, 1, due, CREDIT,
            *fractions, *amounts, zero, zero, zero, Decimal("1170.00"), "open",
            None, "", "", "", "", "", "", now,
        )  # fmt: skip


def _copy_limit(count: int, period: dt.date, due: dt.date) -> float:
    """Seconds a client-side COPY of ``count`` charge-shaped rows takes (with commit)."""
    from django.db import connection, transaction

    from apps.finance.services.billing import _CHARGE_COLUMNS

    table = f"bench_charge_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE finance_charge INCLUDING DEFAULTS INCLUDING "
            "CONSTRAINTS INCLUDING INDEXES INCLUDING IDENTITY)"
        )
    try:
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(_CHARGE_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in _charge_rows(count, period, due):
                copy.write_row(row)
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def run(options: BenchOptions | None = None, *, workers: int = 1) -> list[Measurement]:
    """Bill ``options.rows`` quotas (default 1,000,000); quotas/s beside the COPY rate."""
    options = options or BenchOptions()
    setup_django()
    from django.utils import timezone

    from apps.groups.services import calendar

    quotas = options.rows
    period = timezone.localdate().replace(day=1)
    group_ids = _create_groups(-(-quotas // QUOTAS_PER_GROUP))
    try:
        from apps.groups.selectors import groups

        rules = groups().get(pk=group_ids[0]).current_rules
        assert rules is not None
        due = calendar.assembly_date_in_month(rules, period.year, period.month)
        _populate(group_ids, quotas, due)
        seconds, charges = _bill(group_ids, period, workers)
        if charges != quotas:
            raise RuntimeError(f"expected {quotas} charges, the run created {charges}")
        copy_seconds = _copy_limit(quotas, period, due)
    finally:
        _cleanup(group_ids)
    rate, copy_rate = quotas / seconds, quotas / copy_seconds
    return [
        Measurement("billing_quotas", quotas, "quotas"),
        Measurement("billing_workers", workers, "processes"),
        Measurement("billing_quotas_per_s", rate, "quotas/s"),
        Measurement("billing_seconds", seconds, "s", 2),
        Measurement("billing_copy_rows_per_s", copy_rate, "rows/s"),
        Measurement("billing_copy_seconds", copy_seconds, "s", 2),
        ratio("billing_vs_copy", rate, copy_rate),
        Measurement("billing_vs_copy_aim", AIM, "ratio", 3),
    ]


def main() -> None:
    """``python -m bench.bench_billing [--quotas N] [--workers N]``."""
    parser = argparse.ArgumentParser(description="Benchmark do faturamento mensal.")
    parser.add_argument("--quotas", type=int, default=1_000_000, help="cotas faturadas")
    parser.add_argument("--workers", type=int, default=1, help="processos que faturam")
    args = parser.parse_args()
    for measurement in run(BenchOptions(rows=args.quotas), workers=args.workers):
        print(measurement.line(), flush=True)


if __name__ == "__main__":
    main()
