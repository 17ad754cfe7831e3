"""The sweeper: what the after-commit enqueue lost, and retries whose time came, get sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consorcio.models import OutboxDelivery
from consorcio.outbox import DeliveryOutcome, claim_due_deliveries, deliver
from consorcio.tasks import sweep_outbox
from tests.kernel.celery_app.support import queue_length
from tests.kernel.outbox.events import NOTICER

pytestmark = pytest.mark.django_db


def test_a_delivery_whose_enqueue_was_lost_is_picked_by_the_sweeper_and_delivered(
    publish_thing, settings
):
    settings.OUTBOX_REDELIVERY_AFTER_SECONDS = 60
    event = publish_thing(thing_id=20)  # its after-commit enqueue never runs: "lost"
    delivery = OutboxDelivery.objects.get(event=event, subscriber=NOTICER)
    now = timezone.now()

    # Within the first minute the fast path may still be on its way: left alone.
    assert delivery.pk not in claim_due_deliveries(now=now + timedelta(seconds=30))
    picked = claim_due_deliveries(now=now + timedelta(seconds=61))

    assert delivery.pk in picked
    assert deliver(delivery.pk) is DeliveryOutcome.DELIVERED
    assert delivery.pk not in claim_due_deliveries(now=now + timedelta(hours=1))


def test_a_picked_delivery_is_not_picked_again_while_its_message_waits_but_is_if_lost(
    publish_thing, settings
):
    settings.OUTBOX_REDELIVERY_AFTER_SECONDS = 60
    event = publish_thing(thing_id=21)
    delivery = OutboxDelivery.objects.get(event=event, subscriber=NOTICER)
    first_sweep = timezone.now() + timedelta(seconds=61)

    assert delivery.pk in claim_due_deliveries(now=first_sweep)
    assert delivery.pk not in claim_due_deliveries(now=first_sweep + timedelta(seconds=59))
    assert delivery.pk in claim_due_deliveries(now=first_sweep + timedelta(seconds=61))


def test_a_failed_delivery_is_picked_once_its_backoff_has_passed(publish_thing, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    event = publish_thing(thing_id=22, explode=True)
    delivery = OutboxDelivery.objects.get(event=event, subscriber=NOTICER)
    deliver(delivery.pk)
    delivery.refresh_from_db()

    assert delivery.pk not in claim_due_deliveries(
        now=delivery.next_attempt_at - timedelta(seconds=1)
    )
    assert delivery.pk in claim_due_deliveries(now=delivery.next_attempt_at)


def test_the_beat_task_sends_every_due_delivery_to_the_broker(publish_thing, private_queue):
    event = publish_thing(thing_id=23)
    OutboxDelivery.objects.filter(event=event).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    sent = sweep_outbox()

    assert sent == 2
    assert queue_length(private_queue, expected=2) == 2
