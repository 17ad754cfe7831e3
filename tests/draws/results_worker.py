"""A long-lived process computing assembly results, for the results race and fault tests.

Run as ``python -m tests.draws.results_worker <name>`` with ``RESULTS_TEST_DB_NAME`` set to
the test database and ``REDIS_URL`` to the Redis the locks use (the tests' own server in the
fault tests). It reads one JSON command per line on stdin and prints one JSON event per line
on stdout:

``{"command": "compute", "assembly": <pk>, "start_at": <s>, "wait": <s>, "pause": <where>}``
    Wait until ``start_at`` (so racing workers start together), then compute the assembly's
    results through the real service (``apps.draws.services.results.compute_results``, lock
    TTL ``RESULTS_LOCK_TTL`` seconds; ``wait`` for the lock, or fail fast when absent).
    ``pause`` makes the process announce ``paused`` and stop itself (SIGSTOP, so its lock
    renewal thread stops too) at one point of the computation, until the test sends SIGCONT:
    ``"acquired"`` right after the results lock is granted (before any database work),
    ``"write:<n>"`` right after the n-th INSERT/UPDATE/DELETE of the computation (rows
    written, nothing committed, the assembly's row locked), ``"commit"`` just before the
    COMMIT (every write done, the lease checked), or ``""`` not at all.
    Prints ``acquired`` (with its fencing token) when the lock is granted, then ``done``
    (the result's id and awards) or ``refused`` (the error's ``code`` and class).
``{"command": "quit"}``
    Exit.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

WRITES = ("INSERT", "UPDATE", "DELETE")


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}, default=str), flush=True)


def pause_here(where: str) -> None:
    """Announce the pause and stop this whole process until the test continues it."""
    emit("paused", at=where)
    os.kill(os.getpid(), signal.SIGSTOP)
    emit("continued", at=where)


class PausePoints:
    """The hooks that pause the computation: on the lock grant and after the n-th write."""

    def __init__(self) -> None:
        self.pause = ""
        self.writes = 0

    def install(self) -> None:
        from consorcio.locks import section

        original = section.acquire
        points = self

        def acquire(*args: Any, **kwargs: Any) -> Any:
            lease = original(*args, **kwargs)
            emit("acquired", key=lease.key, fencing_token=lease.fencing_token)
            if points.pause == "acquired":
                points.pause = ""
                pause_here("acquired")
            return lease

        section.acquire = acquire

    def install_commit(self) -> None:
        """Pause just before the computation's COMMIT (its lease already checked)."""
        from django.db import connection

        original = connection.commit
        points = self

        def commit() -> None:
            if points.pause == "commit":
                points.pause = ""
                pause_here("commit")
            original()

        connection.commit = commit  # type: ignore[method-assign]

    def watch_writes(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        """A Django ``execute_wrapper``: count the writes, pause after the chosen one."""
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith(WRITES):
            self.writes += 1
            if self.pause == f"write:{self.writes}":
                self.pause = ""
                pause_here(f"write:{self.writes}")
        return result


def compute(assembly_pk: int, wait: float | None) -> dict[str, Any]:
    """The results of one assembly through the real service; what a caller would be told."""
    from apps.draws.models import Assembly
    from apps.draws.services import results

    assembly = Assembly.objects.get(pk=assembly_pk)
    ttl = float(os.environ["RESULTS_LOCK_TTL"])
    result = results.compute_results(assembly=assembly, ttl=ttl, wait=wait)
    return {"result": result.pk, "awards": len(result.outcome["awards"])}


def run_command(command: dict[str, Any], points: PausePoints) -> None:
    from django.db import connection

    from consorcio.errors import DomainError

    start_at = float(command.get("start_at") or 0)
    while time.time() < start_at:
        time.sleep(min(0.001, max(0.0, start_at - time.time())))
    points.pause = str(command.get("pause") or "")
    points.writes = 0
    try:
        with connection.execute_wrapper(points.watch_writes):
            wait = command.get("wait")
            summary = compute(int(command["assembly"]), None if wait is None else float(wait))
        emit("done", writes=points.writes, **summary)
    except DomainError as refusal:
        emit("refused", code=refusal.code, error=type(refusal).__name__)
    except Exception as exc:
        emit("error", error=type(exc).__name__, detail=str(exc), trace=traceback.format_exc())
    finally:
        points.pause = ""
        # A connection broken mid-transaction is replaced before the next command.
        connection.close_if_unusable_or_obsolete()


def main() -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["RESULTS_TEST_DB_NAME"]
    django.setup()
    from django.db import connection

    from consorcio.locks.backend import get_redis

    points = PausePoints()
    points.install()
    points.install_commit()
    connection.ensure_connection()
    get_redis().ping()  # connect before announcing, so start-up cost stays out of the race
    emit("ready", pid=os.getpid(), name=sys.argv[1] if len(sys.argv) > 1 else "")
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command["command"] == "quit":
            break
        run_command(command, points)
    emit("bye")


if __name__ == "__main__":
    main()
