"""The shape of domain events: the base class contexts extend, and the stored form handlers get.

A context declares its events in its ``events.py`` as frozen dataclasses, past tense::

    @dataclass(frozen=True)
    class QuotaSold(DomainEvent):
        type: ClassVar[str] = "groups.quota.sold"
        aggregate_type: ClassVar[str] = "quota"

        quota_id: int
        group_id: int
        price: Decimal

The aggregate id is read from the field ``<aggregate_type>_id`` (``quota_id`` above) unless the
class names another in ``aggregate_id_field``. Fields hold ids and values, never model
instances. The payload is JSON: ``Decimal`` becomes a string (no precision lost),
``date``/``datetime`` ISO 8601 (datetimes must be aware), ``UUID`` a string, an ``Enum`` its
value, tuples and sets lists, nested dataclasses objects. ``float`` is refused: money is
``Decimal`` (STYLE.md), and a float in an event is almost always a money bug.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

if TYPE_CHECKING:
    from consorcio.models import OutboxEvent

JSONValue: TypeAlias = str | int | bool | list["JSONValue"] | dict[str, "JSONValue"] | None

# "context.aggregate.verb", lower case, at least three dotted parts: "groups.quota.sold".
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event: a frozen dataclass with a dotted ``type`` and an aggregate.

    Subclasses set the class variables ``type`` and ``aggregate_type`` (and, when the id field
    is not ``<aggregate_type>_id``, ``aggregate_id_field``); ``publish`` refuses an event that
    lacks them.
    """

    type: ClassVar[str]
    aggregate_type: ClassVar[str]
    aggregate_id_field: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("type")
        if event_type is not None and not EVENT_TYPE_PATTERN.fullmatch(str(event_type)):
            raise TypeError(
                f"{cls.__qualname__}.type = {event_type!r}: expected 'context.aggregate.verb'"
            )

    @property
    def aggregate_id(self) -> str:
        """The id of the aggregate the event is about, as stored in the outbox."""
        field_name = self.aggregate_id_field or f"{self.aggregate_type}_id"
        value = getattr(self, field_name)
        return str(value)

    def payload(self) -> dict[str, JSONValue]:
        """The event's fields as JSON-ready values (see the module docstring for the rules)."""
        return {
            field.name: to_json_value(getattr(self, field.name))
            for field in dataclasses.fields(self)
        }


def to_json_value(value: object) -> JSONValue:
    """Convert one event value to JSON: Decimal→str, dates→ISO, UUID→str; floats refused."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        raise TypeError("float values are not allowed in domain events: use Decimal")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime in a domain event: use an aware datetime")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_json_value(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((to_json_value(item) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__} in a domain event")


@dataclass(frozen=True)
class StoredEvent:
    """An event as it was recorded in the outbox: what a subscriber's handler receives.

    ``payload`` holds the JSON values (Decimals as strings: convert with ``Decimal(...)``);
    ``id`` is the idempotency key a handler may use for its own writes.
    """

    id: uuid.UUID
    type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: dt.datetime
    request_id: str

    @classmethod
    def from_row(cls, row: OutboxEvent) -> StoredEvent:
        """Build the handler's view of an ``OutboxEvent`` row."""
        return cls(
            id=row.id,
            type=row.type,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            payload=dict(row.payload),
            occurred_at=row.occurred_at,
            request_id=row.request_id,
        )
