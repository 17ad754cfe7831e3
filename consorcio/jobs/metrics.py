"""Prometheus counters of long-running jobs (``consorcio_jobs_*``), served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter

CHUNKS = Counter(
    "consorcio_jobs_chunks",
    "Chunk runs by job kind and outcome (done, retrying, failed) and sweeper requeues.",
    ["kind", "outcome"],
)
JOBS_FINISHED = Counter(
    "consorcio_jobs_finished",
    "Jobs that reached an end state, by kind and state (succeeded, failed, cancelled).",
    ["kind", "state"],
)
