"""Load the demo data `make run` starts with (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.accounts.services import demo


class Command(BaseCommand):
    help = (
        "Carrega os dados de demonstração (idempotente): o administrador, um usuário por papel "
        "(operacoes, vendas, financeiro, credito, auditoria; mesma senha), dois canais de "
        "vendas e o usuário de vendas como representante do parceiro. Rodar de novo não "
        "duplica nada."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--username", default="admin", help="login do administrador (padrão: admin)"
        )
        parser.add_argument(
            "--password",
            default="consorcio-demo",
            help="senha de todos os usuários de demonstração (padrão: consorcio-demo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = demo.load_demo_data(admin_username=options["username"], password=options["password"])
        verb = "criado" if data.created_admin else "atualizado"
        self.stdout.write(
            self.style.SUCCESS(f"Administrador de demonstração {verb}: {data.admin.username}")
        )
        others = ", ".join(user.username for user in data.staff)
        self.stdout.write(f"Usuários de demonstração (mesma senha): {others}")
