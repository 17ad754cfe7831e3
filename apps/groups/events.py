"""Domain events of the groups context (published through ``consorcio.outbox.publish``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from consorcio.outbox import DomainEvent


@dataclass(frozen=True)
class GroupCreated(DomainEvent):
    """A group was registered (in formation) with its rules version 1."""

    type: ClassVar[str] = "groups.group.created"
    aggregate_type: ClassVar[str] = "group"

    group_id: int
    code: str
    segment: str
    term_months: int
    max_quotas: int


@dataclass(frozen=True)
class GroupStateChanged(DomainEvent):
    """A group moved along its lifecycle (formation → running → closing → closed)."""

    type: ClassVar[str] = "groups.group.state_changed"
    aggregate_type: ClassVar[str] = "group"

    group_id: int
    from_state: str
    to_state: str
    on_date: dt.date


@dataclass(frozen=True)
class GroupRulesAmended(DomainEvent):
    """A new rules version took effect for a group (the previous one stays retrievable)."""

    type: ClassVar[str] = "groups.group.rules_amended"
    aggregate_type: ClassVar[str] = "group"

    group_id: int
    version: int
    previous_version: int
    changed_fields: tuple[str, ...]
    effective_from: dt.date


@dataclass(frozen=True)
class QuotaSold(DomainEvent):
    """A sale was confirmed: the quota version is active for the member."""

    type: ClassVar[str] = "groups.quota.sold"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    group_id: int
    number: int
    version: int
    member_id: int
    sales_channel_id: int | None
    sales_representative_id: int | None


@dataclass(frozen=True)
class QuotaObligationRecorded(DomainEvent):
    """A fee is owed for a quota version (finance turns it into a charge)."""

    type: ClassVar[str] = "groups.quota.obligation_recorded"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    obligation_id: int
    quota_version_id: int
    member_id: int
    kind: str
    amount: Decimal
    due_date: dt.date


@dataclass(frozen=True)
class QuotaTransferred(DomainEvent):
    """The quota passed from one member to another (a new version; the old one ended)."""

    type: ClassVar[str] = "groups.quota.transferred"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    group_id: int
    number: int
    from_member_id: int
    to_member_id: int
    version: int


@dataclass(frozen=True)
class SaleCancelled(DomainEvent):
    """A sale was cancelled within the cooling-off period; the quota is free again."""

    type: ClassVar[str] = "groups.sale.cancelled"
    aggregate_type: ClassVar[str] = "quota"

    quota_id: int
    group_id: int
    number: int
    version: int
    member_id: int
    reason: str
