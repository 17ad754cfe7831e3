"""A process that increments shared counters under ``locked_atomic(fence=True)``, for the locks
campaign. The campaign freezes (SIGSTOP), thaws and kills these processes while they run.

Run as ``python -m tests.stress.lock_worker <name> <seed> <lock_prefix> <keys> <ttl>
<counter_table> <effect_table> <stop_file>`` with ``STRESS_DB_NAME`` set to the test database;
``<keys>`` is comma-separated. Operation ``seq`` of worker ``name`` adds one to the counter of
a key chosen at random: inside the section it records ``(name, seq)`` in the append-only
effect table (primary key) and only if that row is new it reads the counter, sleeps a little
(widening the race) and writes the counter plus one. An ambiguous failure (``LockLost`` may be
raised after the commit, when the release finds the lease gone) is retried with the same
``seq``: the effect row makes the retry a no-op if the first attempt did commit.

Prints one line per outcome on stdout, ``<code> <seq> <key> [<fencing token>]``:
``A`` section entered, ``C`` committed, ``D`` already applied (a retry found its effect row),
``N`` not acquired within the wait, ``L`` lease lost (rolled back, or lost after commit),
``S`` stale fencing token (a newer holder wrote first), ``E`` any other error (preceded by
``X <seq> <key> <error class>``); then ``done``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

# Share of attempts that fail fast instead of waiting for the lock.
FAIL_FAST = 0.2
WAIT_SECONDS = 2.0
# Longest sleep between reading and writing the counter (the race window), in seconds.
HOLD_MAX = 0.004
# Outcomes after which the operation certainly did not apply (no retry needed to know).
CERTAIN = frozenset("CDNS")


def emit(*fields: object) -> None:
    print(*fields, flush=True)


def increment(
    *,
    lock_key: str,
    key: str,
    name: str,
    seq: int,
    ttl: float,
    wait: float | None,
    counter_table: str,
    effect_table: str,
    rng: random.Random,
) -> str:
    """One attempt of operation ``seq``; the outcome code (see the module docstring)."""
    from django.db import connection

    from consorcio.locks import LockLost, LockNotAcquired, StaleFencingToken, locked_atomic

    applied = True
    try:
        with locked_atomic(lock_key, ttl=ttl, wait=wait, fence=True) as lease:
            emit("A", seq, key, lease.fencing_token)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {effect_table} (worker, seq, key, fencing_token) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                    [name, seq, key, lease.fencing_token],
                )
                applied = cursor.fetchone() is not None
                if applied:
                    cursor.execute(f"SELECT value FROM {counter_table} WHERE key = %s", [key])
                    (value,) = cursor.fetchone()
                    time.sleep(rng.uniform(0, HOLD_MAX))
                    cursor.execute(
                        f"UPDATE {counter_table} SET value = %s WHERE key = %s", [value + 1, key]
                    )
    except LockNotAcquired:
        return "N"
    except StaleFencingToken:
        return "S"
    except LockLost:
        return "L"
    except Exception as exc:
        emit("X", seq, key, type(exc).__name__)
        connection.close_if_unusable_or_obsolete()
        return "E"
    return "C" if applied else "D"


def run(
    name: str,
    seed: str,
    lock_prefix: str,
    keys: list[str],
    ttl: float,
    counter_table: str,
    effect_table: str,
    stop_file: Path,
) -> None:
    from consorcio.locks.backend import get_redis

    rng = random.Random(f"{seed}:locks:worker:{name}")
    get_redis().ping()  # connect before announcing, so start-up cost stays out of the race
    emit("ready", os.getpid())
    seq = 0
    key = rng.choice(keys)
    outcome = "C"
    while outcome not in CERTAIN or not stop_file.exists():
        wait = None if rng.random() < FAIL_FAST else WAIT_SECONDS
        outcome = increment(
            lock_key=f"{lock_prefix}{key}",
            key=key,
            name=name,
            seq=seq,
            ttl=ttl,
            wait=wait,
            counter_table=counter_table,
            effect_table=effect_table,
            rng=rng,
        )
        emit(outcome, seq, key)
        if outcome in ("C", "D"):
            seq += 1
            key = rng.choice(keys)
    emit("done", seq)


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["STRESS_DB_NAME"]
    django.setup()
    name, seed, lock_prefix, keys, ttl, counter_table, effect_table, stop_file = sys.argv[1:]
    run(
        name,
        seed,
        lock_prefix,
        keys.split(","),
        float(ttl),
        counter_table,
        effect_table,
        Path(stop_file),
    )


if __name__ == "__main__":
    main()
