"""Fixtures of the job tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from consorcio.jobs import plan_chunks, start_job
from consorcio.models import Job
from tests.kernel.celery_app.support import routed_to, unique_queue_name
from tests.kernel.jobs.kinds import COUNTING


@pytest.fixture
def private_queue() -> Iterator[str]:
    """Route this test's task messages to a broker queue of its own (deleted afterwards)."""
    with routed_to(unique_queue_name()) as name:
        yield name


@pytest.fixture
def planned_job(django_capture_on_commit_callbacks) -> Callable[..., Job]:
    """Start a counting job and plan its chunks; the after-commit enqueue is not run."""

    def _plan(sizes: Sequence[int], payloads: Sequence[dict[str, Any]] | None = None) -> Job:
        job = start_job(kind=COUNTING, description="contagem de teste")
        with django_capture_on_commit_callbacks(execute=False):
            plan_chunks(job, payloads or [{} for _ in sizes], sizes=sizes)
        job.refresh_from_db()
        return job

    return _plan
