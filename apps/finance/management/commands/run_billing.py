"""``manage.py run_billing --period 2026-12 [--group CODE]``: bill a month, with a progress bar."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.finance import tasks  # noqa: F401 - registers the billing job kind for --inline
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import billing
from apps.groups import selectors as group_selectors
from consorcio.errors import DomainError
from consorcio.jobs import TERMINAL_STATES, run_chunk
from consorcio.models import Job, JobChunk
from consorcio.money import format_brl

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Fatura uma competência (AAAA-MM): cria, para cada cota ativa ou contemplada, a "
        "cobrança das parcelas vencendo até o fim do mês que ainda não foram cobradas, mais "
        "diferenças de prestação e encargos pendentes. Repetir a competência não duplica nada. "
        "As partes são processadas pelos workers (ou neste processo, com --inline) e o "
        "progresso é mostrado até o fim."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, metavar="AAAA-MM", help="competência")
        parser.add_argument("--group", metavar="CODIGO", help="só este grupo (padrão: todos)")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=billing.DEFAULT_CHUNK_SIZE,
            metavar="N",
            help=f"cotas por parte (padrão: {billing.DEFAULT_CHUNK_SIZE})",
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="processa as partes neste processo, sem esperar os workers",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="só planeja; não acompanha o progresso"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = billing.parse_period(options["period"])
        except DomainError as refused:
            raise CommandError(str(refused.detail)) from None
        group = None
        if options["group"]:
            group = group_selectors.groups().filter(code=options["group"]).first()
            if group is None:
                raise CommandError(f"Grupo desconhecido: {options['group']}")
        run = billing.start_billing_run(
            period=period, group=group, chunk_size=options["chunk_size"]
        )
        job = run.job
        self.stdout.write(
            f"Faturamento {run.pk} de {period:%m/%Y}: {run.quotas_planned} cotas (tarefa {job.pk})."
        )
        if options["no_wait"]:
            return
        self._follow(job, inline=options["inline"], quiet=options["verbosity"] == 0)
        job.refresh_from_db()
        summary = billing_selectors.billing_run_summary(run)
        line = f"{summary.charges} cobrança(s), total {format_brl(summary.amount)}."
        if job.state != Job.State.SUCCEEDED:
            raise CommandError(f"Faturamento terminou como {job.get_state_display()}: {job.error}")
        self.stdout.write(self.style.SUCCESS(f"Faturamento concluído: {line}"))

    def _follow(self, job: Job, *, inline: bool, quiet: bool) -> None:
        with tqdm(total=job.total, desc="Faturando", unit=" cotas", disable=quiet) as bar:
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
