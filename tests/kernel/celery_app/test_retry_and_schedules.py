"""Transient errors are retried a bounded number of times; beat's default schedules exist."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import OperationalError
from django.db.migrations.recorder import MigrationRecorder
from django_celery_beat.models import PeriodicTask

from config.celery import app
from consorcio.tasks import TRANSIENT_RETRY_OPTIONS, purge_expired_idempotency_keys, transient_retry

_calls: dict[str, int] = {}


@transient_retry(name="tests.celery.flaky", max_retries=3)
def flaky(key: str, failures: int, error: str) -> str:
    """Fail ``failures`` times with ``error`` ("transient" or "bug"), then succeed."""
    _calls[key] = _calls.get(key, 0) + 1
    if _calls[key] <= failures:
        if error == "transient":
            raise OperationalError("server closed the connection unexpectedly")
        raise ValueError("a bug, not a hiccup")
    return f"ok after {_calls[key]} calls"


def test_a_task_that_meets_a_transient_error_is_retried_until_it_succeeds():
    result = flaky.apply(args=("recovers", 2, "transient"))

    assert result.successful()
    assert result.get() == "ok after 3 calls"


def test_retries_stop_at_the_bound_and_the_error_surfaces():
    result = flaky.apply(args=("never", 99, "transient"))

    assert result.failed()
    assert isinstance(result.result, OperationalError)
    assert _calls["never"] == 1 + 3  # the first run and max_retries retries


def test_an_error_that_is_not_transient_is_not_retried():
    result = flaky.apply(args=("bug", 1, "bug"))

    assert result.failed()
    assert isinstance(result.result, ValueError)
    assert _calls["bug"] == 1


def test_the_longest_retry_wait_is_shorter_than_the_redis_visibility_timeout():
    # Otherwise Redis would hand a task waiting for its retry to a second worker.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert TRANSIENT_RETRY_OPTIONS["retry_backoff_max"] < visibility


DEFAULT_SCHEDULES = {
    "consorcio.outbox.sweep": ("consorcio.tasks.sweep_outbox", 1, "minutes"),
    "consorcio.jobs.sweep_stalled_chunks": ("consorcio.tasks.sweep_stalled_chunks", 1, "minutes"),
    "consorcio.idempotency.purge_expired": (
        "consorcio.tasks.purge_expired_idempotency_keys",
        1,
        "hours",
    ),
}


def _schedules() -> dict[str, tuple[str, int, str]]:
    return {
        task.name: (task.task, task.interval.every, task.interval.period)
        for task in PeriodicTask.objects.filter(name__in=DEFAULT_SCHEDULES, enabled=True)
    }


@pytest.mark.django_db
def test_the_schedule_migration_creates_the_default_beat_schedules_and_its_reverse_removes_them():
    # Run through the migration's own functions: unapplying the whole kernel history to
    # re-run it would also unapply every later migration that depends on it.
    assert MigrationRecorder.Migration.objects.filter(
        app="consorcio", name="0003_default_schedules"
    ).exists()
    migration = importlib.import_module("consorcio.migrations.0003_default_schedules")

    migration.remove_default_schedules(django_apps, None)
    assert _schedules() == {}
    migration.create_default_schedules(django_apps, None)
    migration.create_default_schedules(django_apps, None)  # idempotent

    assert _schedules() == DEFAULT_SCHEDULES
    assert PeriodicTask.objects.filter(name__in=DEFAULT_SCHEDULES).count() == 3
    # Each names a task the worker knows (a typo would make beat send it into the void).
    app.loader.import_default_modules()
    assert {task for task, _, _ in DEFAULT_SCHEDULES.values()} <= set(app.tasks)


@pytest.mark.django_db
def test_the_idempotency_purge_task_runs():
    assert purge_expired_idempotency_keys() >= 0
