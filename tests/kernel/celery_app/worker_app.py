"""The project's Celery app plus the subscribers, job kinds and task the worker tests use.

A real worker started by ``support.running_worker`` loads this module (``celery -A``); the test
process imports it too, so both register the same subscriber names (deliveries are created for
the subscribers the publishing process knows).
"""

from __future__ import annotations

import django

from config.celery import app

django.setup()

from consorcio.jobs import add_job_message, register_job_kind  # noqa: E402
from consorcio.models import Job, JobChunk  # noqa: E402
from consorcio.observability import current_request_id  # noqa: E402
from consorcio.outbox import StoredEvent, subscribe  # noqa: E402

__all__ = ["app"]

WORKER_EVENT_TYPE = "tests.worker.probed"
COUNTING_KIND = "tests.worker.count"


@subscribe(WORKER_EVENT_TYPE, name="tests.worker.record_delivery")
def record_delivery(event: StoredEvent) -> None:
    """Leave a note on the test's job: which event arrived, with which request id."""
    job = Job.objects.get(pk=event.payload["job_id"])
    add_job_message(job, "info", f"delivered {event.id} request_id={current_request_id()}")


def count_chunk(chunk: JobChunk) -> int:
    """Process a chunk by counting its items (and saying so in the job's messages)."""
    add_job_message(chunk.job, "info", f"chunk {chunk.index}: {chunk.size} items")
    return chunk.size


register_job_kind(COUNTING_KIND, count_chunk)


@app.task(name="tests.worker.report_request_id")
def report_request_id(job_id: str) -> None:
    """Write the request id this task runs under as a message of the test's job."""
    job = Job.objects.get(pk=job_id)
    add_job_message(job, "info", f"task request_id={current_request_id()}")
