"""``manage.py check_ledger``: re-verify every ledger invariant; exit non-zero naming each one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.finance.selectors.ledger_integrity import LEDGER_CHECKS, find_ledger_violations
from apps.groups import selectors as group_selectors


class Command(BaseCommand):
    help = (
        "Confere o razão de todos os grupos (ou de um): lançamentos balanceados, saldos "
        "resumidos iguais aos lançamentos, nenhum fundo negativo, estornos espelhados, frações "
        "pagas por cota. Sai com código 1 listando cada violação."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", metavar="CÓDIGO", help="confere só este grupo (código)")

    def handle(self, *args: Any, **options: Any) -> None:
        group_id = None
        if options["group"]:
            group = group_selectors.groups().filter(code=options["group"]).first()
            if group is None:
                raise CommandError(f"Grupo {options['group']!r} não encontrado.")
            group_id = group.pk
        violations = find_ledger_violations(group_id=group_id)
        for violation in violations:
            self.stderr.write(f"[{violation.code}] {violation.message}")
        if violations:
            raise CommandError(f"Razão com {len(violations)} violação(ões).")
        self.stdout.write(
            self.style.SUCCESS(f"Razão consistente ({len(LEDGER_CHECKS)} verificações).")
        )
