"""Domain events and subscribers used by the outbox tests (registered on import)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from consorcio.outbox import DomainEvent, StoredEvent, publish, subscribe

HAPPENED = "tests.thing.happened"
NOTICED = "tests.thing.noticed"
NOTICER = "tests.outbox.notice_thing"
BYSTANDER = "tests.outbox.bystander"


@dataclass(frozen=True)
class ThingHappened(DomainEvent):
    type: ClassVar[str] = HAPPENED
    aggregate_type: ClassVar[str] = "thing"

    thing_id: int
    amount: Decimal
    explode: bool = False


@dataclass(frozen=True)
class ThingNoticed(DomainEvent):
    type: ClassVar[str] = NOTICED
    aggregate_type: ClassVar[str] = "thing"

    thing_id: int
    source_event_id: uuid.UUID


@subscribe(ThingHappened, name=NOTICER)
def notice_thing(event: StoredEvent) -> None:
    """React by publishing ThingNoticed; then blow up if the event asks for it.

    Publishing before raising shows that a failed handler's writes are rolled back.
    """
    publish(ThingNoticed(thing_id=event.payload["thing_id"], source_event_id=event.id))
    if event.payload["explode"]:
        raise RuntimeError(f"boom on thing {event.payload['thing_id']}")


@subscribe(HAPPENED, name=BYSTANDER)
def bystander(event: StoredEvent) -> None:
    """A second subscriber that does nothing: each subscriber gets its own delivery."""
