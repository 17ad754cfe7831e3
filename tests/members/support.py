"""Helpers shared by tests that need the members permissions of the roles."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Permission

from apps.accounts.roles import Role
from tests.ui.support import ensure_roles


def ensure_member_permissions() -> None:
    """Re-grant migration ``accounts.0005`` if a transactional test's flush removed it.

    ``ensure_roles`` re-runs only ``accounts.0003`` (which already gives the auditor every
    ``view_*``), so the check looks at a permission only 0005 grants.
    """
    ensure_roles()
    if Permission.objects.filter(
        codename="view_personal_data", group__name=Role.CREDIT.value
    ).exists():
        return
    migration = importlib.import_module("apps.accounts.migrations.0005_member_role_permissions")
    migration.grant_member_permissions(apps, None)
