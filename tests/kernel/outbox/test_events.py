"""The shape of events: JSON payload rules, declared types, and subscriber names."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from consorcio.outbox import DomainEvent, StoredEvent, register_subscriber, subscribers_for


class Channel(enum.Enum):
    BRANCH = "agencia"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class EverythingRecorded(DomainEvent):
    type: ClassVar[str] = "tests.everything.recorded"
    aggregate_type: ClassVar[str] = "ledger"
    aggregate_id_field: ClassVar[str] = "account"

    account: uuid.UUID
    due_date: dt.date
    at: dt.datetime
    fraction: Decimal
    channel: Channel
    price: Money
    quota_ids: tuple[int, ...]


def test_payload_keeps_decimals_exact_and_dates_as_iso_strings():
    account = uuid.UUID("12345678-1234-5678-1234-567812345678")
    at = dt.datetime(2026, 3, 10, 14, 30, 5, 123456, tzinfo=ZoneInfo("America/Sao_Paulo"))
    event = EverythingRecorded(
        account=account,
        due_date=dt.date(2026, 3, 10),
        at=at,
        fraction=Decimal("0.0083333333"),
        channel=Channel.BRANCH,
        price=Money(Decimal("1234.56"), "BRL"),
        quota_ids=(3, 1),
    )

    assert event.aggregate_id == str(account)
    assert event.payload() == {
        "account": "12345678-1234-5678-1234-567812345678",
        "due_date": "2026-03-10",
        "at": "2026-03-10T14:30:05.123456-03:00",
        "fraction": "0.0083333333",
        "channel": "agencia",
        "price": {"amount": "1234.56", "currency": "BRL"},
        "quota_ids": [3, 1],
    }


@dataclass(frozen=True)
class FloatyPriced(DomainEvent):
    type: ClassVar[str] = "tests.floaty.priced"
    aggregate_type: ClassVar[str] = "floaty"

    floaty_id: int
    price: object


def test_a_float_or_a_naive_datetime_in_an_event_is_refused():
    with pytest.raises(TypeError, match="Decimal"):
        FloatyPriced(floaty_id=1, price=0.1).payload()
    with pytest.raises(ValueError, match="naive"):
        FloatyPriced(floaty_id=1, price=dt.datetime(2026, 1, 1, 10, 0)).payload()


def test_an_event_type_that_is_not_context_aggregate_verb_is_refused_when_declared():
    with pytest.raises(TypeError, match=r"context\.aggregate\.verb"):

        @dataclass(frozen=True)
        class Sold(DomainEvent):
            type: ClassVar[str] = "QuotaSold"
            aggregate_type: ClassVar[str] = "quota"


def _first(event: StoredEvent) -> None:
    """A subscriber."""


def _second(event: StoredEvent) -> None:
    """Another subscriber."""


def test_two_different_handlers_cannot_share_a_subscriber_name():
    register_subscriber("tests.names.clashed", _first, name="tests.names.taken")
    register_subscriber("tests.names.clashed", _first, name="tests.names.taken")  # same: fine

    with pytest.raises(ImproperlyConfigured, match="already taken"):
        register_subscriber("tests.names.clashed", _second, name="tests.names.taken")

    assert [s.handler for s in subscribers_for("tests.names.clashed")] == [_first]
