"""``manage.py verify_draw <assembly>``: re-derive the key and the winners from the stored data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.draws import selectors
from apps.draws.models import Assembly
from apps.draws.services import minutes, results, verifiable
from apps.draws.services.draw_methods import SearchDirection
from apps.draws.services.lottery import Extraction


class Command(BaseCommand):
    help = (
        "Confere o resultado apurado de uma assembleia (id, ou CÓDIGO:NÚMERO): recalcula a "
        "chave, os sorteios, a classificação dos lances e as contemplações a partir das "
        "entradas guardadas e compara com o resultado publicado; no sorteio verificável, "
        "confere também a semente contra o compromisso, o hash do retrato e a chave. Sai com "
        "código 1 nomeando cada divergência."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assembly", help="id da assembleia, ou CÓDIGO:NÚMERO (ex.: IMV-0101:3)")

    def handle(self, *args: Any, **options: Any) -> None:
        assembly = self._assembly(options["assembly"])
        result = selectors.assembly_result(assembly)
        if result is None:
            raise CommandError("A assembleia ainda não tem resultado apurado.")
        checks = self._checks(assembly, result)
        for what, passed, detail in checks:
            mark = self.style.SUCCESS("[OK]") if passed else self.style.ERROR("[FALHOU]")
            self.stdout.write(f"{mark} {what}: {detail}")
        failed = [what for what, passed, _ in checks if not passed]
        if failed:
            raise CommandError("Divergências: " + "; ".join(failed) + ".")
        self.stdout.write(self.style.SUCCESS(f"Resultado conferido ({len(checks)} verificações)."))

    def _assembly(self, reference: str) -> Assembly:
        try:
            if ":" in reference:
                code, number = reference.rsplit(":", 1)
                found = selectors.assemblies().filter(group__code=code, number=int(number)).first()
                if found is None:
                    raise Assembly.DoesNotExist
                return found
            return selectors.assembly(int(reference))
        except (Assembly.DoesNotExist, ValueError):
            raise CommandError(f"Assembleia {reference!r} não encontrada.") from None

    def _checks(self, assembly: Assembly, result: Any) -> list[tuple[str, bool, str]]:
        stored = result.outcome or {}
        checks: list[tuple[str, bool, str]] = []
        digest = results.inputs_digest(result.inputs)
        checks.append(("hash das entradas", digest == result.inputs_sha256, digest))
        again = results.recompute_from_inputs(result.inputs)
        checks.append(("chave", again.get("key") == result.key, str(again.get("key"))))
        for name, label in (
            ("draws", "sorteios das cotas ativas"),
            ("excluded_draws", "sorteios das cotas excluídas"),
            ("ranking", "classificação dos lances"),
            ("awards", "contemplações"),
        ):
            same = again.get(name) == stored.get(name)
            checks.append((label, same, _summary(name, again.get(name) or [])))
        for name, label in (
            ("money_available", "recursos disponíveis"),
            ("carry_over", "saldo transferido"),
        ):
            checks.append((label, again.get(name) == stored.get(name), str(again.get(name))))
        record = minutes.verifiable_record(result.inputs, stored)
        if record is not None:
            checks.extend(_verifiable_checks(assembly, record))
        return checks


def _summary(name: str, entries: list[Any]) -> str:
    if name in ("draws", "excluded_draws"):
        winners = [entry.get("winner") for entry in entries]
        return "vencedores " + ", ".join(str(w) for w in winners) if winners else "nenhum"
    if name == "awards":
        return ", ".join(f"{e['kind']} cota {e['quota']}" for e in entries) or "nenhuma"
    return f"{len(entries)} lance(s)"


def _verifiable_checks(assembly: Assembly, record: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """The verifiable draw re-derived with ``services.verifiable`` from the published record."""
    checks: list[tuple[str, bool, str]] = []
    seed, commitment = record["seed"], record["commitment"]
    checks.append(
        (
            "semente confere com o compromisso",
            bool(seed)
            and verifiable.seed_matches_commitment(seed, commitment)
            and commitment == assembly.commitment,
            commitment,
        )
    )
    data = record["snapshot"]
    snapshot = verifiable.Snapshot(
        assembly=data["assembly"],
        quota_count=int(data["quota_count"]),
        direction=SearchDirection(data["direction"]),
        eligible=tuple(int(n) for n in data["eligible"]),
        excluded=tuple((int(e["quota"]), int(e["version"])) for e in data["excluded"]),
    )
    digest = verifiable.snapshot_hash(snapshot)
    checks.append(("hash do retrato", digest == record["snapshot_sha256"], digest))
    extraction = record["extraction"]
    draw = verifiable.run_verifiable_draw(
        seed=seed,
        extraction=Extraction(
            concurso=int(extraction["concurso"]),
            drawn_on=dt.date.fromisoformat(extraction["date"]),
            prizes=tuple(extraction["prizes"]),
        ),
        snapshot=snapshot,
        draws=int(record["draws"]),
        excluded_draws=int(record["excluded_draws"]),
    )
    checks.append(
        ("chave do sorteio verificável", draw.key.key == record["key"], str(draw.key.key))
    )
    checks.append(
        ("cotas sorteadas (verificável)", draw.winners == record["winners"], str(draw.winners))
    )
    excluded = [{"quota": n, "version": v} for n, v in draw.excluded_winners]
    checks.append(
        (
            "cotas excluídas sorteadas (verificável)",
            excluded == record["excluded_winners"],
            str(excluded),
        )
    )
    return checks
