"""Long-running work and its progress (ARCHITECTURE.md §4 "Jobs and progress").

A billing run, a bank-file import or a heavy report is a ``Job`` row (who started it, state,
``done``/``total``, messages, result link) split into ``JobChunk`` rows that Celery tasks
process one at a time::

    job = start_job(kind="finance.billing_run", description="Cobrança de março",
                    started_by=request.user)
    plan_chunks(job, [{"quota_ids": ids} for ids in batches], sizes=[len(b) for b in batches])

``plan_chunks`` enqueues one ``consorcio.tasks.run_job_chunk`` per chunk after commit; the
worker claims the chunk, runs the handler registered for the job's kind
(``register_job_kind``), adds the processed count to ``done`` and finishes the job with its
last chunk. The database, not the broker, is the record of what is left: the beat sweeper
(``sweep_stalled_chunks``) re-enqueues chunks whose worker died or whose message was lost, up
to ``JOB_CHUNK_MAX_ATTEMPTS`` claims. The UI polls ``GET /api/v1/jobs/<id>/``.

Modules: ``services`` (the writes), ``runner`` (kinds, running a chunk, the sweeper),
``metrics``.
"""

from consorcio.jobs.runner import (
    ChunkHandler,
    ChunkOutcome,
    JobKind,
    SweepResult,
    job_kind,
    register_job_kind,
    run_chunk,
    stall_timeout,
    sweep_stalled_chunks,
)
from consorcio.jobs.services import (
    TERMINAL_STATES,
    JobAlreadyFinished,
    JobAlreadyPlanned,
    add_job_message,
    cancel_job,
    claim_chunk,
    complete_chunk,
    enqueue_chunks,
    fail_chunk,
    fail_job,
    finish_job,
    heartbeat,
    max_chunk_attempts,
    plan_chunks,
    start_job,
)

__all__ = [
    "TERMINAL_STATES",
    "ChunkHandler",
    "ChunkOutcome",
    "JobAlreadyFinished",
    "JobAlreadyPlanned",
    "JobKind",
    "SweepResult",
    "add_job_message",
    "cancel_job",
    "claim_chunk",
    "complete_chunk",
    "enqueue_chunks",
    "fail_chunk",
    "fail_job",
    "finish_job",
    "heartbeat",
    "job_kind",
    "max_chunk_attempts",
    "plan_chunks",
    "register_job_kind",
    "run_chunk",
    "stall_timeout",
    "start_job",
    "sweep_stalled_chunks",
]
