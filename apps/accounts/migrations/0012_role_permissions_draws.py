"""Grant the assemblies, bids and results permissions to the roles (ISSUE 12 item 7).

admin and operations run the assemblies (view/add/change: generate the calendar, open and
close bidding, record the extraction, compute and publish) and enter bids for quotas; sales
(and the channels' API clients) read assemblies and results and place bids; finance, credit
and auditor read. Bids stay sealed until bidding closes whatever the role (the selectors
refuse); results, awards and their events are written by the services only.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_RESULTS = ("assemblyresult", "award", "resultevent")
_ALL = ("assembly", "assemblytransition", "bid", *_RESULTS)


def _view(models):
    return [f"draws.view_{model}" for model in models]


# Frozen here on purpose: a migration states the permissions as they were when it ran.
_RUNNERS = [*_view(_ALL), "draws.add_assembly", "draws.change_assembly", "draws.add_bid"]
ROLE_PERMISSIONS = {
    "admin": _RUNNERS,
    "operations": _RUNNERS,
    "sales": [*_view(("assembly", "assemblyresult")), "draws.add_bid"],
    "finance": _view(_ALL),
    "credit": _view(("assembly", *_RESULTS)),
    "auditor": _view(_ALL),
}


def grant_draws_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_draws_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_bank_file_role_permissions"),
        ("draws", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_draws_permissions, revoke_draws_permissions)]
