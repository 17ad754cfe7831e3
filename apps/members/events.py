"""Domain events of the members context (published through ``consorcio.outbox.publish``)."""

from __future__ import annotations

from dataclasses import dataclass

from consorcio.outbox.events import DomainEvent


@dataclass(frozen=True)
class MemberRegistered(DomainEvent):
    """A member was registered (ids and non-personal values only)."""

    type = "members.member.registered"
    aggregate_type = "member"

    member_id: int
    kind: str
    sales_channel_id: int | None
    sales_representative_id: int | None


@dataclass(frozen=True)
class MemberUpdated(DomainEvent):
    """A member's record changed; ``fields`` names what changed."""

    type = "members.member.updated"
    aggregate_type = "member"

    member_id: int
    fields: tuple[str, ...]
