"""Domain events of the groups context (published through ``consorcio.outbox.publish``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
