"""A real ``celery worker`` against the real broker and the test database.

One worker serves the whole module (starting one takes a couple of seconds); each test talks
to it through a queue private to this module, so parallel runs never share messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import structlog
from django.db import transaction

from consorcio.jobs import plan_chunks, start_job
from consorcio.models import Job, JobMessage, OutboxDelivery
from consorcio.outbox import DomainEvent, publish
from tests.kernel.celery_app import worker_app
from tests.kernel.celery_app.support import (
    Worker,
    routed_to,
    running_worker,
    unique_queue_name,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Probed(DomainEvent):
    type: ClassVar[str] = worker_app.WORKER_EVENT_TYPE
    aggregate_type: ClassVar[str] = "job"

    job_id: uuid.UUID


@pytest.fixture(scope="module")
def worker(django_db_setup: None) -> Iterator[Worker]:
    queue = unique_queue_name()
    with routed_to(queue), running_worker(queue) as running:
        yield running


def _messages(job: Job) -> list[str]:
    return list(JobMessage.objects.filter(job=job).values_list("text", flat=True))


def test_an_event_committed_in_a_request_is_delivered_once_by_the_worker_with_its_request_id(
    worker: Worker,
) -> None:
    notebook = start_job(kind="tests.notebook")
    request_id = f"req-{uuid.uuid4().hex[:12]}"

    with structlog.contextvars.bound_contextvars(request_id=request_id), transaction.atomic():
        event = publish(Probed(job_id=notebook.pk))

    delivery = OutboxDelivery.objects.get(event=event)
    wait_for(
        lambda: OutboxDelivery.objects.filter(
            pk=delivery.pk, status=OutboxDelivery.Status.DELIVERED
        ).exists(),
        what="the delivery to be marked delivered",
        worker=worker,
    )
    assert _messages(notebook) == [f"delivered {event.id} request_id={request_id}"]
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_the_request_id_of_the_publisher_arrives_in_the_task_it_enqueued(worker: Worker) -> None:
    notebook = start_job(kind="tests.notebook")
    request_id = f"req-{uuid.uuid4().hex[:12]}"

    with structlog.contextvars.bound_contextvars(request_id=request_id):
        worker_app.report_request_id.delay(str(notebook.pk))

    wait_for(lambda: bool(_messages(notebook)), what="the task's note", worker=worker)
    assert _messages(notebook) == [f"task request_id={request_id}"]


def test_a_job_of_several_chunks_is_completed_by_the_worker_and_reaches_its_total(
    worker: Worker,
) -> None:
    with transaction.atomic():
        job = start_job(kind=worker_app.COUNTING_KIND, description="contagem")
        plan_chunks(job, [{"part": i} for i in range(4)], sizes=[3, 3, 3, 1])

    wait_for(
        lambda: Job.objects.filter(pk=job.pk, state=Job.State.SUCCEEDED).exists(),
        what="the job to succeed",
        worker=worker,
    )
    job.refresh_from_db()
    assert (job.done, job.total) == (10, 10)
    assert job.finished_at is not None
    assert sorted(_messages(job)) == sorted(
        [f"chunk {i}: {n} items" for i, n in enumerate([3, 3, 3, 1])] + ["Tarefa concluída."]
    )
