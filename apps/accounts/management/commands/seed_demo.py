"""Load the demo data `make run` starts with (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.accounts.services import demo


class Command(BaseCommand):
    help = (
        "Carrega os dados de demonstração (idempotente): o usuário administrador de demonstração. "
        "Rodar de novo não duplica nada."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--username", default="admin", help="login do administrador (padrão: admin)"
        )
        parser.add_argument(
            "--password",
            default="consorcio-demo",
            help="senha do administrador (padrão: consorcio-demo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user, created = demo.ensure_demo_admin(
            username=options["username"], password=options["password"], email="admin@example.com"
        )
        verb = "criado" if created else "atualizado"
        self.stdout.write(
            self.style.SUCCESS(f"Administrador de demonstração {verb}: {user.username}")
        )
