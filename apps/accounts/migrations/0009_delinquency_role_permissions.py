"""Grant the delinquency permissions to the roles (ISSUE 11 item 6).

admin: everything; finance: read delinquency and decide exclusion proposals (view/change:
confirming excludes the quota); operations, credit and auditor: read. Status rows and
proposals are written by the daily job: nobody but admin gets add/delete.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_MODELS = ("delinquencystatus", "exclusionproposal")

# Frozen here on purpose: a migration states the permissions as they were when it ran.
_READERS = [f"finance.view_{model}" for model in _MODELS]
ROLE_PERMISSIONS = {
    "admin": [
        f"finance.{action}_{model}"
        for model in _MODELS
        for action in ("add", "change", "delete", "view")
    ],
    "finance": [*_READERS, "finance.change_exclusionproposal"],
    "operations": _READERS,
    "credit": _READERS,
    "auditor": _READERS,
}


def grant_delinquency_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_delinquency_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_document_role_permissions"),
        ("finance", "0006_delinquency"),
    ]

    operations = [
        migrations.RunPython(grant_delinquency_permissions, revoke_delinquency_permissions)
    ]
