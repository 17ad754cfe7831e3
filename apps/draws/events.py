"""Domain events of the draws context (published through ``consorcio.outbox.publish``).

Results publish what they decided, by group and quota number, never by name (LGPD, §9):
subscribers (notifications, credit, reports) read what else they need.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from consorcio.outbox import DomainEvent

__all__ = [
    "AssemblyResultsComputed",
    "AssemblyResultsPublished",
    "AwardLapsed",
    "BidWon",
    "QuotaContemplated",
]


@dataclass(frozen=True)
class AssemblyResultsComputed(DomainEvent):
    """An assembly's results were computed (once)."""

    type: ClassVar[str] = "draws.assembly.results_computed"
    aggregate_type: ClassVar[str] = "assembly"

    assembly_id: int
    group_id: int
    assembly_date: dt.date
    awards: int
    money_available: Decimal
    carry_over: Decimal


@dataclass(frozen=True)
class AssemblyResultsPublished(DomainEvent):
    """An assembly's results were published (the minutes may be issued)."""

    type: ClassVar[str] = "draws.assembly.results_published"
    aggregate_type: ClassVar[str] = "assembly"

    assembly_id: int
    group_id: int
    assembly_date: dt.date


@dataclass(frozen=True)
class BidWon(DomainEvent):
    """A bid won (or a reserve was called): the holder must pay by ``payment_due``."""

    type: ClassVar[str] = "draws.bid.won"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    assembly_id: int
    award_id: int
    bid_id: int
    fraction: Decimal
    cash_fraction: Decimal
    payment_due: dt.date | None
    charge_id: int | None


@dataclass(frozen=True)
class QuotaContemplated(DomainEvent):
    """A quota version's award is confirmed (draw, paid bid) or its refund was drawn."""

    type: ClassVar[str] = "draws.quota.contemplated"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    assembly_id: int
    award_id: int
    kind: str
    credit_value: Decimal


@dataclass(frozen=True)
class AwardLapsed(DomainEvent):
    """A winning bid was not paid in time: its award lapsed."""

    type: ClassVar[str] = "draws.award.lapsed"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    quota_version_id: int
    group_id: int
    number: int
    assembly_id: int
    award_id: int
    promoted_award_id: int | None
