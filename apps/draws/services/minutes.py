"""The minutes (ata) of an assembly as a stored PDF, and the presentation of its results.

``results_presentation`` turns the stored result (``AssemblyResult.outcome``), the awards and
the events after it into rows ready to show, in Portuguese: the staff page and the minutes
read the same rows, so they never disagree. Everything is by group and **quota number**,
never by member name (LGPD, DOMAIN.md §9).

``issue_minutes`` renders ``draws/pdf/minutes.html`` (DOMAIN.md §9's list: the extraction and
its prizes, the key and every search step, the quotas awarded with their credit values, the
bid ranking with receipts, winners and reserves, the money before and after, the carry-over)
and stores it through ``apps.documents`` as a document of the group's assembly (the assembly
points at it, as a quota version points at its contract). Issued again, it stores the next
version of the same document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

import structlog
from django.db import transaction
from django.utils import timezone

from apps.documents import selectors as document_selectors
from apps.documents.services import pdf, storage
from apps.draws import selectors
from apps.draws.models import Assembly, AwardKind, BidKind
from apps.draws.services import verifiable
from consorcio.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from apps.documents.models import DocumentVersion

__all__ = [
    "MINUTES_DOCUMENT_KIND",
    "MINUTES_TEMPLATE",
    "MinutesNotIssued",
    "ResultsPresentation",
    "issue_minutes",
    "minutes_context",
    "minutes_for",
    "minutes_of",
    "percent_text",
    "publish_with_minutes",
    "results_presentation",
    "verifiable_record",
]

logger = structlog.get_logger(__name__)

MINUTES_TEMPLATE = "draws/pdf/minutes.html"
# documents has no "minutes" kind yet: the ata is filed as "other" with an explicit title.
MINUTES_DOCUMENT_KIND = "other"

_OUTCOME_LABELS = {"won": "vencedor", "reserve": "reserva", "lost": "não contemplado"}
_STAGE_LABELS = {
    "draw": "Sorteio",
    "excluded_refund": "Restituição de excluída",
    "bid": "Lance",
}


class MinutesNotIssued(DomainError):
    """The minutes could not be rendered or stored (the publication rolls back)."""

    code: ClassVar[str] = "assembly_minutes_not_issued"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Ata não gerada"
    default_detail = "Não foi possível gerar a ata da assembleia. Tente novamente."


def percent_text(value: Any, places: int = 2) -> str:
    """A fraction of the credit (``"0.45"``) as ``45,00%``; empty when missing."""
    if value is None or value == "":
        return ""
    try:
        fraction = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    shown = f"{fraction * 100:.{places}f}".replace(".", ",")
    return f"{shown}%"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


@dataclass
class ResultsPresentation:
    """The rows the page and the minutes show (all by quota number)."""

    key: int | None
    derivation_lines: list[str]
    draws: list[dict[str, Any]]
    excluded_draws: list[dict[str, Any]]
    ranking: list[dict[str, Any]]
    awards: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    funds_lines: list[tuple[str, Decimal | None]]
    money_available: Decimal
    money_used: Decimal
    carry_over: Decimal
    no_funds: bool
    notes: list[str]
    verifiable: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def winners(self) -> list[dict[str, Any]]:
        return [row for row in self.ranking if row["outcome"] == "won"]

    @property
    def reserves(self) -> list[dict[str, Any]]:
        return [row for row in self.ranking if row["outcome"] == "reserve"]


def _draw_rows(entries: list[dict[str, Any]], *, excluded: bool) -> list[dict[str, Any]]:
    rows = []
    for index, entry in enumerate(entries, start=1):
        winner = entry.get("winner")
        if excluded and isinstance(winner, dict):
            winner_text = f"cota {winner['number']} (versão {winner['version']})"
        elif winner is not None:
            winner_text = f"cota {winner}"
        else:
            winner_text = "sem contemplação"
        rows.append(
            {
                "number": index,
                "key": entry.get("key"),
                "winner": winner_text,
                "lines": list(entry.get("text") or []),
            }
        )
    return rows


def _ranking_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        kind = str(entry.get("kind", ""))
        installments = _decimal(entry.get("installments"))
        rows.append(
            {
                "rank": entry.get("rank"),
                "quota": entry.get("quota"),
                "kind": BidKind(kind).label if kind in BidKind.values else kind,
                "percent": percent_text(entry.get("fraction"), 4),
                "embedded_percent": percent_text(entry.get("embedded_fraction"), 4)
                if _decimal(entry.get("embedded_fraction"))
                else "",
                "installments": ""
                if installments is None
                else f"{installments:f}".replace(".", ","),
                "receipt": entry.get("receipt", ""),
                "common_fund_part": _decimal(entry.get("common_fund_part")),
                "uses": _decimal(entry.get("uses")),
                "outcome": entry.get("outcome", ""),
                "outcome_label": _OUTCOME_LABELS.get(str(entry.get("outcome")), ""),
                "reason": entry.get("reason") or "",
            }
        )
    return rows


def _award_rows(assembly: Assembly) -> list[dict[str, Any]]:
    rows = []
    for award in selectors.assembly_awards(assembly):
        rows.append(
            {
                "rank": award.rank,
                "kind": AwardKind(award.kind).label,
                "kind_code": award.kind,
                "state_code": award.state,
                "quota": award.quota.number,
                "version": award.quota_version.version,
                "credit_value": award.credit_value,
                "amount_used": award.amount_used,
                "money_before": award.money_before,
                "money_after": award.money_after,
                "state": award.get_state_display(),
                "payment_due": award.payment_due,
                "is_promoted": award.promoted_from_id is not None,
            }
        )
    return rows


def _stage_rows(count: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    stages = [
        {
            "stage": _STAGE_LABELS.get(str(item.get("stage")), str(item.get("stage"))),
            "uses": _decimal(item.get("uses")),
            "money_before": _decimal(item.get("money_before")),
            "money_after": _decimal(item.get("money_after")),
        }
        for item in count.get("awards", [])
    ]
    skipped = [
        {
            "stage": _STAGE_LABELS.get(str(item.get("stage")), str(item.get("stage"))),
            "uses": _decimal(item.get("uses")),
            "money": _decimal(item.get("money")),
        }
        for item in count.get("skipped", [])
    ]
    return stages, skipped


def verifiable_record(inputs: dict[str, Any], outcome: dict[str, Any]) -> dict[str, Any] | None:
    """The published document of a verifiable draw (``tools/verify_draw.py`` reads it), from
    the result's stored inputs and outcome; None for a Loteria Federal draw."""
    data = (inputs or {}).get("verifiable")
    if not data:
        return None
    draws = list(outcome.get("draws") or [])
    excluded = list(outcome.get("excluded_draws") or [])
    extraction = inputs.get("extraction") or {}
    return {
        "format": verifiable.PUBLICATION_FORMAT,
        "commitment": data.get("commitment", ""),
        "seed": data.get("seed", ""),
        "extraction": {
            "concurso": extraction.get("concurso"),
            "date": extraction.get("date"),
            "prizes": list(extraction.get("prizes") or []),
        },
        "snapshot": data.get("snapshot"),
        "snapshot_sha256": data.get("snapshot_sha256", ""),
        "key": outcome.get("key"),
        "draws": len(draws),
        "excluded_draws": len(excluded),
        "winners": [d["winner"] for d in draws if d.get("winner") is not None],
        "excluded_winners": [
            {"quota": d["winner"]["number"], "version": d["winner"]["version"]}
            for d in excluded
            if d.get("winner") is not None
        ],
    }


def results_presentation(assembly: Assembly) -> ResultsPresentation | None:
    """The assembly's results as rows to show; None before they are computed."""
    result = selectors.assembly_result(assembly)
    if result is None:
        return None
    outcome: dict[str, Any] = result.outcome or {}
    stages, skipped = _stage_rows(outcome.get("count") or {})
    return ResultsPresentation(
        key=result.key,
        derivation_lines=list(outcome.get("derivation_text") or []),
        draws=_draw_rows(list(outcome.get("draws") or []), excluded=False),
        excluded_draws=_draw_rows(list(outcome.get("excluded_draws") or []), excluded=True),
        ranking=_ranking_rows(list(outcome.get("ranking") or [])),
        awards=_award_rows(assembly),
        stages=stages,
        skipped=skipped,
        funds_lines=[
            (str(label), _decimal(amount))
            for label, amount in outcome.get("funds_lines")
            or (result.inputs or {}).get("funds", {}).get("lines")
            or []
        ],
        money_available=result.money_available,
        money_used=result.money_used,
        carry_over=result.carry_over,
        no_funds=bool(outcome.get("no_funds")),
        notes=[str(note) for note in outcome.get("notes") or []],
        verifiable=outcome.get("verifiable") or verifiable_record(result.inputs, outcome),
        events=[
            {"at": event.at, "kind": event.get_kind_display(), "details": event.details}
            for event in selectors.result_events(assembly)
        ],
    )


def minutes_context(assembly: Assembly) -> dict[str, Any]:
    """Everything the minutes template shows."""
    presentation = results_presentation(assembly)
    if presentation is None:
        raise MinutesNotIssued("A assembleia ainda não tem resultado apurado.")
    return {
        "assembly": assembly,
        "group": assembly.group,
        "prizes": [prize or "—" for prize in assembly.prizes],
        "extraction_source": assembly.get_lottery_source_display(),
        "results": presentation,
        "issued_at": timezone.now(),
    }


def minutes_of(assembly: Assembly) -> DocumentVersion | None:
    """The stored minutes of the assembly (the latest version), if issued, as stored now
    (``assembly`` may be an instance read before they were issued)."""
    return selectors.assembly(assembly.pk).minutes


def minutes_for(assembly: Assembly, actor: Any) -> DocumentVersion | None:
    """The assembly's minutes (``Assembly.minutes``) as ``actor`` may see them (documents'
    permissions and scope)."""
    linked = minutes_of(assembly)
    if linked is not None and document_selectors.may_download(actor, linked):
        return linked
    return None


def _title(assembly: Assembly) -> str:
    return (
        f"Ata da assembleia nº {assembly.number} do grupo {assembly.group.code} "
        f"({assembly.date:%d/%m/%Y})"
    )


@transaction.atomic
def issue_minutes(*, assembly: Assembly, actor: AbstractBaseUser | None = None) -> DocumentVersion:
    """Render the assembly's minutes and store them as the assembly's document.

    Called when the results are published (inside that transaction: a failure raises
    ``assembly_minutes_not_issued`` and the publication rolls back). Issued again (after a
    reserve was called, say) it stores the next version of the same document.
    """
    assembly = selectors.assembly(assembly.pk)  # as stored (extraction, state, result)
    previous = minutes_of(assembly)
    try:
        content = pdf.render_pdf(MINUTES_TEMPLATE, minutes_context(assembly))
        stored = storage.store_version(
            actor=actor,  # type: ignore[arg-type]
            kind=MINUTES_DOCUMENT_KIND,
            title=_title(assembly),
            filename=f"ata-{assembly.group.code}-assembleia-{assembly.number}.pdf",
            content=content,
            document=previous.document if previous is not None else None,
            declared_content_type="application/pdf",
        )
    except MinutesNotIssued:
        raise
    except Exception as error:
        logger.exception("minutes_not_issued", assembly_id=assembly.pk)
        raise MinutesNotIssued() from error
    assembly.minutes = stored
    assembly.save(update_fields=["minutes"])
    logger.info(
        "minutes_issued",
        assembly_id=assembly.pk,
        document_id=stored.document_id,
        document_version=stored.number,
    )
    return stored


def publish_with_minutes(*, assembly: Assembly, actor: AbstractBaseUser | None = None) -> Assembly:
    """Publish the computed results and issue the minutes, in one transaction.

    A failure to render or store the minutes rolls the publication back
    (``assembly_minutes_not_issued``): results are never published without their ata.
    """
    from apps.draws.services import results  # results may itself issue the minutes

    with transaction.atomic():
        results.publish_results(assembly=assembly, actor=actor)  # type: ignore[arg-type]
        published = selectors.assembly(assembly.pk)
        if minutes_of(published) is None:
            issue_minutes(assembly=published, actor=actor)
    return selectors.assembly(assembly.pk)
