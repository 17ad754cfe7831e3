"""Running a chunk with its kind's handler: progress on success, bounded retries on failure."""

from __future__ import annotations

import pytest

from consorcio.jobs import ChunkOutcome, plan_chunks, run_chunk, start_job
from consorcio.models import Job, JobChunk, JobMessage
from consorcio.tasks import run_job_chunk

pytestmark = pytest.mark.django_db


def _messages(job: Job) -> list[str]:
    return list(JobMessage.objects.filter(job=job).values_list("text", flat=True))


def test_running_a_chunk_processes_it_with_the_handler_of_its_kind(planned_job):
    job = planned_job([4, 6])

    assert run_chunk(job.pk, 0) is ChunkOutcome.DONE

    job.refresh_from_db()
    assert (job.done, job.total, job.state) == (4, 10, "running")
    assert _messages(job) == ["parte 0 processada"]


def test_the_task_runs_the_chunk_and_a_duplicate_message_changes_nothing(planned_job):
    job = planned_job([4])

    assert run_job_chunk(str(job.pk), 0) == "done"
    assert run_job_chunk(str(job.pk), 0) == "skipped"

    job.refresh_from_db()
    assert (job.done, job.state) == (4, "succeeded")
    assert _messages(job) == ["parte 0 processada", "Tarefa concluída."]


def test_a_failing_chunk_is_rolled_back_and_retried_then_fails_the_job_after_the_bound(
    planned_job, settings, django_capture_on_commit_callbacks
):
    settings.JOB_CHUNK_MAX_ATTEMPTS = 2
    job = planned_job([3, 3], payloads=[{"explode": True}, {}])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = run_chunk(job.pk, 0)
    chunk = JobChunk.objects.get(job=job, index=0)
    assert first is ChunkOutcome.RETRYING
    assert (chunk.state, chunk.attempts) == ("pending", 1)
    assert "RuntimeError: linha ruim na parte 0" in chunk.error
    assert len(callbacks) == 1  # enqueued again after commit
    assert _messages(job) == []  # the handler's note was rolled back with its work

    assert run_chunk(job.pk, 0) is ChunkOutcome.FAILED

    job.refresh_from_db()
    assert job.state == "failed"
    assert job.error == (
        "A parte 0 falhou após 2 tentativa(s): RuntimeError: linha ruim na parte 0"
    )
    assert run_chunk(job.pk, 1) is ChunkOutcome.SKIPPED  # the rest of a failed job is not run
    assert job.done == 0


def test_a_chunk_of_a_kind_no_handler_is_registered_for_fails_saying_so(settings):
    settings.JOB_CHUNK_MAX_ATTEMPTS = 1
    job = start_job(kind="tests.jobs.nobody_handles_this")
    plan_chunks(job, [{}])  # its after-commit enqueue never runs: the test is one transaction

    assert run_chunk(job.pk, 0) is ChunkOutcome.FAILED

    job.refresh_from_db()
    assert job.state == "failed"
    assert "'tests.jobs.nobody_handles_this' is not registered" in job.error
