"""Delivery: at most one successful run per subscriber, retries with backoff, dead letters."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import structlog
from django.db import connection, transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from consorcio.models import OutboxDelivery, OutboxEvent
from consorcio.outbox import DeliveryOutcome, deliver, publish, retry_delay
from tests.kernel.outbox.events import NOTICED, NOTICER, ThingHappened

pytestmark = pytest.mark.django_db


def _delivery(event: OutboxEvent, subscriber: str = NOTICER) -> OutboxDelivery:
    return OutboxDelivery.objects.get(event=event, subscriber=subscriber)


def _noticed(event: OutboxEvent) -> int:
    return OutboxEvent.objects.filter(type=NOTICED, payload__source_event_id=str(event.pk)).count()


def test_delivering_runs_the_subscriber_and_marks_the_delivery_delivered(publish_thing):
    event = publish_thing(thing_id=1)
    delivery = _delivery(event)

    assert deliver(delivery.pk) is DeliveryOutcome.DELIVERED

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert delivery.delivered_at is not None
    assert _noticed(event) == 1


def test_delivering_the_same_delivery_twice_runs_the_subscriber_once(publish_thing):
    event = publish_thing(thing_id=2)
    delivery = _delivery(event)

    first = deliver(delivery.pk)
    second = deliver(delivery.pk)

    assert (first, second) == (DeliveryOutcome.DELIVERED, DeliveryOutcome.SKIPPED)
    assert _noticed(event) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_failing_subscriber_has_its_writes_rolled_back_and_is_retried_later_with_backoff(
    publish_thing, settings
):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    event = publish_thing(thing_id=3, explode=True)
    delivery = _delivery(event)
    before = timezone.now()

    assert deliver(delivery.pk) is DeliveryOutcome.FAILED

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "RuntimeError: boom on thing 3" in delivery.last_error
    # First retry: between half and all of the 30 s base, from now.
    assert before + timedelta(seconds=15) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    # The handler published an event before raising: that write is gone.
    assert _noticed(event) == 0


def test_after_the_last_allowed_attempt_the_delivery_becomes_a_dead_letter(publish_thing, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    event = publish_thing(thing_id=4, explode=True)
    delivery = _delivery(event)
    labels = {"type": "tests.thing.happened", "subscriber": NOTICER}
    dead_before = REGISTRY.get_sample_value("consorcio_outbox_dead_letters_total", labels) or 0

    outcomes = [deliver(delivery.pk) for _ in range(4)]

    assert outcomes == [
        DeliveryOutcome.FAILED,
        DeliveryOutcome.FAILED,
        DeliveryOutcome.DEAD,
        DeliveryOutcome.SKIPPED,
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert _noticed(event) == 0
    assert REGISTRY.get_sample_value("consorcio_outbox_dead_letters_total", labels) == (
        dead_before + 1
    )


def test_retry_delay_doubles_with_each_failure_and_stops_at_the_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    settings.OUTBOX_RETRY_MAX_SECONDS = 60

    for attempts, window in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delays = [retry_delay(attempts).total_seconds() for _ in range(50)]
        assert all(window / 2 <= d <= window for d in delays), (attempts, delays)
        assert len(set(delays)) > 1  # jittered


def test_a_delivery_to_a_subscriber_this_process_does_not_know_fails_naming_it(publish_thing):
    event = publish_thing(thing_id=5)
    delivery = _delivery(event)
    OutboxDelivery.objects.filter(pk=delivery.pk).update(subscriber="tests.outbox.gone")

    assert deliver(delivery.pk) is DeliveryOutcome.FAILED

    delivery.refresh_from_db()
    assert "'tests.outbox.gone'" in delivery.last_error
    assert "not registered" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_a_delivery_held_by_a_concurrent_attempt_is_skipped_not_run_twice(private_queue):
    with transaction.atomic():
        event = publish(ThingHappened(thing_id=6, amount=Decimal("1.00")))
    delivery = _delivery(event)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                OutboxDelivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        assert deliver(delivery.pk) is DeliveryOutcome.SKIPPED
    finally:
        release.set()
        holder.join(10)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert _noticed(event) == 0


def test_what_a_subscriber_does_carries_the_request_id_of_the_original_publisher(
    django_capture_on_commit_callbacks,
):
    with (
        structlog.contextvars.bound_contextvars(request_id="req-origem"),
        django_capture_on_commit_callbacks(execute=False),
        transaction.atomic(),
    ):
        event = publish(ThingHappened(thing_id=11, amount=Decimal("3.00")))

    # Delivered later with no request around (as when the beat sweeper enqueued it).
    assert deliver(_delivery(event).pk) is DeliveryOutcome.DELIVERED

    noticed = OutboxEvent.objects.get(type=NOTICED, payload__source_event_id=str(event.pk))
    assert noticed.request_id == "req-origem"
