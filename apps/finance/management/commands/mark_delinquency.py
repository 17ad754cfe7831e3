"""``manage.py mark_delinquency [--date 2026-12-01] [--group CODE]``: the daily job, by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from apps.finance.services import delinquency
from apps.groups import selectors as group_selectors


def parse_date(text: str) -> dt.date:
    """``AAAA-MM-DD`` or ``DD/MM/AAAA``."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise CommandError(f"Data inválida: {text!r}. Use AAAA-MM-DD ou DD/MM/AAAA.")


class Command(BaseCommand):
    help = (
        "Apura a inadimplência em uma data (padrão: hoje): marca as cobranças vencidas, "
        "atualiza a situação de inadimplência de cada cota, propõe a exclusão das cotas não "
        "contempladas que atingiram o limite de vencimentos do grupo e publica os eventos. "
        "Repetir a mesma data não muda nada."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", metavar="AAAA-MM-DD", help="data da apuração (padrão: hoje)")
        parser.add_argument("--group", metavar="CODIGO", help="só este grupo (padrão: todos)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_date(options["date"]) if options["date"] else timezone.localdate()
        group = None
        if options["group"]:
            group = group_selectors.groups().filter(code=options["group"]).first()
            if group is None:
                raise CommandError(f"Grupo desconhecido: {options['group']}")
        total = len(delinquency.groups_to_mark(group))
        quiet = options["verbosity"] == 0
        with tqdm(total=total, desc="Apurando", unit=" grupos", disable=quiet) as bar:
            result = delinquency.mark_delinquency(as_of=as_of, group=group, progress=bar.update)
        totals = result.as_dict()
        self.stdout.write(
            self.style.SUCCESS(
                f"Inadimplência em {as_of:%d/%m/%Y}: {totals['groups']} grupo(s), "
                f"{totals['delinquent']} cota(s) inadimplente(s), "
                f"{totals['charges_overdue']} cobrança(s) marcada(s) como vencida(s), "
                f"{totals['became_delinquent']} nova(s), {totals['cleared']} regularizada(s), "
                f"{totals['proposed']} proposta(s) de exclusão, "
                f"{totals['withdrawn']} proposta(s) retirada(s)."
            )
        )
        if totals["skipped"]:
            self.stderr.write(
                f"{totals['skipped']} grupo(s) em apuração por outro processo foram pulados."
            )
