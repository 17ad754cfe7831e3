"""The liveness and readiness probes as Kubernetes and an operator see them."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.support.private_redis import PrivateRedis

BASE_DIR = Path(django_settings.BASE_DIR)


def _point_redis_at(settings, url: str) -> None:
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = url
    settings.CACHES = caches
    settings.REDIS_URL = url


@pytest.mark.embedded
def test_live_answers_ok_without_touching_any_dependency(client):
    # No django_db mark: pytest-django fails the test if the probe touches the database.
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_answers_ok_with_every_dependency_up_and_reports_workers_and_beat(client):
    response = client.get("/health/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "broker": True,
    }
    assert "count" in body["workers"]
    assert body["beat"]["seen_recently"] is False


@pytest.mark.django_db
def test_ready_reports_beat_seen_when_a_periodic_task_ran_recently(client):
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(
        name=f"health-{uuid.uuid4()}",
        task="consorcio.tasks.noop",
        interval=every_minute,
        last_run_at=timezone.now() - timedelta(seconds=30),
    )

    body = client.get("/health/ready").json()

    assert body["beat"]["seen_recently"] is True
    assert body["beat"]["last_run_at"] is not None


@pytest.mark.django_db
def test_ready_does_not_count_beat_as_seen_when_its_last_run_is_old(client):
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(
        name=f"health-{uuid.uuid4()}",
        task="consorcio.tasks.noop",
        interval=every_minute,
        last_run_at=timezone.now() - timedelta(hours=2),
    )

    body = client.get("/health/ready").json()

    assert body["status"] == "ok"
    assert body["beat"]["seen_recently"] is False


@pytest.mark.django_db
def test_ready_answers_503_naming_redis_quickly_when_redis_is_down(
    client, settings, private_redis: PrivateRedis
):
    _point_redis_at(settings, private_redis.url)
    assert client.get("/health/ready").status_code == 200  # the private server is up
    private_redis.kill()

    started = time.monotonic()
    response = client.get("/health/ready")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert elapsed < 2.0


@pytest.mark.django_db
def test_ready_gives_up_on_a_redis_that_hangs_within_the_deadline(
    client, settings, private_redis: PrivateRedis
):
    _point_redis_at(settings, private_redis.url)
    private_redis.freeze()

    started = time.monotonic()
    response = client.get("/health/ready")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert elapsed < 2.5


@pytest.mark.django_db
def test_ready_answers_503_naming_the_broker_when_it_is_unreachable(
    client, settings, private_redis: PrivateRedis
):
    settings.CELERY_BROKER_URL = private_redis.url
    private_redis.kill()

    response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["workers"]["count"] is None
    # The probe is unauthenticated: it names the failure, never the address it tried.
    assert str(private_redis.port) not in response.content.decode()


@pytest.mark.django_db
def test_pages_that_do_not_need_redis_keep_answering_while_redis_is_down(
    client, settings, private_redis: PrivateRedis
):
    _point_redis_at(settings, private_redis.url)
    private_redis.kill()

    started = time.monotonic()
    live = client.get("/health/live")
    login = client.get("/contas/entrar/")
    elapsed = time.monotonic() - started

    assert live.status_code == 200
    assert login.status_code == 200
    assert elapsed < 1.0


@pytest.mark.slow
@pytest.mark.django_db
def test_ready_lists_a_running_celery_worker_by_name(client):
    hostname = f"health-{uuid.uuid4().hex[:8]}@localhost"
    queue = f"health-{uuid.uuid4().hex}"  # a queue of our own: never steal another run's tasks
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            hostname,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        names: list[str] = []
        while hostname not in names and time.monotonic() < deadline:
            body = client.get("/health/ready").json()
            names = body["workers"].get("names", [])
        assert hostname in names
        assert body["status"] == "ok"
    finally:
        worker.terminate()
        worker.wait(timeout=15)
