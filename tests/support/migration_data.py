"""Data that migrations create (role groups and their grants, beat schedules), restorable.

A transactional test (live_server, real workers, racing processes) ends by truncating every
table, migration data included, and `--reuse-db` keeps that state for the next run. Django
recreates content types and permissions after the flush (with new ids, so the in-process
content-type cache must be cleared); the rest is recreated by the migrations' own functions.
Add each new data migration here.
"""

from __future__ import annotations

_DATA_MIGRATIONS = (
    ("apps.accounts.migrations.0003_roles", "create_roles"),
    ("consorcio.migrations.0003_default_schedules", "create_default_schedules"),
    ("apps.accounts.migrations.0004_token_flush_schedule", "create_schedule"),
    ("apps.accounts.migrations.0005_member_role_permissions", "grant_member_permissions"),
    ("apps.accounts.migrations.0006_group_role_permissions", "grant_group_permissions"),
    ("apps.accounts.migrations.0007_quota_role_permissions", "grant_quota_permissions"),
    ("apps.accounts.migrations.0008_document_role_permissions", "grant_document_permissions"),
    ("apps.groups.migrations.0003_expire_reservations_schedule", "create_schedule"),
    ("apps.documents.migrations.0003_sweep_orphan_files_schedule", "create_schedule"),
    ("apps.finance.migrations.0003_billing_schedule", "create_schedule"),
    ("apps.finance.migrations.0007_delinquency_schedule", "create_schedule"),
    ("apps.accounts.migrations.0009_delinquency_role_permissions", "grant_delinquency_permissions"),
    ("apps.accounts.migrations.0010_finance_role_permissions", "grant_finance_permissions"),
    ("apps.accounts.migrations.0011_bank_file_role_permissions", "grant_bank_file_permissions"),
    ("apps.accounts.migrations.0012_role_permissions_draws", "grant_draws_permissions"),
    ("apps.draws.migrations.0002_bidding_schedule", "create_schedule"),
    ("apps.draws.migrations.0004_lapse_schedule", "create_schedule"),
)


def restore_migration_data() -> None:
    """Re-run the data migrations' own functions when a flush removed what they created."""
    import importlib

    from django.apps import apps as django_apps
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django_celery_beat.models import PeriodicTask

    from apps.accounts.roles import Role

    ContentType.objects.clear_cache()
    if (
        Group.objects.filter(name__in=[role.value for role in Role]).count() == len(Role)
        and PeriodicTask.objects.filter(name__startswith="consorcio.").exists()
        and PeriodicTask.objects.filter(name__startswith="accounts.").exists()
        and PeriodicTask.objects.filter(name="groups.expire_reservations").exists()
        and PeriodicTask.objects.filter(name="documents.sweep_orphan_files").exists()
        and PeriodicTask.objects.filter(name="finance.monthly_billing").exists()
        and PeriodicTask.objects.filter(name="finance.daily_delinquency").exists()
        and PeriodicTask.objects.filter(name="draws.open_and_close_bidding").exists()
        and PeriodicTask.objects.filter(name="draws.lapse_unpaid_bids").exists()
        and Group.objects.filter(
            name=Role.FINANCE.value, permissions__codename="change_exclusionproposal"
        ).exists()
        # the newest grant: older test helpers recreate the groups without the later grants
        and Group.objects.filter(
            name=Role.FINANCE.value, permissions__codename="add_payment"
        ).exists()
        and Group.objects.filter(
            name=Role.FINANCE.value, permissions__codename="add_bankfile"
        ).exists()
        and Group.objects.filter(
            name=Role.OPERATIONS.value, permissions__codename="add_quotaversion"
        ).exists()
        and Group.objects.filter(
            name=Role.OPERATIONS.value, permissions__codename="add_documentversion"
        ).exists()
        and Group.objects.filter(name=Role.SALES.value, permissions__codename="add_bid").exists()
    ):
        return
    for module, function in _DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(django_apps, None)
