"""``manage.py outbox``: the outbox as operators see it (status, dead letters, retry)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consorcio.models import OutboxDelivery
from consorcio.outbox import dead_deliveries, outbox_status, retry_dead_deliveries


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} dias"


class Command(BaseCommand):
    help = (
        "Eventos de domínio e suas entregas: situação da fila, entregas que falharam "
        "definitivamente e reenvio."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Subcommands: status, dead, retry."""
        actions = parser.add_subparsers(dest="action", required=True, title="subcomandos")
        actions.add_parser(
            "status", help="contagem de entregas por situação e idade da pendente mais antiga"
        )
        dead = actions.add_parser(
            "dead", help="lista as entregas que falharam definitivamente (dead letters)"
        )
        dead.add_argument(
            "--limit", type=int, default=50, help="quantas listar (padrão: 50, as mais antigas)"
        )
        retry = actions.add_parser(
            "retry",
            help="devolve entregas que falharam definitivamente à fila, zerando as tentativas",
        )
        retry.add_argument("ids", nargs="*", type=int, help="ids das entregas a reenviar")
        retry.add_argument(
            "--all-dead",
            action="store_true",
            help="reenviar todas as entregas que falharam definitivamente",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the chosen subcommand."""
        action = options["action"]
        if action == "status":
            self._status()
        elif action == "dead":
            self._dead(limit=options["limit"])
        else:
            self._retry(ids=options["ids"], all_dead=options["all_dead"])

    def _status(self) -> None:
        status = outbox_status()
        labels = dict(OutboxDelivery.Status.choices)
        for value, count in status.counts.items():
            self.stdout.write(f"{labels[value]:<24} {count}")
        age = status.oldest_pending_age
        if age is None or status.oldest_pending_since is None:
            self.stdout.write("Nenhuma entrega pendente.")
        else:
            since = timezone.localtime(status.oldest_pending_since).strftime("%d/%m/%Y %H:%M:%S")
            self.stdout.write(f"Pendente mais antiga: há {_age(age)} (desde {since})")

    def _dead(self, *, limit: int) -> None:
        rows = dead_deliveries()
        total = rows.count()
        if not total:
            self.stdout.write("Nenhuma entrega falhou definitivamente.")
            return
        self.stdout.write(f"{total} entrega(s) falharam definitivamente:")
        for delivery in rows[:limit]:
            error = (delivery.last_error.strip().splitlines() or [""])[-1][:160]
            self.stdout.write(
                f"#{delivery.pk}  {delivery.event.type}  {delivery.subscriber}  "
                f"tentativas={delivery.attempts}  evento={delivery.event_id}\n    erro: {error}"
            )
        if total > limit:
            self.stdout.write(f"… e mais {total - limit} (use --limit).")

    def _retry(self, *, ids: list[int], all_dead: bool) -> None:
        if bool(ids) == all_dead:
            raise CommandError("Informe os ids das entregas ou --all-dead (um dos dois).")
        result = retry_dead_deliveries(None if all_dead else ids, all_dead=all_dead)
        for delivery_id, reason in result.refused.items():
            self.stderr.write(f"#{delivery_id}: não reenviada: {reason}")
        if result.retried:
            listed = ", ".join(f"#{pk}" for pk in result.retried)
            self.stdout.write(f"{len(result.retried)} entrega(s) devolvida(s) à fila: {listed}")
        else:
            self.stdout.write("Nenhuma entrega reenviada.")
        if result.refused and not result.retried:
            raise CommandError("Nenhuma das entregas pedidas pôde ser reenviada.")
