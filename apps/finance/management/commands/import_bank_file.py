"""``manage.py import_bank_file <arquivo> [--dry-run]``: import a bank return file (retorno)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.finance import tasks  # noqa: F401 - registers the import's job kind for --inline
from apps.finance.models import BankFile, BankFileStatus, LineOutcome
from apps.finance.selectors import bank_files as bank_file_selectors
from apps.finance.services import bank_files
from consorcio.jobs import TERMINAL_STATES, run_chunk
from consorcio.models import Job, JobChunk

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Importa um arquivo de retorno CNAB 240/400: valida todas as linhas (um arquivo com "
        "linha inválida é rejeitado inteiro, nada é aplicado), aplica as liquidações, estornos, "
        "entradas e baixas por nosso número e mostra o relatório. Importar o mesmo arquivo de "
        "novo não aplica nada. Sai com código 1 se o arquivo for rejeitado."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="caminho do arquivo de retorno")
        parser.add_argument(
            "--dry-run", action="store_true", help="só valida e mostra o que seria feito"
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=bank_files.DEFAULT_CHUNK_SIZE,
            metavar="N",
            help=f"registros por parte (padrão: {bank_files.DEFAULT_CHUNK_SIZE})",
        )
        parser.add_argument(
            "--workers",
            action="store_true",
            help="deixa as partes para os workers (padrão: processa neste processo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Não foi possível ler {path}: {exc.strerror}") from None
        if options["dry_run"]:
            self._preview(data, path.name)
            return
        received = bank_files.receive_bank_file(
            data=data, filename=path.name, chunk_size=options["chunk_size"]
        )
        bank_file = received.bank_file
        if not received.created:
            self.stdout.write(
                f"Arquivo já recebido em {bank_file.created_at:%d/%m/%Y %H:%M} "
                f"(arquivo {bank_file.pk}, {bank_file.get_status_display().lower()}): "
                "nada foi aplicado de novo."
            )
        elif bank_file.job is not None:
            self._follow(
                bank_file.job,
                inline=not options["workers"],
                quiet=options["verbosity"] == 0,
            )
        bank_file.refresh_from_db()
        self._report(bank_file)
        if bank_file.status == BankFileStatus.REJECTED:
            raise CommandError(f"Arquivo {path.name} rejeitado: nada foi aplicado.")

    def _preview(self, data: bytes, name: str) -> None:
        preview = bank_files.preview_bank_file(data=data, filename=name)
        for line_number, message in preview.errors:
            self.stderr.write(f"Linha {line_number}: {message}")
        if preview.errors:
            raise CommandError(f"Arquivo {name} seria rejeitado ({len(preview.errors)} linhas).")
        counts: dict[str, int] = {}
        for line in preview.lines:
            counts[line.outcome] = counts.get(line.outcome, 0) + 1
        summary = ", ".join(f"{LineOutcome(k).label}: {n}" for k, n in sorted(counts.items()))
        self.stdout.write(f"Simulação (nada aplicado): {len(preview.lines)} registros. {summary}")

    def _follow(self, job: Job, *, inline: bool, quiet: bool) -> None:
        with tqdm(total=job.total, desc="Aplicando", unit=" registros", disable=quiet) as bar:
            while True:
                index = None
                if inline:
                    pending = JobChunk.objects.filter(job=job, state=JobChunk.State.PENDING)
                    index = pending.order_by("index").values_list("index", flat=True).first()
                    if index is not None:
                        run_chunk(job.pk, index)
                job.refresh_from_db(fields=["done", "total", "state"])
                bar.total = job.total
                bar.update(job.done - bar.n)
                if job.state in TERMINAL_STATES:
                    return
                if index is None:
                    time.sleep(POLL_SECONDS)

    def _report(self, bank_file: BankFile) -> None:
        self.stdout.write(
            f"Arquivo {bank_file.pk} ({bank_file.filename}): {bank_file.get_status_display()}. "
            f"Aplicados: {bank_file.applied_count}; divergentes: {bank_file.divergent_count}; "
            f"sem cobrança: {bank_file.unmatched_count}; já aplicados: "
            f"{bank_file.duplicate_count}; outras ocorrências: {bank_file.other_count}; "
            f"rejeitados: {bank_file.rejected_count}."
        )
        rejected = bank_file_selectors.file_lines(bank_file, outcome=LineOutcome.REJECTED)
        for line in rejected:
            self.stderr.write(f"Linha {line.line_number}: {line.message}")
