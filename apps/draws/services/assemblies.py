"""Assemblies: generation from the calendar and the state machine (issue 12 item 1, A5, A6).

States: scheduled → bidding_open → bidding_closed → results_computed → results_published;
scheduled, bidding_open and bidding_closed may be cancelled. Every change is locked on the
assembly row, checked against ``TRANSITIONS`` (``AssemblyInvalidTransition`` otherwise) and
logged in ``AssemblyTransition``. Results are computed by ``results.compute_results``.

Verifiable electronic draw (groups whose contract allows it, ``electronic_draw_allowed``):
opening bidding draws a secret seed and publishes its commitment; closing fixes the snapshot
of the quotas in the draw (eligibility at the cut-off, excluded versions that may be drawn)
with its SHA-256 and reveals the seed. The key then needs the first Loteria Federal
extraction after the close, unknown to everyone when the snapshot was fixed.

The extraction (A6): by default the latest held on or before the assembly date (a verifiable
draw: the first after the bidding close), typed by an operator (validated by
``lottery.validate_operator_extraction``) or fetched through the lottery source adapter; when
the expected one did not happen or lacks a prize the draw needs, an earlier one is used and the
reason noted for the minutes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.draws.lock_objects import lock_assembly
from apps.draws.models import (
    Assembly,
    AssemblyState,
    AssemblyTransition,
    Award,
    AwardKind,
    AwardState,
    Bid,
    BidStatus,
    ExtractionSource,
)
from apps.draws.services import verifiable
from apps.draws.services.draw_methods import DrawMethod, ExcludedQuota, Standing
from apps.draws.services.lottery import (
    Extraction,
    ExtractionIncomplete,
    validate_operator_extraction,
)
from apps.draws.services.lottery_source import LotterySource, build_lottery_source
from apps.finance.selectors.delinquency import rules_in_force
from apps.finance.selectors.eligibility import excluded_quotas_for_draw, group_eligibility
from apps.groups.services import calendar
from consorcio.errors import DomainError

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.groups.models import ConsortiumGroup, GroupRules

__all__ = [
    "TRANSITIONS",
    "AssemblyExtractionLocked",
    "AssemblyExtractionRequired",
    "AssemblyExtractionWrongDate",
    "AssemblyInvalidTransition",
    "AssemblyRulesMissing",
    "DrawStanding",
    "allowed_transitions",
    "assembly_rules",
    "cancel_assembly",
    "close_bidding",
    "close_due_bidding",
    "current_extraction",
    "draw_snapshot",
    "draw_standings",
    "excluded_versions",
    "fetch_extraction",
    "generate_assemblies",
    "live_award_version_ids",
    "open_bidding",
    "open_due_bidding",
    "record_extraction",
    "refunded_version_ids",
    "transition",
]

S = AssemblyState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SCHEDULED: frozenset({S.BIDDING_OPEN, S.CANCELLED}),
    S.BIDDING_OPEN: frozenset({S.BIDDING_CLOSED, S.CANCELLED}),
    S.BIDDING_CLOSED: frozenset({S.RESULTS_COMPUTED, S.CANCELLED}),
    S.RESULTS_COMPUTED: frozenset({S.RESULTS_PUBLISHED}),
    S.RESULTS_PUBLISHED: frozenset(),
    S.CANCELLED: frozenset(),
}


class AssemblyInvalidTransition(DomainError):
    code: ClassVar[str] = "assembly_invalid_transition"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Mudança de situação inválida"


class AssemblyRulesMissing(DomainError):
    code: ClassVar[str] = "assembly_rules_missing"
    title: ClassVar[str] = "Grupo sem regras"


class AssemblyExtractionRequired(DomainError):
    code: ClassVar[str] = "assembly_extraction_required"
    title: ClassVar[str] = "Extração da Loteria Federal não registrada"
    default_detail = "Registre o resultado da Loteria Federal antes de apurar a assembleia."


class AssemblyExtractionLocked(DomainError):
    code: ClassVar[str] = "assembly_extraction_locked"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Extração já utilizada"
    default_detail = "O resultado da assembleia já foi apurado: a extração não pode mudar."


class AssemblyExtractionWrongDate(DomainError):
    code: ClassVar[str] = "assembly_extraction_wrong_date"
    title: ClassVar[str] = "Extração fora da data"


def allowed_transitions(state: str) -> frozenset[str]:
    """The states an assembly in ``state`` may move to."""
    return TRANSITIONS[AssemblyState(state)]


def assembly_rules(group: ConsortiumGroup, on: dt.date) -> GroupRules:
    """The group's rules in force at an assembly (A12)."""
    rules = rules_in_force(group, on)
    if rules is None:
        raise AssemblyRulesMissing(f"O grupo {group.code} não tem regras cadastradas.")
    return rules


def transition(
    assembly: Assembly,
    to_state: str,
    *,
    actor: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Assembly:
    """Move a LOCKED assembly (caller holds the row lock) to ``to_state`` and log it."""
    if to_state not in allowed_transitions(assembly.state):
        raise AssemblyInvalidTransition(
            f"A assembleia está «{assembly.get_state_display()}» e não pode passar a "
            f"«{AssemblyState(to_state).label}».",
            extra={"state": assembly.state, "to_state": to_state},
        )
    moment = now or timezone.now()
    from_state = assembly.state
    assembly.state = to_state
    stamp = {
        S.BIDDING_OPEN: "bidding_opened_at",
        S.BIDDING_CLOSED: "bidding_closed_at",
        S.RESULTS_COMPUTED: "results_computed_at",
        S.RESULTS_PUBLISHED: "published_at",
    }.get(AssemblyState(to_state))
    if stamp:
        setattr(assembly, stamp, moment)
    assembly.save()
    AssemblyTransition.objects.create(
        assembly=assembly,
        from_state=from_state,
        to_state=to_state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        at=moment,
    )
    return assembly


# --- Generation ----------------------------------------------------------------------------


@transaction.atomic
def generate_assemblies(
    *,
    group: ConsortiumGroup,
    start: dt.date,
    count: int,
    actor: User | None = None,
) -> list[Assembly]:
    """The group's next ``count`` assemblies from its calendar, on or after ``start``.

    Dates that already have an assembly are skipped (so running it twice creates nothing);
    numbers continue the group's sequence. Cut-off and bid close follow the rules in force
    at each date (A5, A8).
    """
    if group.current_rules is None:
        raise AssemblyRulesMissing(f"O grupo {group.code} não tem regras cadastradas.")
    existing = set(Assembly.objects.filter(group=group).values_list("date", flat=True))
    last = Assembly.objects.filter(group=group).aggregate(n=Max("number"))["n"] or 0
    created = []
    for day in calendar.assembly_dates(group, start, count):
        if day in existing:
            continue
        rules = assembly_rules(group, day)
        last += 1
        created.append(
            Assembly.objects.create(
                group=group,
                number=last,
                date=day,
                rules_version=rules.version,
                eligibility_cutoff=calendar.eligibility_cutoff(rules, day),
                bid_closes_at=calendar.bid_closing_at(rules, day),
                uses_verifiable_draw=rules.electronic_draw_allowed,
            )
        )
    return created


# --- Bidding -------------------------------------------------------------------------------


def open_bidding(
    *, assembly: Assembly, actor: User | None = None, now: dt.datetime | None = None
) -> Assembly:
    """Open bidding; a verifiable draw publishes its commitment (SHA-256 of a new seed)."""
    with transaction.atomic():
        locked = lock_assembly(assembly.pk)
        rules = assembly_rules(locked.group, locked.date)
        locked.rules_version = rules.version
        locked.uses_verifiable_draw = rules.electronic_draw_allowed
        if locked.uses_verifiable_draw and locked.state == S.SCHEDULED:
            locked.seed = verifiable.new_seed()
            locked.commitment = verifiable.commitment_of(locked.seed)
        transition(locked, S.BIDDING_OPEN, actor=actor, now=now)
    return locked


@dataclass(frozen=True, slots=True)
class DrawStanding:
    """One quota number's standing for the assembly's draws and bids."""

    number: int
    standing: Standing
    quota_id: int
    quota_version_id: int | None
    version: int | None = None


def live_award_version_ids(group_id: int) -> set[int]:
    """Quota versions of the group holding a live award (a bid still awaiting payment too)."""
    return set(
        Award.objects.filter(
            assembly__group_id=group_id,
            state__in=(AwardState.PENDING_PAYMENT, AwardState.CONFIRMED),
        ).values_list("quota_version_id", flat=True)
    )


def draw_standings(assembly: Assembly, *, number: int | None = None) -> list[DrawStanding]:
    """Eligibility at the cut-off (finance, A5), where a version holding a live award (a
    winning bid not yet paid, so not yet marked awarded) counts as already drawn."""
    held = live_award_version_ids(assembly.group_id)
    answer = group_eligibility(
        group=assembly.group,
        assembly_date=assembly.date,
        cutoff=assembly.eligibility_cutoff,
        number=number,
    )
    standings = []
    for quota in answer.quotas:
        standing = Standing(quota.standing.value)
        if standing is Standing.ELIGIBLE and quota.quota_version_id in held:
            standing = Standing.ALREADY_DRAWN
        standings.append(
            DrawStanding(
                quota.number, standing, quota.quota_id, quota.quota_version_id, quota.version
            )
        )
    return standings


def draw_snapshot(assembly: Assembly) -> verifiable.Snapshot:
    """The quotas in the draw at the cut-off: eligible numbers and excluded versions that may
    be drawn (the verifiable draw's snapshot)."""
    rules = assembly_rules(assembly.group, assembly.date)
    return verifiable.snapshot_from_standings(
        assembly=assembly.reference,
        quota_count=assembly.group.max_quotas,
        direction=rules.search_direction,
        standings={row.number: row.standing for row in draw_standings(assembly)},
        excluded=excluded_versions(assembly),
    )


def refunded_version_ids(group_id: int) -> set[int]:
    """Excluded versions refunded at an earlier assembly (live excluded-refund awards)."""
    return set(
        Award.objects.filter(
            assembly__group_id=group_id,
            kind=AwardKind.EXCLUDED_REFUND,
            state__in=(AwardState.PENDING_PAYMENT, AwardState.CONFIRMED),
        ).values_list("quota_version_id", flat=True)
    )


def excluded_versions(assembly: Assembly) -> list[ExcludedQuota]:
    """The excluded versions for the excluded-quota draw (A5, A6), refunded ones marked."""
    refunded = refunded_version_ids(assembly.group_id)
    versions = []
    for item in excluded_quotas_for_draw(group=assembly.group, assembly_date=assembly.date):
        standing = Standing(item.standing.value)
        if item.quota_version_id in refunded:
            standing = Standing.ALREADY_DRAWN
        versions.append(ExcludedQuota(item.number, item.version, standing))
    return versions


def close_bidding(
    *, assembly: Assembly, actor: User | None = None, now: dt.datetime | None = None
) -> Assembly:
    """Close bidding; a verifiable draw fixes its snapshot and reveals the seed."""
    moment = now or timezone.now()
    with transaction.atomic():
        locked = lock_assembly(assembly.pk)
        if locked.state == S.BIDDING_OPEN and locked.uses_verifiable_draw:
            snapshot = draw_snapshot(locked)
            text = verifiable.encode_snapshot(snapshot).decode("utf-8")
            locked.snapshot_text = text
            locked.snapshot_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
            locked.seed_revealed_at = moment
        transition(locked, S.BIDDING_CLOSED, actor=actor, now=moment)
    return locked


def cancel_assembly(*, assembly: Assembly, actor: User | None, reason: str) -> Assembly:
    """Cancel an assembly whose results were not computed; its live bids are withdrawn."""
    if not reason.strip():
        raise AssemblyInvalidTransition("Informe o motivo do cancelamento.")
    with transaction.atomic():
        locked = lock_assembly(assembly.pk)
        locked.cancel_reason = reason.strip()
        transition(locked, S.CANCELLED, actor=actor, note=reason.strip())
        Bid.objects.filter(assembly=locked, status=BidStatus.LIVE).update(
            status=BidStatus.WITHDRAWN, status_changed_at=timezone.now()
        )
    return locked


def open_due_bidding(*, now: dt.datetime | None = None) -> int:
    """Beat: open bidding of each scheduled assembly whose group's previous assembly has
    passed (or that is the group's first); how many were opened."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    opened = 0
    for pk, group_id, day in Assembly.objects.filter(
        state=S.SCHEDULED, bid_closes_at__gt=moment
    ).values_list("pk", "group_id", "date"):
        previous = (
            Assembly.objects.filter(group_id=group_id, date__lt=day)
            .exclude(state=S.CANCELLED)
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
        if previous is not None and previous >= today:
            continue
        try:
            open_bidding(assembly=Assembly.objects.get(pk=pk), now=moment)
        except AssemblyInvalidTransition:
            continue
        opened += 1
    return opened


def close_due_bidding(*, now: dt.datetime | None = None) -> int:
    """Beat: close bidding of each assembly whose close time has passed; how many."""
    moment = now or timezone.now()
    closed = 0
    for pk in Assembly.objects.filter(state=S.BIDDING_OPEN, bid_closes_at__lte=moment).values_list(
        "pk", flat=True
    ):
        try:
            close_bidding(assembly=Assembly.objects.get(pk=pk), now=moment)
        except AssemblyInvalidTransition:
            continue
        closed += 1
    return closed


# --- The extraction ------------------------------------------------------------------------

_EXTRACTION_OPEN_STATES = (S.SCHEDULED, S.BIDDING_OPEN, S.BIDDING_CLOSED)


def _check_extraction_date(assembly: Assembly, extraction: Extraction) -> None:
    if assembly.uses_verifiable_draw:
        closed_on = timezone.localdate(assembly.bid_closes_at)
        if extraction.drawn_on <= closed_on:
            raise AssemblyExtractionWrongDate(
                "O sorteio verificável usa a primeira extração depois do encerramento dos "
                f"lances ({closed_on:%d/%m/%Y}); a de {extraction.drawn_on:%d/%m/%Y} é anterior.",
                extra={"errors": {"drawn_on": ["Extração anterior ao encerramento dos lances."]}},
            )
        if assembly.state != S.BIDDING_CLOSED:
            raise AssemblyExtractionLocked(
                "No sorteio verificável a extração é registrada depois do encerramento dos lances."
            )
    elif extraction.drawn_on > assembly.date:
        raise AssemblyExtractionWrongDate(
            f"A extração de {extraction.drawn_on:%d/%m/%Y} é posterior à assembleia "
            f"({assembly.date:%d/%m/%Y}): use a última extração até a data da assembleia.",
            extra={"errors": {"drawn_on": ["Extração posterior à assembleia."]}},
        )


def _needed_prizes(assembly: Assembly) -> int:
    if assembly.uses_verifiable_draw:
        return 5
    rules = assembly_rules(assembly.group, assembly.date)
    return 1 if DrawMethod(rules.draw_method) is DrawMethod.A else 5


def _save_extraction(
    assembly: Assembly,
    extraction: Extraction,
    *,
    source: str,
    actor: User | None,
    note: str,
) -> Assembly:
    with transaction.atomic():
        locked = lock_assembly(assembly.pk)
        if locked.state not in _EXTRACTION_OPEN_STATES:
            raise AssemblyExtractionLocked()
        _check_extraction_date(locked, extraction)
        missing = [i for i, p in enumerate(extraction.prizes[: _needed_prizes(locked)]) if not p]
        if missing:
            extraction.complete_prizes()  # raises ExtractionIncomplete with the positions
        locked.lottery_concurso = extraction.concurso
        locked.lottery_drawn_on = extraction.drawn_on
        for position, prize in enumerate(extraction.prizes, start=1):
            setattr(locked, f"prize_{position}", prize or "")
        locked.lottery_source = source
        locked.lottery_recorded_by = actor if actor is not None and actor.is_authenticated else None
        locked.lottery_recorded_at = timezone.now()
        locked.lottery_note = note.strip()
        locked.save()
    return locked


def record_extraction(
    *,
    assembly: Assembly,
    concurso: str | int | None,
    drawn_on: dt.date | None,
    prizes: Sequence[str | int | None],
    actor: User | None,
    note: str = "",
    confirm_unusual: bool = False,
    today: dt.date | None = None,
) -> Assembly:
    """Record the extraction an operator typed (validated field by field, A6)."""
    extraction = validate_operator_extraction(
        concurso=concurso,
        drawn_on=drawn_on,
        prizes=prizes,
        today=today or timezone.localdate(),
        confirm_unusual=confirm_unusual,
    )
    return _save_extraction(
        assembly, extraction, source=ExtractionSource.OPERATOR, actor=actor, note=note
    )


def fetch_extraction(
    *,
    assembly: Assembly,
    actor: User | None = None,
    source: LotterySource | None = None,
) -> Assembly:
    """Fetch the assembly's extraction through the lottery source adapter (A6 defaults).

    An extraction lacking a prize the draw needs (a defect of published data) is passed over
    for the one before it, and the minutes say so.
    """
    lottery = source or build_lottery_source()
    note = ""
    if assembly.uses_verifiable_draw:
        extraction = lottery.first_after(timezone.localdate(assembly.bid_closes_at))
    else:
        extraction = lottery.latest_on_or_before(assembly.date)
        needed = _needed_prizes(assembly)
        for _ in range(10):
            if all(extraction.prizes[:needed]):
                break
            skipped = extraction
            extraction = lottery.latest_on_or_before(skipped.drawn_on - dt.timedelta(days=1))
            note = (
                f"O concurso {skipped.concurso} ({skipped.drawn_on:%d/%m/%Y}) não tem todos os "
                f"prêmios publicados; usada a extração anterior, concurso {extraction.concurso}."
            )
        else:
            raise ExtractionIncomplete(concurso=extraction.concurso, missing=[1])
    return _save_extraction(
        assembly, extraction, source=ExtractionSource.ADAPTER, actor=actor, note=note
    )


def current_extraction(assembly: Assembly) -> Extraction:
    """The recorded extraction as a value (``AssemblyExtractionRequired`` if none)."""
    if assembly.lottery_concurso is None or assembly.lottery_drawn_on is None:
        raise AssemblyExtractionRequired()
    return Extraction(
        concurso=assembly.lottery_concurso,
        drawn_on=assembly.lottery_drawn_on,
        prizes=assembly.prizes,
    )
