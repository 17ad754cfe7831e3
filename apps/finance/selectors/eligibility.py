"""Which quotas of a group may be drawn or bid at an assembly (DOMAIN.md A5), for ``draws``.

A5: a quota may be drawn or bid only if **active**, **not yet awarded**, and with **every
installment due on or before the assembly's cut-off date paid on or before that date** (the
cut-off is the group's rule, by default the day before the assembly). Unpaid late charges
alone do not make it ineligible (they go on the next bill). Precisely:

- "due on or before the cut-off": the installment's due date moved to the next business day
  (A4) is on or before the cut-off; an installment due on the assembly day itself is not yet
  required (its due date is after the cut-off).
- "paid on or before the cut-off": the installment is paid and the earliest payment of its
  charge that still stands (not reversed) was paid (``paid_on``, the day the payer paid) on or
  before the cut-off. A payment after the cut-off counts for the next assembly, not this one;
  a reversed payment never counts. An installment marked paid without any payment (paid
  otherwise, e.g. a bid amortizing it) counts as paid in time.
- A quota whose sale (its schedule's ``sold_on``) falls after the cut-off was not active at
  the cut-off: ``not_eligible``. So is an active quota whose installment schedule does not
  exist yet (its sale's event not yet handled): nothing could be verified.

``group_eligibility`` answers for every quota number of the group in one query; the result
maps each number to a ``QuotaStanding``, whose values are exactly those of
``apps.draws.services.draw_methods.Standing`` (draws sits above finance and converts with
``Standing(standing.value)``):

==================  ==========================================================
``eligible``        active, schedule up to date at the cut-off
``in_default``      active, some installment due by the cut-off unpaid by then
``already_drawn``   the holder was awarded (contemplada) at an earlier assembly
``excluded``        the number's latest holder was excluded (and not resold)
``not_eligible``    active but sold after the cut-off, or without a schedule yet
``vacant``          never sold, or only reserved or cancelled: no holder
==================  ==========================================================

``excluded_quotas_for_draw`` lists the excluded versions for the excluded-quota draw (A5, A6):
an excluded quota enters it from the first assembly after its exclusion; a version awarded
before its exclusion keeps its award (Part B §7) and is not drawn again. Versions refunded
at an earlier assembly are the draws context's to mark (``already_drawn``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from apps.finance.models import Charge, Payment
from apps.finance.selectors.delinquency import (
    HOLDERS_SQL,
    business_day_on_or_before,
    rules_in_force,
    sql_tables,
)
from apps.groups.services import calendar

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "ExcludedQuotaVersion",
    "GroupEligibility",
    "QuotaEligibility",
    "QuotaStanding",
    "StandingReason",
    "eligibility_cutoff",
    "excluded_quotas_for_draw",
    "group_eligibility",
]


class QuotaStanding(StrEnum):
    """Where a quota number stands for an assembly (values = draws' ``Standing``)."""

    ELIGIBLE = "eligible"
    ALREADY_DRAWN = "already_drawn"
    IN_DEFAULT = "in_default"
    EXCLUDED = "excluded"
    NOT_ELIGIBLE = "not_eligible"
    VACANT = "vacant"


class StandingReason(StrEnum):
    """Why, in more detail than the standing (for traces and staff pages)."""

    UP_TO_DATE = "up_to_date"
    AWARDED = "awarded"
    UNPAID_INSTALLMENTS = "unpaid_installments"
    EXCLUDED = "excluded"
    SOLD_AFTER_CUTOFF = "sold_after_cutoff"
    NO_SCHEDULE = "no_schedule"
    NO_HOLDER = "no_holder"
    EXCLUDED_TOO_RECENTLY = "excluded_too_recently"
    AWARDED_BEFORE_EXCLUSION = "awarded_before_exclusion"


@dataclass(frozen=True, slots=True)
class QuotaEligibility:
    """One quota number's standing at the cut-off, with the holding it is about (if any)."""

    quota_id: int
    number: int
    quota_version_id: int | None
    version: int | None
    member_id: int | None
    standing: QuotaStanding
    reason: StandingReason
    unpaid_installments: int = 0
    oldest_unpaid_due_date: dt.date | None = None

    @property
    def is_eligible(self) -> bool:
        """Whether the quota may be drawn or bid at this assembly."""
        return self.standing is QuotaStanding.ELIGIBLE


@dataclass(frozen=True, slots=True)
class GroupEligibility:
    """The standing of every quota number of a group for one assembly."""

    group_id: int
    assembly_date: dt.date
    cutoff: dt.date
    quotas: tuple[QuotaEligibility, ...]

    def standings(self) -> dict[int, QuotaStanding]:
        """Quota number -> standing (the mapping the draw functions take, by value)."""
        return {quota.number: quota.standing for quota in self.quotas}

    def eligible_numbers(self) -> tuple[int, ...]:
        """The numbers that may be drawn or bid, in order."""
        return tuple(quota.number for quota in self.quotas if quota.is_eligible)

    def by_number(self) -> Mapping[int, QuotaEligibility]:
        """Each number's full answer."""
        return {quota.number: quota for quota in self.quotas}


@dataclass(frozen=True, slots=True)
class ExcludedQuotaVersion:
    """An excluded version of a quota number, as the excluded-quota draw takes it."""

    quota_id: int
    number: int
    quota_version_id: int
    version: int
    member_id: int | None
    excluded_on: dt.date | None
    standing: QuotaStanding
    reason: StandingReason


def eligibility_cutoff(group: ConsortiumGroup, assembly_date: dt.date) -> dt.date:
    """The eligibility cut-off of the group's assembly on ``assembly_date`` (A5, the rules in
    force that day; by default the day before)."""
    rules = rules_in_force(group, assembly_date)
    if rules is None:
        raise ValueError(f"group {group.code} has no rules")
    return calendar.eligibility_cutoff(rules, assembly_date)


# Per quota number of the group: its current version and the schedule that version holds;
# then the installments due by the cut-off that were not paid by it: open ones, and paid ones
# whose charge's earliest standing payment came after the cut-off (found from the few
# payments made after it, by the (paid_on) index).
_ELIGIBILITY_SQL = """
WITH holders AS ({holders}),
versions AS (
    SELECT q.id AS quota_id, q.number, cv.id AS version_id, cv.version, cv.status,
           cv.member_id, h.schedule_id, h.sold_on
    FROM {quota} AS q
    LEFT JOIN {version} AS cv ON cv.id = q.current_version_id
    LEFT JOIN LATERAL (
        SELECT schedule_id, sold_on FROM holders
        WHERE holders.version_id = cv.id ORDER BY schedule_id DESC LIMIT 1
    ) AS h ON true
    WHERE q.group_id = %(group)s AND (%(number)s::integer IS NULL OR q.number = %(number)s)
),
standing_payments AS (
    SELECT p.id, p.charge_id, p.paid_on FROM {payment} AS p
    WHERE p.reversal_of_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM {payment} AS r WHERE r.reversal_of_id = p.id)
),
paid_late AS (
    SELECT DISTINCT c.schedule_id, c.first_installment, c.last_installment
    FROM {payment} AS p
    JOIN {charge} AS c ON c.id = p.charge_id
    WHERE p.group_id = %(group)s AND p.paid_on > %(cutoff)s AND p.reversal_of_id IS NULL
      AND c.kind = 'installment'
      AND NOT EXISTS (SELECT 1 FROM {payment} AS r WHERE r.reversal_of_id = p.id)
      AND NOT EXISTS (SELECT 1 FROM standing_payments AS e
                      WHERE e.charge_id = c.id AND e.paid_on <= %(cutoff)s)
),
unpaid AS (
    SELECT i.schedule_id, i.due_date
    FROM versions AS v
    JOIN {installment} AS i ON i.schedule_id = v.schedule_id
    WHERE v.status = 'active' AND i.status = 'open' AND i.due_date <= %(through)s
    UNION ALL
    SELECT i.schedule_id, i.due_date
    FROM paid_late AS l
    JOIN {installment} AS i ON i.schedule_id = l.schedule_id
     AND i.number BETWEEN l.first_installment AND l.last_installment
    WHERE i.status = 'paid' AND i.due_date <= %(through)s
)
SELECT v.quota_id, v.number, v.version_id, v.version, v.status, v.member_id, v.schedule_id,
       v.sold_on, coalesce(u.unpaid, 0), u.oldest
FROM versions AS v
LEFT JOIN (
    SELECT schedule_id, count(*) AS unpaid, min(due_date) AS oldest
    FROM unpaid GROUP BY schedule_id
) AS u ON u.schedule_id = v.schedule_id
ORDER BY v.number
"""


def _tables() -> dict[str, str]:
    def table(model: Any) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    return {**sql_tables(), "charge": table(Charge), "payment": table(Payment)}


def _standing(
    status: str | None,
    schedule_id: int | None,
    sold_on: dt.date | None,
    unpaid: int,
    cutoff: dt.date,
) -> tuple[QuotaStanding, StandingReason]:
    if status == "excluded":
        return QuotaStanding.EXCLUDED, StandingReason.EXCLUDED
    if status == "awarded":
        return QuotaStanding.ALREADY_DRAWN, StandingReason.AWARDED
    if status != "active":
        return QuotaStanding.VACANT, StandingReason.NO_HOLDER
    if schedule_id is None or sold_on is None:
        return QuotaStanding.NOT_ELIGIBLE, StandingReason.NO_SCHEDULE
    if sold_on > cutoff:
        return QuotaStanding.NOT_ELIGIBLE, StandingReason.SOLD_AFTER_CUTOFF
    if unpaid:
        return QuotaStanding.IN_DEFAULT, StandingReason.UNPAID_INSTALLMENTS
    return QuotaStanding.ELIGIBLE, StandingReason.UP_TO_DATE


def group_eligibility(
    *,
    group: ConsortiumGroup,
    assembly_date: dt.date,
    cutoff: dt.date | None = None,
    number: int | None = None,
) -> GroupEligibility:
    """The standing of each quota number of ``group`` for its assembly on ``assembly_date``.

    ``cutoff`` defaults to the group's rule (``eligibility_cutoff``); ``number`` restricts the
    answer to one quota number (a bid's check). One query (see the module docstring).
    """
    cutoff = cutoff if cutoff is not None else eligibility_cutoff(group, assembly_date)
    tables = _tables()
    sql = _ELIGIBILITY_SQL.format(holders=HOLDERS_SQL.format(**tables), **tables)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "group": group.pk,
                "version": None,
                "number": number,
                "cutoff": cutoff,
                "through": business_day_on_or_before(cutoff),
            },
        )
        rows = cursor.fetchall()
    quotas = []
    for (
        quota_id,
        num,
        version_id,
        version,
        status,
        member_id,
        schedule,
        sold_on,
        unpaid,
        oldest,
    ) in rows:
        standing, reason = _standing(status, schedule, sold_on, unpaid, cutoff)
        held = standing is not QuotaStanding.VACANT
        quotas.append(
            QuotaEligibility(
                quota_id=quota_id,
                number=num,
                quota_version_id=version_id if held else None,
                version=version if held else None,
                member_id=member_id if held else None,
                standing=standing,
                reason=reason,
                unpaid_installments=unpaid if status == "active" else 0,
                oldest_unpaid_due_date=oldest if status == "active" else None,
            )
        )
    return GroupEligibility(
        group_id=group.pk, assembly_date=assembly_date, cutoff=cutoff, quotas=tuple(quotas)
    )


_EXCLUDED_SQL = """
SELECT q.id, q.number, v.id, v.version, v.member_id, v.ended_at, v.assembly_ref
FROM {version} AS v
JOIN {quota} AS q ON q.id = v.quota_id
WHERE q.group_id = %(group)s AND v.status = 'excluded'
ORDER BY q.number, v.version
"""


def excluded_quotas_for_draw(
    *, group: ConsortiumGroup, assembly_date: dt.date
) -> tuple[ExcludedQuotaVersion, ...]:
    """The group's excluded quota versions and whether each may enter the excluded-quota draw
    of the assembly on ``assembly_date`` (number order, oldest version first)."""
    with connection.cursor() as cursor:
        cursor.execute(_EXCLUDED_SQL.format(**sql_tables()), {"group": group.pk})
        rows = cursor.fetchall()
    result = []
    for quota_id, number, version_id, version, member_id, ended_at, assembly_ref in rows:
        excluded_on = timezone.localdate(ended_at) if ended_at is not None else None
        if assembly_ref:
            standing, reason = QuotaStanding.NOT_ELIGIBLE, StandingReason.AWARDED_BEFORE_EXCLUSION
        elif excluded_on is not None and excluded_on >= assembly_date:
            standing, reason = QuotaStanding.NOT_ELIGIBLE, StandingReason.EXCLUDED_TOO_RECENTLY
        else:
            standing, reason = QuotaStanding.ELIGIBLE, StandingReason.EXCLUDED
        result.append(
            ExcludedQuotaVersion(
                quota_id=quota_id,
                number=number,
                quota_version_id=version_id,
                version=version,
                member_id=member_id,
                excluded_on=excluded_on,
                standing=standing,
                reason=reason,
            )
        )
    return tuple(result)
