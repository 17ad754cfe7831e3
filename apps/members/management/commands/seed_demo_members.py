"""Load the demo members (idempotent); run after `seed_demo` so the sales user exists."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.members import demo


class Command(BaseCommand):
    help = (
        "Cadastra os consorciados de demonstração (30, com CPF/CNPJ válidos e endereço; um "
        "terço pelo representante 'vendas'). Idempotente: rodar de novo não duplica nada."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo.load_demo_members()
        self.stdout.write(self.style.SUCCESS(f"Consorciados de demonstração criados: {created}"))
