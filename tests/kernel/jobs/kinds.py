"""Job kinds the job tests run (registered on import)."""

from __future__ import annotations

from consorcio.jobs import add_job_message, register_job_kind
from consorcio.models import JobChunk

COUNTING = "tests.jobs.count"


def count_items(chunk: JobChunk) -> int:
    """Note the chunk in the job's messages, then fail if its payload says so."""
    add_job_message(chunk.job, "info", f"parte {chunk.index} processada")
    if chunk.payload.get("explode"):
        raise RuntimeError(f"linha ruim na parte {chunk.index}")
    return chunk.size


register_job_kind(COUNTING, count_items)
