"""``manage.py seed_demo_groups``: the demo groups with quotas sold (after seed_demo_members)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.groups import demo


class Command(BaseCommand):
    help = (
        "Cria os grupos de demonstração (imóveis, automóveis, motocicletas, serviços e bens "
        "duráveis; em formação, em andamento e em encerramento) e vende cotas aos consorciados "
        "de demonstração pelos serviços reais. Rode depois de seed_demo e seed_demo_members. "
        "Idempotente: rodar de novo não cria nem vende nada."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        with tqdm(
            total=demo.total_steps(), desc="Grupos de demonstração", unit=" passos", disable=quiet
        ) as bar:
            try:
                result = demo.load_demo_groups(progress=bar.update)
            except demo.DemoPrerequisiteMissing as missing:
                raise CommandError(str(missing)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Grupos criados: {result.groups_created}; cotas vendidas: {result.quotas_sold}; "
                f"mudanças de situação: {result.transitions}."
            )
        )
