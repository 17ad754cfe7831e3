"""Outbox and job state reaches /metrics whichever process did the work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consorcio.models import Job, JobChunk, OutboxDelivery, OutboxEvent

pytestmark = pytest.mark.django_db


def _metric_value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not exported")


def _labelled(body: str, name: str, label: str) -> float:
    prefix = f"{name}{{{label}}} "
    for line in body.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    raise AssertionError(f"{prefix} not exported")


def test_metrics_report_waiting_and_dead_deliveries_and_the_oldest_waiting_age(client):
    event = OutboxEvent.objects.create(
        type="tests.thing.happened", aggregate_type="thing", aggregate_id="1"
    )
    OutboxDelivery.objects.create(
        event=event, subscriber="a", created_at=timezone.now() - timedelta(minutes=10)
    )
    OutboxDelivery.objects.create(event=event, subscriber="b", status=OutboxDelivery.Status.DEAD)

    body = client.get("/metrics").content.decode()

    assert _labelled(body, "consorcio_outbox_deliveries_in_state", 'status="pending"') == 1
    assert _labelled(body, "consorcio_outbox_deliveries_in_state", 'status="dead"') == 1
    assert _metric_value(body, "consorcio_outbox_oldest_pending_seconds") >= 600


def test_metrics_report_running_jobs_and_chunks_whose_worker_went_silent(client, settings):
    settings.JOB_CHUNK_STALL_SECONDS = 60
    job = Job.objects.create(kind="tests.kind", state=Job.State.RUNNING, total=2)
    JobChunk.objects.create(
        job=job,
        index=0,
        state=JobChunk.State.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    JobChunk.objects.create(
        job=job, index=1, state=JobChunk.State.RUNNING, heartbeat_at=timezone.now()
    )

    body = client.get("/metrics").content.decode()

    assert _labelled(body, "consorcio_jobs_active", 'state="running"') == 1
    assert _metric_value(body, "consorcio_jobs_chunks_stalled") == 1
