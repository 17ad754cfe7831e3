"""``manage.py post_yield``: post a group's investment yield to its common and reserve funds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.finance.services import yields
from apps.groups import selectors as group_selectors
from consorcio.errors import DomainError
from consorcio.money import format_brl, parse_brl


class Command(BaseCommand):
    help = (
        "Lança o rendimento líquido da aplicação do grupo, rateado entre fundo comum e fundo "
        "de reserva na proporção dos saldos. Idempotente pela referência do extrato."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", required=True, metavar="CÓDIGO", help="código do grupo")
        parser.add_argument(
            "--amount", required=True, metavar="VALOR", help="rendimento (ex.: 1234,56)"
        )
        parser.add_argument("--date", required=True, metavar="AAAA-MM-DD", help="data do crédito")
        parser.add_argument(
            "--reference", required=True, metavar="REF", help="referência do extrato (única)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        group = group_selectors.groups().filter(code=options["group"]).first()
        if group is None:
            raise CommandError(f"Grupo {options['group']!r} não encontrado.")
        try:
            amount = parse_brl(options["amount"])
            on_date = dt.date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            result = yields.post_yield(
                group_id=group.pk,
                amount=amount,
                effective_date=on_date,
                reference=options["reference"],
            )
        except DomainError as refusal:
            raise CommandError(refusal.detail) from None
        verb = "lançado" if result.created else "já havia sido lançado"
        self.stdout.write(
            self.style.SUCCESS(
                f"Rendimento de {format_brl(amount)} {verb} no grupo {group.code} "
                f"(lançamento #{result.transaction_id})."
            )
        )
