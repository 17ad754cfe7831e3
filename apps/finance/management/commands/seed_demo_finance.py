"""``manage.py seed_demo_finance``: the demo's month end (after seed_demo_groups)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.finance import demo


class Command(BaseCommand):
    help = (
        "Carrega os dados financeiros de demonstração pelos serviços reais: um convênio "
        "bancário por grupo, cotas com adesão há alguns meses, faturamento do mês anterior e "
        "do atual, pagamentos por PIX (um com atraso, multa e juros) e por um arquivo de "
        "retorno CNAB 240 do Bradesco, e a inadimplência marcada para hoje (quem não pagou). "
        "Rode depois de seed_demo, seed_demo_members e seed_demo_groups. Idempotente: rodar "
        "de novo não cria nem paga nada."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        with tqdm(
            total=demo.total_steps(),
            desc="Financeiro de demonstração",
            unit=" passos",
            disable=quiet,
        ) as bar:
            try:
                result = demo.load_demo_finance(progress=bar.update)
            except demo.DemoPrerequisiteMissing as missing:
                raise CommandError(str(missing)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Convênios criados: {result.agreements_created}; cotas vendidas: "
                f"{result.quotas_sold}; faturamentos: {result.billing_runs} "
                f"({result.charges_billed} cobranças); pagamentos: {result.payments_applied}; "
                f"arquivos de retorno: {result.bank_files_imported}; cotas inadimplentes: "
                f"{result.delinquent}."
            )
        )
