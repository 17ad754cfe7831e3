"""Fixtures of the lock tests: unique keys, an effect table, worker processes.

The private Redis a test may kill comes from tests/support/private_redis.py.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[3]
EFFECT_TABLE = "kernel_locks_test_effect"


@pytest.fixture
def lock_key() -> str:
    """A key no other test (or xdist worker) uses; its metric name is ``locktest``."""
    return f"locktest:{uuid.uuid4().hex}"


# --- a table standing for "the protected write" ------------------------------------------


class EffectTable:
    """Rows (key, writer) written inside sections; what a user would see as the outcome."""

    name = EFFECT_TABLE

    def write(self, key: str, writer: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {self.name} (key, writer) VALUES (%s, %s)", [key, writer])

    def writers(self, key: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT writer FROM {self.name} WHERE key = %s ORDER BY id", [key])
            return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def effects(db: None) -> EffectTable:
    """The effect table inside the test's transaction (it disappears with the rollback)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EFFECT_TABLE} "
            "(id bigserial PRIMARY KEY, key text NOT NULL, writer text NOT NULL)"
        )
    return EffectTable()


@pytest.fixture
def committed_effects(transactional_db: None) -> Iterator[EffectTable]:
    """The effect table committed, so other processes see it; dropped afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EFFECT_TABLE} "
            "(id bigserial PRIMARY KEY, key text NOT NULL, writer text NOT NULL)"
        )
    yield EffectTable()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {EFFECT_TABLE}")


# --- worker processes ------------------------------------------------------------------


@dataclass
class Worker:
    """A ``lock_worker`` process and the JSON events it printed."""

    process: subprocess.Popen[str]
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)

    def expect(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        """The next event, which must be ``event``."""
        try:
            received = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"worker sent no {event!r} within {timeout}s") from None
        assert received["event"] == event, received
        return received

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
        self.process.wait(timeout=10)


def _pump(worker: Worker) -> None:
    assert worker.process.stdout is not None
    for line in worker.process.stdout:
        if line.startswith("{"):
            worker.events.put(json.loads(line))
    worker.events.put({"event": "exited"})


@pytest.fixture
def start_worker() -> Iterator[Any]:
    """Start ``lock_worker`` processes against the test database; all stopped afterwards."""
    workers: list[Worker] = []

    def start(*args: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "LOCK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
            "REDIS_URL": str(settings.REDIS_URL),
            "PYTHONPATH": str(BASE_DIR),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.kernel.locks.lock_worker", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        worker = Worker(process=process)
        threading.Thread(target=_pump, args=(worker,), daemon=True).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
