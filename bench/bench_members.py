"""Members at scale: importing a CSV file, and searching a million members.

* **Import**: ``options.members_import_rows`` members (valid CPFs, an address each) written to a
  CSV file and imported with `apps.members.imports.import_members` (the code behind
  ``manage.py import_members``: parse, validate every line, check duplicates, bulk insert).
  The rate is printed beside the rate of a client-side ``COPY`` of as many installment-shaped
  rows measured in the same run (`bench.bench_insert`), the limit of writing rows from Python,
  and their ratio. The imported members are deleted afterwards.
* **Search**: ``options.members_rows`` members inserted server-side (``INSERT … SELECT
  generate_series``: names with accents, 11-digit documents, e-mails) into the real members
  table, then ``ANALYZE``; p50/p95/p99 of the first page (25 rows, newest first, as the API
  pages) of `apps.members.selectors.search_members` as a superuser for a name fragment without
  accents, a CPF prefix and an e-mail. The rows are deleted (and vacuumed away) at the end.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import BenchOptions, Measurement, percentiles_us, ratio, setup_django

SEARCH_ITERATIONS = 1_000
PAGE = 25
# Documents of generated members: (g * SPREAD + OFFSET) mod 10^11, a bijection (SPREAD is prime
# to 10), so they are unique and spread like real CPFs: a 6-digit prefix matches a few rows.
SPREAD, OFFSET, DOCUMENT_SPACE = 7_919_113, 12_345_678_901, 10**11
SEARCH_EMAIL_DOMAIN = "bench.exemplo.com.br"
FIRST_NAMES = [
    "José", "Maria", "João", "Ana", "Antônio", "Francisca", "Luís", "Júlia", "Sérgio", "Márcia",
    "Inês", "Cláudio", "Lúcia", "Fábio", "Vitória", "Raí", "Conceição", "Débora", "Ígor", "Tânia",
]  # fmt: skip
SURNAMES = [
    "Silva", "Santos", "Oliveira", "Souza", "Conceição", "Araújo", "Gonçalves", "Magalhães",
    "Assunção", "Brandão", "Falcão", "Galvão", "Simões", "Guimarães", "Patrício", "Romão",
    "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Ribeiro", "Carvalho",
    "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa",
]  # fmt: skip
NAME_FRAGMENTS = ["conceicao", "magalhaes", "assuncao", "brandao", "guimaraes", "simoes"]


def _cpf(base: int) -> str:
    digits = f"{base:09d}"
    for width in (9, 10):
        total = sum(int(d) * w for d, w in zip(digits, range(width + 1, 1, -1), strict=True))
        digits += str(total * 10 % 11 % 10)
    return digits


def _write_csv(path: Path, rows: int) -> None:
    header = (
        "tipo;documento;nome;nascimento;email;telefones;renda_mensal;recusa_divulgacao;"
        "cep;logradouro;numero;complemento;bairro;cidade;uf"
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header.split(";"))
        for n in range(rows):
            first, last = FIRST_NAMES[n % 20], SURNAMES[(n // 20) % 30]
            writer.writerow(
                [
                    "PF",
                    _cpf(700_000_000 + n),
                    f"{first} {last}",
                    f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1950 + n % 50}",
                    f"membro{n}@exemplo.com.br",
                    f"(11) 9{n % 10000:04d}-{n % 7919:04d}",
                    f"{1000 + n % 9000}.{n % 1000:03d},{n % 100:02d}",
                    "não",
                    "01310-100",
                    "Avenida Paulista",
                    str(1 + n % 2000),
                    "",
                    "Bela Vista",
                    "São Paulo",
                    "SP",
                ]
            )


def _delete_members(where: str, params: list[Any]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM members_address WHERE member_id IN "
            f"(SELECT id FROM members_member WHERE {where})",
            params,
        )
        cursor.execute(f"DELETE FROM members_member WHERE {where}", params)


def _delete_import_records(import_id: str) -> None:
    """Drop the import's outbox event and audit entry (their members are gone)."""
    from django.db import connection, transaction

    if not import_id:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        events = "SELECT id FROM consorcio_outboxevent WHERE payload->>'import_id' = %s"
        cursor.execute(
            f"DELETE FROM consorcio_outboxdelivery WHERE event_id IN ({events})", [import_id]
        )
        cursor.execute(f"DELETE FROM consorcio_outboxevent WHERE id IN ({events})", [import_id])
        cursor.execute(
            "DELETE FROM auditlog_logentry WHERE additional_data->'details'->>'import_id' = %s",
            [import_id],
        )


def _measure_import(rows: int) -> list[Measurement]:
    from apps.members import imports
    from bench.bench_insert import _copy, _timed

    folder = Path(tempfile.mkdtemp(prefix="bench_members_"))
    path = folder / "consorciados.csv"
    _write_csv(path, rows)
    first, last = _cpf(700_000_000), _cpf(700_000_000 + rows - 1)
    report = imports.ImportReport()
    try:
        started = time.perf_counter()
        report = imports.import_members(path)
        seconds = time.perf_counter() - started
    finally:
        _delete_members("document BETWEEN %s AND %s", [first, last])
        _delete_import_records(report.import_id)
        path.unlink()
        folder.rmdir()
    if report.imported != rows:
        raise RuntimeError(f"imported {report.imported} of {rows}: {report.errors[:3]}")
    copy_seconds = _timed(
        f"bench_members_copy_{os.getpid()}", rows, lambda t, n: _copy(t, n, binary=False)
    )
    rate, copy_rate = rows / seconds, rows / copy_seconds
    return [
        Measurement("members_import_rows", rows, "rows"),
        Measurement("members_import_rows_per_s", rate, "rows/s"),
        Measurement("members_import_seconds", seconds, "s", 3),
        Measurement("members_import_copy_text_rows_per_s", copy_rate, "rows/s"),
        ratio("members_import_vs_copy_text", rate, copy_rate),
    ]


def _insert_search_rows(rows: int) -> None:
    from django.db import connection, transaction

    firsts = "ARRAY[" + ",".join(f"'{name}'" for name in FIRST_NAMES) + "]"
    lasts = "ARRAY[" + ",".join(f"'{name}'" for name in SURNAMES) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO members_member (kind, document, name, birth_date, email, phones,
                   monthly_income, refuses_disclosure, created_at, updated_at)
            SELECT 'PF', lpad(((g::int8 * %s + %s) %% %s)::text, 11, '0'),
                   ({firsts})[1 + g %% 20] || ' ' || ({lasts})[1 + (g / 20) %% 30] || ' '
                       || ({lasts})[1 + (g / 600) %% 30],
                   DATE '1950-01-01' + (g %% 18000),
                   'membro' || g || '@{SEARCH_EMAIL_DOMAIN}', '{{}}', 1000 + g %% 9000, false,
                   now(), now()
            FROM generate_series(0, %s - 1) AS g
            ON CONFLICT (document) DO NOTHING""",
            [SPREAD, OFFSET, DOCUMENT_SPACE, rows],
        )
        cursor.execute("ANALYZE members_member")


def _document(g: int) -> str:
    return f"{(g * SPREAD + OFFSET) % DOCUMENT_SPACE:011d}"


def _max_member_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM members_member")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _sample(search: Callable[[int], None], iterations: int) -> list[int]:
    samples = []
    for n in range(iterations):
        started = time.perf_counter_ns()
        search(n)
        samples.append(time.perf_counter_ns() - started)
    return samples


def _vacuum() -> None:
    """Reclaim the deleted rows now, so the next run (or the app) does not scan them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) members_member, members_address")


def _measure_search(rows: int, iterations: int) -> list[Measurement]:
    from django.contrib.auth import get_user_model

    from apps.members.selectors import search_members

    actor = get_user_model()(username="bench", is_superuser=True, is_active=True)
    pick = random.Random(42)

    def page(term: str) -> None:
        list(search_members(actor, term).order_by("-id")[:PAGE])

    searches: dict[str, Callable[[int], None]] = {
        "name": lambda n: page(NAME_FRAGMENTS[n % len(NAME_FRAGMENTS)]),
        "cpf_prefix": lambda n: page(_document(pick.randrange(rows))[:6]),
        "email": lambda n: page(f"membro{pick.randrange(rows)}@bench"),
    }
    before = _max_member_id()
    started = time.perf_counter()
    _insert_search_rows(rows)
    results = [
        Measurement("members_search_rows", rows, "rows"),
        Measurement("members_search_insert_seconds", time.perf_counter() - started, "s", 1),
    ]
    try:
        for name, search in searches.items():
            for _ in range(20):  # warm the caches and the plan
                search(0)
            cuts = percentiles_us(_sample(search, iterations))
            for cut in ("p50", "p95", "p99"):
                results.append(
                    Measurement(f"members_search_{name}_{cut}_ms", cuts[cut] / 1000, "ms", 2)
                )
    finally:
        _delete_members("id > %s AND email LIKE %s", [before, f"%@{SEARCH_EMAIL_DOMAIN}"])
        _vacuum()
    return results


def run(options: BenchOptions | None = None) -> list[Measurement]:
    """Import ``members_import_rows`` from CSV (vs COPY); search over ``members_rows``."""
    options = options or BenchOptions()
    setup_django()
    results = _measure_import(options.members_import_rows)
    iterations = min(options.iterations, SEARCH_ITERATIONS)
    results += _measure_search(options.members_rows, iterations)
    return results
