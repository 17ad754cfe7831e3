"""`python manage.py import_members FILE`: register members from a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.accounts.selectors.channels import visible_channels
from apps.members import imports
from consorcio.errors import DomainError


class Command(BaseCommand):
    help = (
        "Importa consorciados de um arquivo CSV (UTF-8, separador ; ou ,) ou XLSX com "
        "cabeçalho: " + ", ".join(imports.COLUMNS) + ". Valida todas as linhas com as regras "
        "do cadastro e relata os erros linha a linha. Padrão: tudo ou nada (qualquer linha "
        "inválida e nada é importado; código de saída 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="caminho do arquivo .csv ou .xlsx")
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], help="formato (padrão: pela extensão)"
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="importa as linhas válidas e só relata as inválidas",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="só valida e relata; não grava nada"
        )
        parser.add_argument(
            "--channel", metavar="CODIGO", help="código do canal de vendas dono dos consorciados"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Arquivo não encontrado: {path}")
        channel_id = self._channel_id(options["channel"])
        with tqdm(desc="Validando", unit=" linhas", disable=options["verbosity"] == 0) as bar:
            try:
                report = imports.import_members(
                    path,
                    fmt=options["format"],
                    valid_only=options["valid_only"],
                    dry_run=options["dry_run"],
                    channel_id=channel_id,
                    progress=bar.update,
                )
            except DomainError as refused:
                raise CommandError(str(refused.detail)) from None
        for error in report.errors:
            self.stdout.write(str(error))
        summary = (
            f"{report.lines} linhas lidas, {len(report.errors)} com erro, "
            f"{report.imported} consorciados importados."
        )
        if report.dry_run:
            self.stdout.write(f"Simulação (--dry-run): {summary}")
        elif report.errors and not options["valid_only"]:
            self.stdout.write(f"Nada foi importado (tudo ou nada): {summary}")
            raise CommandError(
                "Arquivo com linhas inválidas; corrija-as ou use --valid-only.", returncode=1
            )
        else:
            self.stdout.write(self.style.SUCCESS(summary))
        if report.dry_run and report.errors:
            raise CommandError("Arquivo com linhas inválidas.", returncode=1)

    def _channel_id(self, code: str | None) -> int | None:
        if not code:
            return None
        # The operator running the command reaches every channel (like a superuser).
        operator = get_user_model()(username="import_members", is_superuser=True, is_active=True)
        channel = visible_channels(operator).filter(code=code).first()
        if channel is None:
            raise CommandError(f"Canal de vendas desconhecido: {code}")
        return int(channel.pk)
