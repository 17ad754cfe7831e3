"""``manage.py run_assembly --group G --date D``: take an assembly as far as its state allows."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.draws import (
    selectors,
    tasks,  # noqa: F401 - registers the results job kind for --inline
)
from apps.draws.models import Assembly, AssemblyState
from apps.draws.services import assemblies, minutes, result_jobs
from apps.groups import selectors as group_selectors
from consorcio.errors import DomainError
from consorcio.jobs import TERMINAL_STATES, run_chunk
from consorcio.models import Job, JobChunk
from consorcio.money import format_brl

POLL_SECONDS = 0.5
STEPS = ("open", "close", "compute", "publish")
STEP_LABELS = {
    "open": "abrir lances",
    "close": "encerrar lances",
    "compute": "apurar",
    "publish": "publicar",
}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        try:
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        except ValueError as error:
            raise CommandError(
                f"Data inválida: {value!r} (use AAAA-MM-DD ou dd/mm/aaaa)."
            ) from error


class Command(BaseCommand):
    help = (
        "Conduz a assembleia de um grupo numa data até onde a situação permitir: abre os "
        "lances (agendada), encerra-os (lances abertos), registra a extração da Loteria Federal "
        "(--prizes) ou a busca na fonte de resultados, apura o resultado (uma única vez, com "
        "progresso) e o publica, gerando a ata. --until para antes; cada passo já feito é "
        "pulado, então o comando pode ser repetido."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", required=True, metavar="CÓDIGO", help="código do grupo")
        parser.add_argument(
            "--date", required=True, metavar="AAAA-MM-DD", help="data da assembleia"
        )
        parser.add_argument(
            "--until",
            choices=STEPS,
            default="publish",
            help="último passo a executar: open, close, compute ou publish (padrão)",
        )
        parser.add_argument(
            "--prizes",
            metavar="P1,P2,P3,P4,P5",
            help="os cinco prêmios da extração (sem isso, busca na fonte de resultados)",
        )
        parser.add_argument("--concurso", type=int, help="concurso da extração de --prizes")
        parser.add_argument("--drawn-on", metavar="AAAA-MM-DD", help="data da extração de --prizes")
        parser.add_argument(
            "--inline",
            action="store_true",
            help="apura neste processo, sem esperar os workers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = self._assembly(options["group"], _date(options["date"]))
        last = STEPS.index(options["until"])
        quiet = options["verbosity"] == 0
        try:
            with tqdm(total=last + 1, desc="Assembleia", unit=" passo", disable=quiet) as bar:
                for step in STEPS[: last + 1]:
                    bar.set_postfix_str(STEP_LABELS[step])
                    assembly = self._step(step, assembly, options, quiet=quiet)
                    bar.update(1)
        except DomainError as refused:
            raise CommandError(refused.detail) from None
        self._report(assembly)

    def _assembly(self, code: str, day: dt.date) -> Assembly:
        group = group_selectors.groups().filter(code=code).first()
        if group is None:
            raise CommandError(f"Grupo {code!r} não encontrado.")
        assembly = selectors.assemblies(group=group).filter(date=day).first()
        if assembly is None:
            raise CommandError(
                f"O grupo {code} não tem assembleia em {day:%d/%m/%Y}: gere o calendário na "
                "página de assembleias."
            )
        return assembly

    def _step(
        self, step: str, assembly: Assembly, options: dict[str, Any], *, quiet: bool
    ) -> Assembly:
        state = assembly.state
        if state == AssemblyState.CANCELLED:
            raise CommandError("A assembleia está cancelada.")
        if step == "open" and state == AssemblyState.SCHEDULED:
            assembly = assemblies.open_bidding(assembly=assembly)
            self._say("Lances abertos.")
        elif step == "close" and state == AssemblyState.BIDDING_OPEN:
            assembly = assemblies.close_bidding(assembly=assembly)
            self._say(f"Lances encerrados ({selectors.bid_count(assembly)} lance(s)).")
        elif step == "compute" and state == AssemblyState.BIDDING_CLOSED:
            if not assembly.has_extraction:
                assembly = self._extraction(assembly, options)
            self._compute(assembly, inline=options["inline"], quiet=quiet)
        elif step == "publish" and state == AssemblyState.RESULTS_COMPUTED:
            minutes.publish_with_minutes(assembly=assembly)
            self._say("Resultado publicado e ata gerada.")
        return selectors.assembly(assembly.pk)

    def _extraction(self, assembly: Assembly, options: dict[str, Any]) -> Assembly:
        if not options["prizes"]:
            assembly = assemblies.fetch_extraction(assembly=assembly)
            self._say(f"Extração obtida da fonte: concurso {assembly.lottery_concurso}.")
            return assembly
        prizes = [prize.strip() for prize in options["prizes"].split(",")]
        drawn_on = _date(options["drawn_on"]) if options["drawn_on"] else assembly.date
        assembly = assemblies.record_extraction(
            assembly=assembly,
            concurso=options["concurso"],
            drawn_on=drawn_on,
            prizes=prizes,
            actor=None,
            note="Registrada pelo comando run_assembly.",
        )
        self._say(f"Extração registrada: concurso {assembly.lottery_concurso}.")
        return assembly

    def _compute(self, assembly: Assembly, *, inline: bool, quiet: bool) -> None:
        job = result_jobs.start_results_job(assembly=assembly)
        with tqdm(total=job.total or 1, desc="Apurando", unit=" parte", disable=quiet) as bar:
            while True:
                index = None
                if inline:
                    pending = JobChunk.objects.filter(job=job, state=JobChunk.State.PENDING)
                    index = pending.order_by("index").values_list("index", flat=True).first()
                    if index is not None:
                        run_chunk(job.pk, index)
                job.refresh_from_db(fields=["done", "total", "state", "error"])
                bar.update(job.done - bar.n)
                if job.state in TERMINAL_STATES:
                    break
                if index is None:
                    time.sleep(POLL_SECONDS)
        if job.state != Job.State.SUCCEEDED:
            raise CommandError(f"Apuração terminou como {job.get_state_display()}: {job.error}")
        self._say("Resultado apurado.")

    def _say(self, text: str) -> None:
        self.stdout.write(text)

    def _report(self, assembly: Assembly) -> None:
        line = (
            f"Assembleia {assembly.number} do grupo {assembly.group.code}: "
            f"{assembly.get_state_display()}."
        )
        result = selectors.assembly_result(assembly)
        if result is not None:
            awards = selectors.assembly_awards(assembly)
            quotas = ", ".join(
                f"{a.get_kind_display().lower()} cota {a.quota.number}" for a in awards
            )
            line += (
                f" Chave {result.key}; contemplações: {quotas or 'nenhuma'}; saldo transferido "
                f"{format_brl(result.carry_over)}."
            )
        self.stdout.write(self.style.SUCCESS(line))
