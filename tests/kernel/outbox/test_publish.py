"""Publishing: the event and its deliveries live and die with the caller's transaction."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import structlog
from django.db import transaction

from consorcio.models import OutboxDelivery, OutboxEvent
from consorcio.outbox import OutboxError, publish
from tests.kernel.celery_app.support import queue_length
from tests.kernel.outbox.events import BYSTANDER, NOTICED, NOTICER, ThingHappened, ThingNoticed


@pytest.mark.embedded
@pytest.mark.django_db
def test_publishing_records_the_event_with_its_request_id_and_one_pending_delivery_per_subscriber(
    django_capture_on_commit_callbacks,
):
    with (
        structlog.contextvars.bound_contextvars(request_id="req-publish-1"),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
    ):
        event = publish(ThingHappened(thing_id=7, amount=Decimal("1234.50")))

    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.type, stored.aggregate_type, stored.aggregate_id) == (
        "tests.thing.happened",
        "thing",
        "7",
    )
    assert stored.payload == {"thing_id": 7, "amount": "1234.50", "explode": False}
    assert stored.request_id == "req-publish-1"
    deliveries = OutboxDelivery.objects.filter(event=stored).order_by("subscriber")
    assert [(d.subscriber, d.status, d.attempts) for d in deliveries] == [
        (BYSTANDER, "pending", 0),
        (NOTICER, "pending", 0),
    ]
    # Nothing is sent before commit: the enqueue waits in an on-commit callback.
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_an_event_nobody_subscribes_to_is_stored_without_deliveries(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = publish(ThingNoticed(thing_id=1, source_event_id=uuid.uuid4()))

    assert OutboxEvent.objects.filter(pk=event.pk, type=NOTICED).exists()
    assert not OutboxDelivery.objects.filter(event=event).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing_and_sends_nothing(private_queue):
    def sell_then_fail() -> None:
        with transaction.atomic():
            publish(ThingHappened(thing_id=8, amount=Decimal("10.00")))
            raise ZeroDivisionError("a later step of the same action failed")

    with pytest.raises(ZeroDivisionError):
        sell_then_fail()

    assert OutboxEvent.objects.count() == 0
    assert OutboxDelivery.objects.count() == 0
    assert queue_length(private_queue) == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_event_sends_one_task_per_delivery_to_the_broker_after_commit(private_queue):
    with transaction.atomic():
        publish(ThingHappened(thing_id=9, amount=Decimal("10.00")))
        assert queue_length(private_queue) == 0

    assert queue_length(private_queue, expected=2) == 2


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused_and_records_nothing():
    with pytest.raises(OutboxError, match=r"transaction\.atomic"):
        publish(ThingHappened(thing_id=10, amount=Decimal("1.00")))

    assert OutboxEvent.objects.count() == 0
