"""A separate process that takes locks, for the tests that race real processes.

Run as ``python -m tests.kernel.locks.lock_worker <mode> ...`` with ``LOCK_TEST_DB_NAME`` set
to the test database. It prints one JSON event per line on stdout; the test reads them.

Modes:
  race <key> <counter_key> <iterations> <go_file>
      read-sleep-write a Redis counter inside the lock, <iterations> times, after <go_file>
      appears; prints the (start, end) of every hold.
  pause <key> <table> <go_file>
      take the lock (ttl 1 s, renewing), announce it, wait for <go_file> (the test freezes
      this process meanwhile), then write one row to <table> guarded by the fencing token.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.005)


def race(key: str, counter_key: str, iterations: int, go_file: Path) -> None:
    from consorcio.locks import critical_section
    from consorcio.locks.backend import get_redis

    client = get_redis()
    client.ping()  # connect before the start line, so startup cost does not skew the race
    emit("ready")
    wait_for(go_file)
    holds: list[tuple[float, float]] = []
    for _ in range(iterations):
        with critical_section(key, ttl=5.0, wait=20.0):
            start = time.monotonic()
            value = int(client.get(counter_key) or 0)
            time.sleep(0.002)
            client.set(counter_key, value + 1)
            holds.append((start, time.monotonic()))
        time.sleep(0.003)  # other work between sections, as real callers have
    emit("done", holds=holds)


def pause(key: str, table: str, go_file: Path) -> None:
    from django.db import connection, transaction

    from consorcio.locks import LockLost, StaleFencingToken, check_fencing_token, critical_section

    try:
        with critical_section(key, ttl=1.0) as lease:
            emit("acquired", fencing_token=lease.fencing_token)
            wait_for(go_file)
            try:
                with transaction.atomic():
                    check_fencing_token(key, lease.fencing_token)
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"INSERT INTO {table} (key, writer) VALUES (%s, %s)", [key, "A"]
                        )
                emit("written")
            except StaleFencingToken:
                emit("refused", error="StaleFencingToken")
    except LockLost:
        emit("lock_lost")


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["LOCK_TEST_DB_NAME"]
    django.setup()
    mode, *args = sys.argv[1:]
    if mode == "race":
        race(args[0], args[1], int(args[2]), Path(args[3]))
    elif mode == "pause":
        pause(args[0], args[1], Path(args[2]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
