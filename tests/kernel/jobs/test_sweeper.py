"""The stalled-chunk sweeper: a dead worker's chunk or a lost message does not stall a job."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from consorcio.jobs import claim_chunk, plan_chunks, start_job, sweep_stalled_chunks
from consorcio.models import Job, JobChunk, JobMessage
from consorcio.tasks import sweep_stalled_chunks as sweep_task
from tests.kernel.celery_app.support import queue_length
from tests.kernel.jobs.kinds import COUNTING

pytestmark = pytest.mark.django_db

STALL = timedelta(seconds=300)


@pytest.fixture(autouse=True)
def _stall_setting(settings):
    settings.JOB_CHUNK_STALL_SECONDS = int(STALL.total_seconds())
    settings.JOB_CHUNK_MAX_ATTEMPTS = 2


def _state(job: Job, index: int) -> tuple[str, int]:
    chunk = JobChunk.objects.get(job=job, index=index)
    return chunk.state, chunk.attempts


def test_a_running_chunk_whose_worker_stopped_beating_goes_back_to_the_queue(
    planned_job, django_capture_on_commit_callbacks
):
    job = planned_job([2])
    claim_chunk(job.pk, 0)  # the worker that took it dies: no lock held, no heartbeat
    later = timezone.now() + STALL + timedelta(seconds=1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = sweep_stalled_chunks(now=later)

    assert result.requeued == [(job.pk, 0)]
    assert _state(job, 0) == ("pending", 1)
    assert len(callbacks) == 1
    assert list(JobMessage.objects.filter(job=job).values_list("level", "text")) == [
        ("warning", "A parte 0 parou de responder e foi reenfileirada.")
    ]
    assert claim_chunk(job.pk, 0) is not None  # a live worker can take it again


def test_a_chunk_whose_worker_is_only_slow_is_left_alone(planned_job):
    job = planned_job([2])
    claim_chunk(job.pk, 0)

    result = sweep_stalled_chunks(now=timezone.now() + STALL - timedelta(seconds=5))

    assert (result.requeued, result.failed) == ([], [])
    assert _state(job, 0) == ("running", 1)


def test_a_chunk_that_stalls_on_every_attempt_fails_its_job_after_the_bound(planned_job):
    job = planned_job([2, 2])
    for _ in range(2):
        claim_chunk(job.pk, 0)
        result = sweep_stalled_chunks(now=timezone.now() + STALL + timedelta(seconds=1))

    assert result.failed == [(job.pk, 0)]
    assert _state(job, 0) == ("failed", 2)
    job.refresh_from_db()
    assert job.state == "failed"
    assert "A parte 0 falhou após 2 tentativa(s)" in job.error


def test_a_pending_chunk_whose_message_was_lost_is_sent_again(planned_job):
    job = planned_job([1, 1])  # the after-commit enqueue never ran

    result = sweep_stalled_chunks(now=timezone.now() + STALL + timedelta(seconds=1))

    assert sorted(result.requeued) == [(job.pk, 0), (job.pk, 1)]
    assert (_state(job, 0), _state(job, 1)) == (("pending", 0), ("pending", 0))


def test_pending_chunks_of_a_job_that_is_making_progress_are_not_sent_again(planned_job):
    job = planned_job([1, 1, 1])
    later = timezone.now() + STALL + timedelta(seconds=1)
    # A worker is busy on this job right now: its other chunks simply wait their turn.
    JobChunk.objects.filter(job=job, index=0).update(
        state="running", claimed_at=later, heartbeat_at=later
    )

    result = sweep_stalled_chunks(now=later)

    assert result.requeued == []


def test_the_beat_task_sends_the_chunks_it_takes_back_to_the_broker(
    planned_job, private_queue, django_capture_on_commit_callbacks
):
    job = planned_job([1, 1])
    JobChunk.objects.filter(job=job).update(enqueued_at=timezone.now() - STALL * 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_task() == {"requeued": 2, "failed": 0}

    assert queue_length(private_queue, expected=2) == 2


@pytest.mark.django_db(transaction=True)
def test_a_chunk_held_by_a_live_worker_is_never_taken_back_however_long_it_runs(private_queue):
    job = start_job(kind=COUNTING)
    with transaction.atomic():
        plan_chunks(job, [{}], sizes=[1])
    chunk = claim_chunk(job.pk, 0)
    assert chunk is not None
    working, finish = threading.Event(), threading.Event()

    def live_worker() -> None:
        # What run_chunk does for an atomic kind: hold the chunk's row while working.
        try:
            with transaction.atomic():
                JobChunk.objects.select_for_update().get(pk=chunk.pk)
                working.set()
                finish.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=live_worker)
    thread.start()
    try:
        assert working.wait(10)
        result = sweep_stalled_chunks(now=timezone.now() + STALL * 10)
    finally:
        finish.set()
        thread.join(10)

    assert result.requeued == []
    assert _state(job, 0) == ("running", 1)
