"""Broker queues private to one test, and a real Celery worker on the test database.

Tests that let on-commit callbacks run send real task messages. They send them to a queue of
their own (``isolated_queue``), so two test runs sharing a broker (CI runs pytest-xdist
against one RabbitMQ) never take each other's messages, and the queue is deleted afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from config.celery import app

BASE_DIR = Path(settings.BASE_DIR)


def _current_length(name: str) -> int:
    with app.connection_for_write() as conn:
        try:
            return int(conn.default_channel.queue_declare(queue=name, passive=True).message_count)
        except Exception:  # no such queue (yet)
            return 0


def queue_length(name: str, *, expected: int = 0, timeout: float = 2.0) -> int:
    """How many messages wait in the broker queue ``name``, once it reaches ``expected``.

    RabbitMQ counts a message published on another connection a moment later, so the count
    is polled until it equals ``expected`` or ``timeout`` passes; the last count is returned.
    """
    deadline = time.monotonic() + timeout
    length = _current_length(name)
    while length != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        length = _current_length(name)
    return length


def delete_queue(name: str) -> None:
    """Remove the broker queue ``name``, its messages and the exchange Celery made for it."""
    with app.connection_for_write() as conn:
        # Bound to this channel, the declaration teaches kombu the bindings it must remove.
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name).bind(
            conn.default_channel
        )
        queue.declare()
        queue.delete()
        queue.exchange.delete()


@contextmanager
def routed_to(name: str) -> Iterator[str]:
    """Send the tasks of this process to queue ``name`` for the duration; then delete it."""
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = previous
        delete_queue(name)


def unique_queue_name() -> str:
    """A queue name no other test run uses."""
    return f"test-{uuid.uuid4().hex[:16]}"


def worker_database_url() -> str:
    """The URL of the database this test session uses (pytest-django's test database)."""
    db = connection.settings_dict
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(str(db.get("HOST") or ""), safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(str(db['NAME']), safe='')}"


@dataclass
class Worker:
    """A running ``celery worker`` subprocess and the file its output goes to."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        """The worker's log so far (shown when a test times out waiting for it)."""
        return self.log_path.read_text(errors="replace")[-4000:]


@contextmanager
def running_worker(queue: str) -> Iterator[Worker]:
    """Start ``celery worker`` (solo pool) on ``queue`` against the test database; stop it after.

    The worker loads ``tests.kernel.celery_app.worker_app`` (the project's app plus the test
    subscribers and job kinds) with ``CELERY_DEFAULT_QUEUE=queue``, so the tasks it sends
    itself (a retried chunk) stay on the private queue too.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.kernel.celery_app.worker_app",
        "worker",
        "--pool",
        "solo",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"{queue}@%h",
        "--queues",
        queue,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield Worker(process=process, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log_path.unlink(missing_ok=True)


def wait_for(
    condition: Callable[[], bool],
    *,
    what: str,
    worker: Worker | None = None,
    timeout: float = 20.0,
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` (and the worker's log) on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{worker.output()}")
        time.sleep(0.1)
    log = f"\nworker log:\n{worker.output()}" if worker is not None else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{log}")
