"""``manage.py sweep_document_files``: delete stored files that no document version uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.documents.services import storage


class Command(BaseCommand):
    help = (
        "Remove arquivos do armazenamento de documentos que nenhuma versão referencia "
        "(sobras de envios desfeitos); o agendamento faz isso a cada hora."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=int(storage.ORPHAN_GRACE.total_seconds() // 60),
            help="Só remove arquivos mais antigos que isso (padrão: 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = max(0, int(options["older_than_minutes"]))
        removed = storage.sweep_orphan_files(older_than=timedelta(minutes=minutes))
        self.stdout.write(self.style.SUCCESS(f"Arquivos órfãos removidos: {removed}."))
