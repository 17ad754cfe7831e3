"""Bulk insert of installment-shaped rows into an indexed table: the limit billing runs meet.

Two ways of writing the same rows into a fresh regular (logged) table with a primary key, a
unique index on (quota_id, number) and an index on due_date:

* server-side ``INSERT … SELECT … FROM generate_series``: no client work, no network; the
  reference (on two cores COPY can match it: the client builds rows while the server writes);
* client-side ``COPY … FROM STDIN`` from Python (psycopg 3 ``cursor.copy()`` + ``write_row``),
  in text and binary format: what a billing run that computes rows in Python can reach.

Each figure includes the commit and is the best of ``ROUNDS`` interleaved rounds, so one
checkpoint does not decide the comparison. The COPY rates are also printed as a ratio of the
generate_series rate measured in the same run. The table is dropped at the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from bench import BenchOptions, Measurement, ratio, setup_django

COLUMNS = (
    "quota_id, number, due_date, common_fund_fraction, fee_fraction, reserve_fraction, "
    "amount, status"
)
BINARY_TYPES = ["int8", "int4", "date", "numeric", "numeric", "numeric", "numeric", "int2"]
TERM = 100  # installments per quota, as in DOMAIN.md worked example 1
FIRST_DUE_DATE = date(2026, 1, 10)
# DOMAIN.md worked example 1: 1% + 0.15% + 0.02% of R$100,000.
COMMON_FUND = Decimal("0.0100000000")
FEE = Decimal("0.0015000000")
RESERVE = Decimal("0.0002000000")
AMOUNT = Decimal("1170.00")
ROUNDS = 2

Inserter = Callable[[str, int], float]


def _create_table(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"""CREATE TABLE {table} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                quota_id bigint NOT NULL,
                number integer NOT NULL,
                due_date date NOT NULL,
                common_fund_fraction numeric(13, 10) NOT NULL,
                fee_fraction numeric(13, 10) NOT NULL,
                reserve_fraction numeric(13, 10) NOT NULL,
                amount numeric(14, 2) NOT NULL,
                status smallint NOT NULL
            )"""
        )
        cursor.execute(f"CREATE UNIQUE INDEX {table}_quota_number ON {table} (quota_id, number)")
        cursor.execute(f"CREATE INDEX {table}_due_date ON {table} (due_date)")


def _drop_table(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _due_dates() -> list[date]:
    return [
        FIRST_DUE_DATE.replace(
            year=FIRST_DUE_DATE.year + (FIRST_DUE_DATE.month - 1 + n) // 12,
            month=(FIRST_DUE_DATE.month - 1 + n) % 12 + 1,
        )
        for n in range(TERM)
    ]


def _rows(count: int) -> Iterator[tuple[Any, ...]]:
    """The rows the server-side statement generates, built in Python."""
    due_dates = _due_dates()
    for g in range(count):
        quota, index = divmod(g, TERM)
        yield (quota + 1, index + 1, due_dates[index], COMMON_FUND, FEE, RESERVE, AMOUNT, 0)


def _insert_generate_series(table: str, rows: int) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ({COLUMNS})
            SELECT g / {TERM} + 1, mod(g, {TERM}) + 1,
                   (DATE '{FIRST_DUE_DATE.isoformat()}'
                    + make_interval(months => mod(g, {TERM})::int))::date,
                   %s, %s, %s, %s, 0
            FROM generate_series(0, %s - 1) AS g""",
            [COMMON_FUND, FEE, RESERVE, AMOUNT, rows],
        )
    return time.perf_counter() - started


def _copy(table: str, rows: int, *, binary: bool) -> float:
    from django.db import connection, transaction

    statement = f"COPY {table} ({COLUMNS}) FROM STDIN"
    if binary:
        statement += " (FORMAT BINARY)"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrappers
        with raw.copy(statement) as copy:
            if binary:
                copy.set_types(BINARY_TYPES)
            for row in _rows(rows):
                copy.write_row(row)
    return time.perf_counter() - started


def _timed(table: str, rows: int, insert: Inserter) -> float:
    """Seconds one insert of ``rows`` rows takes into a fresh copy of the table."""
    _create_table(table)
    try:
        seconds = insert(table, rows)
        inserted = _count(table)
    finally:
        _drop_table(table)
    if inserted != rows:
        raise RuntimeError(f"expected {rows} rows, table {table} holds {inserted}")
    return seconds


def run(options: BenchOptions | None = None) -> list[Measurement]:
    """Insert ``options.rows`` rows each way into a fresh indexed table; rates and ratios.

    The three ways run interleaved, ``ROUNDS`` times, and each keeps its best round, so a
    checkpoint or autovacuum landing on one run does not decide the comparison.
    """
    options = options or BenchOptions()
    setup_django()
    table = f"bench_installment_{os.getpid()}"
    rows = options.rows
    ways: dict[str, Inserter] = {
        "generate_series": _insert_generate_series,
        "copy_text": lambda t, n: _copy(t, n, binary=False),
        "copy_binary": lambda t, n: _copy(t, n, binary=True),
    }
    best = {name: float("inf") for name in ways}
    for _ in range(ROUNDS):
        for name, insert in ways.items():
            best[name] = min(best[name], _timed(table, rows, insert))

    results = [Measurement("insert_rows", rows, "rows")]
    limit = rows / best["generate_series"]
    for name, seconds in best.items():
        rate = rows / seconds
        results += [
            Measurement(f"insert_{name}_rows_per_s", rate, "rows/s"),
            Measurement(f"insert_{name}_seconds", seconds, "s", 3),
        ]
        if name != "generate_series":
            results.append(ratio(f"insert_{name}_vs_generate_series", rate, limit))
    return results
