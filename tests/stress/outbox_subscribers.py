"""The event and the flaky subscribers of the outbox campaign (registered on import).

Each subscriber records its effect, one row per (event, subscriber) under a unique key, then
fails or not as the campaign's seed decides: some pairs always fail ("poisoned": they must end
as dead letters), the others fail each attempt with a fixed chance. A failed attempt's effect
row is rolled back with it, so a delivered pair has exactly one effect and a dead one none. A
handler that finds its effect already there has run twice to success: it counts the
violation and raises.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import ClassVar

from django.db import connection

from consorcio.outbox import DomainEvent, StoredEvent, subscribe

HAPPENED = "stress.thing.happened"
SUBSCRIBERS = ("stress.outbox.ledger", "stress.outbox.mailer", "stress.outbox.webhook")


@dataclass(frozen=True)
class StressThingHappened(DomainEvent):
    type: ClassVar[str] = HAPPENED
    aggregate_type: ClassVar[str] = "stressthing"
    aggregate_id_field: ClassVar[str | None] = "number"

    run: str
    number: int


@dataclass
class FlakyPlan:
    """What the subscribers do in one campaign: where they write and when they fail."""

    seed: int
    run: str
    effect_table: str
    fail_chance: float
    poison_chance: float
    max_hold: float
    attempts: dict[tuple[uuid.UUID, str], int] = field(default_factory=dict)
    handler_runs: int = 0
    handler_failures: int = 0
    duplicate_effects: int = 0
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join([str(self.seed), "outbox", *map(str, parts)]))

    def is_poisoned(self, number: int, subscriber: str) -> bool:
        """Whether this pair fails every attempt (decided by the seed alone)."""
        return self.rng("poison", number, subscriber).random() < self.poison_chance

    def next_attempt(self, event_id: uuid.UUID, subscriber: str) -> int:
        with self._guard:
            attempt = self.attempts.get((event_id, subscriber), 0) + 1
            self.attempts[(event_id, subscriber)] = attempt
            self.handler_runs += 1
            return attempt

    def count(self, name: str) -> None:
        with self._guard:
            setattr(self, name, getattr(self, name) + 1)


# Set by the campaign for its duration; the subscribers refuse to run without one.
plan: FlakyPlan | None = None


class DuplicateEffect(RuntimeError):
    """A subscriber ran to success twice for one event."""


class InjectedFailure(RuntimeError):
    """The failure the campaign's seed chose for this attempt."""


def _handle(event: StoredEvent, subscriber: str) -> None:
    current = plan
    if current is None or event.payload.get("run") != current.run:
        raise LookupError("no stress campaign is running for this event")
    number = int(event.payload["number"])
    attempt = current.next_attempt(event.id, subscriber)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {current.effect_table} (event_id, subscriber, number) "
            "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
            [event.id, subscriber, number],
        )
        if cursor.fetchone() is None:
            current.count("duplicate_effects")
            raise DuplicateEffect(f"{subscriber} already applied event {event.id}")
    rng = current.rng("attempt", number, subscriber, attempt)
    time.sleep(rng.uniform(0, current.max_hold))
    if current.is_poisoned(number, subscriber) or rng.random() < current.fail_chance:
        current.count("handler_failures")
        raise InjectedFailure(f"{subscriber} failed event {number} on attempt {attempt}")


@subscribe(HAPPENED, name=SUBSCRIBERS[0])
def ledger(event: StoredEvent) -> None:
    _handle(event, SUBSCRIBERS[0])


@subscribe(HAPPENED, name=SUBSCRIBERS[1])
def mailer(event: StoredEvent) -> None:
    _handle(event, SUBSCRIBERS[1])


@subscribe(HAPPENED, name=SUBSCRIBERS[2])
def webhook(event: StoredEvent) -> None:
    _handle(event, SUBSCRIBERS[2])
