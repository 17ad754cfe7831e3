"""Reads of delinquency: what a group's quota holders owe past due (DOMAIN.md A4, A5, §6).

- **Overdue.** An installment is overdue on a day once its due date, moved to the next
  business day when it falls on a weekend or national holiday (A4), has passed unpaid: on
  ``as_of`` every open installment due on or before the last business day before ``as_of``
  (``overdue_through``). Cancelled installments owe nothing.
- **Holder.** An active installment schedule belongs to its sale's quota version and, after
  transfers (the obligations follow the quota), to the version holding the quota now; a
  schedule whose sale ended otherwise (excluded, cancelled) has no holder. Only active and
  awarded holders count (A5: awarded quotas are in default too, but never excluded).
- **Counts.** Per holder: the overdue installments, the longest run of consecutive ones
  (installment numbers are consecutive due dates; Res. 285 counts consecutive due dates), the
  oldest due date and the days since it (calendar days from the moved due date, A4), their
  sum as a fraction of the credit and that in Reais at the credit value in force on
  ``as_of`` (A1: ``round2(p x C)``, the updated installments of §6, late charges excluded).

``overdue_by_holder`` computes all of it for one group in one query (set-based); the daily job
(``services.delinquency``) stores it as ``DelinquencyStatus`` rows, which the other reads here
return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet

from apps.finance.models import (
    DelinquencyStatus,
    ExclusionProposal,
    ExclusionProposalState,
    Installment,
    InstallmentSchedule,
)
from apps.finance.selectors import billing as billing_selectors
from apps.groups import selectors as group_selectors
from apps.groups.services import calendar
from consorcio.money import round_half_up

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup, GroupRules

__all__ = [
    "HOLDERS_SQL",
    "HOLDER_STATUSES",
    "Overdue",
    "business_day_on_or_before",
    "delinquent_quotas",
    "exclusion_proposals",
    "overdue_by_holder",
    "overdue_through",
    "rules_in_force",
    "sql_tables",
    "unpaid_due_dates",
]

# Statuses of a quota version that holds the quota and owes its installments.
HOLDER_STATUSES = ("active", "awarded")

# The holder of each active schedule of a group (see the module docstring): the quota's
# current version, when it is the schedule's sale version or reached from it by transfers only.
# ``%(version)s`` restricts it to one holder (NULL: all). Tables come from ``sql_tables()``.
HOLDERS_SQL = """
    SELECT s.id AS schedule_id, s.quota_id, s.sold_on, q.number, cv.id AS version_id,
           cv.version, cv.status AS holder_status, cv.member_id
    FROM {schedule} AS s
    JOIN {quota} AS q ON q.id = s.quota_id
    JOIN {version} AS sv ON sv.id = s.quota_version_id
    JOIN {version} AS cv ON cv.id = q.current_version_id
    WHERE s.group_id = %(group)s AND s.status = 'active'
      AND cv.version >= sv.version
      AND (%(version)s::bigint IS NULL OR cv.id = %(version)s::bigint)
      AND NOT EXISTS (
          SELECT 1 FROM {version} AS w
          WHERE w.quota_id = s.quota_id AND w.version >= sv.version AND w.version < cv.version
            AND w.status <> 'transferred')
"""

_OVERDUE_SQL = """
WITH holders AS ({holders}),
overdue AS (
    SELECT h.quota_id, h.number, h.version_id, h.holder_status, h.member_id, i.schedule_id,
           i.due_date, i.common_fund + i.reserve_fund + i.admin_fee + i.insurance AS fraction,
           i.number - row_number() OVER (PARTITION BY i.schedule_id ORDER BY i.number) AS run
    FROM holders AS h
    JOIN {installment} AS i ON i.schedule_id = h.schedule_id
    WHERE h.holder_status = ANY(%(holder_statuses)s)
      AND i.status = 'open' AND i.due_date <= %(through)s
),
runs AS (
    SELECT version_id, count(*) AS length FROM overdue GROUP BY version_id, schedule_id, run
),
longest AS (
    SELECT version_id, max(length) AS longest FROM runs GROUP BY version_id
)
SELECT o.quota_id, o.number, o.version_id, o.holder_status, o.member_id, count(*),
       min(l.longest), min(o.due_date), sum(o.fraction)
FROM overdue AS o
JOIN longest AS l ON l.version_id = o.version_id
GROUP BY o.quota_id, o.number, o.version_id, o.holder_status, o.member_id
ORDER BY o.version_id
"""


def sql_tables() -> dict[str, str]:
    """Quoted table names the raw queries of delinquency and eligibility use."""

    def table(model: Any, field: str | None = None) -> str:
        target = model._meta.get_field(field).related_model if field else model
        return connection.ops.quote_name(target._meta.db_table)

    return {
        "schedule": table(InstallmentSchedule),
        "installment": table(Installment),
        "quota": table(InstallmentSchedule, "quota"),
        "version": table(InstallmentSchedule, "quota_version"),
    }


def business_day_on_or_before(day: dt.date) -> dt.date:
    """``day`` when it is a business day, else the business day before it."""
    while not calendar.is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def overdue_through(as_of: dt.date) -> dt.date:
    """The latest due date that is overdue on ``as_of``: the last business day before it.

    A due date ``d`` is overdue on ``as_of`` when ``next_business_day(d) < as_of`` (A4), which
    holds exactly for the dates up to the last business day before ``as_of``.
    """
    return business_day_on_or_before(as_of - dt.timedelta(days=1))


def rules_in_force(group: ConsortiumGroup, on: dt.date) -> GroupRules | None:
    """The group's rules version in force on ``on`` (the latest effective by then), else its
    current rules (A12: old groups keep their rules)."""
    rules = (
        group_selectors.rules_history(group)
        .filter(effective_from__lte=on)
        .order_by("-version")
        .first()
    )
    return rules if rules is not None else group.current_rules


@dataclass(frozen=True, slots=True)
class Overdue:
    """What one quota holder owes past due on ``as_of`` (see the module docstring)."""

    quota_id: int
    number: int
    quota_version_id: int
    holder_status: str
    member_id: int | None
    as_of: dt.date
    overdue_installments: int
    consecutive_overdue: int
    oldest_due_date: dt.date
    days_late: int
    overdue_fraction: Decimal
    overdue_amount: Decimal

    @property
    def is_awarded(self) -> bool:
        """Whether the holder was already awarded (never excluded for default, A5)."""
        return self.holder_status == "awarded"


def unpaid_due_dates(overdue: Overdue, *, counts_alternate: bool) -> int:
    """The count the exclusion threshold reads (A5): consecutive unpaid due dates (Res. 285),
    or all of them, alternate ones included, when the group's rules say so (old Circular)."""
    return overdue.overdue_installments if counts_alternate else overdue.consecutive_overdue


def overdue_by_holder(
    group: ConsortiumGroup, as_of: dt.date, *, quota_version_id: int | None = None
) -> list[Overdue]:
    """Every holder of ``group`` with installments overdue on ``as_of`` (one query), by
    version id; ``quota_version_id`` restricts it to that holder."""
    tables = sql_tables()
    sql = _OVERDUE_SQL.format(holders=HOLDERS_SQL.format(**tables), **tables)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "group": group.pk,
                "version": quota_version_id,
                "holder_statuses": list(HOLDER_STATUSES),
                "through": overdue_through(as_of),
            },
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    credit = billing_selectors.credit_value_in_force(group, as_of)
    return [
        Overdue(
            quota_id=row[0],
            number=row[1],
            quota_version_id=row[2],
            holder_status=row[3],
            member_id=row[4],
            as_of=as_of,
            overdue_installments=row[5],
            consecutive_overdue=row[6],
            oldest_due_date=row[7],
            days_late=(as_of - calendar.next_business_day(row[7])).days,
            overdue_fraction=row[8],
            overdue_amount=round_half_up(row[8] * credit, 2),
        )
        for row in rows
    ]


def delinquent_quotas(group: ConsortiumGroup | None = None) -> QuerySet[DelinquencyStatus]:
    """Quota versions in default as the daily job last found them, worst first."""
    rows = DelinquencyStatus.objects.select_related(
        "group", "quota", "quota_version", "quota_version__member"
    )
    if group is not None:
        rows = rows.filter(group=group)
    return rows.order_by("group__code", "-consecutive_overdue", "oldest_due_date", "quota__number")


def exclusion_proposals(
    *, state: str | None = ExclusionProposalState.PROPOSED, group: ConsortiumGroup | None = None
) -> QuerySet[ExclusionProposal]:
    """Exclusion proposals (by default those waiting for staff), oldest first."""
    rows = ExclusionProposal.objects.select_related(
        "group", "quota", "quota_version", "quota_version__member", "decided_by"
    )
    if state is not None:
        rows = rows.filter(state=state)
    if group is not None:
        rows = rows.filter(group=group)
    return rows.order_by("proposed_on", "pk")
