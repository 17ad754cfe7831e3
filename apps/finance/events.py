"""Domain events of the finance context (published through ``consorcio.outbox.publish``).

Delinquency (DOMAIN.md A5, §6), for the notifications to come: a quota holder fell into
default, missed one more due date, paid the arrears; the daily job proposed an exclusion;
staff confirmed or dismissed it. Each names the quota (``quota_id``, the aggregate), the
holding (``quota_version_id``), the group, the quota number and the member, so a subscriber
needs no read to address its message.

Bids (issue 12): ``BidPaid`` tells the draws context that a winning bid's charge was paid and
applied (DOMAIN.md A8, §4.2), so it can confirm the pending award.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from consorcio.outbox import DomainEvent

__all__ = [
    "BidPaid",
    "QuotaBecameDelinquent",
    "QuotaDelinquencyCleared",
    "QuotaDelinquencyIncreased",
    "QuotaExclusionConfirmed",
    "QuotaExclusionDismissed",
    "QuotaMarkedForExclusion",
]


@dataclass(frozen=True)
class QuotaBecameDelinquent(DomainEvent):
    """A due date of the quota passed unpaid (the first of this default)."""

    type: ClassVar[str] = "finance.quota.became_delinquent"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    member_id: int | None
    as_of: dt.date
    overdue_installments: int
    oldest_due_date: dt.date
    days_late: int
    overdue_amount: Decimal


@dataclass(frozen=True)
class QuotaDelinquencyIncreased(DomainEvent):
    """One more due date of a quota already in default passed unpaid."""

    type: ClassVar[str] = "finance.quota.delinquency_increased"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    member_id: int | None
    as_of: dt.date
    previous_overdue_installments: int
    overdue_installments: int
    consecutive_overdue: int
    oldest_due_date: dt.date
    days_late: int
    overdue_amount: Decimal


@dataclass(frozen=True)
class QuotaDelinquencyCleared(DomainEvent):
    """The holder paid every overdue installment: no longer in default."""

    type: ClassVar[str] = "finance.quota.delinquency_cleared"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    member_id: int | None
    as_of: dt.date


@dataclass(frozen=True)
class QuotaMarkedForExclusion(DomainEvent):
    """The quota's unpaid due dates reached the group's threshold: exclusion proposed (A5)."""

    type: ClassVar[str] = "finance.quota.marked_for_exclusion"
    aggregate_type: ClassVar[str] = "quota"

    proposal_id: int
    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    member_id: int | None
    proposed_on: dt.date
    unpaid_due_dates: int
    threshold: int
    overdue_amount: Decimal


@dataclass(frozen=True)
class QuotaExclusionConfirmed(DomainEvent):
    """Staff confirmed the proposal: the groups context excluded the quota version."""

    type: ClassVar[str] = "finance.quota.exclusion_confirmed"
    aggregate_type: ClassVar[str] = "quota"

    proposal_id: int
    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    member_id: int | None
    excluded_at: dt.datetime
    confirmed_by_id: int | None


@dataclass(frozen=True)
class QuotaExclusionDismissed(DomainEvent):
    """The proposal was dismissed by staff, or withdrawn by the job (``automatic``)."""

    type: ClassVar[str] = "finance.quota.exclusion_dismissed"
    aggregate_type: ClassVar[str] = "quota"

    proposal_id: int
    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    member_id: int | None
    automatic: bool
    reason: str
    dismissed_by_id: int | None


@dataclass(frozen=True)
class BidPaid(DomainEvent):
    """A winning bid's charge was paid and the bid applied to the quota (A8, §4.2)."""

    type: ClassVar[str] = "finance.bid.paid"
    aggregate_type: ClassVar[str] = "quota"

    bid_ref: str
    charge_id: int
    quota_id: int
    quota_version_id: int
    group_id: int
    amount: Decimal
    paid_on: dt.date
