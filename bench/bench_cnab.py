"""A CNAB 240 return file of the format's maximum size imported, beside the COPY rate of the
same rows (ISSUE 11 §9: aim 20,000 lines/s applied, with ledger postings).

Set-up (not timed): the quotas and installments of ``bench_billing`` (groups of up to 100,000
quotas), billed by a billing run; one Itaú (341) bank agreement per group and a nosso número per
charge; then a return file of settlements (occurrence 06) of every charge, as many T+U pairs as
fit in ``--lines`` physical lines (default 999,999, the format's maximum: the trailer's record
counter has six digits), paid on the due date (or today, if the due date is still ahead).

Timed: ``apps.finance.services.bank_files.receive_bank_file`` (one validating pass over the
file, stored, chunks planned with their byte ranges) and every chunk through
``consorcio.jobs.run_chunk`` in this process (the file's lock serialises its chunks, so more
workers would not help). Plain settlements are applied in one batch per chunk
(``payment_batch``: payment rows, ledger transactions with their summaries, charges and
installments paid, audit entries, report lines), the rest record by record. The whole
file is always received; by default only its first ``--sample-chunks`` chunks (20 of 500
records) are applied, since every record takes the same path: the printed whole-file rate and
estimate combine the receive rate with the sampled apply rate (``--sample-chunks 0`` applies
every chunk, which at today's per-record rate takes hours at the full size).

The limit beside it: the rows the import wrote (report lines, payments, ledger headers and
entries, price differences), read back and written again by a client-side binary ``COPY`` into
plain copies of their tables (same columns and indexes; no triggers, no foreign keys), in the
same run. Figures are printed, never asserted.

Everything created is deleted at the end (the ledger rows behind the immutability triggers need
a superuser). ``python -m bench.bench_cnab --lines 20001`` is a quick check (about a minute);
``python -m bench --only cnab --rows N`` takes ``N`` as the number of lines.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench import BenchOptions, Measurement, ratio, setup_django
from bench import bench_billing as billing_bench

MAX_LINES = 999_999
# Chunks (of 500 records) applied by default: every settlement goes through the same per-record
# path, so the rate of the first 20 chunks (10,000 records) is the file's; 0 applies them all.
DEFAULT_SAMPLE_CHUNKS = 20
BANK = "341"
AIM_LINES_PER_S = 20_000.0
# Tables whose rows the import writes, in COPY order (headers before entries).
_WRITTEN = (
    ("finance_bankfileline", "bank_file_id = %s"),
    ("finance_pricedifference", "source_charge_id IN (SELECT charge_id FROM {lines})"),
    ("finance_payment", "id IN (SELECT payment_id FROM {lines})"),
    ("finance_ledgertransaction", "id IN (SELECT ledger_transaction_id FROM {payments})"),
    ("finance_ledgerentry", "transaction_id IN (SELECT ledger_transaction_id FROM {payments})"),
)


def records_for(lines: int) -> int:
    """The most T+U pairs a file of at most ``lines`` physical lines holds."""
    from apps.finance.services.cnab.writer import PAIRS_PER_LOT

    records = max(0, (lines - 4) // 2)
    while records and 2 + 2 * -(-records // PAIRS_PER_LOT) + 2 * records > lines:
        records -= 1
    return records


def _agreements(group_ids: list[int]) -> None:
    """One bank agreement per group; each charge gets its nosso número (its id)."""
    from django.db import connection, transaction

    from apps.finance.models import BankAgreement

    with transaction.atomic(), connection.cursor() as cursor:
        for group_id in group_ids:
            agreement = BankAgreement.objects.create(
                group_id=group_id,
                bank_code=BANK,
                agency="0001",
                account="12345",
                wallet="109",
                agreement_code=f"BENCH{group_id}",
                beneficiary_name="Administradora Benchmark",
                beneficiary_document="12345678000195",
                first_nosso_numero=1,
                last_nosso_numero=99_999_999,
                next_nosso_numero=1,
            )
            cursor.execute(
                "UPDATE finance_charge SET bank_agreement_id = %s, nosso_numero = id::text "
                "WHERE group_id = %s",
                [agreement.pk, group_id],
            )
        cursor.execute("ANALYZE finance_charge")


def _return_file(group_ids: list[int], records: int) -> bytes:
    from django.utils import timezone

    from apps.finance.models import Charge
    from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return

    today = timezone.localdate()
    charges = (
        Charge.objects.filter(group_id__in=group_ids)
        .order_by("pk")
        .values_list("nosso_numero", "amount", "due_date")[:records]
    )
    entries = [
        ReturnEntry(
            nosso_numero=nosso_numero,
            title_value=amount,
            occurrence_code="06",
            due_date=due,
            occurrence_date=min(due, today),
            credit_date=min(due, today),
            amount_paid=amount,
        )
        for nosso_numero, amount, due in charges.iterator(chunk_size=10_000)
    ]
    return write_cnab240_return(
        bank_code=BANK, entries=entries, file_sequence=os.getpid() % 1_000_000, generated_on=today
    )


def _import(data: bytes, sample_chunks: int) -> tuple[float, float, int, int]:
    """Seconds to receive the file and to apply its first ``sample_chunks`` chunks (0: all),
    the id of the stored file and how many records those chunks applied."""
    from apps.finance import tasks  # noqa: F401 - registers the import's job kind
    from apps.finance.services import bank_files
    from consorcio.jobs import run_chunk
    from consorcio.models import JobChunk

    with billing_bench._private_queue():
        started = time.perf_counter()
        received = bank_files.receive_bank_file(data=data, filename="bench-cnab240.ret")
        received_at = time.perf_counter()
        bank_file = received.bank_file
        indexes = JobChunk.objects.filter(job=bank_file.job).order_by("index")
        chosen = list(indexes.values_list("index", flat=True))
        sampled = 0 < sample_chunks < len(chosen)
        for index in chosen[:sample_chunks] if sampled else chosen:
            run_chunk(str(bank_file.job_id), index)
        applied_at = time.perf_counter()
    bank_file.refresh_from_db()
    if sampled:
        if bank_file.applied_count < 1:
            raise RuntimeError(f"bank file {bank_file.pk}: the sampled chunks applied nothing")
    elif bank_file.status != "applied" or bank_file.applied_count != bank_file.records_total:
        raise RuntimeError(
            f"bank file {bank_file.pk} ended {bank_file.status}: {bank_file.applied_count} of "
            f"{bank_file.records_total} applied (divergent {bank_file.divergent_count}, "
            f"rejected {bank_file.rejected_count}, unmatched {bank_file.unmatched_count})"
        )
    return (
        received_at - started,
        applied_at - received_at,
        int(bank_file.pk),
        int(bank_file.applied_count),
    )


def _copy_limit(bank_file_id: int) -> tuple[float, int]:
    """Seconds a binary COPY of the rows the import wrote takes (into plain copies), and how
    many rows that is."""
    from django.db import connection, transaction

    suffix = os.getpid()
    copies = {table: f"bench_cnab_{table}_{suffix}" for table, _ in _WRITTEN}
    lines = f"(SELECT * FROM finance_bankfileline WHERE bank_file_id = {int(bank_file_id)}) l"
    payments = f"(SELECT p.* FROM finance_payment p JOIN {lines} ON l.payment_id = p.id) p"
    seconds = 0.0
    rows = 0
    try:
        for table, where in _WRITTEN:
            condition = where.format(lines=lines, payments=payments)
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {copies[table]}")
                cursor.execute(
                    f"CREATE TABLE {copies[table]} (LIKE {table} INCLUDING DEFAULTS "
                    "INCLUDING INDEXES)"
                )
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE {condition}",
                    [bank_file_id] if "%s" in condition else [],
                )
                rows += int(cursor.fetchone()[0])
                data = bytearray()
                query = f"COPY (SELECT * FROM {table} WHERE {condition}) TO STDOUT (FORMAT BINARY)"
                query = query.replace("%s", str(int(bank_file_id)))
                with cursor.cursor.copy(query) as copy:
                    for block in copy:
                        data += block
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                target = f"COPY {copies[table]} FROM STDIN (FORMAT BINARY)"
                with cursor.cursor.copy(target) as copy:
                    view = memoryview(data)
                    for offset in range(0, len(view), 1 << 20):
                        copy.write(view[offset : offset + (1 << 20)])
            seconds += time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            for copy_table in copies.values():
                cursor.execute(f"DROP TABLE IF EXISTS {copy_table}")
    return seconds, rows


def _cleanup(group_ids: list[int]) -> None:
    """Remove the import's rows, then what ``bench_billing`` created."""
    from django.db import DatabaseError, connection, transaction

    groups = [group_ids]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "SELECT id, job_id FROM finance_bankfile WHERE id IN (SELECT bank_file_id FROM "
                "finance_bankfileline WHERE charge_id IN (SELECT id FROM finance_charge WHERE "
                "group_id = ANY(%s))) OR filename = 'bench-cnab240.ret'",
                groups,
            )
            found = cursor.fetchall()
            files, jobs = [row[0] for row in found], [row[1] for row in found if row[1]]
            cursor.execute("DELETE FROM finance_bankfileline WHERE bank_file_id = ANY(%s)", [files])
            cursor.execute("DELETE FROM finance_payment WHERE group_id = ANY(%s)", groups)
            cursor.execute("DELETE FROM finance_pricedifference WHERE quota_id IN (SELECT id FROM "
                           "groups_quota WHERE group_id = ANY(%s))", groups)  # fmt: skip
            cursor.execute("DELETE FROM finance_bankfile WHERE id = ANY(%s)", [files])
            for table in ("consorcio_jobchunk", "consorcio_jobmessage"):
                cursor.execute(f"DELETE FROM {table} WHERE job_id = ANY(%s)", [jobs])
            cursor.execute("DELETE FROM consorcio_job WHERE id = ANY(%s)", [jobs])
            accounts = "SELECT id FROM finance_ledgeraccount WHERE group_id = ANY(%s)"
            for table in ("finance_quotaledgerbalance", "finance_accountbalance"):
                cursor.execute(f"DELETE FROM {table} WHERE account_id IN ({accounts})", groups)
            cursor.execute(
                "DELETE FROM finance_ledgerentry WHERE transaction_id IN "
                "(SELECT id FROM finance_ledgertransaction WHERE group_id = ANY(%s))",
                groups,
            )
            cursor.execute("DELETE FROM finance_ledgertransaction WHERE group_id = ANY(%s)", groups)
            cursor.execute("DELETE FROM finance_ledgeraccount WHERE group_id = ANY(%s)", groups)
            cursor.execute("DELETE FROM finance_charge WHERE group_id = ANY(%s)", groups)
            cursor.execute("DELETE FROM finance_bankagreement WHERE group_id = ANY(%s)", groups)
    except DatabaseError as error:
        print(f"# bench_cnab: import rows kept ({error})", file=sys.stderr)
    billing_bench._cleanup(group_ids)


def run(
    options: BenchOptions | None = None, *, sample_chunks: int = DEFAULT_SAMPLE_CHUNKS
) -> list[Measurement]:
    """Receive a return file of ``options.rows`` lines (at most 999,999) of settlements and
    apply its first ``sample_chunks`` chunks (0: every chunk)."""
    options = options or BenchOptions()
    setup_django()
    from django.utils import timezone

    from apps.groups.selectors import groups
    from apps.groups.services import calendar

    lines_wanted = min(max(options.rows, 6), MAX_LINES)
    records = records_for(lines_wanted)
    period = timezone.localdate().replace(day=1)
    group_ids = billing_bench._create_groups(-(-records // billing_bench.QUOTAS_PER_GROUP))
    try:
        rules = groups().get(pk=group_ids[0]).current_rules
        assert rules is not None
        due = calendar.assembly_date_in_month(rules, period.year, period.month)
        billing_bench._populate(group_ids, records, due)
        billing_bench._bill(group_ids, period, workers=1)
        _agreements(group_ids)
        data = _return_file(group_ids, records)
        lines = data.count(b"\n")
        receive_seconds, apply_seconds, bank_file_id, applied = _import(data, sample_chunks)
        copy_seconds, copied_rows = _copy_limit(bank_file_id)
    finally:
        _cleanup(group_ids)
    # Lines per applied record: the file's own ratio (T+U pairs plus headers and trailers).
    applied_lines = lines * applied / records if records else 0
    receive_rate = lines / receive_seconds
    apply_rate = applied_lines / apply_seconds
    rate = 1 / (1 / receive_rate + 1 / apply_rate)  # the whole file at these two rates
    copy_rate = applied_lines / copy_seconds
    return [
        Measurement("cnab_lines", lines, "lines"),
        Measurement("cnab_records", records, "records"),
        Measurement("cnab_bytes", len(data), "bytes"),
        Measurement("cnab_receive_seconds", receive_seconds, "s", 2),
        Measurement("cnab_apply_seconds", apply_seconds, "s", 2),
        Measurement("cnab_lines_per_s", rate, "lines/s"),
        Measurement("cnab_applied_records", applied, "records"),
        Measurement("cnab_receive_lines_per_s", receive_rate, "lines/s"),
        Measurement("cnab_apply_lines_per_s", apply_rate, "lines/s"),
        Measurement("cnab_records_per_s", applied / apply_seconds, "records/s"),
        Measurement("cnab_whole_file_estimate_seconds", lines / rate, "s", 0),
        Measurement("cnab_aim_lines_per_s", AIM_LINES_PER_S, "lines/s"),
        ratio("cnab_vs_aim", rate, AIM_LINES_PER_S),
        Measurement("cnab_copy_rows", copied_rows, "rows"),
        Measurement("cnab_copy_same_rows_lines_per_s", copy_rate, "lines/s"),
        ratio("cnab_vs_copy", rate, copy_rate),
    ]


def main() -> None:
    """``python -m bench.bench_cnab [--lines N]``."""
    parser = argparse.ArgumentParser(
        description="Benchmark da importação de um arquivo de retorno CNAB 240."
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=MAX_LINES,
        help=f"linhas físicas do arquivo (padrão e máximo: {MAX_LINES:_}); 20001 é rápido",
    )
    parser.add_argument(
        "--sample-chunks",
        type=int,
        default=DEFAULT_SAMPLE_CHUNKS,
        help=(
            "blocos de 500 registros aplicados (padrão: "
            f"{DEFAULT_SAMPLE_CHUNKS}); 0 aplica o arquivo inteiro"
        ),
    )
    args = parser.parse_args()
    for measurement in run(BenchOptions(rows=args.lines), sample_chunks=args.sample_chunks):
        print(measurement.line(), flush=True)


if __name__ == "__main__":
    main()
