"""Grant the quota and sale permissions to the roles (ISSUE 10 item 3).

admin: everything; operations and sales: add/change/view; finance, credit and auditor: view.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_MODELS = ("quota", "quotaversion", "quotaobligation")

# Frozen here on purpose: a migration states the permissions as they were when it ran.
ROLE_PERMISSIONS = {
    "admin": [
        f"groups.{action}_{model}"
        for model in _MODELS
        for action in ("add", "change", "delete", "view")
    ],
    "operations": [
        f"groups.{action}_{model}" for model in _MODELS for action in ("add", "change", "view")
    ],
    "sales": [
        f"groups.{action}_{model}" for model in _MODELS for action in ("add", "change", "view")
    ],
    "finance": [f"groups.view_{model}" for model in _MODELS],
    "credit": [f"groups.view_{model}" for model in _MODELS],
    "auditor": [f"groups.view_{model}" for model in _MODELS],
}


def grant_quota_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_quota_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_group_role_permissions"),
        ("groups", "0002_quotas"),
    ]

    operations = [migrations.RunPython(grant_quota_permissions, revoke_quota_permissions)]
