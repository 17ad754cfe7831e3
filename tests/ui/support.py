"""Helpers shared by the UI and browser tests."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

from apps.accounts.roles import Role


def ensure_roles() -> None:
    """Recreate the role groups if a transactional test's flush removed them.

    The groups come from the data migration ``accounts.0003_roles``; a transactional test
    (live_server, real workers) ends by truncating every table, migration data included, and
    ``--reuse-db`` keeps that state for the next run. Re-running the migration's own function
    restores exactly what the migration creates.
    """
    if Group.objects.filter(name__in=[role.value for role in Role]).count() == len(Role):
        return
    migration = importlib.import_module("apps.accounts.migrations.0003_roles")
    migration.create_roles(apps, None)
