"""Shared test configuration: Hypothesis profiles and fixtures every context uses."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.support.migration_data import restore_migration_data as _restore_migration_data

pytest_plugins = ["tests.support.private_redis", "tests.support.replay_server"]

# `ci`: few examples and no deadline (2 shared cores); `dev`: the default; `stress`: long runs.
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("stress", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_collection_modifyitems(config, items):
    """Stress campaigns run only under `make stress` (STRESS=1), never in `make test` or CI."""
    if os.environ.get("STRESS") == "1":
        return
    # Deselected, not skipped: outside `make stress` they are not part of the run at all.
    stress = [item for item in items if "stress" in item.keywords]
    if stress:
        config.hook.pytest_deselected(items=stress)
        items[:] = [item for item in items if "stress" not in item.keywords]


# --- Data that migrations create, restored after a transactional test's flush -----------
# A transactional test (live_server, real workers, racing processes) ends by truncating every
# table, migration data included, and `--reuse-db` keeps that state for the next run. Django
# recreates content types and permissions after the flush (with new ids, so the in-process
# content-type cache must be cleared); the role groups and beat schedules are recreated here
# by the migrations' own functions, so every test starts from what `migrate` produces.


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(scope="session", autouse=True)
def _migration_data_at_start(request, django_db_blocker):
    # pytest-django creates the test databases only when a collected test uses one; a run of
    # database-free tests (money, fractions) must not touch the unmigrated main database.
    if not any(_uses_database(item) for item in request.session.items):
        return
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        _restore_migration_data()


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
        & set(getattr(item, "fixturenames", ()))
    )


@pytest.fixture(autouse=True)
def _migration_data_after_flush(request, django_db_blocker):
    yield
    if _is_transactional(request):
        with django_db_blocker.unblock():
            _restore_migration_data()
