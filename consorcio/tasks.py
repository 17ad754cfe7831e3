"""The kernel's Celery tasks (thin wrappers around services) and the transient-retry policy.

``transient_retry`` is the decorator every task of the project uses instead of a bare
``shared_task``: a task that hits a transient error (database, Redis or broker unreachable)
is retried with exponential backoff and jitter, at most ``max_retries`` times; any other error
fails the task at once (and the work it stood for stays recorded in the database for the
sweepers). ``retry_backoff_max`` stays well below the Redis visibility timeout (settings), so a
retry waiting in a worker is never redelivered to another one.

Periodic tasks (outbox sweeper, stalled-chunk sweeper, idempotency purge) are scheduled by
django-celery-beat rows created by the migration ``0003_default_schedules``: operators edit
them in the admin ("Periodic tasks").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, ParamSpec, TypeVar, overload

import kombu.exceptions
import redis.exceptions
from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from consorcio import jobs, outbox

P = ParamSpec("P")
R = TypeVar("R")

TRANSIENT_ERRORS: Final[tuple[type[BaseException], ...]] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
    TimeoutError,
)

TRANSIENT_RETRY_OPTIONS: Final[dict[str, Any]] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@overload
def transient_retry(func: Callable[P, R], /) -> Task[P, R]: ...


@overload
def transient_retry(
    *, name: str | None = None, **options: Any
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def transient_retry(
    func: Callable[P, R] | None = None, /, *, name: str | None = None, **options: Any
) -> Task[P, R] | Callable[[Callable[P, R]], Task[P, R]]:
    """Declare a Celery task retried with backoff on transient errors (see the module docstring).

    Use bare (``@transient_retry``) or with options (``@transient_retry(name=..., max_retries=3)``);
    options override ``TRANSIENT_RETRY_OPTIONS`` and are passed on to ``shared_task``.
    """
    task_options = {**TRANSIENT_RETRY_OPTIONS, **options}
    if name is not None:
        task_options["name"] = name

    def decorate(function: Callable[P, R]) -> Task[P, R]:
        task: Task[P, R] = shared_task(**task_options)(function)
        return task

    return decorate(func) if func is not None else decorate


@transient_retry(name="consorcio.tasks.deliver_outbox_delivery")
def deliver_outbox_delivery(delivery_id: int) -> str:
    """Deliver one outbox delivery to its subscriber (idempotent: a duplicate is skipped)."""
    return outbox.deliver(delivery_id).value


@transient_retry(name="consorcio.tasks.sweep_outbox")
def sweep_outbox() -> int:
    """Enqueue the pending deliveries that are due (lost fast path, or a retry's time came)."""
    return outbox.enqueue_deliveries(outbox.claim_due_deliveries())


@transient_retry(name="consorcio.tasks.run_job_chunk")
def run_job_chunk(job_id: str, index: int) -> str:
    """Process one chunk of a job with the handler registered for the job's kind."""
    return jobs.run_chunk(job_id, index).value


@transient_retry(name="consorcio.tasks.sweep_stalled_chunks")
def sweep_stalled_chunks() -> dict[str, int]:
    """Re-enqueue chunks whose worker died or whose message was lost; fail them past the bound."""
    result = jobs.sweep_stalled_chunks()
    return {"requeued": len(result.requeued), "failed": len(result.failed)}


@transient_retry(name="consorcio.tasks.purge_expired_idempotency_keys")
def purge_expired_idempotency_keys() -> int:
    """Delete the Idempotency-Key records older than the retention."""
    from consorcio.idempotency import purge_expired

    return purge_expired()
