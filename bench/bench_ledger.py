"""Ledger postings to one hot group fund, batched and one at a time, beside the COPY rate.

Every posting is an installment payment reaching the bank (debit cash in transit, credit the
common fund) on one group, so every posting updates the same hot balance row:

* **single**: ``post_transaction`` one at a time, each its own database transaction (lock the
  balances, insert header and entries, update the summary, deferred balance check at COMMIT);
  throughput and p50/p95/p99 latency. Aims (ISSUE 11 §9): 1,000/s with p99 under 20 ms.
* **batched**: ``post_transactions`` in batches of ``BATCH`` (COPY of headers and entries, each
  summary row updated once per batch). Aim: 20,000 postings/s.
* **copy**: the same header and entry rows COPYed (binary) into plain copies of the ledger
  tables (same columns and indexes; no triggers, no summaries): the write limit, measured in
  the same run; the batched rate is printed as a ratio of it.
* **commit floor**: one-row INSERT + COMMIT into a plain logged table, one at a time from this
  process (each commit waits for its WAL flush): the most one-at-a-time transactions per
  second this client and server can do at all, measured in the same run; the single rate is
  printed as a ratio of it. A single posting is one round trip when called outside a
  transaction (one statement: lock, fund check, header, entries, summaries) plus that commit.

Quick mode: ``python -m bench --only ledger --rows 20000 --iterations 1000`` (seconds).

The bench group ``BENCH-LEDGER`` is created once and kept; its ledger rows are removed at the
end (behind the immutability triggers, with ``session_replication_role = replica``, which needs
a superuser; otherwise they stay, and a note says so).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal
from typing import Any

from bench import BenchOptions, Measurement, percentiles_us, ratio, setup_django

GROUP_CODE = "BENCH-LEDGER"
BATCH = 10_000
MAX_BATCHED = 100_000
MAX_SINGLE = 2_000
AMOUNT = Decimal("1170.00")
DAY = dt.date(2026, 3, 10)
SINGLE_LIMIT_PER_S = 1_000.0
SINGLE_P99_LIMIT_MS = 20.0
BATCHED_LIMIT_PER_S = 20_000.0


def _group_id() -> int:
    from apps.groups import selectors as group_selectors
    from apps.groups.services import plans

    group = group_selectors.groups().filter(code=GROUP_CODE).first()
    if group is None:
        group = plans.create_group(
            code=GROUP_CODE,
            name="Benchmark do razão",
            segment="real_estate",
            reference_credit_value=Decimal("100000.00"),
            term_months=100,
            max_quotas=1000,
            rules={"contract_version": "bench", "adjustment_index": "incc"},
        )
    return int(group.pk)


def _posting(group_id: int, key: str) -> Any:
    from apps.finance.models import AccountKind, TransactionKind
    from apps.finance.services import ledger

    return ledger.Posting(
        group_id=group_id,
        kind=TransactionKind.INSTALLMENT_PAYMENT,
        lines=(
            ledger.debit(AccountKind.CASH_IN_TRANSIT, AMOUNT),
            ledger.credit(AccountKind.COMMON_FUND, AMOUNT),
        ),
        idempotency_key=key,
        effective_date=DAY,
    )


def _single(group_id: int, count: int, run: str) -> tuple[float, list[int]]:
    from apps.finance.services import ledger

    samples: list[int] = []
    started = time.perf_counter()
    for n in range(count):
        posting = _posting(group_id, f"bench:{run}:s{n}")
        t0 = time.perf_counter_ns()
        ledger.post_transaction(
            group_id=group_id,
            kind=posting.kind,
            lines=posting.lines,
            idempotency_key=posting.idempotency_key,
            effective_date=DAY,
        )
        samples.append(time.perf_counter_ns() - t0)
    return time.perf_counter() - started, samples


def _batched(group_id: int, count: int, run: str) -> float:
    from apps.finance.services import ledger

    postings = [_posting(group_id, f"bench:{run}:b{n}") for n in range(count)]
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        ledger.post_transactions(postings[start : start + BATCH])
    return time.perf_counter() - started


def _copy(count: int) -> float:
    """COPY the same rows into plain copies of the ledger tables (same indexes); seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    suffix = os.getpid()
    txn_table, entry_table = f"bench_ledger_txn_{suffix}", f"bench_ledger_entry_{suffix}"
    with connection.cursor() as cursor:
        for table, source in (
            (txn_table, "finance_ledgertransaction"),
            (entry_table, "finance_ledgerentry"),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (LIKE {source} INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
    now = timezone.now()
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                f"COPY {txn_table} (id, group_id, kind, memo, effective_date, idempotency_key, "
                "posted_at) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "int8", "text", "text", "date", "text", "timestamptz"])
                for n in range(count):
                    copy.write_row((n + 1, 1, "installment_payment", "", DAY, f"c{n}", now))
            with raw.copy(
                f"COPY {entry_table} (id, transaction_id, account_id, amount) FROM STDIN "
                "(FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "int8", "int8", "numeric"])
                for n in range(count):
                    copy.write_row((2 * n + 1, n + 1, 1, AMOUNT))
                    copy.write_row((2 * n + 2, n + 1, 2, -AMOUNT))
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {txn_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {entry_table}")


def _commit_floor(count: int) -> float:
    """Seconds for ``count`` one-row INSERT + COMMIT transactions into a plain logged table."""
    from django.db import connection, transaction

    table = f"bench_ledger_floor_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, amount numeric)")
    try:
        started = time.perf_counter()
        for _ in range(count):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {table} (amount) VALUES (%s)", [AMOUNT])
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _clean(group_id: int) -> None:
    """Remove the bench group's ledger rows (superuser only: behind the triggers)."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            accounts = "SELECT id FROM finance_ledgeraccount WHERE group_id = %s"
            cursor.execute(
                f"DELETE FROM finance_quotaledgerbalance WHERE account_id IN ({accounts})",
                [group_id],
            )
            cursor.execute(
                "DELETE FROM finance_ledgerentry WHERE transaction_id IN "
                "(SELECT id FROM finance_ledgertransaction WHERE group_id = %s)",
                [group_id],
            )
            cursor.execute("DELETE FROM finance_ledgertransaction WHERE group_id = %s", [group_id])
            cursor.execute(
                f"DELETE FROM finance_accountbalance WHERE account_id IN ({accounts})", [group_id]
            )
            cursor.execute("DELETE FROM finance_ledgeraccount WHERE group_id = %s", [group_id])
    except DatabaseError as error:
        print(f"# bench_ledger: ledger rows of {GROUP_CODE} kept ({error})", file=sys.stderr)


def run(options: BenchOptions | None = None) -> list[Measurement]:
    """Single and batched postings to one hot fund, and the COPY rate of the same rows."""
    options = options or BenchOptions()
    setup_django()
    group_id = _group_id()
    run_id = f"{os.getpid()}-{time.time_ns()}"
    single_count = min(options.iterations, MAX_SINGLE)
    batched_count = max(BATCH, min(options.rows, MAX_BATCHED) // BATCH * BATCH)
    try:
        _single(group_id, 50, f"{run_id}-warm")  # connection, plans, accounts
        single_seconds, samples = _single(group_id, single_count, run_id)
        floor_seconds = _commit_floor(single_count)
        batched_seconds = _batched(group_id, batched_count, run_id)
        copy_seconds = _copy(batched_count)
    finally:
        _clean(group_id)

    single_rate = single_count / single_seconds
    cuts = percentiles_us(samples)
    batched_rate = batched_count / batched_seconds
    copy_rate = batched_count / copy_seconds
    return [
        Measurement("ledger_single_postings", single_count, "postings"),
        Measurement("ledger_single_postings_per_s", single_rate, "postings/s"),
        Measurement("ledger_single_limit_per_s", SINGLE_LIMIT_PER_S, "postings/s"),
        ratio("ledger_single_vs_limit", single_rate, SINGLE_LIMIT_PER_S),
        Measurement("ledger_single_p50_ms", cuts["p50"] / 1000, "ms", 2),
        Measurement("ledger_single_p95_ms", cuts["p95"] / 1000, "ms", 2),
        Measurement("ledger_single_p99_ms", cuts["p99"] / 1000, "ms", 2),
        Measurement("ledger_single_p99_limit_ms", SINGLE_P99_LIMIT_MS, "ms", 2),
        Measurement("ledger_commit_floor_per_s", single_count / floor_seconds, "commits/s"),
        ratio("ledger_single_vs_commit_floor", single_rate, single_count / floor_seconds),
        Measurement("ledger_batched_postings", batched_count, "postings"),
        Measurement("ledger_batched_postings_per_s", batched_rate, "postings/s"),
        Measurement("ledger_batched_limit_per_s", BATCHED_LIMIT_PER_S, "postings/s"),
        ratio("ledger_batched_vs_limit", batched_rate, BATCHED_LIMIT_PER_S),
        Measurement("ledger_copy_same_rows_postings_per_s", copy_rate, "postings/s"),
        ratio("ledger_batched_vs_copy", batched_rate, copy_rate),
    ]
