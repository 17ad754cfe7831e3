"""Operator command: the Redis locks held right now, with age, remaining TTL and fencing token."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from consorcio.locks import held_locks


class Command(BaseCommand):
    help = (
        "Lista os bloqueios (locks) de seções críticas ativos no Redis: chave, idade, "
        "TTL restante, token de cerca e processo que o detém."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--prefix",
            default="",
            help="Mostra só as chaves que começam com este prefixo (ex.: payment:).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            locks = held_locks(prefix=str(options["prefix"]))
        except RedisError as exc:
            raise CommandError(f"Redis indisponível; não foi possível listar: {exc}") from exc
        if not locks:
            self.stdout.write("Nenhum bloqueio ativo.")
            return
        width = max(len("Chave"), *(len(lock.key) for lock in locks))
        self.stdout.write(
            f"{'Chave':<{width}}  {'Idade (s)':>10}  {'TTL (s)':>8}  "
            f"{'Token de cerca':>18}  Titular"
        )
        for lock in locks:
            self.stdout.write(
                f"{lock.key:<{width}}  {lock.age_seconds:>10.1f}  {lock.ttl_seconds:>8.1f}  "
                f"{lock.fencing_token:>18}  {lock.holder_host}:{lock.holder_pid}"
            )
        self.stdout.write(f"{len(locks)} bloqueio(s) ativo(s).")
