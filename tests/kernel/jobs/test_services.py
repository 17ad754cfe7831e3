"""Job services: planning, claiming, progress, and the end states."""

from __future__ import annotations

import pytest
import structlog
from django.contrib.auth import get_user_model

from consorcio.jobs import (
    JobAlreadyFinished,
    JobAlreadyPlanned,
    cancel_job,
    claim_chunk,
    complete_chunk,
    finish_job,
    heartbeat,
    plan_chunks,
    start_job,
)
from consorcio.models import Job, JobChunk, JobMessage
from tests.kernel.jobs.kinds import COUNTING

pytestmark = pytest.mark.django_db


def _messages(job: Job) -> list[str]:
    return list(JobMessage.objects.filter(job=job).values_list("text", flat=True))


@pytest.mark.embedded
def test_starting_a_job_records_who_started_it_and_the_request_that_caused_it():
    user = get_user_model().objects.create_user(username="ana", password="x")

    with structlog.contextvars.bound_contextvars(request_id="req-job-1"):
        job = start_job(kind=COUNTING, description="Cobrança de março", started_by=user)

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("pending", 0, 0)
    assert (job.started_by, job.request_id, job.description) == (
        user,
        "req-job-1",
        "Cobrança de março",
    )


def test_planning_chunks_sets_the_total_marks_the_job_running_and_enqueues_after_commit(
    django_capture_on_commit_callbacks,
):
    job = start_job(kind=COUNTING)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        chunks = plan_chunks(job, [{"ids": [1, 2]}, {"ids": [3]}], sizes=[2, 1])

    assert [(c.index, c.size, c.state, c.payload) for c in chunks] == [
        (0, 2, "pending", {"ids": [1, 2]}),
        (1, 1, "pending", {"ids": [3]}),
    ]
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("running", 0, 3)
    assert job.started_at is not None
    assert len(callbacks) == 1


def test_a_job_is_planned_only_once_and_a_second_plan_changes_nothing(planned_job):
    job = planned_job([5, 5])

    with pytest.raises(JobAlreadyPlanned):
        plan_chunks(job, [{}], sizes=[100])

    job.refresh_from_db()
    assert job.total == 10
    assert JobChunk.objects.filter(job=job).count() == 2


def test_a_chunk_is_handed_to_one_worker_only(planned_job):
    job = planned_job([3])

    first = claim_chunk(job.pk, 0)
    second = claim_chunk(job.pk, 0)

    assert first is not None
    assert (first.state, first.attempts) == ("running", 1)
    assert second is None


def test_each_completed_chunk_adds_its_items_and_the_last_one_finishes_the_job(planned_job):
    job = planned_job([3, 2])

    after_first = complete_chunk(claim_chunk(job.pk, 1), 2)
    assert (after_first.state, after_first.done, after_first.total) == ("running", 2, 5)

    after_last = complete_chunk(claim_chunk(job.pk, 0), 3)
    assert (after_last.state, after_last.done, after_last.total) == ("succeeded", 5, 5)
    assert after_last.finished_at is not None
    assert _messages(job) == ["Tarefa concluída."]


def test_completing_the_same_chunk_twice_counts_its_items_once(planned_job):
    job = planned_job([3, 2])
    chunk = claim_chunk(job.pk, 0)

    complete_chunk(chunk, 3)
    again = complete_chunk(chunk, 3)

    assert (again.done, again.state) == (3, "running")


def test_progress_never_exceeds_the_total(planned_job):
    job = planned_job([2])

    finished = complete_chunk(claim_chunk(job.pk, 0), 7)

    assert (finished.done, finished.total) == (2, 2)


def test_a_cancelled_job_hands_out_no_more_chunks_and_tells_running_ones_to_stop(planned_job):
    job = planned_job([1, 1])
    running = claim_chunk(job.pk, 0)

    cancel_job(job, reason="Pedido pelo operador.")

    assert claim_chunk(job.pk, 1) is None
    assert heartbeat(running) is False
    job.refresh_from_db()
    assert job.state == "cancelled"
    assert _messages(job) == ["Tarefa cancelada. Pedido pelo operador."]


def test_an_ended_job_cannot_be_cancelled_or_finished_and_stays_as_it_was(planned_job):
    job = planned_job([1])
    cancel_job(job)
    before = Job.objects.filter(pk=job.pk).values().get()

    with pytest.raises(JobAlreadyFinished):
        cancel_job(job)
    with pytest.raises(JobAlreadyFinished):
        finish_job(job, result_url="/media/relatorio.pdf")

    assert Job.objects.filter(pk=job.pk).values().get() == before


def test_a_job_without_chunks_is_finished_with_its_result_link():
    job = start_job(kind=COUNTING)

    finished = finish_job(job, result_url="/media/relatorios/marco.pdf")

    assert (finished.state, finished.result_url) == ("succeeded", "/media/relatorios/marco.pdf")


def test_a_job_planned_with_nothing_to_do_succeeds_at_once():
    job = start_job(kind=COUNTING)

    plan_chunks(job, [])

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("succeeded", 0, 0)
