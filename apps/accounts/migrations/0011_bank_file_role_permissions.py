"""Grant the bank return-file permissions to the roles (ISSUE 11 item 5a).

admin: everything. finance: reads and imports return files (add). auditor: reads them.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_MODELS = ("bankfile", "bankfileline")

# Frozen here on purpose: a migration states the permissions as they were when it ran.
ROLE_PERMISSIONS = {
    "admin": [
        f"finance.{action}_{model}"
        for model in _MODELS
        for action in ("add", "change", "delete", "view")
    ],
    "finance": [*(f"finance.view_{model}" for model in _MODELS), "finance.add_bankfile"],
    "auditor": [f"finance.view_{model}" for model in _MODELS],
}


def grant_bank_file_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_bank_file_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_finance_role_permissions"),
        ("finance", "0008_bank_files"),
    ]

    operations = [migrations.RunPython(grant_bank_file_permissions, revoke_bank_file_permissions)]
