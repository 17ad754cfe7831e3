"""Running one chunk with the handler registered for its job's kind, and the stalled-chunk sweeper.

A context that runs long work registers a handler for its job kind, in its ``tasks.py`` (the
module every worker imports at start-up)::

    register_job_kind("finance.billing_run", bill_chunk)

    def bill_chunk(chunk: JobChunk) -> int:
        ...  # work through chunk.payload; return how many items it processed

With ``atomic=True`` (the default) the handler runs in one transaction with the chunk's
completion, while holding the chunk's row lock: a crash rolls the chunk's work back and the
sweeper re-enqueues it, so the chunk's effect is exactly once. With ``atomic=False`` (work that
is not only database writes, like writing a file) the handler manages its own transactions,
calls ``heartbeat(chunk)`` between batches, and must be idempotent: a chunk whose worker died
runs again.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from consorcio.jobs import metrics
from consorcio.jobs.services import (
    claim_chunk,
    complete_chunk,
    enqueue_chunks,
    fail_chunk,
    max_chunk_attempts,
)
from consorcio.models import Job, JobChunk, JobMessage

logger = structlog.get_logger(__name__)

ChunkHandler = Callable[[JobChunk], int]


@dataclass(frozen=True)
class JobKind:
    """How chunks of one kind of job are processed."""

    kind: str
    handler: ChunkHandler
    atomic: bool


_kinds: dict[str, JobKind] = {}


def register_job_kind(kind: str, handler: ChunkHandler, *, atomic: bool = True) -> None:
    """Register the chunk handler of ``kind``; ``handler(chunk)`` returns the items processed."""
    _kinds[kind] = JobKind(kind=kind, handler=handler, atomic=atomic)


def job_kind(kind: str) -> JobKind | None:
    """The registration of ``kind`` in this process, if any."""
    return _kinds.get(kind)


class ChunkOutcome(enum.StrEnum):
    """What one run of ``run_chunk`` did."""

    DONE = "done"
    RETRYING = "retrying"
    FAILED = "failed"
    SKIPPED = "skipped"  # not pending (duplicate message, already done) or job ended


def run_chunk(job_id: UUID | str, index: int) -> ChunkOutcome:
    """Claim chunk ``index`` of the job and process it with its kind's handler."""
    chunk = claim_chunk(job_id, index)
    if chunk is None:
        return ChunkOutcome.SKIPPED
    registration = _kinds.get(chunk.job.kind)
    with structlog.contextvars.bound_contextvars(
        job_id=str(chunk.job_id), chunk_index=index, job_kind=chunk.job.kind
    ):
        try:
            if registration is None:
                raise LookupError(f"job kind {chunk.job.kind!r} is not registered")
            if registration.atomic:
                with transaction.atomic():
                    # Hold the chunk's row for the whole run: the sweeper skips locked rows,
                    # so a live worker's chunk is never taken back however long it runs.
                    JobChunk.objects.select_for_update().only("pk").get(pk=chunk.pk)
                    complete_chunk(chunk, registration.handler(chunk))
            else:
                complete_chunk(chunk, registration.handler(chunk))
        except Exception as exc:
            logger.warning("job_chunk_failed", attempts=chunk.attempts, exc_info=exc)
            state = fail_chunk(chunk, error=f"{type(exc).__name__}: {exc}")
            outcome = (
                ChunkOutcome.RETRYING if state == JobChunk.State.PENDING else ChunkOutcome.FAILED
            )
        else:
            outcome = ChunkOutcome.DONE
    metrics.CHUNKS.labels(kind=chunk.job.kind, outcome=outcome.value).inc()
    return outcome


@dataclass(frozen=True)
class SweepResult:
    """Chunks the sweeper enqueued again, and chunks it gave up on (as ``(job_id, index)``)."""

    requeued: list[tuple[UUID, int]]
    failed: list[tuple[UUID, int]]


def stall_timeout() -> timedelta:
    """How long a chunk may go without news before the sweeper acts.

    ``JOB_CHUNK_STALL_SECONDS``; keep it above the longest pause between heartbeats.
    """
    return timedelta(seconds=float(getattr(settings, "JOB_CHUNK_STALL_SECONDS", 300)))


def sweep_stalled_chunks(*, now: datetime | None = None, limit: int = 500) -> SweepResult:
    """Re-enqueue chunks whose worker died or whose message was lost; give up after the bound.

    - running, heartbeat older than the stall timeout, row not locked (a live worker holds its
      chunk's row): back to pending and enqueued, or failed with its job once it has been
      claimed ``JOB_CHUNK_MAX_ATTEMPTS`` times;
    - pending, enqueued longer ago than the timeout, in a job none of whose chunks moved within
      it (so a long queue of a busy job is left alone): enqueued again.

    Only chunks of running jobs are considered.
    """
    now = now or timezone.now()
    cutoff = now - stall_timeout()
    requeued: list[tuple[UUID, int, str]] = []
    failed: list[tuple[UUID, int]] = []
    with transaction.atomic():
        stalled = (
            JobChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("job")
            .filter(
                state=JobChunk.State.RUNNING,
                heartbeat_at__lt=cutoff,
                job__state=Job.State.RUNNING,
            )
            .order_by("heartbeat_at", "id")[:limit]
        )
        for chunk in stalled:
            if chunk.attempts >= max_chunk_attempts():
                fail_chunk(chunk, error="o processamento parou de responder")
                failed.append((chunk.job_id, chunk.index))
                continue
            chunk.state = JobChunk.State.PENDING
            chunk.enqueued_at = now
            chunk.save(update_fields=["state", "enqueued_at"])
            JobMessage.objects.create(
                job_id=chunk.job_id,
                level=JobMessage.Level.WARNING,
                text=f"A parte {chunk.index} parou de responder e foi reenfileirada.",
            )
            requeued.append((chunk.job_id, chunk.index, chunk.job.kind))
        requeued.extend(_forgotten_pending_chunks(now=now, cutoff=cutoff, limit=limit))
        transaction.on_commit(partial(_enqueue_each, requeued), robust=True)
    for _job_id, _index, kind in requeued:
        metrics.CHUNKS.labels(kind=kind, outcome="requeued").inc()
    if failed:
        logger.error("job_chunks_abandoned", chunks=[f"{j}#{i}" for j, i in failed])
    return SweepResult(requeued=[(j, i) for j, i, _ in requeued], failed=failed)


def _enqueue_each(chunks: list[tuple[UUID, int, str]]) -> None:
    for job_id, index, _kind in chunks:
        enqueue_chunks(job_id, [index])


def _forgotten_pending_chunks(
    *, now: datetime, cutoff: datetime, limit: int
) -> list[tuple[UUID, int, str]]:
    recent_activity = JobChunk.objects.filter(job_id=OuterRef("job_id")).filter(
        Q(claimed_at__gte=cutoff) | Q(heartbeat_at__gte=cutoff) | Q(finished_at__gte=cutoff)
    )
    rows = list(
        JobChunk.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            state=JobChunk.State.PENDING,
            enqueued_at__lt=cutoff,
            job__state=Job.State.RUNNING,
        )
        .filter(~Exists(recent_activity))
        .order_by("enqueued_at", "id")
        .values_list("id", "job_id", "index", "job__kind")[:limit]
    )
    JobChunk.objects.filter(id__in=[row[0] for row in rows]).update(enqueued_at=now)
    return [(job_id, index, kind) for _, job_id, index, kind in rows]
