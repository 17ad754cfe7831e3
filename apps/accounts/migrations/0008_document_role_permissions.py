"""Grant the document permissions to the roles (ISSUE 10 item 4).

admin: everything; operations, sales, finance and credit: upload and read (add/view);
auditor: read. Versions are immutable: nobody but admin gets change/delete, and the download
trail (documentaccess) is read-only for everyone but admin.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_MODELS = ("document", "documentversion")

# Frozen here on purpose: a migration states the permissions as they were when it ran.
_UPLOADERS = [f"documents.{action}_{model}" for model in _MODELS for action in ("add", "view")]
ROLE_PERMISSIONS = {
    "admin": [
        *(
            f"documents.{action}_{model}"
            for model in _MODELS
            for action in ("add", "change", "delete", "view")
        ),
        "documents.view_documentaccess",
    ],
    "operations": [*_UPLOADERS, "documents.view_documentaccess"],
    "sales": _UPLOADERS,
    "finance": _UPLOADERS,
    "credit": _UPLOADERS,
    "auditor": [
        *(f"documents.view_{model}" for model in _MODELS),
        "documents.view_documentaccess",
    ],
}


def grant_document_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_document_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_quota_role_permissions"),
        ("documents", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_document_permissions, revoke_document_permissions)]
