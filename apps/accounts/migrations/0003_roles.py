"""The staff roles as groups with their permission sets (ISSUE 9 §2).

Data only. Later contexts extend a role in their own migrations with
``apps.accounts.services.roles.grant(...)`` (passing their historical models), for example
the auditor's ``view_*`` permissions of the models they add.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

# Frozen here on purpose: a migration states the permissions as they were when it ran.
ROLE_PERMISSIONS = {
    "admin": [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_saleschannel",
        "accounts.change_saleschannel",
        "accounts.view_saleschannel",
        "accounts.add_salesrepresentative",
        "accounts.change_salesrepresentative",
        "accounts.view_salesrepresentative",
        "accounts.add_apiclient",
        "accounts.change_apiclient",
        "accounts.view_apiclient",
        "accounts.view_tokenfamily",
        "auth.view_group",
        "auth.view_permission",
        "auditlog.view_logentry",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "consorcio.view_job",
        "consorcio.view_jobmessage",
        "consorcio.view_outboxevent",
        "consorcio.view_outboxdelivery",
        "consorcio.view_personaldataaccess",
    ],
    "operations": [
        "accounts.view_user",
        "accounts.view_saleschannel",
        "accounts.view_salesrepresentative",
        "consorcio.view_job",
        "consorcio.view_jobmessage",
        "consorcio.view_outboxevent",
        "consorcio.view_outboxdelivery",
    ],
    "sales": [
        "accounts.view_saleschannel",
        "accounts.view_salesrepresentative",
        "consorcio.view_job",
    ],
    "finance": [
        "accounts.view_saleschannel",
        "consorcio.view_job",
        "consorcio.view_jobmessage",
    ],
    "credit": [
        "accounts.view_saleschannel",
        "consorcio.view_job",
    ],
    "auditor": [],
}

# The auditor reads everything (and the audit data: auditlog, axes, admin log), but no
# secrets: OTP devices, refresh tokens and sessions are left out.
AUDITOR_VIEW_APP_LABELS = [
    "accounts",
    "admin",
    "auditlog",
    "auth",
    "axes",
    "consorcio",
    "django_celery_beat",
    "members",
    "documents",
    "groups",
    "finance",
    "draws",
    "credit",
    "reports",
    "notifications",
    "audit",
]


def create_roles(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)
    auditor_perms = [
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(
            codename__startswith="view_", content_type__app_label__in=AUDITOR_VIEW_APP_LABELS
        ).values_list("content_type__app_label", "codename")
    ]
    role_services.grant("auditor", auditor_perms, group_model=Group, permission_model=Permission)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_channels_representatives_api_clients"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auditlog", "0017_add_actor_email"),
        ("axes", "0010_accessattemptexpiration"),
        ("consorcio", "0004_personal_data_access_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
