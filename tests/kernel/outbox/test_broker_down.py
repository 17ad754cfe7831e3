"""With the broker down at commit time, the action still commits; the sweeper delivers later."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from consorcio.models import OutboxDelivery, OutboxEvent
from consorcio.outbox import DeliveryOutcome, claim_due_deliveries, deliver
from tests.kernel.celery_app.support import worker_database_url

PUBLISH_SCRIPT = textwrap.dedent(
    """
    import time
    from decimal import Decimal
    from django.db import transaction
    from consorcio.outbox import publish
    from tests.kernel.outbox.events import ThingHappened

    started = time.monotonic()
    with transaction.atomic():
        publish(ThingHappened(thing_id=99, amount=Decimal("50.00")))
    print(f"committed in {time.monotonic() - started:.1f}s")
    """
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_action_committed_while_the_broker_is_down_keeps_its_event_for_the_sweeper():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker_database_url(),
        # Nothing listens on port 1: every enqueue attempt is refused.
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "REDIS_URL": settings.REDIS_URL,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PUBLISH_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "committed in" in done.stdout
    event = OutboxEvent.objects.get(type="tests.thing.happened", aggregate_id="99")
    deliveries = OutboxDelivery.objects.filter(event=event)
    assert {d.status for d in deliveries} == {"pending"}
    picked = claim_due_deliveries(now=timezone.now() + timedelta(minutes=5))
    assert sorted(picked) == sorted(d.pk for d in deliveries)
    assert {deliver(pk) for pk in picked} == {DeliveryOutcome.DELIVERED}
