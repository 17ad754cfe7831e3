"""Liveness and readiness probes (``/health/live``, ``/health/ready``).

``live`` says the process answers; it touches no dependency, so a dead database never makes
Kubernetes restart healthy web pods. ``ready`` checks what a request needs: PostgreSQL
(``SELECT 1``), Redis (``PING``) and the Celery broker (a connection). Each check runs in its
own thread under one deadline (``READY_DEADLINE_SECONDS``), so the probe answers in about two
seconds even when a dependency hangs; a check still running at the deadline counts as failed.

The probe also reports, for operators, whether a Celery worker answered a ping and when beat
last ran a periodic task. Those two are informative only: a web pod is ready without a worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from math import ceil
from typing import Any

import redis
import structlog
from celery import current_app
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

# Each dependency gets at most this long to answer; the whole probe waits at most the deadline.
CHECK_TIMEOUT_SECONDS = 1.0
READY_DEADLINE_SECONDS = 1.8
WORKER_PING_TIMEOUT_SECONDS = 0.5
# Beat counts as "seen" when an enabled periodic task ran within this window.
BEAT_SEEN_WITHIN = timedelta(minutes=5)

Check = Callable[[], dict[str, Any]]

logger = structlog.get_logger(__name__)


def check_database() -> dict[str, Any]:
    """``SELECT 1`` on the default database (run on a health thread's own connection)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _redis_urls() -> list[str]:
    # The cache and the lock/circuit-breaker client may point at different servers.
    urls = [str(settings.CACHES["default"]["LOCATION"]), str(settings.REDIS_URL)]
    return list(dict.fromkeys(urls))


def check_redis() -> dict[str, Any]:
    """``PING`` every Redis the project uses, with short socket timeouts."""
    for url in _redis_urls():
        client = redis.Redis.from_url(
            url,
            socket_timeout=CHECK_TIMEOUT_SECONDS,
            socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    return {}


def _broker_connection() -> Connection:
    return Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=CHECK_TIMEOUT_SECONDS,
        transport_options={
            "socket_timeout": CHECK_TIMEOUT_SECONDS,
            "socket_connect_timeout": CHECK_TIMEOUT_SECONDS,
            "max_retries": 0,
        },
    )


def check_broker() -> dict[str, Any]:
    """Open a connection to the Celery broker (Redis or RabbitMQ) within the timeout."""
    with _broker_connection() as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=ceil(CHECK_TIMEOUT_SECONDS)
        )
    return {}


def check_workers() -> dict[str, Any]:
    """Ping the Celery workers through the broker; the names of those that answered."""
    with _broker_connection() as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=ceil(CHECK_TIMEOUT_SECONDS)
        )
        replies = current_app.control.ping(
            timeout=WORKER_PING_TIMEOUT_SECONDS, connection=connection
        )
    names = sorted(name for reply in replies or [] for name in reply)
    return {"count": len(names), "names": names}


def beat_status() -> dict[str, Any]:
    """When beat last ran an enabled periodic task (django-celery-beat's ``last_run_at``).

    Read on the request's own connection after the readiness checks; never raises.
    """
    from django_celery_beat.models import PeriodicTask

    try:
        last_run = (
            PeriodicTask.objects.filter(enabled=True, last_run_at__isnull=False)
            .order_by("-last_run_at")
            .values_list("last_run_at", flat=True)
            .first()
        )
    except Exception as exc:
        return {"seen_recently": None, "error": type(exc).__name__}
    return {
        "last_run_at": last_run.isoformat() if last_run else None,
        "seen_recently": bool(last_run and timezone.now() - last_run <= BEAT_SEEN_WITHIN),
    }


READINESS_CHECKS: dict[str, Check] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
}
# Reported, never a reason to be unready: a web pod serves pages with no worker running.
INFORMATIVE_CHECKS: dict[str, Check] = {"workers": check_workers}


def _run_timed(name: str, check: Check) -> dict[str, Any]:
    started = time.monotonic()
    try:
        details = check()
    except Exception as exc:
        # The response names only the exception class; the log keeps the message.
        logger.warning("health_check_failed", check=name, error=repr(exc))
        result: dict[str, Any] = {"ok": False, "error": type(exc).__name__}
    else:
        result = {"ok": True, **details}
    finally:
        # A health thread's database connection must not outlive the check.
        connections.close_all()
    result["ms"] = round((time.monotonic() - started) * 1000)
    return result


def run_readiness_checks(checks: dict[str, Check] | None = None) -> dict[str, dict[str, Any]]:
    """Run the checks concurrently under one deadline; one result per check.

    Each result has ``ok`` (bool) and ``ms``; a failed check has ``error`` (the exception's
    class name, never its message: the probe is unauthenticated and must not leak internals).
    A check still running at the deadline fails with ``error: "timeout"``.
    """
    checks = READINESS_CHECKS if checks is None else checks
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    started = time.monotonic()
    futures: dict[str, Future[dict[str, Any]]] = {
        name: executor.submit(_run_timed, name, check) for name, check in checks.items()
    }
    results: dict[str, dict[str, Any]] = {}
    try:
        for name, future in futures.items():
            remaining = max(0.0, READY_DEADLINE_SECONDS - (time.monotonic() - started))
            try:
                results[name] = future.result(timeout=remaining)
            except FutureTimeout:
                logger.warning("health_check_failed", check=name, error="timeout")
                elapsed_ms = round((time.monotonic() - started) * 1000)
                results[name] = {"ok": False, "error": "timeout", "ms": elapsed_ms}
    finally:
        # Never wait for a hung check: its thread finishes on its own socket timeout.
        executor.shutdown(wait=False, cancel_futures=True)
    return results


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests; no dependency is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis and the broker answer; 503 naming the ones that did not."""
    results = run_readiness_checks({**READINESS_CHECKS, **INFORMATIVE_CHECKS})
    workers = results.pop("workers")
    if not workers.pop("ok"):
        workers["count"] = None
    failed = sorted(name for name, result in results.items() if not result["ok"])
    informative = {
        "workers": workers,
        "beat": beat_status() if results["database"]["ok"] else {"seen_recently": None},
    }
    if failed:
        body = {"status": "unavailable", "failed": failed, "checks": results, **informative}
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": results, **informative})
