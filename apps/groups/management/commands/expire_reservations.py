"""``manage.py expire_reservations``: free the quotas whose reservation ran out."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.groups.services import quotas


class Command(BaseCommand):
    help = "Libera as cotas cuja reserva expirou (o agendamento faz isso a cada minuto)."

    def handle(self, *args: Any, **options: Any) -> None:
        freed = quotas.expire_reservations()
        self.stdout.write(self.style.SUCCESS(f"Reservas expiradas liberadas: {freed}."))
