"""Writes on jobs and their chunks: start, plan, claim, beat, complete, fail, finish, cancel.

Locks are always taken chunk first, then job, so two chunk completions (or a completion and
the sweeper) never deadlock; ``cancel_job`` and ``finish_job`` lock only the job row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

import structlog
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, F, PositiveIntegerField, When
from django.db.models.functions import Least
from django.utils import timezone

from consorcio.errors import DomainError
from consorcio.jobs import metrics
from consorcio.models import Job, JobChunk, JobMessage
from consorcio.observability import current_request_id

logger = structlog.get_logger(__name__)

TERMINAL_STATES = frozenset({Job.State.SUCCEEDED, Job.State.FAILED, Job.State.CANCELLED})
_ERROR_LIMIT = 4000


class JobAlreadyFinished(DomainError):
    """The job has already succeeded, failed or been cancelled."""

    code = "job_already_finished"
    status = 409
    title = "Tarefa já encerrada"
    default_detail = "A tarefa já foi encerrada e não pode mais ser alterada."


class JobAlreadyPlanned(DomainError):
    """The job's chunks were planned before."""

    code = "job_already_planned"
    status = 409
    title = "Tarefa já planejada"
    default_detail = "As partes desta tarefa já foram planejadas."


def max_chunk_attempts() -> int:
    """How many claims a chunk gets before it fails its job (``JOB_CHUNK_MAX_ATTEMPTS``)."""
    return int(getattr(settings, "JOB_CHUNK_MAX_ATTEMPTS", 3))


def start_job(
    *,
    kind: str,
    total: int = 0,
    description: str = "",
    started_by: AbstractBaseUser | None = None,
    params: Mapping[str, Any] | None = None,
) -> Job:
    """Create a pending job of ``kind`` (``total`` may be 0 until chunks are planned)."""
    return Job.objects.create(
        kind=kind,
        total=total,
        description=description[:200],
        started_by_id=started_by.pk if started_by is not None else None,
        params=dict(params or {}),
        request_id=(current_request_id() or "")[:64],
    )


def plan_chunks(
    job: Job, payloads: Sequence[Mapping[str, Any]], sizes: Sequence[int] | None = None
) -> list[JobChunk]:
    """Create the job's chunks (index 0..n-1), mark it running, enqueue them after commit.

    ``sizes[i]`` is how many items chunk ``i`` covers (default 1 each); the job's ``total``
    becomes their sum, so progress reads "done of total items". A job is planned once; a job
    planned with no chunks at all (nothing to do) succeeds at once.
    """
    chunk_sizes = list(sizes) if sizes is not None else [1] * len(payloads)
    if len(chunk_sizes) != len(payloads):
        raise ValueError("plan_chunks: one size per payload")
    if any(size < 0 for size in chunk_sizes):
        raise ValueError("plan_chunks: sizes must not be negative")
    now = timezone.now()
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.state in TERMINAL_STATES:
            raise JobAlreadyFinished()
        if JobChunk.objects.filter(job=locked).exists():
            raise JobAlreadyPlanned()
        chunks = JobChunk.objects.bulk_create(
            JobChunk(job=locked, index=i, payload=dict(payload), size=size, enqueued_at=now)
            for i, (payload, size) in enumerate(zip(payloads, chunk_sizes, strict=True))
        )
        locked.total = sum(chunk_sizes)
        locked.state = Job.State.RUNNING
        locked.started_at = locked.started_at or now
        locked.save(update_fields=["total", "state", "started_at"])
        if not chunks:  # nothing to do is done at once
            _set_final_state(locked, Job.State.SUCCEEDED, now=now)
        indexes = [chunk.index for chunk in chunks]
        transaction.on_commit(partial(enqueue_chunks, locked.pk, indexes), robust=True)
    job.refresh_from_db()
    return chunks


def enqueue_chunks(job_id: UUID, indexes: Sequence[int], *, countdown: float = 0) -> None:
    """Send one ``run_job_chunk`` task per chunk; a failure is logged, the sweeper catches up."""
    from consorcio.tasks import run_job_chunk

    for index in indexes:
        try:
            run_job_chunk.apply_async(
                args=(str(job_id), index),
                retry=True,
                retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
                countdown=countdown,  # 0: no ETA at all
            )
        except Exception:
            # The broker is down: trying the rest would only hold the caller up.
            logger.warning(
                "job_chunk_enqueue_failed", job_id=str(job_id), index=index, exc_info=True
            )
            return


def claim_chunk(job_id: UUID | str, index: int) -> JobChunk | None:
    """Take a pending chunk for this worker: running, claimed now, one more attempt.

    Returns None when the chunk is not pending (done, failed, running elsewhere, locked by a
    concurrent claim) or its job has ended: a duplicate task message is then a no-op.
    """
    now = timezone.now()
    with transaction.atomic():
        chunk = (
            JobChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("job")
            .filter(job_id=job_id, index=index, state=JobChunk.State.PENDING)
            .first()
        )
        if chunk is None or chunk.job.state in TERMINAL_STATES:
            return None
        chunk.state = JobChunk.State.RUNNING
        chunk.claimed_at = chunk.heartbeat_at = now
        chunk.attempts += 1
        chunk.save(update_fields=["state", "claimed_at", "heartbeat_at", "attempts"])
        Job.objects.filter(pk=chunk.job_id, state=Job.State.PENDING).update(
            state=Job.State.RUNNING, started_at=now
        )
    return chunk


def heartbeat(chunk: JobChunk) -> bool:
    """Tell the sweeper this chunk's worker is alive; False means stop (taken back or job over).

    For chunks of non-atomic kinds that run long: call it between batches of work.
    """
    beaten = JobChunk.objects.filter(
        pk=chunk.pk, state=JobChunk.State.RUNNING, job__state=Job.State.RUNNING
    ).update(heartbeat_at=timezone.now())
    return beaten == 1


def complete_chunk(chunk: JobChunk, processed: int) -> Job:
    """Mark the chunk done, add ``processed`` to the job's ``done``, finish the job if last.

    Counting happens once per chunk: a chunk already done (a duplicate run) adds nothing. The
    job row is locked while the last chunk is detected, so exactly one completion finishes it.
    """
    now = timezone.now()
    with transaction.atomic():
        marked = JobChunk.objects.filter(
            pk=chunk.pk, state__in=[JobChunk.State.RUNNING, JobChunk.State.PENDING]
        ).update(state=JobChunk.State.DONE, finished_at=now, heartbeat_at=now, error="")
        job = Job.objects.select_for_update().get(pk=chunk.job_id)
        if not marked:
            return job
        Job.objects.filter(pk=job.pk).update(
            done=Case(
                When(total=0, then=F("done") + processed),
                default=Least(F("done") + processed, F("total")),
                output_field=PositiveIntegerField(),
            )
        )
        job.refresh_from_db(fields=["done"])
        unfinished = JobChunk.objects.filter(job=job).exclude(state=JobChunk.State.DONE)
        if job.state not in TERMINAL_STATES and not unfinished.exists():
            _set_final_state(job, Job.State.SUCCEEDED, now=now)
    return job


def fail_chunk(chunk: JobChunk, error: str) -> JobChunk.State:
    """Record a failed attempt: back to pending and enqueued again, or failed with its job.

    After ``JOB_CHUNK_MAX_ATTEMPTS`` claims the chunk fails and takes the job with it.
    Returns the chunk's new state.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = JobChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.state not in (JobChunk.State.RUNNING, JobChunk.State.PENDING):
            return JobChunk.State(locked.state)
        locked.error = error[:_ERROR_LIMIT]
        job = Job.objects.select_for_update().get(pk=locked.job_id)
        if locked.attempts < max_chunk_attempts() and job.state not in TERMINAL_STATES:
            locked.state = JobChunk.State.PENDING
            locked.enqueued_at = now
            locked.save(update_fields=["state", "error", "enqueued_at"])
            # A short pause before the retry; long waits are the sweeper's job, not the broker's.
            delay = float(min(5, 2**locked.attempts))
            transaction.on_commit(
                partial(enqueue_chunks, job.pk, [locked.index], countdown=delay), robust=True
            )
            return JobChunk.State.PENDING
        locked.state = JobChunk.State.FAILED
        locked.finished_at = now
        locked.save(update_fields=["state", "error", "finished_at"])
        if job.state not in TERMINAL_STATES:
            first_line = (error.strip().splitlines() or [""])[-1]
            _set_final_state(
                job,
                Job.State.FAILED,
                now=now,
                error=f"A parte {locked.index} falhou após {locked.attempts} tentativa(s): "
                f"{first_line}",
            )
    return JobChunk.State.FAILED


def add_job_message(job: Job, level: str, text: str) -> JobMessage:
    """Append a message shown with the job's progress (``info``, ``warning`` or ``error``)."""
    return JobMessage.objects.create(job_id=job.pk, level=JobMessage.Level(level), text=text)


def finish_job(job: Job, *, result_url: str = "") -> Job:
    """Mark the job succeeded (for jobs without chunks, or to set the result link at the end).

    Finishing an already succeeded job only updates ``result_url``; a failed or cancelled job
    cannot be finished (``JobAlreadyFinished``).
    """
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.state in (Job.State.FAILED, Job.State.CANCELLED):
            raise JobAlreadyFinished()
        if result_url:
            locked.result_url = result_url[:500]
            locked.save(update_fields=["result_url"])
        if locked.state != Job.State.SUCCEEDED:
            _set_final_state(locked, Job.State.SUCCEEDED, now=timezone.now())
    return locked


def fail_job(job: Job, *, error: str) -> Job:
    """Mark the job failed with ``error`` (shown to the user); an ended job is left as it is."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.state not in TERMINAL_STATES:
            _set_final_state(locked, Job.State.FAILED, now=timezone.now(), error=error)
    return locked


def cancel_job(job: Job, *, reason: str = "") -> Job:
    """Cancel a job that has not ended: no further chunk is claimed; running ones finish."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.state in TERMINAL_STATES:
            raise JobAlreadyFinished()
        _set_final_state(locked, Job.State.CANCELLED, now=timezone.now(), error=reason)
    return locked


def _set_final_state(job: Job, state: Job.State, *, now: datetime, error: str = "") -> None:
    job.state = state
    job.finished_at = now
    job.error = error[:_ERROR_LIMIT]
    job.save(update_fields=["state", "finished_at", "error"])
    level = JobMessage.Level.ERROR if state == Job.State.FAILED else JobMessage.Level.INFO
    text = {
        Job.State.SUCCEEDED: "Tarefa concluída.",
        Job.State.FAILED: f"Tarefa falhou: {error}",
        Job.State.CANCELLED: f"Tarefa cancelada.{' ' + error if error else ''}",
    }[state]
    JobMessage.objects.create(job=job, level=level, text=text)
    transaction.on_commit(metrics.JOBS_FINISHED.labels(kind=job.kind, state=state.value).inc)
