"""The daily delinquency job (DOMAIN.md A4, A5, §6).

``mark_delinquency(as_of=...)`` runs group by group, each group in one transaction under
``locked_atomic("delinquency:<group>")`` (the lock saves a racing run the work; the unique
version per status row and per live proposal are the database's guarantee):

1. **Overdue charges.** Open charges whose due date passed (moved to the next business day,
   A4) become ``overdue`` in one ``UPDATE`` (one audit entry). A payment marks them paid as it
   would an open one; a reversed payment reopens them and the next run marks them again.
2. **Status.** ``selectors.delinquency.overdue_by_holder`` computes, in one query, what each
   holder owes past due; the ``DelinquencyStatus`` rows are made equal to it (created, updated
   in one statement, deleted when the arrears are paid). Re-running the same day writes
   nothing and publishes nothing.
3. **Exclusion proposals** (A5): ``services.exclusions.sync_exclusion_proposals`` proposes the
   non-awarded holders over the group's threshold and withdraws the open proposals no longer
   over it (staff decide with ``exclusions.confirm_exclusion`` / ``dismiss_exclusion``).
4. **Events** through the outbox in the same transaction: ``QuotaBecameDelinquent`` (first
   due date unpaid), ``QuotaDelinquencyIncreased`` (one more), ``QuotaDelinquencyCleared``
   (arrears paid), and the proposals' ``QuotaMarkedForExclusion`` and
   ``QuotaExclusionDismissed``. A holder that stopped holding the quota (transferred,
   excluded) loses its row silently: the groups context told that story; the new holder of a
   transferred quota inherits the arrears.

The events assume ``as_of`` moves forward (the daily job); re-running an earlier date
recomputes that date's state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.finance.events import (
    QuotaBecameDelinquent,
    QuotaDelinquencyCleared,
    QuotaDelinquencyIncreased,
)
from apps.finance.models import (
    Charge,
    ChargeStatus,
    DelinquencyStatus,
    ExclusionProposal,
    ExclusionProposalState,
    InstallmentSchedule,
    ScheduleStatus,
)
from apps.finance.selectors import delinquency as delinquency_selectors
from apps.finance.selectors.delinquency import Overdue
from apps.finance.services import exclusions
from apps.groups import selectors as group_selectors
from consorcio.audit import record_batch_audit
from consorcio.locks import LockNotAcquired, locked_atomic
from consorcio.outbox import publish

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "DelinquencyRunResult",
    "GroupDelinquencyResult",
    "groups_to_mark",
    "mark_delinquency",
    "mark_group_delinquency",
]

LOCK_WAIT_SECONDS = 10.0
_P = ExclusionProposalState
# Fields of a status row the job keeps equal to the computed values.
_STATUS_FIELDS = (
    "quota_id",
    "overdue_installments",
    "consecutive_overdue",
    "oldest_due_date",
    "days_late",
    "overdue_fraction",
    "overdue_amount",
    "as_of",
)

# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class GroupDelinquencyResult:
    """What one group's run changed (all zero on a same-day re-run)."""

    group_id: int
    as_of: dt.date
    delinquent: int = 0
    charges_overdue: int = 0
    became_delinquent: int = 0
    increased: int = 0
    cleared: int = 0
    proposed: int = 0
    withdrawn: int = 0
    skipped: bool = False  # another run held the group's lock

    @property
    def events(self) -> int:
        """How many domain events the run published."""
        return (
            self.became_delinquent
            + self.increased
            + self.cleared
            + self.proposed
            + (self.withdrawn)
        )


@dataclass(frozen=True, slots=True)
class DelinquencyRunResult:
    """The run over every group (or one): per-group results and totals."""

    as_of: dt.date
    groups: tuple[GroupDelinquencyResult, ...] = field(default=())

    def total(self, name: str) -> int:
        """The sum of one counter (``delinquent``, ``proposed``…) over the groups."""
        return sum(int(getattr(result, name)) for result in self.groups)

    def as_dict(self) -> dict[str, int | str]:
        """Totals for a task result or a log line."""
        names = ("delinquent", "charges_overdue", "became_delinquent", "increased", "cleared")
        totals: dict[str, int | str] = {"as_of": self.as_of.isoformat()}
        for name in (*names, "proposed", "withdrawn", "skipped"):
            totals[name] = self.total(name)
        totals["groups"] = len(self.groups)
        return totals


# --------------------------------------------------------------------------------------------
# The daily job


def groups_to_mark(group: ConsortiumGroup | None = None) -> list[ConsortiumGroup]:
    """Groups with an active schedule, a status row or an open proposal, by id."""
    ids = set(
        InstallmentSchedule.objects.filter(status=ScheduleStatus.ACTIVE)
        .values_list("group_id", flat=True)
        .distinct()
    )
    ids.update(DelinquencyStatus.objects.values_list("group_id", flat=True).distinct())
    ids.update(
        ExclusionProposal.objects.filter(state=_P.PROPOSED)
        .values_list("group_id", flat=True)
        .distinct()
    )
    if group is not None:
        ids &= {group.pk}
    return list(group_selectors.groups().filter(pk__in=ids).order_by("pk"))


def mark_delinquency(
    *,
    as_of: dt.date | None = None,
    group: ConsortiumGroup | None = None,
    progress: Callable[[int], object] | None = None,
) -> DelinquencyRunResult:
    """The daily job: overdue charges, delinquency status, exclusion proposals and events of
    every group (or ``group``) on ``as_of`` (default today); see the module docstring.

    ``progress(1)`` is called after each group. A group another run is marking (its lock
    held) is skipped at once (``skipped`` in its result): that run marks it.
    """
    day = as_of or timezone.localdate()
    results = []
    for each in groups_to_mark(group):
        try:
            results.append(mark_group_delinquency(group=each, as_of=day, lock_wait=None))
        except LockNotAcquired:
            results.append(GroupDelinquencyResult(group_id=each.pk, as_of=day, skipped=True))
        if progress is not None:
            progress(1)
    return DelinquencyRunResult(as_of=day, groups=tuple(results))


def mark_group_delinquency(
    *, group: ConsortiumGroup, as_of: dt.date, lock_wait: float | None = LOCK_WAIT_SECONDS
) -> GroupDelinquencyResult:
    """One group's daily marking, in one transaction (see the module docstring).

    ``lock_wait``: how long to wait for another run marking the group (``None``: not at all,
    ``LockNotAcquired`` at once).
    """
    with locked_atomic(f"delinquency:{group.pk}", wait=lock_wait):
        charges = _mark_overdue_charges(group, as_of)
        fresh = {
            row.quota_version_id: row
            for row in delinquency_selectors.overdue_by_holder(group, as_of)
        }
        counts = _sync_statuses(group, as_of, fresh)
        proposed, withdrawn = exclusions.sync_exclusion_proposals(
            group=group, as_of=as_of, fresh=fresh
        )
    return GroupDelinquencyResult(
        group_id=group.pk,
        as_of=as_of,
        delinquent=len(fresh),
        charges_overdue=charges,
        became_delinquent=counts[0],
        increased=counts[1],
        cleared=counts[2],
        proposed=proposed,
        withdrawn=withdrawn,
    )


def _mark_overdue_charges(group: ConsortiumGroup, as_of: dt.date) -> int:
    through = delinquency_selectors.overdue_through(as_of)
    count = Charge.objects.filter(
        group_id=group.pk, status=ChargeStatus.OPEN, due_date__lte=through
    ).update(status=ChargeStatus.OVERDUE)
    if count:
        record_batch_audit(
            actor=None,
            action="finance.charges.marked_overdue",
            model=Charge,
            count=count,
            details={"group": group.pk, "as_of": as_of.isoformat(), "due_through": str(through)},
        )
    return count


def _status_values(overdue: Overdue, now: dt.datetime) -> dict[str, object]:
    return {name: getattr(overdue, name) for name in _STATUS_FIELDS} | {"updated_at": now}


def _sync_statuses(
    group: ConsortiumGroup, as_of: dt.date, fresh: dict[int, Overdue]
) -> tuple[int, int, int]:
    """Make the group's status rows equal ``fresh``; (became, increased, cleared) events."""
    now = timezone.now()
    existing = {row.quota_version_id: row for row in DelinquencyStatus.objects.filter(group=group)}
    created = [
        DelinquencyStatus(
            quota_version_id=version, group_id=group.pk, **_status_values(overdue, now)
        )
        for version, overdue in fresh.items()
        if version not in existing
    ]
    changed: list[DelinquencyStatus] = []
    increased = []
    for version, row in existing.items():
        overdue = fresh.get(version)
        if overdue is None or all(
            getattr(row, name) == getattr(overdue, name) for name in _STATUS_FIELDS
        ):
            continue
        if overdue.overdue_installments > row.overdue_installments:
            increased.append((overdue, row.overdue_installments))
        for name, value in _status_values(overdue, now).items():
            setattr(row, name, value)
        changed.append(row)
    gone = [row for version, row in existing.items() if version not in fresh]
    DelinquencyStatus.objects.bulk_create(created, batch_size=1000)
    _update_statuses(changed)
    paid = _still_held(gone)
    DelinquencyStatus.objects.filter(pk__in=[row.pk for row in gone]).delete()
    for version, overdue in fresh.items():
        if version not in existing:
            publish(_became(group, overdue))
    for overdue, previous in increased:
        publish(_increased(group, overdue, previous))
    for quota_id, version, number, member_id in paid:
        publish(
            QuotaDelinquencyCleared(
                quota_id=quota_id,
                quota_version_id=version,
                group_id=group.pk,
                number=number,
                member_id=member_id,
                as_of=as_of,
            )
        )
    return len(created), len(increased), len(paid)


# One statement for every changed row (``bulk_update``'s CASE per row and field is quadratic:
# seconds for a few thousand rows, and every delinquent row changes daily with its days late).
_UPDATE_SQL = """
UPDATE {table} AS d
SET quota_id = v.quota_id, overdue_installments = v.overdue_installments,
    consecutive_overdue = v.consecutive_overdue, oldest_due_date = v.oldest_due_date,
    days_late = v.days_late, overdue_fraction = v.overdue_fraction,
    overdue_amount = v.overdue_amount, as_of = v.as_of, updated_at = v.updated_at
FROM unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::integer[], %s::date[],
            %s::integer[], %s::numeric[], %s::numeric[], %s::date[], %s::timestamptz[])
     AS v(id, quota_id, overdue_installments, consecutive_overdue, oldest_due_date, days_late,
          overdue_fraction, overdue_amount, as_of, updated_at)
WHERE d.id = v.id
"""


def _update_statuses(rows: list[DelinquencyStatus]) -> None:
    if not rows:
        return
    columns = [[row.pk for row in rows]]
    columns += [[getattr(row, name) for row in rows] for name in (*_STATUS_FIELDS, "updated_at")]
    table = connection.ops.quote_name(DelinquencyStatus._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL.format(table=table), columns)


def _still_held(rows: Iterable[DelinquencyStatus]) -> list[tuple[int, int, int, int | None]]:
    """Of the removed rows, the holders that still hold their quota (so they paid):
    (quota id, version id, number, member id)."""
    pks = [row.pk for row in rows]
    if not pks:
        return []
    held = (
        DelinquencyStatus.objects.filter(
            pk__in=pks,
            quota_version__status__in=delinquency_selectors.HOLDER_STATUSES,
            quota__current_version_id=F("quota_version_id"),
        )
        .order_by("quota_version_id")
        .values_list("quota_id", "quota_version_id", "quota__number", "quota_version__member_id")
    )
    return list(held)


def _became(group: ConsortiumGroup, overdue: Overdue) -> QuotaBecameDelinquent:
    return QuotaBecameDelinquent(
        quota_id=overdue.quota_id,
        quota_version_id=overdue.quota_version_id,
        group_id=group.pk,
        number=overdue.number,
        member_id=overdue.member_id,
        as_of=overdue.as_of,
        overdue_installments=overdue.overdue_installments,
        oldest_due_date=overdue.oldest_due_date,
        days_late=overdue.days_late,
        overdue_amount=overdue.overdue_amount,
    )


def _increased(
    group: ConsortiumGroup, overdue: Overdue, previous: int
) -> QuotaDelinquencyIncreased:
    return QuotaDelinquencyIncreased(
        quota_id=overdue.quota_id,
        quota_version_id=overdue.quota_version_id,
        group_id=group.pk,
        number=overdue.number,
        member_id=overdue.member_id,
        as_of=overdue.as_of,
        previous_overdue_installments=previous,
        overdue_installments=overdue.overdue_installments,
        consecutive_overdue=overdue.consecutive_overdue,
        oldest_due_date=overdue.oldest_due_date,
        days_late=overdue.days_late,
        overdue_amount=overdue.overdue_amount,
    )
