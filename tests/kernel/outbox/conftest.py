"""Fixtures of the outbox tests."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction

from consorcio.models import OutboxEvent
from consorcio.outbox import publish
from tests.kernel.celery_app.support import routed_to, unique_queue_name
from tests.kernel.outbox.events import ThingHappened


@pytest.fixture
def private_queue() -> Iterator[str]:
    """Route this test's task messages to a broker queue of its own (deleted afterwards)."""
    with routed_to(unique_queue_name()) as name:
        yield name


@pytest.fixture
def publish_thing(django_capture_on_commit_callbacks):
    """Publish a ThingHappened in a transaction; its after-commit enqueue is not run."""

    def _publish(thing_id: int = 1, *, explode: bool = False) -> OutboxEvent:
        with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
            return publish(
                ThingHappened(thing_id=thing_id, amount=Decimal("5.00"), explode=explode)
            )

    return _publish
