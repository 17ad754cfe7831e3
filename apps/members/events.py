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


@dataclass(frozen=True)
class MembersImported(DomainEvent):
    """A file import registered ``count`` members at once (one event per import, not per row).

    ``first_member_id``..``last_member_id`` bound the new ids (other registrations committed
    at the same time may fall in the range); a consumer needing the rows reads them there.
    """

    type = "members.import.completed"
    aggregate_type = "import"
    aggregate_id_field = "import_id"

    import_id: str
    count: int
    first_member_id: int
    last_member_id: int
    sales_channel_id: int | None
