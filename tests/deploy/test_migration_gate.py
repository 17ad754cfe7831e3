"""Pods of a new release wait in `wait-for-migrations` until the migrate Job has run: the init
container's command, taken from the rendered manifests, against real databases."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.deploy.manifests import REPO, by_kind, pod_spec, render
from tests.deploy.processes import production_env, run

# django_db: pytest-django creates (and migrates) the test database only for marked tests.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _gate_command() -> list[str]:
    commands = {
        tuple(init["command"])
        for deployment in by_kind(render("production"), "Deployment").values()
        for init in pod_spec(deployment)["initContainers"]
        if init["name"] == "wait-for-migrations"
    }
    assert len(commands) == 1  # web, worker and beat wait the same way
    return list(commands.pop())


def _url(database: str) -> str:
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{database}"


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A database with no tables at all: what a cluster has before its first migrate Job."""
    name = f"deploy_gate_{uuid.uuid4().hex[:12]}"
    # CREATE DATABASE cannot run inside the test's transaction: a connection of its own.
    with psycopg.connect(_url(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_gate_lets_pods_start_once_every_migration_is_applied():
    # pytest-django migrated the test database: the state after the migrate Job succeeded.
    migrated = _url(connection.settings_dict["NAME"])

    result = run(_gate_command(), production_env(DATABASE_URL=migrated), timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "waiting for migrations" not in result.stdout


def test_the_gate_holds_pods_while_migrations_are_pending(empty_database, tmp_path):
    log = tmp_path / "gate.log"
    with log.open("w") as out:
        gate = subprocess.Popen(
            _gate_command(),
            cwd=REPO,
            env=production_env(DATABASE_URL=_url(empty_database)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the shell and its python
        )
    try:
        deadline = time.monotonic() + 60
        while "waiting for migrations" not in log.read_text():
            assert gate.poll() is None, log.read_text()  # it must not give up, nor pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert gate.poll() is None
    finally:
        os.killpg(gate.pid, signal.SIGTERM)
        gate.wait(timeout=30)
