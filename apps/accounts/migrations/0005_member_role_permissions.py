"""Members permissions for the roles (ISSUE 10 item 1).

admin: everything; operations and sales: add, change, view; finance, credit, auditor: view
(the auditor stays read-only). ``members.view_personal_data`` (CPF/CNPJ unmasked) goes to
admin, operations, credit (analysis needs the document) and auditor (it audits accesses);
sales and finance see documents masked.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_MODELS = ("member", "address", "consent")


def _perms(*actions):
    return [f"members.{action}_{model}" for model in _MODELS for action in actions]


# Frozen here on purpose: a migration states the permissions as they were when it ran.
ROLE_PERMISSIONS = {
    "admin": [*_perms("add", "change", "delete", "view"), "members.view_personal_data"],
    "operations": [*_perms("add", "change", "view"), "members.view_personal_data"],
    "sales": _perms("add", "change", "view"),
    "finance": _perms("view"),
    "credit": [*_perms("view"), "members.view_personal_data"],
    "auditor": [*_perms("view"), "members.view_personal_data"],
}


def grant_member_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_member_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_token_flush_schedule"),
        ("members", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_member_permissions, revoke_member_permissions)]
