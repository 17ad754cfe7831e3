"""Gauges read from the database at scrape time: the state of the outbox and of jobs.

They live in a registry of their own, rendered only by ``/metrics``: the default registry is
also read by code that must not query the database (tests, ``get_sample_value``).

Counters incremented inside Celery workers live in the worker processes, which ``/metrics``
on a web pod does not see. What an operator alarms on — deliveries waiting or dead, the age of
the oldest waiting one, jobs running, chunks whose worker stopped sending heartbeats — is
state kept in the database, so any web pod can report it, whichever process did the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from consorcio.models import Job, JobChunk, OutboxDelivery

logger = structlog.get_logger(__name__)


class KernelStateCollector(Collector):
    """Outbox and job gauges computed with a handful of indexed queries per scrape."""

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges; yield nothing when the database does not answer."""
        try:
            metrics = list(self._outbox()) + list(self._jobs())
        except DatabaseError:
            logger.warning("state_metrics_unavailable")
            return
        yield from metrics

    def _outbox(self) -> Iterator[Metric]:
        now = timezone.now()
        by_status = dict(
            OutboxDelivery.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        deliveries = GaugeMetricFamily(
            "consorcio_outbox_deliveries_in_state",
            "Outbox deliveries by status; dead ones need an operator.",
            labels=["status"],
        )
        for status in OutboxDelivery.Status.values:
            deliveries.add_metric([status], float(by_status.get(status, 0)))
        yield deliveries
        oldest = OutboxDelivery.objects.filter(status=OutboxDelivery.Status.PENDING).aggregate(
            oldest=Min("created_at")
        )["oldest"]
        yield GaugeMetricFamily(
            "consorcio_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered outbox delivery (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )

    def _jobs(self) -> Iterator[Metric]:
        active = dict(
            Job.objects.filter(state__in=[Job.State.PENDING, Job.State.RUNNING])
            .values_list("state")
            .annotate(n=Count("id"))
            .order_by()
        )
        jobs = GaugeMetricFamily(
            "consorcio_jobs_active", "Jobs not yet finished, by state.", labels=["state"]
        )
        for state in (Job.State.PENDING, Job.State.RUNNING):
            jobs.add_metric([state], float(active.get(state, 0)))
        yield jobs
        stall_after = timedelta(seconds=settings.JOB_CHUNK_STALL_SECONDS)
        stalled = JobChunk.objects.filter(
            state=JobChunk.State.RUNNING, heartbeat_at__lt=timezone.now() - stall_after
        ).count()
        yield GaugeMetricFamily(
            "consorcio_jobs_chunks_stalled",
            "Running chunks whose worker sent no heartbeat within JOB_CHUNK_STALL_SECONDS.",
            value=float(stalled),
        )


STATE_REGISTRY = CollectorRegistry(auto_describe=False)
STATE_REGISTRY.register(KernelStateCollector())


def render_state_metrics() -> bytes:
    """The state gauges in Prometheus text format, for ``/metrics`` to append."""
    return bytes(generate_latest(STATE_REGISTRY))
